"""The documents of a shard as they reach the run's first global step, kept so nothing runs twice.

A global step (`websieve.steps.global_stage`) needs the whole corpus before the main pass can apply it,
so the steps before it used to run twice per shard: once for its map, once in the main pass. Instead,
the first global step's map writes what it saw to a *spill*: the documents that reached it (in order),
and everything the steps before it recorded (the shard's ledger so far, its quarantine, their timings).
The main pass, and the maps of later global steps, then start from the spill at the first global
step. The spill is written atomically before the map's marker, so a map marker means a spill; a shard
without one runs its steps from the reader as before: a run folder from an older websieve, and a shard
whose steps before the global step took less time over its first two batches than writing them did
(text input read straight into the dedup steps: the spill would only add work). It is removed once the shard's
main pass has finished.

Format: ``RUN/_state/spill/<shard>.docs``, batches of pickled documents (256, or fewer once they hold
8M characters), each a zstd frame after its 8-byte length; ``<shard>.meta``, the ledger, quarantine and
timings, pickled in one zstd frame. Every shard's spill is on disk between the maps and its main pass
(about the size of its text, compressed), and the folder is removed at the end of the run. Both are
websieve's own intermediate files (pickle: never load a spill from elsewhere).
"""

from __future__ import annotations

import os
import pickle
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websieve.document import Document
from websieve.ledger.records import ShardLedger
from websieve.steps.base import Step
from websieve.steps.global_stage import GlobalStep

__all__ = [
    "Spill",
    "SpillWriter",
    "first_global_step",
    "read_spill",
    "remove_spill",
    "spill_paths",
    "spilled_documents",
]

_BATCH = 256
_BATCH_CHARS = 8 << 20  # or fewer documents when they are large (HTML before extraction)
_LENGTH = struct.Struct("<Q")


@dataclass(slots=True)
class Spill:
    """What the steps before the first global step left for the rest of the shard's pass."""

    ledger: ShardLedger
    quarantine: list[Document] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    """Inclusive time of the reader and of each step before the first global step (as the task runner
    measures them: each includes everything upstream)."""


def first_global_step(steps: Sequence[Step[Any]]) -> int | None:
    """The index of the first global step of a pipeline (``None``: it has none)."""
    return next((i for i, step in enumerate(steps) if isinstance(step, GlobalStep)), None)


def spill_paths(run_dir: Path, shard: str) -> tuple[Path, Path]:
    folder = run_dir / "_state" / "spill"
    return folder / f"{shard}.docs", folder / f"{shard}.meta"


class SpillWriter:
    """Write a shard's documents as they pass (`tee`), then `close` with what the steps recorded."""

    def __init__(self, run_dir: Path, shard: str) -> None:
        import zstandard

        self._docs, self._meta = spill_paths(run_dir, shard)
        self._docs.parent.mkdir(parents=True, exist_ok=True)
        for stale in self._docs.parent.glob(f".{shard}.*.tmp-*"):  # a map killed while it wrote
            stale.unlink(missing_ok=True)
        self._tmp = self._docs.with_name(f".{self._docs.name}.tmp-{os.getpid()}")
        self._fh = open(self._tmp, "wb")  # noqa: SIM115 - closed in close()
        self._compressor = zstandard.ZstdCompressor(level=1)
        self._batch: list[Document] = []
        self._chars = 0
        self.seconds = 0.0
        """Time spent writing so far (about what reading the spill back will cost)."""
        self.given_up = False
        self._batches = 0

    def tee(self, docs: Iterator[Document], upstream: Callable[[], float]) -> Iterator[Document]:
        """Pass ``docs`` through, writing them; ``upstream()`` says how long the steps that made them have
        taken so far. Once two batches show that writing costs more than those steps (text read straight
        into a dedup step), the spill is given up (`worth_it`) and the rest only passes through."""
        for doc in docs:
            if self.given_up:
                yield doc
                continue
            self._batch.append(doc)
            self._chars += len(doc.text or "") + len(doc.html or "")
            if len(self._batch) >= _BATCH or self._chars >= _BATCH_CHARS:
                self._flush()
                self._batches += 1
                if self._batches >= 2 and upstream() <= self.seconds:
                    self.given_up = True
            yield doc

    @property
    def worth_it(self) -> bool:
        """Whether the spill is kept: reading it back costs about what writing it did, so it must have
        cost less than running the steps before the global step again."""
        return not self.given_up

    def _flush(self) -> None:
        if self._batch:
            started = time.perf_counter()
            data = self._compressor.compress(pickle.dumps(self._batch, protocol=pickle.HIGHEST_PROTOCOL))
            self._fh.write(_LENGTH.pack(len(data)))
            self._fh.write(data)
            self._batch = []
            self._chars = 0
            self.seconds += time.perf_counter() - started

    def close(self, spill: Spill) -> None:
        """Finish the documents file, then write the meta file: both atomically, documents first."""
        self._flush()
        self._fh.close()
        os.replace(self._tmp, self._docs)
        tmp = self._meta.with_name(f".{self._meta.name}.tmp-{os.getpid()}")
        tmp.write_bytes(self._compressor.compress(pickle.dumps(spill, protocol=pickle.HIGHEST_PROTOCOL)))
        os.replace(tmp, self._meta)

    def abandon(self) -> None:
        self._fh.close()
        self._tmp.unlink(missing_ok=True)


def read_spill(run_dir: Path, shard: str) -> tuple[Spill, Iterator[Document]] | None:
    """The shard's spill (its record and its documents, streamed), or ``None`` when it has none."""
    import zstandard

    docs = spilled_documents(run_dir, shard)
    if docs is None:
        return None
    meta = spill_paths(run_dir, shard)[1].read_bytes()
    spill: Spill = pickle.loads(zstandard.ZstdDecompressor().decompress(meta))
    return spill, docs


def spilled_documents(run_dir: Path, shard: str) -> Iterator[Document] | None:
    """Only the documents of the shard's spill (what a later global step's map needs), or ``None``."""
    docs_path, meta_path = spill_paths(run_dir, shard)
    if not meta_path.exists() or not docs_path.exists():
        return None
    return _documents(docs_path)


def _documents(path: Path) -> Iterator[Document]:
    import zstandard

    decompressor = zstandard.ZstdDecompressor()
    with open(path, "rb") as fh:
        while header := fh.read(_LENGTH.size):
            (size,) = _LENGTH.unpack(header)
            batch: list[Document] = pickle.loads(decompressor.decompress(fh.read(size)))
            yield from batch


def remove_spill(run_dir: Path, shard: str | None = None) -> None:
    """Remove one shard's spill, or (``shard`` None: every shard is done) the whole spill folder."""
    if shard is None:
        import shutil

        shutil.rmtree(run_dir / "_state" / "spill", ignore_errors=True)
        return
    for path in spill_paths(run_dir, shard):
        path.unlink(missing_ok=True)
