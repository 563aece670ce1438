"""A run killed with SIGKILL at ten points, then resumed, ends exactly as an uninterrupted run: no document
lost or written twice, the same bytes in output, ledger and annotations."""

from __future__ import annotations

import json
import os
import shutil
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


def _run(config: Path, inputs: Path, out: Path, executor: str) -> subprocess.Popen[bytes]:
    return _websieve(
        str(config), "--input", str(inputs), "--output", str(out), "--workers", "2", "--executor", executor
    )


@pytest.fixture(scope="module")
def uninterrupted(corpus: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run (local executor): what every killed and resumed run must end as."""
    inputs, config = corpus
    whole = tmp_path_factory.mktemp("whole") / "run"
    proc = _run(config, inputs, whole, "local")
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    return whole


def test_a_rerun_of_a_finished_run_sweeps_half_written_files(
    corpus: tuple[Path, Path], uninterrupted: Path
) -> None:
    inputs, config = corpus
    want = tree_bytes(uninterrupted)
    # a half-written file a kill leaves (written as .NAME.tmp-PID, renamed when complete) is swept away
    stray = uninterrupted / "output" / ".part-00003.jsonl.zst.tmp-12345"
    stray.write_bytes(b"half")
    again = _run(config, inputs, uninterrupted, "local")
    assert again.wait() == 0 and not stray.exists() and tree_bytes(uninterrupted) == want


@pytest.mark.parametrize("executor", ["local", "ray"])
def test_killed_at_ten_points_then_resumed_is_the_uninterrupted_run(
    corpus: tuple[Path, Path], uninterrupted: Path, tmp_path: Path, executor: str
) -> None:
    inputs, config = corpus
    want = tree_bytes(uninterrupted)
    inputs_total = len(read_ledger(uninterrupted))
    _, maps, phases, shards = _progress(uninterrupted)
    # where to kill: as soon as the run folder shows this much done (run.json, map markers, phase
    # markers, finished shards), so each kill lands in a known stretch of the run, however fast it goes
    points = [
        (1, 0, 0, 0),
        (1, 1, 0, 0),
        (1, maps // 2, 0, 0),
        (1, maps, 0, 0),
        (1, maps, 1, 0),
        (1, maps, phases // 2, 0),
        (1, maps, phases, 0),
        (1, maps, phases, 1),
        (1, maps, phases, shards // 2),
        (1, maps, phases, shards - 1),
    ]
    killed_at: list[tuple[int, int, int, int]] = []  # what the killed run had finished
    for k, point in enumerate(points):
        out = tmp_path / f"killed{k}"
        proc = _run(config, inputs, out, executor)
        while proc.poll() is None:
            if all(have >= need for have, need in zip(_progress(out), point, strict=True)):
                os.killpg(proc.pid, signal.SIGKILL)  # the driver, its workers, and a local Ray cluster
                proc.wait()
                killed_at.append(_progress(out))
                break
            time.sleep(0.005)
        # the same command again resumes (``--resume`` needs the run.json a very early kill did not leave)
        resumed = _run(config, inputs, out, executor)
        assert resumed.wait() == 0, resumed.stderr.read() if resumed.stderr else ""
        assert tree_bytes(out) == want, f"killed at {point}"
        ledger = read_ledger(out)
        places = {(r["source"], r["offset"]) for r in ledger}
        assert len(ledger) == len(places) == inputs_total  # every document once
        stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
        assert stats["input"] == inputs_total
    # the kills landed in every stretch: start-up, the maps, the rounds, the main pass
    assert len(killed_at) >= 9 and len(set(killed_at)) >= 8, killed_at


def _progress(run_dir: Path) -> tuple[int, int, int, int]:
    """(run.json written, map markers, phase markers, finished shards) of a run folder."""
    state = run_dir / "_state"
    return (
        int((run_dir / "run.json").exists()),
        len(list(state.glob("*/map/*.done"))),
        len(list(state.glob("*/phase-*.done"))),
        len(list(state.glob("part-*.done"))),
    )


def test_a_phase_interrupted_mid_way_runs_only_its_unfinished_partitions(
    corpus: tuple[Path, Path], uninterrupted: Path, tmp_path: Path
) -> None:
    """The state a kill in the last round of ``dedup.minhash`` leaves: some of the round's partitions
    finished (their markers), the round and the stage not, the main pass not started."""
    from websieve import Executor, run
    from websieve.config import load_config

    inputs, config_file = corpus
    config = load_config(config_file)
    out = tmp_path / "run"
    run(config, inputs=[str(inputs)], output=out, executor=Executor.INLINE)
    stage = out / "_state" / "dedup-minhash"
    last = max(stage.glob("phase-*.done"), key=lambda p: p.stat().st_mtime_ns)
    phase = last.name[len("phase-") : -len(".done")]
    partitions = sorted((stage / "_partitions" / phase).glob("p*.done"))
    assert len(partitions) > 2
    kept = {p: p.stat().st_mtime_ns for p in partitions[::2]}
    for path in [last, stage / "reduce.done", *partitions[1::2], *(out / "_state").glob("part-*.done")]:
        path.unlink()
    for part in ("output", "ledger", "annotations"):
        shutil.rmtree(out / part)
    again = run(config, inputs=[str(inputs)], output=out, executor=Executor.INLINE)
    assert again.complete and tree_bytes(out) == tree_bytes(uninterrupted)
    assert {p: p.stat().st_mtime_ns for p in kept} == kept  # the finished partitions did not run again
    assert all(p.exists() for p in partitions[1::2]) and last.exists()
