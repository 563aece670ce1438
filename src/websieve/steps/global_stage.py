"""Global steps: steps that need the whole corpus before they can decide about one document.

A global step runs in three phases, driven by `websieve.runs.run`:

1. **map**, per shard: the reader and the steps before the global step run over the shard (once: the
   first global step's map spills the documents that reach it, with what the steps before recorded,
   and the main pass and later maps start from there; `websieve.executors.spill`), and
   `GlobalStep.map_shard` writes what it needs to know about the shard under
   ``RUN/_state/<stage>/map/``, split into ``partitions`` by key, then a completion marker
   ``map/<shard>.done``.
2. **reduce**, per partition: `GlobalStep.reduce_partition` reads that partition of every shard, decides,
   and writes the decisions (the whole partition's, and a slice per shard), then ``reduce.done``.
   Memory is bounded by one partition, not by the corpus. A step that needs more rounds after it (the
   connected components of `websieve.steps.dedup.minhash`) names them with `GlobalStep.next_phase`:
   each further phase again runs one task per partition (`GlobalStep.run_phase`), all of one phase
   before any of the next, and leaves ``phase-<name>.done``; ``reduce.done`` follows the last.
3. **apply**, per shard, in the normal pass: `GlobalStep.process` loads the shard's decisions
   (`GlobalStep.load_decisions`) and runs `Step.apply` on each document as any streaming step does.

Both markers make the phases resumable; a run whose every shard is finished skips them. Outside a run
(`websieve.clean`, `StepContext.standalone`) there is no corpus: a global step passes documents through
unchanged, annotated ``skipped: "no run folder"``.

>>> state = StageState(Path("RUN"), "boilerplate")
>>> state.map_file("part-00003", 7).as_posix()
'RUN/_state/boilerplate/map/part-00003-p7.parquet'
>>> state.reduce_marker.as_posix()
'RUN/_state/boilerplate/reduce.done'
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from websieve.config import StepConfig
from websieve.document import Document
from websieve.errors import ConfigError
from websieve.steps.base import Step, StepContext

__all__ = [
    "GlobalStep",
    "GlobalStepConfig",
    "StageState",
    "aggregate_pairs",
    "member_pairs",
    "read_arrays",
    "write_arrays_atomic",
    "write_table_atomic",
]

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]


@dataclass(frozen=True, kw_only=True, slots=True)
class GlobalStepConfig(StepConfig):
    """Options every global step has."""

    partitions: int = 16
    """Keys are split into this many partitions; the reduce holds one partition in memory at a time.
    Decisions do not depend on it (raise it for corpora whose largest partition does not fit)."""

    def __post_init__(self) -> None:
        if not 1 <= self.partitions <= 4096:
            raise ConfigError(f"partitions must be between 1 and 4096, got {self.partitions}")


C = TypeVar("C", bound=GlobalStepConfig)


@dataclass(frozen=True, slots=True)
class StageState:
    """Where one global stage keeps its intermediates: ``RUN/_state/<stage>/``."""

    run_dir: Path
    stage: str

    @property
    def root(self) -> Path:
        return self.run_dir / "_state" / self.stage

    @property
    def map_dir(self) -> Path:
        return self.root / "map"

    def map_file(self, shard: str, partition: int, kind: str = "", suffix: str = ".parquet") -> Path:
        """A shard's map output for one partition (``kind`` tells several tables apart; ``suffix``
        ``.npy`` for `write_arrays_atomic`)."""
        return self.map_dir / f"{shard}{'-' + kind if kind else ''}-p{partition}{suffix}"

    def map_marker(self, shard: str) -> Path:
        return self.map_dir / f"{shard}.done"

    def decisions_file(self, partition: int) -> Path:
        return self.root / f"decisions-p{partition}.parquet"

    def shard_decisions_file(self, shard: str, partition: int) -> Path:
        """The decisions of one partition that concern one shard (what the apply phase loads)."""
        return self.root / "decisions" / f"{shard}-p{partition}.parquet"

    @property
    def reduce_marker(self) -> Path:
        return self.root / "reduce.done"

    def phase_marker(self, phase: str) -> Path:
        """The marker of one finished phase (its summed counts), for resuming mid-way."""
        return self.root / f"phase-{phase}.done"

    def phase_file(self, phase: str, source: int, partition: int, suffix: str = ".npy") -> Path:
        """What the task of partition ``source`` in ``phase`` wrote for ``partition`` of the next phase."""
        return self.root / phase / f"p{source}-to-p{partition}{suffix}"

    def phase_files(self, phase: str, partition: int, suffix: str = ".npy") -> list[Path]:
        """Every file written in ``phase`` for ``partition``, in source order."""
        folder = self.root / phase
        if not folder.is_dir():
            return []
        found = folder.glob(f"p*-to-p{partition}{suffix}")
        return sorted(found, key=lambda path: int(path.name[1 : path.name.index("-")]))


class GlobalStep(Step[C]):
    """Base of the steps that need the whole corpus (see the module docstring for the phases).

    Subclasses set `stage` (the folder under ``RUN/_state/``) and implement `map_shard`,
    `reduce_partition`, `load_decisions` and `Step.apply`. Everything they write must be deterministic:
    sorted keys, no dependence on shard order, worker count or number of partitions.
    """

    stage: ClassVar[str]

    @property
    def partitions(self) -> int:
        return self.config.partitions

    def map_shard(self, docs: Iterator[Document], state: StageState, shard: str) -> dict[str, int]:
        """Consume one shard's documents and write its map files; returns counts for the marker."""
        raise NotImplementedError

    def reduce_partition(self, state: StageState, partition: int, shards: Sequence[str]) -> dict[str, int]:
        """Read ``partition`` of every shard's map output and write its decisions; returns counts."""
        raise NotImplementedError

    def next_phase(self, phase: str, counts: dict[str, int]) -> str | None:
        """The phase to run once every partition of ``phase`` is done (``counts``: its tasks' counts
        summed; keys starting with ``_`` are left out of the run's totals), or ``None`` when the
        decisions are written. The first phase is ``"reduce"``
        (`reduce_partition`); a step with one phase keeps this default."""
        return None

    def phase_label(self, phase: str) -> str:
        """What the progress display calls ``phase``."""
        return phase

    def run_phase(
        self, phase: str, state: StageState, partition: int, shards: Sequence[str]
    ) -> dict[str, int]:
        """Run one partition of a phase named by `next_phase`; returns counts (summed over partitions)."""
        raise NotImplementedError(f"{type(self).__name__} has no phase {phase!r}")

    def load_decisions(self, state: StageState, shard: str) -> None:
        """Load the decisions concerning ``shard`` (called once per shard, before its documents)."""
        raise NotImplementedError

    def process(self, docs: Iterator[Document], ctx: StepContext) -> Iterator[Document]:
        if ctx.run_dir is None or ctx.shard is None:
            for doc in docs:
                doc.annotate(self.step_id, skipped="no run folder")
                yield doc
            return
        self.load_decisions(StageState(ctx.run_dir, self.stage), ctx.shard)
        yield from super().process(docs, ctx)


