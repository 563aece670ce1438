"""Garbage-collector settings for the processes websieve owns: pool workers and the command line.

A process that streams documents through a set-up pipeline allocates hundreds of short-lived containers
per page (lines, word lists, ledger rows) that never form cycles, next to long-lived ones that never die
(models, vocabularies, compiled patterns). CPython's defaults collect the young generation every 700
allocations and walk the long-lived objects again and again; on the line cleaner that is about 5% of
its time. In a process websieve owns, `own_process` collects the young generation every
``YOUNG_THRESHOLD`` allocations instead, and `freeze_setup` moves what exists once the pipelines are set up
out of the collector's sight (``gc.freeze``). Cycles are still collected, a little later; peak memory of
a run does not change measurably (the closing note of issue 3 has the figures).

Nothing here runs where websieve is a library in someone else's process: only `websieve.cli` and the
local pool's workers call `own_process`, and `freeze_setup` does nothing until it has been called.

>>> import gc
>>> before = gc.get_threshold()
>>> freeze_setup()  # not an owned process: nothing happens
>>> gc.get_threshold() == before
True
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "freeze_setup", "own_process"]

YOUNG_THRESHOLD = 20_000
"""Allocations between two collections of the young generation (CPython's default: 700)."""

_owned = False


def own_process() -> None:
    """Declare this process websieve's own (the CLI, a pool worker) and set its collector for throughput."""
    global _owned
    _owned = True
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)


def freeze_setup() -> None:
    """Once pipelines are set up in an owned process: keep what exists now out of later collections."""
    if _owned:
        gc.collect()
        gc.freeze()
