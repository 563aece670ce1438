"""dedup.paragraphs@1 on real pages: each paragraph kept once per run, by its first document in input order.

The corpus: real noisy-dev pages (tests/data/jsonl) in three JSONL files (three shards), some of them
built to share real paragraphs: a paragraph of one page quoted by another, a near copy made of one page's
paragraphs, a page made mostly of another's paragraphs that also holds a paragraph a later page quotes,
a page that repeats one of its own paragraphs. Ids are chosen so that the smallest id is never the first
copy. The pages also share real template sentences among themselves (WordPress comment forms), which the
step removes as well; a plain sequential model of the rule (`_expected`) gives every decision.
"""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from conftest import noisy_dev_rows, read_ledger, read_output, tree_bytes
from websieve import Executor, run
from websieve.config import RunConfig, build_run_config
from websieve.document import Document
from websieve.errors import ConfigError
from websieve.runs import RunSummary
from websieve.steps.base import StepContext
from websieve.steps.dedup.paragraphs import ParagraphDedup, ParagraphRule, paragraph_keys
from websieve.steps.global_stage import StageState
from websieve.steps.line_counts import line_key, without_lines

STEP = ParagraphDedup.step_id
MIN_CHARS = 50


ROWS = noisy_dev_rows()


def _long_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if len(line_key(line)) >= MIN_CHARS]


def _paragraph(text: str, n: int = 0) -> str:
    """The ``n``-th line of ``text`` over 100 characters: a real paragraph rather than a template line."""
    return [line for line in text.split("\n") if len(line) > 100][n]


KULINARIA = ROWS[2]["text"]  # a recipe blog post (its long lines make the near copy)
CREATIVE = ROWS[15]["text"]  # creativecommons.org: its first long line is quoted by the CDU page
QUOTE = _paragraph(CREATIVE)
LAW = ROWS[35]["text"]  # rechtambild.de: one of its paragraphs is borrowed by the mostly-copied page
BORROWED = _paragraph(LAW, 2)
REPEAT = _paragraph(ROWS[23]["text"])  # hundeverein: its first paragraph comes back at its end

#: file -> documents in order; the file names give the shard order (a.jsonl is part-00000)
FILES: dict[str, list[tuple[str, str]]] = {
    "a.jsonl": [
        ("z-kulinaria", KULINARIA),
        ("z-cdu", ROWS[13]["text"].rstrip() + "\n\n" + QUOTE),  # quotes creativecommons: the first copy
        ("z-mostly-copied", "\n".join([*_long_lines(KULINARIA), BORROWED])),
        ("z-toralin", ROWS[5]["text"]),
    ],
    "b.jsonl": [
        ("a-creative", CREATIVE),  # the quote's origin, but later in the input: it loses the quote
        ("a-law", LAW),  # loses BORROWED to z-mostly-copied, which keeps it
        ("a-hund", ROWS[23]["text"].rstrip() + "\n" + REPEAT),
        ("a-denkanstoos", ROWS[3]["text"]),
    ],
    "c.jsonl": [
        (
            "0-copy",
            "\n".join([*_long_lines(KULINARIA), "Ein neuer Satz, der in keiner anderen Seite steht."]),
        ),
        ("0-viehbacher", ROWS[24]["text"]),
        ("0-buchperlen", ROWS[20]["text"]),
    ],
}
DOCS = [doc for rows in FILES.values() for doc in rows]


def _write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, docs in FILES.items():
        rows = [orjson.dumps({"id": i, "text": t, "url": f"https://example.org/{i}"}) for i, t in docs]
        (folder / name).write_bytes(b"\n".join(rows) + b"\n")
    return folder


def _config(**options: object) -> RunConfig:
    step: object = {"dedup.paragraphs": dict(options)} if options else "dedup.paragraphs"
    return build_run_config({"steps": [{"extract.html": {"min_chars": None}}, step]})


class _Expected:
    def __init__(self) -> None:
        self.removed: dict[str, dict[int, tuple[str, float, str]]] = {}  # id -> line -> reason, docs, keeper
        self.dropped: dict[str, float] = {}  # id -> removed share
        self.texts: dict[str, str] = {}  # id -> text of the kept documents
        self.keeps: dict[str, int] = {}


