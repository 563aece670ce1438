"""Run shards and global-stage partitions on a Ray cluster (``--executor ray``).

The tasks are the ones every executor runs (`websieve.executors.task.ShardTask`, the global stages'
`MapTask` and `ReduceTask`): executors differ only in scheduling, so the output is the local executor's,
byte for byte. Each worker is a Ray actor that keeps its set-up pipeline (models load once per actor)
across the batches of one run: a global stage's map and phases, then the main pass. Every actor gets one
task at a time; the next goes to whichever actor finishes first.

Without an address, `ray.init` starts a local cluster of ``workers`` CPUs for the run and stops it after;
with ``address`` (``auto``, ``ray://host:10001``) the run joins an existing cluster and leaves it running.
Every node must be able to read the input paths and write the run folder (a shared file system).
Progress is reported as each shard finishes (documents of that shard), not while it runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from websieve.errors import UserError, WorkerError
from websieve.executors.local import ONE_THREAD, default_workers
from websieve.executors.task import ShardResult, Task

__all__ = ["RayPool"]

R = TypeVar("R")


class _Worker:
    """One Ray actor: runs tasks in its own process, keeping set-up pipelines between them."""

    def __init__(self) -> None:
        from websieve.executors.collector import own_process

        own_process()

    def run(self, task: Task[Any]) -> Any:
        return task.run(None)


def _documents(result: Any) -> int:
    """How many documents a finished task read (for the progress display; a reduce reads none)."""
    from websieve.executors.stage import MapResult

    if isinstance(result, ShardResult):
        return result.input
    if isinstance(result, MapResult):
        return int(result.counts.get("documents", 0))
    return 0


class RayPool:
    """Ray actors started on the first batch and kept until `close` (or the ``with`` block ends)."""

    def __init__(
        self,
        *,
        workers: int | None,
        size: int,
        on_progress: Callable[[int], None] | None = None,
        address: str | None = None,
    ) -> None:
        self._n = max(1, min(workers or default_workers(), size))
        self._on_progress = on_progress
        self._address = address
        self._actors: list[Any] = []
        self._started_ray = False

    def _start(self) -> list[Any]:
        try:
            import ray
        except ImportError as exc:
            raise UserError(
                "--executor ray needs Ray: pip install 'websieve[ray]' (or pip install 'ray>=2.9')"
            ) from exc
        if not ray.is_initialized():
            env = {k: v for k, v in ONE_THREAD.items() if k not in os.environ}
            if self._address is None:
                ray.init(
                    num_cpus=self._n,
                    include_dashboard=False,
                    log_to_driver=False,
                    runtime_env={"env_vars": env},
                )
            else:
                ray.init(address=self._address, log_to_driver=False, runtime_env={"env_vars": env})
            self._started_ray = True
        worker = ray.remote(num_cpus=1, max_restarts=0)(_Worker)
        self._actors = [worker.remote() for _ in range(self._n)]
        return self._actors

    def run(self, tasks: Sequence[Task[R]]) -> Iterator[R]:
        """Run ``tasks`` on the actors; results come back as tasks finish (in no fixed order)."""
        if not tasks:
            return
        import ray

        actors = self._actors or self._start()
        waiting = list(reversed(tasks))
        pending: dict[Any, Any] = {}
        for actor in actors:
            if waiting:
                pending[actor.run.remote(waiting.pop())] = actor
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                ref = ready[0]
                actor = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayActorError as exc:
                    raise WorkerError(
                        "a Ray worker died (killed, out of memory, or a crash in a native library); the "
                        "shards finished so far are kept: run the same command again to resume"
                    ) from exc
                if waiting:
                    pending[actor.run.remote(waiting.pop())] = actor
                if self._on_progress is not None:
                    self._on_progress(_documents(result))
                yield result
        finally:
            for ref in pending:  # the caller stopped reading or a task failed; close() stops the actors
                ray.cancel(ref)

    def close(self) -> None:
        if not self._actors and not self._started_ray:
            return
        import ray

        for actor in self._actors:
            ray.kill(actor)
        self._actors = []
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

    def __enter__(self) -> RayPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
