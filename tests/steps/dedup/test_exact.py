"""Exact deduplication over a run: one survivor per normalised text, by a fixed rule, whatever the workers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson

from conftest import JSONL_DIR, read_ledger, read_output, tree_bytes
from websieve import Executor, run
from websieve.config import build_run_config
from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.dedup.exact import ExactDedup, text_key

with gzip.open(JSONL_DIR / "noisy-dev-41-60.jsonl.gz", "rt", encoding="utf-8") as _fh:
    REAL = [json.loads(line)["text"] for line in _fh][:6]


def _corpus(folder: Path) -> Path:
    """Three files (three shards): six real texts, and copies of three of them in the other files."""
    folder.mkdir()
    a = [{"id": f"a{i}", "text": text} for i, text in enumerate(REAL)]
    b = [
        {"id": "b0", "text": REAL[0]},  # the same text
        {"id": "b1", "text": REAL[1].upper().replace(" ", "   ")},  # case and spaces only: longer as written
        {"id": "b2", "text": REAL[2] + " And one more sentence."},  # not a duplicate
    ]
    c = [{"id": "c0", "text": REAL[0]}, {"id": "_0", "text": REAL[3]}]
    for name, rows in (("a.jsonl", a), ("b.jsonl", b), ("c.jsonl", c)):
        (folder / name).write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return folder


def test_one_survivor_per_text_with_the_id_it_duplicates(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "in")
    config = build_run_config(
        {"steps": [{"extract.html": {"min_chars": None}}, "dedup.exact"], "read": {"files_per_shard": 1}}
    )
    summary = run(config, inputs=[str(corpus)], output=tmp_path / "run", executor=Executor.INLINE)
    kept = {str(row["id"]) for row in read_output(tmp_path / "run")}
    dropped = {str(r["id"]): r for r in read_ledger(tmp_path / "run") if r["fate"] == "dropped"}
    # REAL[0] three times: same length, no crawl date: the smallest id survives
    # REAL[1] twice: b1 is longer as written (its spaces), so it survives
    # REAL[3] twice: "_0" sorts before "a3"
    assert {k: (v["rule"], v["value"]) for k, v in dropped.items()} == {
        "b0": ("exact_duplicate", "a0"),
        "c0": ("exact_duplicate", "a0"),
        "a1": ("exact_duplicate", "b1"),
        "a3": ("exact_duplicate", "_0"),
    }
    assert kept == {"a0", "b1", "a2", "_0", "a4", "a5", "b2"}
    assert summary.stats["kept"] == 7 and len(kept) + len(dropped) == 11  # every document in one place


def test_the_same_output_whatever_the_workers(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "in")
    config = build_run_config(
        {"steps": [{"extract.html": {"min_chars": None}}, "dedup.exact"], "read": {"files_per_shard": 1}}
    )
    run(config, inputs=[str(corpus)], output=tmp_path / "inline", executor=Executor.INLINE)
    want = tree_bytes(tmp_path / "inline")
    for workers in (1, 2, 4):
        out = tmp_path / f"local{workers}"
        run(config, inputs=[str(corpus)], output=out, executor=Executor.LOCAL, workers=workers)
        assert tree_bytes(out) == want
    few = build_run_config(
        {
            "steps": [{"extract.html": {"min_chars": None}}, {"dedup.exact": {"partitions": 1}}],
            "read": {"files_per_shard": 1},
        }
    )
    run(few, inputs=[str(corpus)], output=tmp_path / "p1", executor=Executor.INLINE)
    assert read_ledger(tmp_path / "p1") == read_ledger(tmp_path / "inline")


def test_outside_a_run_nothing_is_dropped() -> None:
    doc = Document(id="1", text="A text.")
    assert list(ExactDedup().process(iter([doc]), StepContext.standalone())) == [doc]
    assert doc.annotations["dedup.exact@1"] == {"skipped": "no run folder"}
    assert text_key("A  TEXT.") == text_key("a text.") != text_key("a text")
