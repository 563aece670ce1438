"""A worker that dies mid-shard costs only that shard's attempt: it is retried on a fresh worker, and a
shard that kills every worker is reported as failed while the run finishes the others (local and Ray).
The deaths are real: the worker SIGKILLs itself (`websieve.executors.task.KILL_WORKER_ENV`)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from conftest import noisy_dev_rows, read_ledger, tree_bytes
from websieve import Executor, run
from websieve.cli.main import main
from websieve.config import build_run_config
from websieve.errors import WorkerError
from websieve.executors.task import KILL_WORKER_ENV
from websieve.runs import FailedShard

CONFIG = build_run_config(
    {
        "steps": ["extract.html", "clean.lines", "quality.gopher_repetition", "dedup.exact"],
        "read": {"files_per_shard": 1},
    }
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """Four shards of real pages (two pages in two of them), and the bytes of an unfaulted run."""
    folder = tmp_path_factory.mktemp("faults")
    inputs = folder / "in"
    inputs.mkdir()
    rows = noisy_dev_rows()
    for i in range(4):
        part = rows[i * 6 : i * 6 + 8]
        (inputs / f"p{i}.jsonl").write_bytes(
            b"".join(orjson.dumps({"id": f"{i}-{j}", "text": r["text"]}) + b"\n" for j, r in enumerate(part))
        )
    clean = run(CONFIG, inputs=[str(inputs)], output=folder / "clean", executor=Executor.LOCAL, workers=2)
    assert clean.complete and clean.stats["shards"]["failed"] == 0
    assert clean.stats["kept"] > 20 and "dedup.exact@1" in clean.stats["dropped_by"]
    return inputs, tree_bytes(folder / "clean")


def test_a_worker_killed_once_mid_shard_is_retried_and_the_run_is_unchanged(
    corpus: tuple[Path, dict[str, bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs, want = corpus
    token = tmp_path / "kill-once"
    token.touch()
    monkeypatch.setenv(KILL_WORKER_ENV, f"part-00002@{token}")
    summary = run(CONFIG, inputs=[str(inputs)], output=tmp_path / "run", executor=Executor.LOCAL, workers=2)
    assert not token.exists(), "the drill did not fire"
    assert summary.complete and tree_bytes(tmp_path / "run") == want


def _check_failed_then_resumed(
    inputs: Path, want: dict[str, bytes], out: Path, summary: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from websieve.runs import RunSummary

    assert isinstance(summary, RunSummary)
    (lost,) = summary.failed
    assert lost == FailedShard(
        shard="part-00001", files=(str(inputs / "p1.jsonl"),), attempts=2, reason=lost.reason
    )
    assert "died" in lost.reason or "killed" in lost.reason, lost.reason
    stats = orjson.loads((out / "stats.json").read_bytes())
    assert stats["shards"] == {"total": 4, "run": 3, "resumed": 0, "failed": 1}
    assert stats["failed_shards"] == [lost.to_dict()]
    # the other shards are finished and accounted for; the failed one has no rows yet, nothing half written
    assert stats["input"] == stats["kept"] + stats["dropped"] + stats["errors"] == 24
    assert {str(row["id"]).split("-")[0] for row in read_ledger(out)} == {"0", "2", "3"}
    assert not (out / "output" / "part-00001.jsonl.zst").exists()
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    # once whatever killed it is gone, the same command finishes the run: as if nothing had happened
    monkeypatch.delenv(KILL_WORKER_ENV)
    again = run(CONFIG, inputs=[str(inputs)], output=out, executor=Executor.LOCAL, workers=2)
    assert again.complete and again.shards_run == 1 and again.shards_resumed == 3
    assert tree_bytes(out) == want


def test_a_shard_that_kills_every_worker_is_reported_and_the_run_finishes(
    corpus: tuple[Path, dict[str, bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs, want = corpus
    monkeypatch.setenv(KILL_WORKER_ENV, "part-00001")
    out = tmp_path / "run"
    summary = run(CONFIG, inputs=[str(inputs)], output=out, executor=Executor.LOCAL, workers=2, retries=1)
    assert "killed by SIGKILL" in summary.failed[0].reason
    _check_failed_then_resumed(inputs, want, out, summary, monkeypatch)


def test_on_ray_a_dead_actor_is_replaced_and_its_shard_retried_then_reported(
    corpus: tuple[Path, dict[str, bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs, want = corpus
    token = tmp_path / "kill-once"
    token.touch()
    monkeypatch.setenv(KILL_WORKER_ENV, f"part-00003@{token},part-00001")
    out = tmp_path / "run"
    summary = run(CONFIG, inputs=[str(inputs)], output=out, executor=Executor.RAY, workers=2, retries=1)
    assert not token.exists(), "the drill did not fire"
    assert "the Ray worker died" in summary.failed[0].reason
    _check_failed_then_resumed(inputs, want, out, summary, monkeypatch)


def test_a_map_that_kills_every_worker_stops_the_run_resumably(
    corpus: tuple[Path, dict[str, bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A global stage decides over every shard, so a map out of attempts stops the run (`WorkerError`);
    the maps that finished are kept, and the same command finishes the run."""
    inputs, want = corpus
    monkeypatch.setenv(KILL_WORKER_ENV, "map:part-00002")
    out = tmp_path / "run"
    with pytest.raises(WorkerError, match=r"map dedup.exact@1: shard part-00002 failed \(2 attempts\)"):
        run(CONFIG, inputs=[str(inputs)], output=out, executor=Executor.LOCAL, workers=2, retries=1)
    assert len(list((out / "_state" / "dedup-exact" / "map").glob("*.done"))) == 3
    monkeypatch.delenv(KILL_WORKER_ENV)
    again = run(CONFIG, inputs=[str(inputs)], output=out, executor=Executor.LOCAL, workers=2)
    assert again.complete and again.stats["global_stages"]["dedup.exact@1"]["map_shards"] == {
        "run": 1,
        "resumed": 3,
    }
    assert tree_bytes(out) == want


def test_the_command_line_names_the_failed_shard_and_exits_3(
    corpus: tuple[Path, dict[str, bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    inputs, _ = corpus
    monkeypatch.setenv(KILL_WORKER_ENV, "part-00000")
    config = tmp_path / "config.yaml"
    config.write_bytes(orjson.dumps(CONFIG.to_dict()))  # JSON is YAML
    code = main(
        [
            "run",
            str(config),
            "--input",
            str(inputs),
            "--output",
            str(tmp_path / "run"),
            "--workers",
            "2",
            "--retries",
            "0",
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 3, err
    assert (
        "shard part-00000 failed (1 attempt): the worker process was killed by SIGKILL" in err
        and str(inputs / "p0.jsonl") in err
    )
    assert "1 of 4 shards failed" in err and "run the same command again" in err