def write_table_atomic(columns: dict[str, Any], final: Path) -> None:
    """Write ``columns`` (name -> pyarrow array or numpy array) as zstd Parquet, atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    pq.write_table(pa.table(columns), tmp, compression="zstd")
    os.replace(tmp, final)


def write_arrays_atomic(columns: dict[str, npt.NDArray[Any]], final: Path) -> None:
    """Write numeric columns of equal length (2-D ones: a fixed-width value per row) as one ``.npy`` file
    of a structured array, atomically: ten times quicker to write and read than Parquet for the many
    small tables of a global stage's rounds.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.npy"
    >>> write_arrays_atomic({"a": np.array([1, 2], np.uint64), "m": np.zeros((2, 3), np.uint32)}, path)
    >>> {name: column.shape for name, column in read_arrays(path).items()}
    {'a': (2,), 'm': (2, 3)}
    """
    n = len(next(iter(columns.values())))
    table = np.empty(n, dtype=[(name, column.dtype, column.shape[1:]) for name, column in columns.items()])
    for name, column in columns.items():
        table[name] = column
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        np.save(fh, table, allow_pickle=False)
    os.replace(tmp, final)


def read_arrays(path: Path) -> dict[str, npt.NDArray[Any]]:
    """The columns of a file `write_arrays_atomic` wrote (each contiguous)."""
    table = np.load(path, allow_pickle=False)
    assert table.dtype.names is not None
    return {name: np.ascontiguousarray(table[name]) for name in table.dtype.names}


def aggregate_pairs(site: U64, key: U64, count: U32) -> tuple[U64, U64, U32]:
    """Sum ``count`` per distinct (site, key); the result is sorted by (site, key).

    >>> s, k, c = aggregate_pairs(np.array([2, 1, 2], np.uint64), np.array([5, 9, 5], np.uint64),
    ...                           np.array([1, 1, 3], np.uint32))
    >>> s.tolist(), k.tolist(), c.tolist()
    ([1, 2], [9, 5], [1, 4])
    """
    if len(site) == 0:
        return site, key, count
    order = np.lexsort((key, site))
    s, k, c = site[order], key[order], count[order]
    new = np.empty(len(s), dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    new[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(new)
    return s[starts], k[starts], np.add.reduceat(c, starts).astype(np.uint32)


def member_pairs(
    site: U64, key: U64, in_site: U64, in_key: U64
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.intp]]:
    """Which (site, key) pairs are among the distinct pairs (in_site, in_key), and at which index there.

    Returns a mask over ``site``/``key`` and, for each pair, the index of its match in ``in_*`` (-1 when
    there is none). Exact (no hashing of the pair); both inputs must hold distinct pairs.

    >>> mask, where = member_pairs(np.array([1, 2, 3], np.uint64), np.array([7, 8, 9], np.uint64),
    ...                            np.array([3, 1], np.uint64), np.array([9, 8], np.uint64))
    >>> mask.tolist(), where.tolist()
    ([False, False, True], [-1, -1, 0])
    """
    n_in = len(in_site)
    all_site = np.concatenate([in_site, site])
    all_key = np.concatenate([in_key, key])
    # within an equal pair the reference row sorts first (source 0), the queried row right after it
    source = np.concatenate([np.zeros(n_in, np.uint8), np.ones(len(site), np.uint8)])
    order = np.lexsort((source, all_key, all_site))
    s, k, src = all_site[order], all_key[order], source[order]
    hit = np.zeros(len(order), dtype=bool)
    hit[1:] = (src[1:] == 1) & (src[:-1] == 0) & (s[1:] == s[:-1]) & (k[1:] == k[:-1])
    where_sorted = np.full(len(order), -1, dtype=np.intp)
    where_sorted[1:] = np.where(hit[1:], order[:-1], -1)
    mask = np.zeros(len(site), dtype=bool)
    where = np.full(len(site), -1, dtype=np.intp)
    queried = src == 1
    query_index = order[queried] - n_in
    mask[query_index] = hit[queried]
    where[query_index] = where_sorted[queried]
    return mask, where
