"""Run shards and global-stage partitions on a Ray cluster (``--executor ray``).

The tasks are the ones every executor runs (`websieve.executors.task.ShardTask`, the global stages'
`MapTask` and `ReduceTask`), and the scheduling loop is the local executor's
(`websieve.executors.slots.run_on_slots`): executors differ only in where a worker lives, so the output is
the local executor's, byte for byte. Each worker is a Ray actor that keeps its set-up pipeline (models
load once per actor) across the batches of one run: a global stage's map and phases, then the main pass.
Every actor holds one task at a time; the next goes to whichever actor finishes first. An actor that dies
(its node lost, the out-of-memory killer, a crash in a native library) is replaced and its task tried
again, a bounded number of times.

Without an address, `ray.init` starts a local cluster of ``workers`` CPUs for the run and stops it after;
with ``address`` (``auto``, ``ray://host:10001``), or ``RAY_ADDRESS`` set (as it is inside ``ray job
submit``), the run joins that cluster and leaves it running.
Every node must be able to read the input paths and write the run folder (a shared file system).
Workers report documents as they go (every 64) through a Ray queue that the driver drains a few times a
second, so progress moves within a shard as it does with the local executor.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from websieve.errors import UserError
from websieve.executors.local import ONE_THREAD
from websieve.executors.slots import DEFAULT_RETRIES, NoWorker, SlotPool
from websieve.executors.task import Task

__all__ = ["RayPool"]

R = TypeVar("R")

_PASSED_PREFIXES = ("WEBSIEVE_", "FSSPEC_")
"""Variables of the driver's environment that the workers get too: websieve's own (a fault drill, the
pattern cache's folder) and fsspec's storage options (``FSSPEC_S3='{"anon": true}'``). Credentials are
not passed: they belong on each node (README, "Running on Ray")."""

START_SECONDS = 60.0
"""How long a replacement actor may take to be placed and started before its slot is given up."""


class _Worker:
    """One Ray actor: runs tasks in its own process, keeping set-up pipelines between them."""

    def __init__(self, progress: Any) -> None:
        from websieve.executors.collector import own_process
        from websieve.executors.task import mark_worker

        own_process()
        mark_worker()
        self._progress = progress

    def _report(self, n: int) -> None:
        with contextlib.suppress(Exception):  # progress is for display: a lost count never fails a task
            self._progress.put_nowait(n)

    def ready(self) -> bool:
        return True

    def run(self, task: Task[Any]) -> Any:
        return task.run(self._report if self._progress is not None else None)


def _death(exc: BaseException) -> str | None:
    """Why a Ray worker died, in words, when ``exc`` says it did (None: the task's own error)."""
    import ray.exceptions as rex

    deaths = tuple(
        getattr(rex, name)
        for name in ("RayActorError", "WorkerCrashedError", "OutOfMemoryError", "NodeDiedError")
        if hasattr(rex, name)
    )
    if not isinstance(exc, deaths):
        return None
    text = " ".join(str(exc).split())
    for marker in ("Worker exit detail:", "The actor is dead because"):
        if marker in text:
            text = text[text.index(marker) :]
            break
    return f"the Ray worker died ({type(exc).__name__}: {text[:300]})"


class _ActorSlot:
    """One Ray actor holding one task (started on the first task, replaced when it dies)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._actor: Any = None
        self._ref: Any = None
        self._replaced = False

    def submit(self, task: Task[Any]) -> Future[Any]:
        if self._actor is None:
            self._actor = self._make()
            if self._replaced:  # after a death the cluster may have no room left (a node lost)
                self._wait_ready()
        self._ref = self._actor.run.remote(task)
        handle: Future[Any] = self._ref.future()
        return handle

    def collect(self, handle: Future[Any]) -> Any:
        import ray

        # ray.get, not handle.result(): it raises a task's own error as its original type too
        ref, self._ref = self._ref, None
        return ray.get(ref)

    def death(self, exc: BaseException) -> str | None:
        return _death(exc)

    def _wait_ready(self) -> None:
        import ray

        try:
            ray.get(self._actor.ready.remote(), timeout=START_SECONDS)
        except Exception as exc:  # not placed in time (GetTimeoutError), or died starting
            self.close()
            raise NoWorker(
                f"a replacement Ray worker was not running after {START_SECONDS:.0f} s "
                f"({type(exc).__name__}): the cluster has no free CPU for it"
            ) from exc

    def replace(self) -> None:
        self.close()
        self._replaced = True

    def close(self) -> None:
        if self._actor is not None:
            import ray

            actor, self._actor = self._actor, None
            with contextlib.suppress(Exception):  # already gone, with its node
                ray.kill(actor, no_restart=True)


class RayPool(SlotPool):
    """Ray actors (see `SlotPool`), on a local cluster started for the run or the one at ``address``."""

    def __init__(
        self,
        *,
        workers: int | None,
        size: int,
        on_progress: Callable[[int], None] | None = None,
        address: str | None = None,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        super().__init__(workers=workers, size=size, on_progress=on_progress, retries=retries)
        self._workers, self._size = workers, size
        self._address = address
        self._queue: Any = None
        self._started_ray = False

    def _start(self) -> list[_ActorSlot]:
        try:
            import ray
        except ImportError as exc:
            raise UserError(
                "--executor ray needs Ray: pip install 'websieve[ray]' (or pip install 'ray>=2.9')"
            ) from exc
        if not ray.is_initialized():
            env = {k: v for k, v in ONE_THREAD.items() if k not in os.environ}
            env.update({k: v for k, v in os.environ.items() if k.startswith(_PASSED_PREFIXES)})
            # inside `ray job submit` (or with RAY_ADDRESS set) the run joins that cluster
            address = self._address or os.environ.get("RAY_ADDRESS") or None
            if address is None:
                ray.init(
                    num_cpus=self._n,
                    include_dashboard=False,
                    log_to_driver=False,
                    runtime_env={"env_vars": env},
                )
            else:
                ray.init(address=address, log_to_driver=False, runtime_env={"env_vars": env})
                if self._workers is None:  # one actor per CPU of the cluster, not of this machine
                    cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
                    self._n = max(1, min(cpus, self._size))
            self._started_ray = True
        if self._on_progress is not None:
            from ray.util.queue import Queue

            self._queue = Queue(actor_options={"num_cpus": 0})
        worker = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(_Worker)
        progress = self._queue

        def make() -> Any:
            return worker.remote(progress)

        slots = [_ActorSlot(make) for _ in range(self._n)]
        self._slots = slots
        return slots

    def _poll(self) -> Callable[[], None] | None:
        return self._drain

    def _drain(self) -> None:
        if self._queue is None or self._on_progress is None:
            return
        try:
            waiting = self._queue.qsize()
            counts = self._queue.get_nowait_batch(waiting) if waiting else []
        except Exception:  # the queue's actor is gone (its node lost): the run goes on without progress
            self._queue = None
            return
        for n in counts:
            self._on_progress(n)

    def close(self) -> None:
        if not self._slots and not self._started_ray:
            return
        super().close()
        if self._queue is not None:
            self._queue.shutdown()
            self._queue = None
        if self._started_ray:
            import ray

            ray.shutdown()
            self._started_ray = False
