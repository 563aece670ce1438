"""Executors schedule shards; `websieve.executors.task.run_shard` does the work, the same everywhere."""

from __future__ import annotations

import enum

__all__ = ["Executor"]


class Executor(enum.Enum):
    INLINE = "inline"
    """Every shard in this process, one after the other (tests, debugging)."""
    LOCAL = "local"
    """A pool of worker processes on this machine (default: one per core)."""
    RAY = "ray"
    """Ray actors: a local Ray cluster started for the run, or an existing one (``ray_address``)."""
