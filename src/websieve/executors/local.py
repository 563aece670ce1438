"""Run shards on worker processes on this machine.

Workers are started with ``spawn`` (safe with threads and on every OS); each loads the models once.
Each worker is a slot of its own (a one-process ``ProcessPoolExecutor``) holding one task at a time, so
a worker that dies (the out-of-memory killer, a crash in a native library) names the one task it was
running: `websieve.executors.slots.run_on_slots` tries that task again on a fresh process and the others
go on. Progress flows back through a queue; results are yielded as tasks finish. A `LocalPool` keeps its
workers across several batches of tasks (a global stage's map and reduce, then the main pass), so the
models a worker loaded for the map serve the main pass too.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from websieve.executors.collector import own_process
from websieve.executors.slots import DEFAULT_RETRIES, Failed, SlotPool, default_workers
from websieve.executors.task import Task, mark_worker

__all__ = ["LocalPool", "default_workers", "exit_reason", "one_thread_env", "run_local"]

_progress_queue: Any = None


ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""Each worker is one thread of work: one BLAS thread each (a value the user set wins)."""


@contextlib.contextmanager
def one_thread_env() -> Iterator[None]:
    """`ONE_THREAD` in this process's environment while a worker is started (it inherits it)."""
    added = {k: v for k, v in ONE_THREAD.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def exit_reason(code: int | None) -> str:
    """A worker's exit status in words, with what usually causes it.

    >>> exit_reason(-9)
    'was killed by SIGKILL (the out-of-memory killer, or a kill -9)'
    >>> exit_reason(-11)
    'crashed with SIGSEGV (a crash in a native library)'
    """
    if code is None:
        return "died (exit status unknown)"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if name == "SIGKILL":
            return "was killed by SIGKILL (the out-of-memory killer, or a kill -9)"
        if name in ("SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE"):
            return f"crashed with {name} (a crash in a native library)"
        return f"was stopped by {name}"
    return f"exited with status {code}"


def _init_worker(progress: Any) -> None:
    global _progress_queue
    _progress_queue = progress
    own_process()
    mark_worker()


def _report(n: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put(n)


R = TypeVar("R")


def _work(task: Task[R]) -> R:
    try:
        return task.run(_report)
    except BaseException as exc:
        # an exception the driver cannot rebuild from its pickle (an __init__ with other arguments than
        # its args) would break the pool there and pass for a dead worker: send its text instead
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            text = "".join(traceback.format_exception(exc)).rstrip()
            raise RuntimeError(f"{type(exc).__name__}: {exc} (in a worker)\n{text}") from None
        raise


class _ProcessSlot:
    """One worker process (a one-process pool, started on the first task)."""

    def __init__(self, progress: Any) -> None:
        self._progress = progress
        self._pool: ProcessPoolExecutor | None = None
        self._processes: list[Any] = []

    def submit(self, task: Task[Any]) -> Future[Any]:
        if self._pool is None:
            # ProcessPoolExecutor, not multiprocessing.Pool: when its worker dies, Pool waits forever,
            # the executor fails the task with BrokenProcessPool
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=mp.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self._progress,),
            )
        # the process starts inside submit; it inherits one BLAS thread (a value the user set wins)
        with one_thread_env():
            handle = self._pool.submit(_work, task)
        self._processes = list((getattr(self._pool, "_processes", None) or {}).values()) or self._processes
        return handle

    def collect(self, handle: Future[Any]) -> Any:
        return handle.result()

    def death(self, exc: BaseException) -> str | None:
        if not isinstance(exc, BrokenProcessPool):
            return None
        # the pool fails the task before its manager thread has reaped the dead process: wait for that
        # thread (a join here would race it for the exit status)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        codes = [p.exitcode for p in self._processes]
        return "the worker process " + exit_reason(next((c for c in codes if c is not None), None))

    def replace(self) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            # stop at once, also when a task failed or the caller stopped reading: no shard is half
            # written (outputs and markers are atomic), so a resumed run picks up cleanly
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
        self._processes = []


class LocalPool(SlotPool):
    """Worker processes on this machine (see `SlotPool`); progress comes back through one queue that a
    thread of this process drains."""

    _drainer: threading.Thread | None = None
    """The thread that hands the workers' progress counts to ``on_progress`` (when there is one)."""

    def _start(self) -> list[_ProcessSlot]:
        on_progress = self._on_progress
        progress: Any = mp.get_context("spawn").Queue() if on_progress is not None else None
        if progress is not None:
            stop = self._stop = threading.Event()

            def drain() -> None:
                while not stop.is_set() or not progress.empty():
                    try:
                        on_progress(progress.get(timeout=0.1))  # type: ignore[misc]
                    except queue.Empty:
                        continue

            self._drainer = threading.Thread(target=drain, daemon=True)
            self._drainer.start()
        slots = [_ProcessSlot(progress) for _ in range(self._n)]
        self._slots = slots
        return slots

    def close(self) -> None:
        super().close()
        if self._drainer is not None:
            self._stop.set()
            self._drainer.join(timeout=5)
            self._drainer = None


def run_local(
    tasks: Sequence[Task[R]],
    *,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    retries: int = DEFAULT_RETRIES,
) -> Iterator[R | Failed[R]]:
    if not tasks:
        return
    with LocalPool(workers=workers, size=len(tasks), on_progress=on_progress, retries=retries) as pool:
        yield from pool.run(tasks)
