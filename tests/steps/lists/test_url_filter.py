"""lists.url_filter: datatrove's URLFilter decisions on real and list-made URLs, the subdomain rule, the
categories, annotate-only, and the errors a user meets without a compiled list."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import JSONL_DIR, LISTS_DIR
from websieve import Executor, load_preset, run
from websieve.config import build_run_config
from websieve.document import Document
from websieve.errors import ConfigError, ListFileError, ResumeError
from websieve.steps.base import StepContext
from websieve.steps.lists.sources import build_list, ut1_parts
from websieve.steps.lists.suffixes import registered_domain
from websieve.steps.lists.url_filter import DATATROVE_REASONS, DomainMatch, UrlFilter, UrlFilterConfig
from websieve.steps.lists.urls import path_prefix_keys, prefix_text, url_key, url_parts

ROWS = [json.loads(line) for line in (LISTS_DIR / "decisions.jsonl").open(encoding="utf-8")]
# datatrove's reasons -> our rules (datatrove names a match of the whole host "subdomain")
DATATROVE_RULE = {reason: rule.value for reason, rule in DATATROVE_REASONS.items()} | {"kept": "kept"}
STEP = "lists.url_filter@1"


def _fate(step: UrlFilter, url: str, ctx: StepContext | None = None) -> tuple[str, Document]:
    ctx = ctx or StepContext.standalone()
    doc = Document(id=url, url=url, text="")
    kept = step.apply(doc, ctx) is not None
    return ("kept" if kept else ctx.ledger.rows[-1].rule), doc


def _step(**options: object) -> UrlFilter:
    step = UrlFilter(UrlFilterConfig(**options))  # type: ignore[arg-type]
    step.setup()
    return step


def test_datatrove_mode_decides_as_datatrove_on_every_recorded_url() -> None:
    step = _step(match=DomainMatch.DATATROVE)
    fates = [(DATATROVE_RULE[r["datatrove"]], _fate(step, r["url"])[0]) for r in ROWS]
    assert [theirs for theirs, _ in fates] == [ours for _, ours in fates]
    # every rule is reached, by more than one URL
    assert min(Counter(r["datatrove"] for r in ROWS).values()) > 1 and len(DATATROVE_RULE) == 7


def test_subdomains_mode_drops_what_datatrove_drops_and_more_only_by_the_lists() -> None:
    step = _step()
    more = Counter()
    for row in ROWS:
        ours, doc = _fate(step, row["url"])
        if row["datatrove"] != "kept":
            assert ours != "kept", row
        elif ours != "kept":
            assert ours in ("domain", "url"), row
            signals = doc.annotations[STEP]
            if ours == "domain":  # a listed parent that is neither the host nor its registered domain...
                host = url_parts(row["url"]).host
                rd = registered_domain(host)  # (None: no public suffix, e.g. an IP address: datatrove
                # matches nothing; datatrove compares upper-case hosts as written)
                explained = (
                    rd is None or row["kind"] == "upper-case-host" or signals["domain"] not in (host, rd)
                )
                assert explained, row
            more[row["kind"]] += 1
    # ...such as a subdomain of a listed subdomain, or a host under a listed top-level domain (.xxx, sex.pl)
    assert more["listed-subdomain"] > 100 and more["under-suffix"] >= 4 and more["listed-url"] > 20


def test_real_urls_of_the_test_data_pass_and_real_blocked_links_are_dropped_by_domain() -> None:
    real = [r for r in ROWS if r["kind"] == "real"]
    blocked = [r for r in ROWS if r["kind"] == "real-blocked"]
    assert len(real) > 300 and len(blocked) > 20
    for match in DomainMatch:
        step = _step(match=match)
        assert {_fate(step, r["url"])[0] for r in real} == {"kept"}
        assert {_fate(step, r["url"])[0] for r in blocked} == {"domain"}


def test_ledger_and_annotations_say_what_matched() -> None:
    ctx = StepContext.standalone()
    rule, doc = _fate(_step(), "https://www.jungefreiheit.de/politik/", ctx)
    row = ctx.ledger.rows[-1]
    assert (rule, row.value, row.threshold) == ("domain", "jungefreiheit.de", "adult")
    assert doc.annotations[STEP] == {
        "domain": "jungefreiheit.de",
        "domain_categories": "adult",
        "soft_words": 0,
    }
    ctx = StepContext.standalone()
    rule, doc = _fate(_step(lists=()), "https://example.com/nude/webcam", ctx)
    assert (rule, ctx.ledger.rows[-1].value, ctx.ledger.rows[-1].threshold) == ("soft_words", "2", "2")
    assert doc.annotations[STEP]["soft_words_matched"] == "nude,webcam"
    assert _fate(_step(lists=(), soft_words=3), "https://example.com/nude/webcam")[0] == "kept"
    assert (
        _fate(_step(lists=(), soft_words=None), "https://example.com/nude/webcam")[1].annotations[STEP] == {}
    )


def test_annotate_only_records_every_signal_and_drops_nothing() -> None:
    ctx = StepContext.standalone()
    ctx.annotate_only = True
    step = _step()
    doc = Document(id="1", url="http://sub.example.xxx/porn", text="")
    assert step.apply(doc, ctx) is doc
    assert doc.annotations[STEP]["would_drop"] == "domain"
    assert doc.annotations[STEP]["domain"] == "xxx" and doc.annotations[STEP]["banned_word"] == "porn"
    assert ctx.ledger.rows == []


def test_a_page_without_url_passes_annotated() -> None:
    step = _step()
    for url in (None, ""):
        doc = Document(id="1", url=url, text="x")
        assert step.apply(doc, StepContext.standalone()) is doc
        assert doc.annotations[STEP] == {"no_url": True}


def test_categories_choose_what_blocks(tmp_path: Path) -> None:
    path = build_list(ut1_parts(LISTS_DIR / "ut1", ["gambling", "dating"]), tmp_path / "ut1.wsbl").path
    gambling = (LISTS_DIR / "ut1" / "blacklists" / "gambling" / "domains").read_text().split()[0]
    url = f"https://www.{gambling}/"
    ctx = StepContext.standalone()
    assert _fate(_step(lists=(str(path),)), url, ctx)[0] == "domain"
    assert ctx.ledger.rows[-1].threshold == "gambling"
    assert _fate(_step(lists=(str(path),), categories=("dating",)), url)[0] == "kept"
    with pytest.raises(ConfigError, match="they have: gambling, dating"):
        _step(lists=(str(path),), categories=("casino",))


def test_refinedweb_words_only_when_asked() -> None:
    url = "https://example.org/hotcarl-and-s&m"
    assert _fate(_step(lists=()), url)[0] == "kept"
    ctx = StepContext.standalone()
    rule, doc = _fate(_step(lists=(), refinedweb_words=True), url, ctx)
    assert rule == "refinedweb_soft" and doc.annotations[STEP]["refinedweb_soft_matched"] == "hotcarl,s&m"
    # strict words are looked for once "-" and "." are gone; hard words are whole words, "_" joins words
    step = _step(lists=(), refinedweb_words=True)
    assert _fate(step, "https://example.org/Nsfw.Images")[0] == "refinedweb_strict"  # "Nsfw": not datatrove's
    assert _fate(step, "https://example.org/venusmound.html")[0] == "refinedweb_hard"
    assert _fate(step, "https://example.org/venusmound_2")[0] == "kept"


def test_options_are_checked() -> None:
    with pytest.raises(ConfigError):
        UrlFilterConfig(soft_words=0)
    with pytest.raises(ConfigError):
        UrlFilterConfig(categories=())


def test_a_missing_list_says_which_command_builds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lists_folder: Path
) -> None:
    monkeypatch.setenv("WEBSIEVE_LISTS", str(tmp_path))
    with pytest.raises(ListFileError, match=r"websieve lists build fineweb --fineweb DIR.*lists=\[\]"):
        UrlFilter().setup()
    source = str(JSONL_DIR / "noisy-dev-41-60.jsonl.gz")
    with pytest.raises(ListFileError, match="no compiled list"):
        run(load_preset("fineweb"), inputs=[source], output=tmp_path / "out", executor=Executor.INLINE)
    assert not (tmp_path / "out" / "run.json").exists()  # stopped before it started
    words_only = load_preset("fineweb").with_overrides(["lists.url_filter.lists=[]"])
    assert (
        run(words_only, inputs=[source], output=tmp_path / "out2", executor=Executor.INLINE).stats["errors"]
        == 0
    )
    # once the list is there, the same config runs (its pipeline is set up afresh, not taken half set up)
    monkeypatch.setenv("WEBSIEVE_LISTS", str(lists_folder))
    summary = run(load_preset("fineweb"), inputs=[source], output=tmp_path / "out3", executor=Executor.INLINE)
    assert summary.stats["errors"] == 0 and summary.stats["kept"] > 0


def test_a_run_does_not_resume_over_a_rebuilt_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lists = tmp_path / "lists"
    build_list(ut1_parts(LISTS_DIR / "ut1", ["gambling"]), lists / "mine.wsbl")
    monkeypatch.setenv("WEBSIEVE_LISTS", str(lists))
    config = build_run_config({"steps": [{"lists.url_filter": {"lists": ["mine"]}}, "extract.html"]})
    source = [str(JSONL_DIR / "noisy-dev-41-60.jsonl.gz")]
    run(config, inputs=source, output=tmp_path / "out", executor=Executor.INLINE)
    run(config, inputs=source, output=tmp_path / "out", executor=Executor.INLINE)  # the same: resumes
    build_list(ut1_parts(LISTS_DIR / "ut1", ["gambling", "dating"]), lists / "mine.wsbl")
    with pytest.raises(ResumeError, match="a list or an optional library its steps read changed"):
        run(config, inputs=source, output=tmp_path / "out", executor=Executor.INLINE)


@pytest.mark.parametrize(
    ("text", "host_len"),
    [("example.org/a/b/c", 11), ("é.com/ä/ö/ü.html", 5), ("example.org", 11), ("x.com/" + "a/" * 50, 5)],
)
def test_path_prefix_keys_are_the_keys_of_the_path_prefixes(text: str, host_len: int) -> None:
    # the prefixes as plainly written: the host, then up to each "/", then the whole
    prefixes = [text[:j] for j in range(host_len, len(text)) if text[j] == "/"] + [text]
    expected = [(prefix, url_key(prefix)) for prefix in prefixes]
    assert [(prefix_text(text, n), key) for n, key in path_prefix_keys(text, host_len)] == expected


def test_hostile_urls_are_checked_not_failed() -> None:
    step = _step(match=DomainMatch.SUBDOMAINS)
    # a long non-ASCII URL goes to the Python twin: one pass (it used to take the square of its length)
    for url in ("http://é.com/" + "a/" * 40_000 + "x", "http://a.com/\ud800", "http://\ud800.com/x"):
        fate, _ = _fate(step, url)
        assert fate == "kept"
