"""Run shards on a pool of worker processes on this machine.

Workers are started with ``spawn`` (safe with threads and on every OS); each loads the models once.
Progress flows back through a queue; results are yielded as shards finish. A `LocalPool` keeps its
workers across several batches of tasks (a global stage's map and reduce, then the main pass), so the
models a worker loaded for the map serve the main pass too.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from websieve.errors import WorkerError
from websieve.executors.collector import own_process
from websieve.executors.task import Task

__all__ = ["LocalPool", "default_workers", "run_local"]

_progress_queue: Any = None


ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""Each worker is one thread of work: one BLAS thread each (a value the user set wins)."""


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _init_worker(progress: Any) -> None:
    global _progress_queue
    _progress_queue = progress
    own_process()


def _report(n: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put(n)


R = TypeVar("R")


def _work(task: Task[R]) -> R:
    return task.run(_report)


class LocalPool:
    """Worker processes started on the first batch and kept until `close` (or the ``with`` block ends)."""

    def __init__(
        self, *, workers: int | None, size: int, on_progress: Callable[[int], None] | None = None
    ) -> None:
        self._n = max(1, min(workers or default_workers(), size))
        self._on_progress = on_progress
        self._pool: Any = None
        self._stop = threading.Event()
        self._drainer: threading.Thread | None = None

    def _start(self) -> Any:
        ctx = mp.get_context("spawn")
        on_progress = self._on_progress
        progress: Any = ctx.Queue() if on_progress is not None else None
        if progress is not None:

            def drain() -> None:
                while not self._stop.is_set() or not progress.empty():
                    try:
                        on_progress(progress.get(timeout=0.1))  # type: ignore[misc]
                    except queue.Empty:
                        continue

            self._drainer = threading.Thread(target=drain, daemon=True)
            self._drainer.start()
        # workers are the parallelism: one BLAS thread each (the line model's small matrix products slow
        # down, not up, when every worker also spawns a thread per core); a value the user set wins
        added = {k: v for k, v in ONE_THREAD.items() if k not in os.environ}
        os.environ.update(added)
        try:
            # ProcessPoolExecutor, not multiprocessing.Pool: when a worker dies (OOM killer, segfault in a
            # parser) Pool waits forever, the executor raises BrokenProcessPool
            self._pool = ProcessPoolExecutor(
                max_workers=self._n, mp_context=ctx, initializer=_init_worker, initargs=(progress,)
            )
        finally:
            for key in added:
                os.environ.pop(key, None)
        return self._pool

    def run(self, tasks: Sequence[Task[R]]) -> Iterator[R]:
        """Run ``tasks`` on the workers; results come back as tasks finish (in no fixed order)."""
        if not tasks:
            return
        pool = self._pool if self._pool is not None else self._start()
        futures = [pool.submit(_work, task) for task in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BrokenProcessPool as exc:
            raise WorkerError(
                "a worker process died (killed by the system, out of memory, or a crash in a native "
                "library); the shards finished so far are kept: run the same command again to resume, "
                "with fewer --workers if memory is short"
            ) from exc
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            # stop at once, also when a task failed or the caller stopped reading: no shard is half
            # written (outputs and markers are atomic), so a resumed run picks up cleanly
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
        self._stop.set()
        if self._drainer is not None:
            self._drainer.join(timeout=5)
            self._drainer = None

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_local(
    tasks: Sequence[Task[R]],
    *,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[R]:
    if not tasks:
        return
    with LocalPool(workers=workers, size=len(tasks), on_progress=on_progress) as pool:
        yield from pool.run(tasks)
