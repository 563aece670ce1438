"""URL deduplication: one document per normalised URL, the latest crawl kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import WARC_DIR, read_ledger, read_output, tree_bytes
from websieve import Executor, run
from websieve.config import build_run_config
from websieve.document import Document, Meta
from websieve.steps.base import StepContext
from websieve.steps.dedup.url import UrlDedup, normalise_url
from websieve.steps.global_stage import StageState


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://example.org/a", "https://www.EXAMPLE.org/a/"),
        ("https://example.org:443/a?utm_source=x&fbclid=1", "https://example.org/a"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        ("https://example.org/a#comments", "https://example.org/a"),
    ],
)
def test_the_same_page_under_two_urls(a: str, b: str) -> None:
    assert normalise_url(a) == normalise_url(b) is not None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.org/a", "https://example.org/b"),
        ("https://example.org/a?id=1", "https://example.org/a?id=2"),
        ("https://example.org:8080/a", "https://example.org/a"),
        ("https://a.example.org/x", "https://example.org/x"),
    ],
)
def test_two_pages(a: str, b: str) -> None:
    assert normalise_url(a) != normalise_url(b)


def test_no_host_no_group() -> None:
    assert normalise_url("not a url") is None
    assert normalise_url("http://[::1") is None


def _doc(ident: str, url: str | None, date: str | None, text: str) -> Document:
    return Document(id=ident, url=url, text=text, meta=Meta(crawl_date=date))


def test_the_latest_crawl_survives_then_the_longest_text_then_the_smallest_id(tmp_path: Path) -> None:
    step = UrlDedup()
    state = StageState(tmp_path, step.stage)
    shards = {
        "s0": [
            _doc("old", "https://example.org/a", "2020-01-01T00:00:00Z", "a long old text"),
            _doc("x1", "https://example.org/b", None, "short"),
            _doc("alone", "https://example.org/c", None, "only one"),
            _doc("nourl", None, None, "no URL at all"),
        ],
        "s1": [
            _doc("new", "http://www.example.org/a/", "2024-06-01T00:00:00Z", "newer"),
            _doc("x0", "https://example.org/b#top", None, "short"),
            _doc("x2", "https://example.org/b?utm_medium=mail", None, "a longer one"),
        ],
    }
    for shard, docs in shards.items():
        step.map_shard(iter(docs), state, shard)
    for k in range(step.partitions):
        step.reduce_partition(state, k, sorted(shards))
    fates: dict[str, str] = {}
    for shard, docs in shards.items():
        step.load_decisions(state, shard)
        for doc in docs:
            ctx = StepContext.standalone()
            fates[doc.id] = "kept" if step.apply(doc, ctx) else f"dup of {ctx.ledger.rows[-1].value}"
    assert fates == {
        "old": "dup of new",
        "new": "kept",
        "x0": "dup of x2",
        "x1": "dup of x2",
        "x2": "kept",
        "alone": "kept",
        "nourl": "kept",
    }


def test_url_dedup_in_a_run_on_real_warc_records(tmp_path: Path) -> None:
    # the same WARC file twice: every record's URL comes back once, so each survives once
    inputs = [str(WARC_DIR / "resiliparse")]
    config = build_run_config({"steps": ["dedup.url", {"extract.html": {"min_chars": None}}]})
    once = run(config, inputs=inputs, output=tmp_path / "once", executor=Executor.INLINE)
    copy = tmp_path / "copy"
    copy.mkdir()
    for warc in (WARC_DIR / "resiliparse").iterdir():
        if warc.is_file():
            (copy / warc.name).write_bytes(warc.read_bytes())
    twice = run(config, inputs=[*inputs, str(copy)], output=tmp_path / "twice", executor=Executor.INLINE)
    assert twice.stats["kept"] == once.stats["kept"] > 0
    dropped = [r for r in read_ledger(tmp_path / "twice") if r["rule"] == "url_duplicate"]
    assert len(dropped) == once.stats["kept"]
    kept_twice = sorted(str(r["id"]) for r in read_output(tmp_path / "twice"))
    assert kept_twice == sorted(str(r["id"]) for r in read_output(tmp_path / "once"))
    # the same decisions whatever the workers
    want = tree_bytes(tmp_path / "twice")
    for workers in (1, 2, 4):
        out = tmp_path / f"local{workers}"
        run(config, inputs=[*inputs, str(copy)], output=out, executor=Executor.LOCAL, workers=workers)
        assert tree_bytes(out) == want
