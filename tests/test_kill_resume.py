"""A run killed with SIGKILL at ten points, then resumed, ends exactly as an uninterrupted run: no document
lost or written twice, the same bytes in output, ledger and annotations."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
import yaml

from conftest import noisy_dev_rows, read_ledger, tree_bytes

CONFIG = {
    "steps": ["extract.html", "clean.lines", "quality.gopher_quality", "dedup.exact", "dedup.minhash"],
    "read": {"files_per_shard": 1},
}


def _websieve(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "websieve.cli.main", "run", *args, "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill takes the workers too
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("kill")
    inputs = folder / "in"
    inputs.mkdir()
    rows = noisy_dev_rows()
    for i in range(6):  # six shards, a few texts in two of them
        part = rows[i * 8 : i * 8 + 10]
        (inputs / f"p{i}.jsonl").write_bytes(
            b"".join(orjson.dumps({"id": f"{i}-{j}", "text": r["text"]}) + b"\n" for j, r in enumerate(part))
        )
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    return inputs, config


def test_killed_at_ten_points_then_resumed_is_the_uninterrupted_run(
    corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    inputs, config = corpus
    whole = tmp_path / "whole"
    started = time.perf_counter()
    proc = _websieve(str(config), "--input", str(inputs), "--output", str(whole), "--workers", "2")
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    duration = time.perf_counter() - started
    want = tree_bytes(whole)
    # a half-written file a kill leaves (written as .NAME.tmp-PID, renamed when complete) is swept away
    stray = whole / "output" / ".part-00003.jsonl.zst.tmp-12345"
    stray.write_bytes(b"half")
    again = _websieve(str(config), "--input", str(inputs), "--output", str(whole), "--workers", "2")
    assert again.wait() == 0 and not stray.exists() and tree_bytes(whole) == want
    inputs_total = len(read_ledger(whole))
    killed_at: list[tuple[int, int, int, int]] = []  # what the killed run had finished
    for k in range(1, 11):
        out = tmp_path / f"killed{k}"
        proc = _websieve(str(config), "--input", str(inputs), "--output", str(out), "--workers", "2")
        try:
            proc.wait(timeout=duration * (0.4 + 0.6 * k / 11))  # the first 40% is mostly start-up
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            killed_at.append(_progress(out))
        # the same command again resumes (``--resume`` needs the run.json a very early kill did not leave)
        resumed = _websieve(str(config), "--input", str(inputs), "--output", str(out), "--workers", "2")
        assert resumed.wait() == 0, resumed.stderr.read() if resumed.stderr else ""
        assert tree_bytes(out) == want, f"killed at {k}/11 of the run"
        ledger = read_ledger(out)
        places = {(r["source"], r["offset"]) for r in ledger}
        assert len(ledger) == len(places) == inputs_total  # every document once
        stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
        assert stats["input"] == inputs_total
    # the kills landed at different stages: before run.json, in the maps, in the rounds, in the main pass
    assert len(killed_at) >= 8 and len(set(killed_at)) >= 3, killed_at


def _progress(run_dir: Path) -> tuple[int, int, int, int]:
    """(run.json written, map markers, phase markers, finished shards) of a run folder."""
    state = run_dir / "_state"
    return (
        int((run_dir / "run.json").exists()),
        len(list(state.glob("*/map/*.done"))),
        len(list(state.glob("*/phase-*.done"))),
        len(list(state.glob("part-*.done"))),
    )
