"""Run shards on a pool of worker processes on this machine.

Workers are started with ``spawn`` (safe with threads and on every OS); each loads the models once.
Progress flows back through a queue; results are yielded as shards finish.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from websieve.executors.task import ShardResult, ShardTask, run_shard

__all__ = ["default_workers", "run_local"]

_progress_queue: Any = None


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _init_worker(progress: Any) -> None:
    global _progress_queue
    _progress_queue = progress


def _report(n: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put(n)


def _work(task: ShardTask) -> ShardResult:
    return run_shard(task, _report)


def run_local(
    tasks: Sequence[ShardTask],
    *,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[ShardResult]:
    if not tasks:
        return
    n = max(1, min(workers or default_workers(), len(tasks)))
    ctx = mp.get_context("spawn")
    progress: Any = ctx.Queue() if on_progress is not None else None
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set() or not progress.empty():
            try:
                on_progress(progress.get(timeout=0.1))  # type: ignore[misc]
            except queue.Empty:
                continue

    drainer = threading.Thread(target=drain, daemon=True) if progress is not None else None
    if drainer is not None:
        drainer.start()
    try:
        with ctx.Pool(n, initializer=_init_worker, initargs=(progress,)) as pool:
            yield from pool.imap_unordered(_work, tasks, chunksize=1)
    finally:
        stop.set()
        if drainer is not None:
            drainer.join(timeout=5)
