"""The local executor reports a dead worker instead of waiting for it forever, and sets up its workers."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from websieve.errors import WorkerError
from websieve.executors.local import run_local
from websieve.executors.task import ProgressFn


@dataclass(frozen=True)
class Exits:
    """A task whose worker dies the way an out-of-memory kill looks from the parent."""

    code: int

    def run(self, progress: ProgressFn | None) -> int:
        if self.code:
            os._exit(self.code)
        return 0


def test_a_dead_worker_is_an_error_not_a_hang() -> None:
    with pytest.raises(WorkerError, match="resume"):
        list(run_local([Exits(0), Exits(137), Exits(0)], workers=2))


def test_results_come_back_when_no_worker_dies() -> None:
    assert sorted(run_local([Exits(0)] * 3, workers=2)) == [0, 0, 0]


@dataclass(frozen=True)
class Threshold:
    """A task that says how often its worker collects the young generation."""

    def run(self, progress: ProgressFn | None) -> int:
        import gc

        return gc.get_threshold()[0]


def test_workers_set_the_collector_of_an_owned_process() -> None:
    from websieve.executors.collector import YOUNG_THRESHOLD

    assert list(run_local([Threshold()], workers=1)) == [YOUNG_THRESHOLD]
