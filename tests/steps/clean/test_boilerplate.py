"""clean.boilerplate@1, the cross-page boilerplate stage, on real pages: map → reduce → apply in real runs.

The corpus: real noisy-dev pages given URLs on one site, each followed by the same real footer lines (copied
from the kulinariaathome page), split over two JSONL files so counts must add up across shards; two pages
of a second site sharing a footer (below ``min_pages``); single pages of other sites; a file of pages
without URL. A second test runs the real WARC samples, where commoncrawl.org and creativecommons.org pages
repeat their real navigation.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import WARC_DIR, noisy_dev_rows, read_ledger, read_output
from websieve import Executor, clean, run
from websieve.config import RunConfig, build_run_config
from websieve.document import Document
from websieve.errors import ConfigError
from websieve.runs import RunSummary
from websieve.steps.base import StepContext
from websieve.steps.clean.boilerplate import (
    BoilerplateReason,
    CrossPageBoilerplate,
    _without,
    line_key,
    site_key,
)
from websieve.steps.normalize.unicode import NormalizeUnicode

STEP = CrossPageBoilerplate.step_id
STEPS = [
    {"extract.resiliparse": {"min_chars": None}},
    "normalize.unicode",
    "langid.fasttext",
    "clean.boilerplate",
]


def _nonblank(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


ROWS = noisy_dev_rows()
# the real footer of the kulinariaathome.com page (its last five lines)
FOOTER = _nonblank(ROWS[2]["text"])[-5:]
assert FOOTER[0] == "Haftungshinweis" and FOOTER[-1] == "%d Bloggern gefällt das:"
# bmjv.de's real copyright line; each page of the site gets another year (digits normalise to 0)
COPYRIGHT = "© {year} Bundesministerium der Justiz und für Verbraucherschutz"
# toralin.de's real footer, shared by only two pages of site B
FOOTER_B = _nonblank(ROWS[5]["text"])[-3:]
# denkanstoos.com's real subscription lines, for the pages without URL
FOOTER_C = ["Erhalte jeden neuen Beitrag in deinen Posteingang.", "Erstelle eine Website mit WordPress.com"]

SITE_A = {f"a{i}": row for i, row in enumerate((0, 3, 8, 9, 12, 13))}  # denkanstoos (3) ends with FOOTER[-1]
SITE_B = {"b0": 14, "b1": 23}
SINGLES = {"s0": 22, "s1": 24}
NO_URL = {"c0": 25, "c1": 29, "c2": 31}
ALL_FOOTER = "a6"  # a page of site A made of nothing but its footer


def _page_a(doc_id: str, row: int) -> dict[str, str]:
    i = int(doc_id[1:])
    footer = [*FOOTER, COPYRIGHT.format(year=2014 + i)]
    return {
        "id": doc_id,
        "url": f"https://www.kulinaria-blog.example/{2012 + i}/{doc_id}.html",
        "text": ROWS[row]["text"].rstrip() + "\n\n" + "\n".join(footer),
    }


def _write_corpus(folder: Path) -> dict[str, str]:
    """Writes a.jsonl, b.jsonl (site A split over both), c.jsonl (no URLs); returns id -> input text."""
    pages: dict[str, list[dict[str, str]]] = {"a": [], "b": [], "c": []}
    for doc_id, row in SITE_A.items():
        pages["a" if int(doc_id[1:]) < 3 else "b"].append(_page_a(doc_id, row))
    pages["b"].append(
        {
            "id": ALL_FOOTER,
            "url": "http://kulinaria-blog.example/impressum",  # same site: no www., http
            "text": "\n".join([*FOOTER, COPYRIGHT.format(year=2020)]),
        }
    )
    for k, (doc_id, row) in enumerate(SITE_B.items()):
        text = ROWS[row]["text"].rstrip() + "\n" + "\n".join(FOOTER_B)
        pages["ab"[k]].append({"id": doc_id, "url": f"https://shop.example-b.com/p/{k}", "text": text})
    for k, (doc_id, row) in enumerate(SINGLES.items()):
        pages["ab"[k]].append({"id": doc_id, "url": ROWS[row]["url"], "text": ROWS[row]["text"]})
    for doc_id, row in NO_URL.items():
        pages["c"].append({"id": doc_id, "text": ROWS[row]["text"].rstrip() + "\n\n" + "\n".join(FOOTER_C)})
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in pages.items():
        lines = [orjson.dumps(r) for r in rows]
        if name == "a":
            lines.insert(1, b"{not json")  # one broken record: one error row, in the main pass only
        (folder / f"{name}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return {r["id"]: r["text"] for rows in pages.values() for r in rows}


def _config(**options: object) -> RunConfig:
    steps: list[object] = [*STEPS[:-1], {"clean.boilerplate": dict(options)} if options else STEPS[-1]]
    return build_run_config({"steps": steps})


def _normalized(text: str) -> str:
    step = NormalizeUnicode()
    step.setup()
    out = step.apply(Document(id="x", text=text), StepContext.standalone())
    assert out is not None and out.text is not None
    return out.text


def _removed(run_dir: Path) -> list[dict[str, object]]:
    return pq.read_table(run_dir / "ledger" / "removed").to_pylist()


def _annotations(run_dir: Path) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = defaultdict(dict)
    for row in pq.read_table(run_dir / "annotations").to_pylist():
        if row["step"] == STEP:
            out[str(row["id"])][str(row["key"])] = row["number"] if row["label"] is None else row["label"]
    return out


def _tree_bytes(run_dir: Path, *, state: bool = False) -> dict[str, bytes]:
    subs = ["output", "ledger", "annotations"] + (["_state/boilerplate"] if state else [])
    return {
        str(p.relative_to(run_dir)): p.read_bytes()
        for sub in subs
        for p in sorted((run_dir / sub).rglob("*"))
        if p.is_file() and (not state or not p.name.endswith(".done"))
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("corpus")
    return folder, _write_corpus(folder)


@pytest.fixture(scope="module")
def reference(
    corpus: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[RunSummary, dict[str, dict[str, object]]]:
    out = tmp_path_factory.mktemp("reference") / "run"
    summary = run(_config(), inputs=[str(corpus[0])], output=out, executor=Executor.INLINE)
    return summary, {str(r["id"]): r for r in read_output(out)}


def test_repeated_footer_lines_leave_every_page_of_the_site(
    corpus: tuple[Path, dict[str, str]], reference: tuple[RunSummary, dict[str, dict[str, object]]]
) -> None:
    _, inputs = corpus
    summary, output = reference
    removed = _removed(summary.run_dir)
    by_doc: dict[str, list[dict[str, object]]] = defaultdict(list)
    for r in removed:
        by_doc[str(r["id"])].append(r)
    assert {r["reason"] for r in removed} == {BoilerplateReason.SITE_BOILERPLATE.value}
    assert {r["step"] for r in removed} == {STEP}
    # keys of site A's input pages, to check that every removal is backed by >= 3 pages
    pages_with: Counter[str] = Counter()
    for doc_id in [*SITE_A, ALL_FOOTER]:
        pages_with.update({line_key(line) for line in _normalized(inputs[doc_id]).split("\n")})
    for doc_id in SITE_A:
        text = str(output[doc_id]["text"])
        source = _normalized(inputs[doc_id])
        out_lines = _nonblank(text)
        for line in [*FOOTER, COPYRIGHT.format(year=2014 + int(doc_id[1:]))]:
            assert line not in out_lines, (doc_id, line)
            assert line in [r["line"] for r in by_doc[doc_id]], (doc_id, line)
        # whole lines only, kept verbatim and in order: the output is the input minus the removed lines
        rows = by_doc[doc_id]
        source_lines = source.split("\n")
        for r in rows:
            assert source_lines[int(str(r["line_no"]))] == r["line"]
        gone = {int(str(r["line_no"])) for r in rows}
        assert out_lines == [line for i, line in enumerate(source_lines) if line.strip() and i not in gone]
        assert text.split("\n\n")[0] == source.split("\n\n")[0]  # the untouched start is byte-identical
        for r in rows:
            assert float(str(r["score"])) == pages_with[line_key(str(r["line"]))] >= 3
            assert r["threshold"] == 3.0
    # the copyright line with seven different years is one line for the stage (digits -> 0)
    copyright_scores = {r["score"] for r in removed if str(r["line"]).startswith("© 20")}
    assert copyright_scores == {7.0}
    # denkanstoos already ended with "%d Bloggern gefällt das:": both copies go, the page counted once
    twice = [r for r in by_doc["a1"] if r["line"] == "%d Bloggern gefällt das:"]
    assert len(twice) == 2 and {r["score"] for r in twice} == {7.0}
    notes = _annotations(summary.run_dir)
    assert notes["a0"]["lines_removed"] == len(by_doc["a0"]) >= 6
    assert summary.stats["removed_lines"] == {STEP: {"site_boilerplate": len(removed)}}


def test_a_page_made_only_of_boilerplate_is_left_whole(
    corpus: tuple[Path, dict[str, str]], reference: tuple[RunSummary, dict[str, dict[str, object]]]
) -> None:
    summary, output = reference
    assert output[ALL_FOOTER]["text"] == _normalized(corpus[1][ALL_FOOTER])
    assert _annotations(summary.run_dir)[ALL_FOOTER]["all_boilerplate"] == 1.0
    assert not [r for r in _removed(summary.run_dir) if r["id"] == ALL_FOOTER]


def test_other_sites_and_rare_lines_are_untouched(
    corpus: tuple[Path, dict[str, str]], reference: tuple[RunSummary, dict[str, dict[str, object]]]
) -> None:
    summary, output = reference
    removed_ids = {r["id"] for r in _removed(summary.run_dir)}
    notes = _annotations(summary.run_dir)
    for doc_id in [*SITE_B, *SINGLES]:  # site B's footer is on 2 pages only: below min_pages
        assert output[doc_id]["text"] == _normalized(corpus[1][doc_id]), doc_id
        assert doc_id not in removed_ids
        assert notes[doc_id]["lines_removed"] == 0


def test_pages_without_url_are_grouped_by_source_file(
    reference: tuple[RunSummary, dict[str, dict[str, object]]],
) -> None:
    _, output = reference
    for doc_id in NO_URL:
        lines = _nonblank(str(output[doc_id]["text"]))
        assert not set(FOOTER_C) & set(lines), doc_id
        assert len(lines) > 10
    assert site_key(None, "in/c.jsonl") != site_key(None, "in/a.jsonl")


def test_every_document_ends_in_one_place_and_the_map_pass_writes_no_ledger(
    corpus: tuple[Path, dict[str, str]], reference: tuple[RunSummary, dict[str, dict[str, object]]]
) -> None:
    summary, output = reference
    stats = summary.stats
    ledger = read_ledger(summary.run_dir)
    assert stats["input"] == len(ledger) == stats["kept"] + stats["dropped"] + stats["errors"]
    assert stats["input"] == len(corpus[1]) + 1 and stats["errors"] == 1  # the broken JSON line, once
    assert len({(r["source"], r["offset"], r["id"]) for r in ledger}) == len(ledger)
    assert sorted(str(r["id"]) for r in ledger if r["fate"] == "kept") == sorted(output)
    stage = stats["global_stages"][STEP]
    assert stage["map_shards"] == {"run": 3, "resumed": 0} and stage["reduce"] == "run"
    assert stage["decisions"] >= 6 and stage["sites"] == len(SINGLES) + 3  # A, B, the URL-less file
    state = summary.run_dir / "_state" / "boilerplate"
    assert sorted(p.name for p in state.glob("decisions-p*.parquet")) == sorted(
        f"decisions-p{k}.parquet" for k in range(16)
    )
    for k in range(16):
        table = pq.read_table(state / f"decisions-p{k}.parquet")
        assert table.column_names == ["site", "line", "pages", "site_pages"]
        pairs = list(zip(table.column("site").to_pylist(), table.column("line").to_pylist(), strict=True))
        assert pairs == sorted(pairs) and all(s % 16 == k for s, _ in pairs)


def test_output_is_byte_identical_across_runs_executors_and_partitions(
    corpus: tuple[Path, dict[str, str]],
    reference: tuple[RunSummary, dict[str, dict[str, object]]],
    tmp_path: Path,
) -> None:
    want = _tree_bytes(reference[0].run_dir, state=True)
    again = run(_config(), inputs=[str(corpus[0])], output=tmp_path / "again", executor=Executor.INLINE)
    assert _tree_bytes(again.run_dir, state=True) == want
    local = run(
        _config(), inputs=[str(corpus[0])], output=tmp_path / "local", executor=Executor.LOCAL, workers=2
    )
    assert _tree_bytes(local.run_dir, state=True) == want
    one = run(
        _config(partitions=1), inputs=[str(corpus[0])], output=tmp_path / "one", executor=Executor.INLINE
    )
    assert _tree_bytes(one.run_dir) == _tree_bytes(reference[0].run_dir)


def test_resume_reuses_the_map_and_the_reduce(corpus: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    out = tmp_path / "run"
    inputs = [str(corpus[0])]
    first = run(_config(), inputs=inputs, output=out, executor=Executor.INLINE)
    want = _tree_bytes(out)
    state = out / "_state" / "boilerplate"

    def stamps() -> dict[str, int]:
        return {
            str(p.relative_to(state)): p.stat().st_mtime_ns for p in sorted(state.rglob("*")) if p.is_file()
        }

    before = stamps()
    assert len([k for k in before if k.startswith("map/") and k.endswith(".done")]) == first.shards_total == 3

    # finished run: nothing runs again
    again = run(_config(), inputs=inputs, output=out, executor=Executor.INLINE)
    assert again.shards_run == 0 and again.stats["global_stages"][STEP]["map_shards"]["run"] == 0

    # a crash after the reduce: only the main pass runs again; map and reduce are not recomputed
    for marker in (out / "_state").glob("part-*.done"):
        marker.unlink()
    resumed = run(_config(), inputs=inputs, output=out, executor=Executor.INLINE)
    assert resumed.shards_run == 3
    stage = resumed.stats["global_stages"][STEP]
    assert stage["map_shards"] == {"run": 0, "resumed": 3} and stage["reduce"] == "resumed"
    assert stamps() == before
    assert _tree_bytes(out) == want

    # a crash during the map: finished map shards are kept, the rest is mapped, then reduced
    for marker in (out / "_state").glob("part-*.done"):
        marker.unlink()
    (state / "reduce.done").unlink()
    (state / "map" / "part-00001.done").unlink()
    os.utime(state / "map" / "part-00000.done", ns=(1, 1))
    partial = run(_config(), inputs=inputs, output=out, executor=Executor.INLINE)
    stage = partial.stats["global_stages"][STEP]
    assert stage["map_shards"] == {"run": 1, "resumed": 2} and stage["reduce"] == "run"
    assert (state / "map" / "part-00000.done").stat().st_mtime_ns == 1
    assert _tree_bytes(out) == want
    assert partial.stats["input"] == first.stats["input"]


def test_real_warc_pages_lose_their_site_navigation(tmp_path: Path) -> None:
    """Real pages of commoncrawl.org (5), creativecommons.org (4) and others, extracted whole."""
    cfg = build_run_config({"steps": [{"extract.resiliparse": {"main_content": False}}, *STEPS[1:]]})
    inputs = [str(WARC_DIR / "dolma"), str(WARC_DIR / "resiliparse" / "warcfile.warc.gz")]
    summary = run(cfg, inputs=inputs, output=tmp_path / "run", executor=Executor.INLINE)
    stats = summary.stats
    assert stats["input"] == stats["kept"] + stats["dropped"] + stats["errors"]
    output = read_output(tmp_path / "run")
    per_site = Counter(site_key(str(r["url"])) for r in output)
    commoncrawl = [r for r in output if "commoncrawl.org" in str(r["url"])]
    assert len(commoncrawl) == 5
    for r in commoncrawl:
        lines = _nonblank(str(r["text"]))
        for nav in ("Privacy Policy", "Terms of Use", "Mailing List Archive", "© 2023 Common Crawl"):
            assert nav not in lines, (r["url"], nav)
    removed = _removed(tmp_path / "run")
    ids = {str(r["id"]): r for r in output}
    # lines go only from pages of sites with at least min_pages pages in the run
    assert removed and all(per_site[site_key(str(ids[str(r["id"])]["url"]))] >= 3 for r in removed)
    cc_lines = {r["line"] for r in removed if "creativecommons.org" in str(ids[str(r["id"])]["url"])}
    assert "Join a global community working to strengthen the Commons" in cc_lines


def test_outside_a_run_documents_pass_through() -> None:
    step = CrossPageBoilerplate()
    step.setup()
    text = "Some article text.\nHaftungshinweis"
    (doc,) = step.process(iter([Document(id="1", text=text)]), StepContext.standalone())
    assert doc.text == text and doc.annotations[STEP] == {"skipped": "no run folder"}
    page = clean(text + "\n" + "\n".join(FOOTER), config=_config(), url="https://kulinaria-blog.example/")
    assert page.text is not None and FOOTER[0] in page.text and page.removed == []


def test_line_keys_and_sites() -> None:
    assert line_key("  Home ›  ") == line_key("HOME |") == "home"
    assert line_key("© 2019 Café") == line_key("© 2024 cafe") == "0000 cafe"
    assert line_key("Ελληνικά  κείμενο!") == "ελληνικα κειμενο"
    assert line_key("* * *") == "* * *" and line_key("   ") == ""
    assert site_key("https://WWW.Example.org:443/a") == site_key("http://example.org/b?x=1")
    assert site_key("https://blog.example.org/") != site_key("https://example.org/")
    assert site_key("<https://example.org/x>") == site_key("https://example.org/")
    assert site_key("not a url", "f.jsonl") == site_key(None, "f.jsonl") != site_key(None, "g.jsonl")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("min_pages", 1, "min_pages must be at least 2"),
        ("min_page_fraction", 1.5, "between 0 and 1"),
        ("min_chars", 0, "min_chars must be at least 1"),
        ("partitions", 0, "partitions must be between 1 and 4096"),
    ],
)
def test_bad_options_are_refused(option: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _config(**{option: value})


def test_copying_the_run_folder_keeps_it_resumable(
    reference: tuple[RunSummary, dict[str, dict[str, object]]],
    corpus: tuple[Path, dict[str, str]],
    tmp_path: Path,
) -> None:
    """The state holds no absolute paths: a copied run folder resumes from its own map and decisions."""
    copy = tmp_path / "copy"
    shutil.copytree(reference[0].run_dir, copy)
    for marker in (copy / "_state").glob("part-*.done"):
        marker.unlink()
    resumed = run(_config(), inputs=[str(corpus[0])], output=copy, executor=Executor.INLINE)
    assert resumed.stats["global_stages"][STEP]["reduce"] == "resumed"
    assert _tree_bytes(copy) == _tree_bytes(reference[0].run_dir)


@given(
    st.lists(st.sampled_from(["", " ", "Home", "A sentence.", "Footer © 2024", "x"]), max_size=12),
    st.sets(st.integers(0, 11)),
)
def test_removing_lines_keeps_the_others_verbatim_and_in_order(lines: list[str], gone: set[int]) -> None:
    removed = {i: 3 for i in gone if i < len(lines) and lines[i].strip()}
    text = _without(lines, removed)
    kept = [line for i, line in enumerate(lines) if line.strip() and i not in removed]
    assert [line for line in text.split("\n") if line.strip()] == kept
    if not removed and kept:
        assert text == "\n".join(lines)
    # removing lines never widens a gap: no longer run of blank lines than the page had
    if kept:
        assert _longest_blank_run(text.split("\n")) <= _longest_blank_run(lines)
    else:
        assert text == ""


def _longest_blank_run(lines: list[str]) -> int:
    longest = run = 0
    for line in lines:
        run = run + 1 if not line.strip() else 0
        longest = max(longest, run)
    return longest


def test_near_copies_of_one_article_keep_their_text(tmp_path: Path) -> None:
    """Three crawls of one real article that differ in one line: no copy loses the article to the others."""
    article = _nonblank(ROWS[0]["text"])[:30]
    pages = [
        {"id": f"copy{i}", "url": f"https://example.org/story?utm={i}", "text": "\n".join([*article, who])}
        for i, who in enumerate(("Shared by Alice", "Shared by Bob", "Shared by Carol"))
    ]
    src = tmp_path / "in"
    src.mkdir()
    (src / "copies.jsonl").write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in pages))
    run(_config(), inputs=[str(src)], output=tmp_path / "run", executor=Executor.INLINE)
    out = {str(r["id"]): str(r["text"]) for r in read_output(tmp_path / "run")}
    for page in pages:
        assert len(_nonblank(out[page["id"]])) >= len(article)
    assert all(_annotations(tmp_path / "run")[p["id"]]["all_boilerplate"] for p in pages)
