"""The local executor retries a task whose worker died (bounded), reports it when it keeps dying, and sets
up its workers. The workers are real spawned processes; the deaths are real exits and signals."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

from websieve.executors.local import run_local
from websieve.executors.slots import Failed
from websieve.executors.task import ProgressFn


@dataclass(frozen=True)
class Exits:
    """A task whose worker dies the way an out-of-memory kill looks from the parent (``code`` 137 exits,
    a negative one is a signal); with ``once``, only while that file exists (it is removed as it dies)."""

    code: int
    once: str = ""

    def run(self, progress: ProgressFn | None) -> int:
        if self.code and (not self.once or _take(self.once)):
            if self.code < 0:
                os.kill(os.getpid(), -self.code)
            os._exit(self.code)
        return 0


def _take(path: str) -> bool:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def test_a_worker_that_dies_once_is_retried_on_a_fresh_one(tmp_path: Path) -> None:
    token = tmp_path / "die-once"
    token.touch()
    results = list(run_local([Exits(0), Exits(-signal.SIGKILL, once=str(token)), Exits(0)], workers=2))
    assert results == [0, 0, 0] and not token.exists()


def test_a_task_that_kills_every_worker_is_reported_and_the_others_finish() -> None:
    tasks = [Exits(0), Exits(-signal.SIGKILL), Exits(0), Exits(137), Exits(0)]
    results = list(run_local(tasks, workers=2, retries=2))
    failed = sorted((r for r in results if isinstance(r, Failed)), key=lambda f: str(f.reason))
    assert sorted(r for r in results if not isinstance(r, Failed)) == [0, 0, 0]
    assert [(f.task, f.attempts) for f in failed] == [(Exits(137), 3), (Exits(-signal.SIGKILL), 3)]
    assert failed[0].reason == "the worker process exited with status 137"
    assert "killed by SIGKILL" in failed[1].reason


def test_no_retries_means_one_attempt() -> None:
    (failed,) = run_local([Exits(-signal.SIGSEGV)], workers=1, retries=0)
    assert isinstance(failed, Failed) and failed.attempts == 1
    assert "crashed with SIGSEGV (a crash in a native library)" in failed.reason


@dataclass(frozen=True)
class Raises:
    """A task that fails by itself (a bug, a bad input): not a worker death, so not retried."""

    def run(self, progress: ProgressFn | None) -> int:
        raise ValueError("the task's own error")


def test_a_tasks_own_error_is_raised_not_retried() -> None:
    with pytest.raises(ValueError, match="own error"):
        list(run_local([Raises(), Exits(0)], workers=1))


def test_results_come_back_when_no_worker_dies() -> None:
    assert sorted(run_local([Exits(0)] * 3, workers=2)) == [0, 0, 0]  # type: ignore[type-var]


@dataclass(frozen=True)
class Threshold:
    """A task that says how often its worker collects the young generation."""

    def run(self, progress: ProgressFn | None) -> int:
        import gc

        return gc.get_threshold()[0]


def test_workers_set_the_collector_of_an_owned_process() -> None:
    from websieve.executors.collector import YOUNG_THRESHOLD

    assert list(run_local([Threshold()], workers=1)) == [YOUNG_THRESHOLD]


@dataclass(frozen=True)
class Env:
    """A task that says how many BLAS threads its worker was started with."""

    def run(self, progress: ProgressFn | None) -> str:
        return os.environ.get("OPENBLAS_NUM_THREADS", "unset")


def test_workers_start_with_one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert list(run_local([Env()], workers=1)) == ["1"]
    assert "OPENBLAS_NUM_THREADS" not in os.environ  # set only while the worker starts


class _TwoPartError(Exception):
    """An exception that pickles but cannot be rebuilt from its args (a common way to write one)."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")


@dataclass(frozen=True)
class RaisesUnrebuildable:
    def run(self, progress: ProgressFn | None) -> int:
        raise _TwoPartError("quality.x", "a bug in a step")


def test_a_tasks_own_error_that_cannot_cross_back_is_raised_not_taken_for_a_death() -> None:
    with pytest.raises(RuntimeError, match=r"_TwoPartError: quality.x: a bug in a step \(in a worker\)"):
        list(run_local([RaisesUnrebuildable()], workers=1))