def _expected(docs: list[tuple[str, str]], drop_share: float = 0.75) -> _Expected:
    """The rule, sequentially: documents in input order; a paragraph belongs to the first document with it."""
    keys = [paragraph_keys(text, min_chars=MIN_CHARS) for _, text in docs]
    docs_with: Counter[int] = Counter()
    owner: dict[int, int] = {}
    for index, doc_keys in enumerate(keys):
        for distinct in {k for k in doc_keys if k is not None}:
            docs_with[distinct] += 1
            owner.setdefault(distinct, index)
    out = _Expected()
    for index, ((doc_id, text), doc_keys) in enumerate(zip(docs, keys, strict=True)):
        removed: dict[int, tuple[str, float, str]] = {}
        seen: set[int] = set()
        keeps = 0
        keeps_own = False  # it repeats a paragraph whose kept copy is its own
        for i, key in enumerate(doc_keys):
            if key is None:
                continue
            if key in seen:
                removed[i] = ("repeated_paragraph", float(docs_with[key]), "")
                keeps_own = keeps_own or owner[key] == index
            elif owner[key] != index:
                removed[i] = ("duplicate_paragraph", float(docs_with[key]), docs[owner[key]][0])
            elif docs_with[key] > 1:
                keeps += 1
            seen.add(key)
        lines = text.split("\n")
        share = sum(len(lines[i]) for i in removed) / (sum(len(line) for line in lines) or 1)
        remaining = without_lines(lines, removed)
        out.removed[doc_id] = removed
        out.keeps[doc_id] = keeps
        if removed and not keeps and not keeps_own and (share > drop_share or not remaining.strip()):
            out.dropped[doc_id] = share
        else:
            out.texts[doc_id] = remaining if removed else text
    return out


EXPECTED = _expected(DOCS)


