"""Run every shard in this process, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from websieve.executors.task import Task

__all__ = ["run_inline"]

R = TypeVar("R")


def run_inline(tasks: Sequence[Task[R]], *, on_progress: Callable[[int], None] | None = None) -> Iterator[R]:
    for task in tasks:
        yield task.run(on_progress)
