"""The scheduling loop both executors share: a slot that cannot start a worker is dropped and its task
goes to another; with no slot left the run stops resumably."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

import pytest

from websieve.errors import WorkerError
from websieve.executors.slots import NoWorker, run_on_slots
from websieve.executors.task import ProgressFn


@dataclass(frozen=True)
class Square:
    n: int

    def run(self, progress: ProgressFn | None) -> int:
        return self.n * self.n


class InProcess:
    """A slot whose worker is this process; ``starts`` workers can be started, then none."""

    def __init__(self, starts: int) -> None:
        self.starts, self.ran = starts, 0

    def submit(self, task: Square) -> Future[int]:
        if self.starts <= 0:
            raise NoWorker("no room for a worker")
        self.ran += 1
        done: Future[int] = Future()
        done.set_result(task.run(None))
        return done

    def collect(self, handle: Future[int]) -> int:
        return handle.result()

    def death(self, exc: BaseException) -> str | None:
        return None

    def replace(self) -> None: ...

    def close(self) -> None: ...


def test_a_slot_that_cannot_start_a_worker_leaves_its_tasks_to_the_others() -> None:
    working, stuck = InProcess(starts=1), InProcess(starts=0)
    results = list(run_on_slots([Square(n) for n in range(5)], [stuck, working], retries=2))
    assert sorted(results) == [0, 1, 4, 9, 16]  # type: ignore[type-var]
    assert working.ran == 5 and stuck.ran == 0


def test_no_slot_left_stops_the_run_resumably() -> None:
    with pytest.raises(WorkerError, match=r"no worker is left .*no room for a worker.*run the same command"):
        list(run_on_slots([Square(1)], [InProcess(starts=0), InProcess(starts=0)], retries=2))
