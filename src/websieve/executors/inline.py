"""Run every shard in this process, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from websieve.executors.task import ShardResult, ShardTask, run_shard

__all__ = ["run_inline"]


def run_inline(
    tasks: Sequence[ShardTask], *, on_progress: Callable[[int], None] | None = None
) -> Iterator[ShardResult]:
    for task in tasks:
        yield run_shard(task, on_progress)