def _removed_rows(run_dir: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = pq.read_table(run_dir / "ledger" / "removed").to_pylist()
    return rows


def _annotations(run_dir: Path) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = defaultdict(dict)
    for row in pq.read_table(run_dir / "annotations").to_pylist():
        if row["step"] == STEP:
            out[str(row["id"])][str(row["key"])] = row["number"] if row["label"] is None else row["label"]
    return out


def _state_bytes(run_dir: Path) -> dict[str, bytes]:
    state = run_dir / "_state" / ParagraphDedup.stage
    return {
        str(p.relative_to(state)): p.read_bytes()
        for p in sorted(state.rglob("*.parquet"))
        if "map" not in p.relative_to(state).parts
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> RunSummary:
    out = tmp_path_factory.mktemp("reference") / "run"
    return run(_config(), inputs=[str(corpus)], output=out, executor=Executor.INLINE)


def test_the_corpus_exercises_every_case() -> None:
    assert EXPECTED.removed["a-creative"][CREATIVE.split("\n").index(QUOTE)][0] == "duplicate_paragraph"
    assert set(EXPECTED.dropped) >= {"0-copy"}
    assert EXPECTED.keeps["z-mostly-copied"] == 1 and "z-mostly-copied" in EXPECTED.texts
    assert any(r[0] == "repeated_paragraph" for r in EXPECTED.removed["a-hund"].values())
    # real template sentences that the pages share among themselves are removed too
    assert any(r[2] == "z-kulinaria" for r in EXPECTED.removed["a-denkanstoos"].values())


def test_each_paragraph_stays_in_its_first_document_only(reference: RunSummary) -> None:
    run_dir = reference.run_dir
    output = {str(r["id"]): str(r["text"]) for r in read_output(run_dir)}
    assert output == EXPECTED.texts
    rows = _removed_rows(run_dir)
    got: dict[str, dict[int, tuple[str, float]]] = defaultdict(dict)
    for r in rows:
        assert r["step"] == STEP and r["threshold"] is None
        got[str(r["id"])][int(str(r["line_no"]))] = (str(r["reason"]), float(str(r["score"])))
    want = {d: {i: (v[0], v[1]) for i, v in rows_.items()} for d, rows_ in EXPECTED.removed.items() if rows_}
    assert got == want
    texts = dict(DOCS)
    for r in rows:  # the ledger holds the removed line verbatim, and only lines of 50 key characters or more
        assert texts[str(r["id"])].split("\n")[int(str(r["line_no"]))] == r["line"]
        assert len(line_key(str(r["line"]))) >= MIN_CHARS
    # the quoted paragraph: kept by the CDU page (first in the input), removed from creativecommons
    assert QUOTE in output["z-cdu"].split("\n") and QUOTE not in output["a-creative"].split("\n")
    assert output["a-creative"].count("\n") >= CREATIVE.count("\n") - 30  # the rest of it stays
    # the page that repeats its own paragraph keeps the first one
    assert output["a-hund"].split("\n").count(REPEAT) == 1
    # short lines are never touched, even where several pages share them
    for doc_id, text in output.items():
        short = [line for line in dict(DOCS)[doc_id].split("\n") if line.strip() and len(line_key(line)) < 50]
        assert [line for line in text.split("\n") if line.strip() and len(line_key(line)) < 50] == short


def test_the_ledger_explains_each_decision(reference: RunSummary) -> None:
    run_dir = reference.run_dir
    notes = _annotations(run_dir)
    ledger = {str(r["id"]): r for r in read_ledger(run_dir)}
    # the near copy is dropped whole, with its removed share; its paragraphs are in the removed lines
    copy = ledger["0-copy"]
    assert copy["fate"] == "dropped" and copy["step"] == STEP
    assert copy["rule"] == ParagraphRule.DUPLICATE_PARAGRAPHS.value
    assert (
        float(str(copy["value"])) == pytest.approx(EXPECTED.dropped["0-copy"]) and copy["threshold"] == "0.75"
    )
    assert EXPECTED.dropped["0-copy"] > 0.9
    assert notes["0-copy"]["duplicate_of"] == "z-kulinaria"
    # the page made mostly of kulinaria's paragraphs stays, because it keeps one that a-law lost to it
    assert ledger["z-mostly-copied"]["fate"] == "kept"
    assert notes["z-mostly-copied"]["keeps_shared"] == 1
    assert float(str(notes["z-mostly-copied"]["removed_share"])) > 0.75
    assert notes["a-law"]["duplicate_of"] == "z-mostly-copied"
    assert notes["a-creative"]["duplicate_of"] == "z-cdu"
    # the CDU page keeps the quote; it loses only the second copies of its own title and lead
    assert notes["z-cdu"]["keeps_shared"] == 1 and "duplicate_of" not in notes["z-cdu"]
    assert {r[0] for r in EXPECTED.removed["z-cdu"].values()} == {"repeated_paragraph"}
    for doc_id, removed in EXPECTED.removed.items():
        assert notes[doc_id]["paragraphs_removed"] == len(removed)
    # nothing is silently lost: every input document is kept or dropped, once
    stats = reference.stats
    assert stats["input"] == len(ledger) == len(DOCS) == stats["kept"] + stats["dropped"]
    assert {d for d, r in ledger.items() if r["fate"] == "dropped"} == set(EXPECTED.dropped)
    total = sum(len(r) for r in EXPECTED.removed.values())
    reasons = Counter(r[0] for rows in EXPECTED.removed.values() for r in rows.values())
    assert stats["removed_lines"] == {STEP: dict(reasons)} and sum(reasons.values()) == total
    stage = stats["global_stages"][STEP]
    assert stage["map_shards"] == {"run": 3, "resumed": 0} and stage["reduce"] == "run"


def test_the_same_bytes_whatever_the_workers_and_partitions(
    corpus: Path, reference: RunSummary, tmp_path: Path
) -> None:
    want = tree_bytes(reference.run_dir)
    want_state = _state_bytes(reference.run_dir)
    assert want_state  # decisions of every partition, and of every shard with shared paragraphs
    for workers in (1, 2, 4):
        out = tmp_path / f"local{workers}"
        run(_config(), inputs=[str(corpus)], output=out, executor=Executor.LOCAL, workers=workers)
        assert tree_bytes(out) == want, workers
        assert _state_bytes(out) == want_state, workers
    for partitions in (1, 16, 7):
        out = tmp_path / f"p{partitions}"
        run(_config(partitions=partitions), inputs=[str(corpus)], output=out, executor=Executor.INLINE)
        assert tree_bytes(out) == want, partitions


def test_the_reduce_does_not_depend_on_the_order_it_is_given_the_shards(
    reference: RunSummary, tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(reference.run_dir, copy)
    state = StageState(copy, ParagraphDedup.stage)
    want = _state_bytes(copy)
    shutil.rmtree(state.root / "decisions")
    for path in state.root.glob("decisions-p*.parquet"):
        path.unlink()
    step = ParagraphDedup()
    for k in range(step.partitions):
        step.reduce_partition(state, k, ["part-00002", "part-00000", "part-00001"])
    assert _state_bytes(copy) == want


def test_a_resumed_run_reuses_the_map_and_the_reduce(
    corpus: Path, reference: RunSummary, tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(reference.run_dir, copy)
    for marker in (copy / "_state").glob("part-*.done"):  # a crash after the reduce
        marker.unlink()
    resumed = run(_config(), inputs=[str(corpus)], output=copy, executor=Executor.INLINE)
    stage = resumed.stats["global_stages"][STEP]
    assert stage["map_shards"] == {"run": 0, "resumed": 3} and stage["reduce"] == "resumed"
    assert tree_bytes(copy) == tree_bytes(reference.run_dir)


def test_the_first_copy_is_the_first_in_the_input_however_pages_are_grouped(tmp_path: Path) -> None:
    """Loose .txt pages: shards of 1, 3 or 500 pages give the same decisions."""
    src = tmp_path / "pages"
    src.mkdir()
    for n, (_, text) in enumerate(DOCS):
        (src / f"{n:02d}.txt").write_text(text, encoding="utf-8")
    results = []
    for per_shard in (1, 3, 500):
        config = _config().with_overrides([f"read.files_per_shard={per_shard}"])
        out = tmp_path / f"s{per_shard}"
        run(config, inputs=[str(src)], output=out, executor=Executor.INLINE)
        texts = {str(r["id"]): str(r["text"]) for r in read_output(out)}
        removed = sorted((str(r["id"]), r["line_no"], r["reason"], r["score"]) for r in _removed_rows(out))
        dropped = sorted(str(r["id"]) for r in read_ledger(out) if r["fate"] == "dropped")
        results.append((texts, removed, dropped))
    assert results[0] == results[1] == results[2]
    texts, removed, dropped = results[0]
    assert sorted(texts.values()) == sorted(EXPECTED.texts.values())
    assert len(dropped) == len(EXPECTED.dropped) and len(removed) == sum(map(len, EXPECTED.removed.values()))


def test_annotate_only_removes_nothing_but_records_everything(corpus: Path, tmp_path: Path) -> None:
    summary = run(
        _config().with_overrides(["annotate_only=true"]),
        inputs=[str(corpus)],
        output=tmp_path / "r",
        executor=Executor.INLINE,
    )
    output = {str(r["id"]): str(r["text"]) for r in read_output(summary.run_dir)}
    assert output == dict(DOCS)
    assert len(_removed_rows(summary.run_dir)) == sum(len(r) for r in EXPECTED.removed.values())
    assert _annotations(summary.run_dir)["0-copy"]["would_drop"] == "duplicate_paragraphs"


def test_drop_share_none_keeps_what_is_left(corpus: Path, tmp_path: Path) -> None:
    summary = run(
        _config(drop_share=None), inputs=[str(corpus)], output=tmp_path / "r", executor=Executor.INLINE
    )
    expected = _expected(DOCS, drop_share=2.0)
    output = {str(r["id"]): str(r["text"]) for r in read_output(summary.run_dir)}
    assert output == expected.texts
    assert output["0-copy"] == "Ein neuer Satz, der in keiner anderen Seite steht."


def test_outside_a_run_documents_pass_through() -> None:
    text = f"{QUOTE}\n{QUOTE}"
    (doc,) = ParagraphDedup().process(iter([Document(id="1", text=text)]), StepContext.standalone())
    assert doc.text == text and doc.annotations[STEP] == {"skipped": "no run folder"}


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("min_chars", 0, "min_chars must be at least 1"),
        ("drop_share", 1.5, "drop_share must be between 0 and 1"),
        ("drop_share", -0.1, "drop_share must be between 0 and 1"),
        ("partitions", 0, "partitions must be between 1 and 4096"),
    ],
)
def test_bad_options_are_refused(option: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _config(**{option: value})


def test_a_page_that_repeats_its_own_paragraph_keeps_one_copy(tmp_path: Path) -> None:
    """No paragraph leaves the corpus: a page made of one paragraph written five times loses four."""
    para = "A paragraph that no other page has, written out five times over by this page."
    folder = tmp_path / "in"
    folder.mkdir()
    pages = [{"id": "rep", "text": "\n".join([para] * 5)}, {"id": "other", "text": DOCS[0][1]}]
    (folder / "pages.jsonl").write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in pages))
    config = build_run_config({"steps": [{"extract.html": {"min_chars": None}}, "dedup.paragraphs"]})
    run(config, inputs=[str(folder)], output=tmp_path / "run", executor=Executor.INLINE)
    texts = {str(r["id"]): r["text"] for r in read_output(tmp_path / "run")}
    assert texts["rep"] == para
    assert [r["reason"] for r in _removed_rows(tmp_path / "run")] == ["repeated_paragraph"] * 4


def test_hangul_lines_are_measured_in_syllables() -> None:
    korean = "서울에서 오늘 비가 많이 내렸습니다 그리고 내일도 온다"  # 30 characters
    assert paragraph_keys(korean, min_chars=40) == [None]
    assert paragraph_keys(korean, min_chars=29)[0] is not None
