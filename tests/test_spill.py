"""The steps before a run's first global step run once per document: its map spills what reached it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pytest

from conftest import JSONL_DIR, tree_bytes
from websieve import Executor, run
from websieve.config import build_run_config
from websieve.document import Document
from websieve.executors import spill, stage, task
from websieve.ledger.records import ShardLedger
from websieve.steps.quality.c4 import C4Quality

with gzip.open(JSONL_DIR / "noisy-dev-41-60.jsonl.gz", "rt", encoding="utf-8") as _fh:
    REAL = [json.loads(line)["text"] for line in _fh][:16]

CONFIG = {
    "steps": [{"extract.html": {"min_chars": None}}, "quality.c4", "dedup.exact", "dedup.minhash"],
    "read": {"files_per_shard": 1},
}


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    for name, part in (("a.jsonl", REAL[:6]), ("b.jsonl", REAL[4:8] + REAL[:2])):  # 4 texts twice
        rows = [{"id": f"{name[0]}{i}", "text": text} for i, text in enumerate(part)]
        (folder / name).write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return folder


def test_the_steps_before_the_first_global_step_run_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _corpus(tmp_path / "in")
    calls: list[str] = []
    apply = C4Quality.apply

    def counted(self: C4Quality, doc: object, ctx: object) -> object:
        calls.append(doc.id)  # type: ignore[attr-defined]
        return apply(self, doc, ctx)  # type: ignore[arg-type]

    monkeypatch.setattr(C4Quality, "apply", counted)
    summary = run(
        build_run_config(CONFIG), inputs=[str(corpus)], output=tmp_path / "run", executor=Executor.INLINE
    )
    assert sorted(calls) == sorted(f"{p}{i}" for p in "ab" for i in range(6))  # once each, not once a pass
    assert summary.stats["input"] == 12
    assert summary.stats["dropped_by"]["dedup.exact@1"] == {"exact_duplicate": 4}
    assert not (tmp_path / "run" / "_state" / "spill").exists()  # removed once every shard is done


#: lines removed and documents dropped before the global step, and after it
MIXED = {
    "steps": ["extract.html", "clean.lines", "quality.gopher_quality", "dedup.exact", "quality.c4"],
    "read": {"files_per_shard": 1},
}


def test_a_run_from_the_spill_is_the_run_without_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    for name, part in (("a.jsonl", REAL[:10]), ("b.jsonl", REAL[6:16] + REAL[:3])):
        rows = [{"id": f"{name[0]}{i}", "text": text} for i, text in enumerate(part)]
        (corpus / name).write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    config = build_run_config(MIXED)
    summary = run(config, inputs=[str(corpus)], output=tmp_path / "spilled", executor=Executor.INLINE)
    assert {"quality.gopher_quality@1", "dedup.exact@1"} <= summary.stats["dropped_by"].keys()
    assert {"clean.lines@2", "quality.c4@1"} <= summary.stats["removed_lines"].keys()
    assert not (tmp_path / "spilled" / "_state" / "spill").exists()
    run(config, inputs=[str(corpus)], output=tmp_path / "local", executor=Executor.LOCAL, workers=2)
    assert tree_bytes(tmp_path / "local") == tree_bytes(tmp_path / "spilled")
    # an older run folder has no spill: every pass starts from the reader, and decides the same
    monkeypatch.setattr(task, "read_spill", lambda *_: None)
    monkeypatch.setattr(stage, "spilled_documents", lambda *_: None)
    monkeypatch.setattr(spill.SpillWriter, "close", lambda self, _: self.abandon())
    run(config, inputs=[str(corpus)], output=tmp_path / "plain", executor=Executor.INLINE)
    assert tree_bytes(tmp_path / "plain") == tree_bytes(tmp_path / "spilled")


def test_overwrite_clears_what_a_run_without_run_json_left(tmp_path: Path) -> None:
    """A run folder whose run.json is gone (a run killed before it wrote one, a copy): --overwrite clears
    its markers and spills instead of resuming from them."""
    corpus = _corpus(tmp_path / "in")
    out = tmp_path / "run"
    run(build_run_config(CONFIG), inputs=[str(corpus)], output=out, executor=Executor.INLINE)
    want = tree_bytes(out)
    (out / "run.json").unlink()
    stale = out / "_state" / "spill" / ".part-00000.docs.tmp-1"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left by a killed map")
    other = build_run_config({**CONFIG, "steps": [{"extract.html": {"min_chars": None}}, "dedup.exact"]})
    summary = run(other, inputs=[str(corpus)], output=out, executor=Executor.INLINE, overwrite=True)
    assert summary.shards_run == 2 and not stale.exists()
    assert tree_bytes(out) != want  # the other run's, not the old markers resumed
    assert summary.stats["dropped_by"] == {"dedup.exact@1": {"exact_duplicate": 4}}


def test_a_spill_is_given_up_when_writing_costs_more_than_the_steps(tmp_path: Path) -> None:
    docs = [Document(id=str(i), text=text) for i, text in enumerate(REAL * 40)]  # 640: three batches
    for upstream, kept in ((0.0, False), (1e9, True)):
        writer = spill.SpillWriter(tmp_path, f"part-{int(kept)}")
        assert [d.id for d in writer.tee(iter(docs), lambda u=upstream: u)] == [d.id for d in docs]
        assert writer.worth_it is kept
        if kept:
            writer.close(spill.Spill(ledger=ShardLedger()))
        else:
            writer.abandon()
    back = spill.read_spill(tmp_path, "part-1")
    assert back is not None and [d.id for d in back[1]] == [d.id for d in docs]
    assert spill.read_spill(tmp_path, "part-0") is None and not list(tmp_path.glob("_state/spill/.*"))
