"""--executor ray: the local executor's output, byte for byte, on a Ray cluster the test starts."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson

from conftest import JSONL_DIR, tree_bytes
from websieve import Executor, run
from websieve.config import build_run_config

with gzip.open(JSONL_DIR / "noisy-dev-41-60.jsonl.gz", "rt", encoding="utf-8") as _fh:
    REAL = [json.loads(line)["text"] for line in _fh][:16]

#: streaming steps, lines removed and pages dropped before the global stages, two global stages
CONFIG = {
    "steps": ["extract.html", "clean.lines", "quality.gopher_quality", "dedup.exact", "dedup.minhash"],
    "read": {"files_per_shard": 1},
}


def test_ray_gives_the_local_executors_output(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    for name, part in (("a.jsonl", REAL[:10]), ("b.jsonl", REAL[6:16] + REAL[:3]), ("c.jsonl", REAL[2:5])):
        rows = [{"id": f"{name[0]}{i}", "text": text} for i, text in enumerate(part)]
        (corpus / name).write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    config = build_run_config(CONFIG)
    local = run(config, inputs=[str(corpus)], output=tmp_path / "local", executor=Executor.LOCAL, workers=2)
    seen: list[int] = []
    ray = run(
        config,
        inputs=[str(corpus)],
        output=tmp_path / "ray",
        executor=Executor.RAY,
        workers=2,
        on_progress=seen.append,
    )
    assert tree_bytes(tmp_path / "ray") == tree_bytes(tmp_path / "local")
    assert ray.stats["dropped_by"] == local.stats["dropped_by"] and ray.stats["executor"] == "ray"
    assert "dedup.exact@1" in ray.stats["dropped_by"] and sum(seen) >= ray.stats["input"]
