"""Schedule tasks on worker slots and retry, a bounded number of times, a task whose worker died.

A slot is one worker that holds one task at a time: a one-process pool on this machine
(`websieve.executors.local`) or a Ray actor (`websieve.executors.ray_pool`). The loop is the same for both,
so the executors differ only in how a slot starts a worker and recognises its death. Because a worker
holds one task, its death names the task it was running: that task alone is tried again, on a fresh
worker, up to ``retries`` more times; after that it comes back as a `Failed` (with the reason) instead of
a result, and the other tasks go on. An exception raised by the task itself (a bug, a `UserError`) is
not a death: it is raised to the caller at once, as before.

>>> from concurrent.futures import Future
>>> class Doubler:
...     def __init__(self, n: int) -> None:
...         self.n = n
...     def run(self, progress: object) -> int:
...         return 2 * self.n
>>> class InThisProcess:  # the smallest slot: runs the task at once
...     def submit(self, task: Doubler) -> Future[int]:
...         done: Future[int] = Future()
...         done.set_result(task.run(None))
...         return done
...     def collect(self, handle: Future[int]) -> int:
...         return handle.result()
...     def death(self, exc: BaseException) -> str | None:
...         return None
...     def replace(self) -> None: ...
...     def close(self) -> None: ...
>>> sorted(run_on_slots([Doubler(1), Doubler(2)], [InThisProcess()], retries=2))
[2, 4]
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from websieve.errors import WorkerError
from websieve.executors.task import Task

__all__ = ["DEFAULT_RETRIES", "Failed", "NoWorker", "Slot", "SlotPool", "default_workers", "run_on_slots"]

DEFAULT_RETRIES = 2
"""Attempts after the first for a task whose worker died (``websieve run --retries``)."""

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Failed(Generic[R]):
    """A task whose worker died on every attempt: the run goes on without it and reports it."""

    task: Task[R]
    attempts: int
    reason: str


class NoWorker(Exception):
    """Raised by `Slot.submit` when the slot cannot start a worker (a Ray cluster with no room left for a
    replacement): the slot is dropped and the other slots carry on."""


class Slot(Protocol):
    """One worker holding at most one task."""

    def submit(self, task: Task[Any]) -> Future[Any]:
        """Start ``task`` on this slot's worker (starting the worker if needed); done when it ends."""
        ...

    def collect(self, handle: Future[Any]) -> Any:
        """The task's result, or its exception raised."""
        ...

    def death(self, exc: BaseException) -> str | None:
        """Why the worker died, in words, when ``exc`` says it did; None for the task's own error."""
        ...

    def replace(self) -> None:
        """Drop the dead worker; the next `submit` starts a fresh one."""
        ...

    def close(self) -> None: ...


def run_on_slots(
    tasks: Sequence[Task[R]],
    slots: Sequence[Slot],
    *,
    retries: int,
    poll: Callable[[], None] | None = None,
    poll_seconds: float = 0.25,
) -> Iterator[R | Failed[R]]:
    """Run ``tasks`` in order, one per free slot; yield results (or `Failed`) as tasks end.

    ``poll`` is called at least every ``poll_seconds`` while tasks run (a Ray run drains its progress
    queue there). A task whose worker dies is put first in line again, on a replaced worker, until it has
    had ``retries + 1`` attempts.
    """
    waiting: deque[tuple[Task[R], int]] = deque((task, 1) for task in tasks)
    running: dict[Future[Any], tuple[Slot, Task[R], int]] = {}
    free = list(reversed(slots))
    try:
        while waiting or running:
            while free and waiting:
                slot = free.pop()
                task, attempt = waiting.popleft()
                try:
                    running[slot.submit(task)] = (slot, task, attempt)
                except NoWorker as exc:  # the slot is gone; its task waits for another one
                    waiting.appendleft((task, attempt))
                    if not free and not running:
                        raise WorkerError(
                            f"no worker is left to run the remaining tasks: {exc}; what finished is "
                            "kept: run the same command again to resume"
                        ) from exc
                except BaseException as exc:  # the worker died while idle: not this task's doing
                    if slot.death(exc) is None:
                        raise
                    slot.replace()
                    waiting.appendleft((task, attempt))
                    free.append(slot)
            done, _ = wait(list(running), timeout=poll_seconds if poll else None, return_when=FIRST_COMPLETED)
            if poll is not None:
                poll()
            for handle in done:
                slot, task, attempt = running.pop(handle)
                free.append(slot)
                try:
                    result = slot.collect(handle)
                except BaseException as exc:
                    reason = slot.death(exc)
                    if reason is None:
                        raise
                    slot.replace()
                    if attempt > retries:
                        yield Failed(task=task, attempts=attempt, reason=reason)
                    else:
                        waiting.appendleft((task, attempt + 1))
                    continue
                yield result
    finally:
        for handle in running:  # the caller stopped reading or a task raised; the pool's close() stops them
            handle.cancel()


def default_workers() -> int:
    """The CPUs this process may run on (one worker each by default)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


class SlotPool:
    """What the local and Ray pools share: ``workers`` slots (at most ``size``, the most tasks a batch
    will have), started on the first batch by `_start` and kept until `close` (or the ``with`` block ends),
    so that workers set up their models once for every batch of a run.

    ``retries``: attempts after the first for a task whose worker died; a task out of attempts comes back
    from `run` as a `Failed`.
    """

    def __init__(
        self,
        *,
        workers: int | None,
        size: int,
        on_progress: Callable[[int], None] | None = None,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        self._n = max(1, min(workers or default_workers(), size))
        self._on_progress = on_progress
        self._retries = retries
        self._slots: Sequence[Slot] = []

    def _start(self) -> Sequence[Slot]:
        """Start the pool (its slots' workers may start later, on their first task)."""
        raise NotImplementedError

    def _poll(self) -> Callable[[], None] | None:
        """What to call while tasks run and after each batch (a Ray pool's progress queue), if anything."""
        return None

    def run(self, tasks: Sequence[Task[R]]) -> Iterator[R | Failed[R]]:
        """Run ``tasks`` on the workers; results come back as tasks finish (in no fixed order)."""
        if not tasks:
            return
        slots = self._slots or self._start()
        poll = self._poll()
        try:
            yield from run_on_slots(tasks, slots, retries=self._retries, poll=poll)
        finally:
            if poll is not None:
                poll()

    def close(self) -> None:
        for slot in self._slots:
            slot.close()
        self._slots = []

    def __enter__(self) -> SlotPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
