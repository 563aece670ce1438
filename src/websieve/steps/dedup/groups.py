"""Keep one document per group of equal keys over a run: the machinery `dedup.exact` and `dedup.url` share.

A `GroupDedup` is a global step (`websieve.steps.global_stage`): the map writes (key, text length, crawl
date, id) per shard, split into ``partitions`` by key; a reduce task groups one partition's rows by key
and picks each group's survivor by a fixed rule (the longest text, then the latest crawl, then the
smallest id; or the latest crawl first), whatever the shards, workers or partitions; the apply phase of
a shard loads the decisions about its own documents and drops the others to the ledger with the
survivor's id. A reduce task holds one partition's rows as Python tuples (some 150 bytes a document plus
its id; raise ``partitions`` for large runs).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.global_stage import GlobalStep, GlobalStepConfig, StageState, write_table_atomic

__all__ = ["DedupRule", "GroupDedup"]


class DedupRule(enum.Enum):
    EXACT = "exact_duplicate"
    URL = "url_duplicate"


C = TypeVar("C", bound=GlobalStepConfig)


@dataclass(frozen=True, slots=True)
class _Decision:
    survivor: str
    """The id of the group's survivor; ``""`` for the survivor itself."""
    size: int


class GroupDedup(GlobalStep[C]):
    """Base of the steps that keep one document per group of equal keys over a run (see `ExactDedup`).

    Subclasses give the key of a document (`key`; ``None``: the document is in no group) and the rule
    a dropped document is recorded under; `newest_first` puts the latest crawl before the longest text
    in the survivor rule (the smallest id decides last, always).
    """

    rule: ClassVar[enum.Enum]
    newest_first: ClassVar[bool] = False
    _decisions: dict[str, _Decision] | None = None

    def key(self, doc: Document) -> int | None:
        raise NotImplementedError

    def map_shard(self, docs: Iterator[Document], state: StageState, shard: str) -> dict[str, int]:
        """Write (key u64, length i64, crawl str, id str) per partition (``key % partitions``)."""
        keys: list[int] = []
        lengths: list[int] = []
        crawls: list[str] = []
        ids: list[str] = []
        for doc in docs:
            key = self.key(doc)
            if key is None:
                continue
            keys.append(key)
            lengths.append(len(doc.text or ""))
            crawls.append(doc.meta.crawl_date or "")
            ids.append(doc.id)
        key_array = np.array(keys, dtype=np.uint64)
        length = np.array(lengths, dtype=np.int64)
        crawl = np.array(crawls, dtype=object)
        ident = np.array(ids, dtype=object)
        part = key_array % np.uint64(self.partitions)
        for k in range(self.partitions):
            rows = part == k
            if rows.any():
                write_table_atomic(
                    {"key": key_array[rows], "length": length[rows], "crawl": crawl[rows], "id": ident[rows]},
                    state.map_file(shard, k),
                )
        return {"documents": len(ids)}

    def reduce_partition(self, state: StageState, partition: int, shards: Sequence[str]) -> dict[str, int]:
        """Group the partition's documents by key; in each group of two or more, pick the survivor.

        Writes, per shard, the decisions about its documents in such groups (``decisions/<shard>-p<k>``:
        id, survivor id or ``""``, group size).
        """
        rows: list[tuple[int, int, str, str, int]] = []  # key, length, crawl, id, shard index
        for index, shard in enumerate(shards):
            path = state.map_file(shard, partition)
            if path.exists():
                key, length, crawl, ident = _read(path, ("key", "length", "crawl", "id"))
                rows.extend(zip(key.tolist(), length.tolist(), crawl, ident, [index] * len(key), strict=True))
        rows.sort(key=lambda row: row[0])
        rank = (lambda row: (row[2], row[1])) if self.newest_first else (lambda row: (row[1], row[2]))
        decided: dict[int, tuple[list[str], list[str], list[int]]] = {}
        groups = dropped = 0
        start = 0
        while start < len(rows):
            end = start
            while end < len(rows) and rows[end][0] == rows[start][0]:
                end += 1
            if end - start > 1:
                members = sorted(rows[start:end], key=lambda row: row[3])  # smallest id first among equals
                members.sort(key=rank, reverse=True)  # a stable sort: equals keep the id order
                survivor = members[0][3]
                groups += 1
                dropped += len(members) - 1
                for place, (_, _, _, ident, shard_index) in enumerate(members):
                    out = decided.setdefault(shard_index, ([], [], []))
                    out[0].append(ident)
                    out[1].append("" if place == 0 else survivor)
                    out[2].append(len(members))
            start = end
        for shard_index, (ids, survivors, sizes) in sorted(decided.items()):
            order = sorted(range(len(ids)), key=ids.__getitem__)
            write_table_atomic(
                {
                    "id": np.array([ids[i] for i in order], dtype=object),
                    "survivor": np.array([survivors[i] for i in order], dtype=object),
                    "size": np.array([sizes[i] for i in order], dtype=np.uint32),
                },
                state.shard_decisions_file(shards[shard_index], partition),
            )
        return {"documents": len(rows), "groups": groups, "dropped": dropped}

    def load_decisions(self, state: StageState, shard: str) -> None:
        decisions: dict[str, _Decision] = {}
        for k in range(self.partitions):
            path = state.shard_decisions_file(shard, k)
            if path.exists():
                ids, survivors, sizes = _read(path, ("id", "survivor", "size"))
                for ident, survivor, size in zip(ids, survivors, sizes.tolist(), strict=True):
                    decisions[ident] = _Decision(survivor, size)
        self._decisions = decisions

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        decision = (self._decisions or {}).get(doc.id)
        if decision is None:
            return doc
        doc.annotate(self.step_id, cluster_size=decision.size)
        if not decision.survivor:
            return doc
        doc.annotate(self.step_id, duplicate_of=decision.survivor)
        dropped = ctx.drop(doc, step=self.step_id, rule=self.rule, value=decision.survivor)
        return None if dropped else doc


def _read(path: Path, names: Sequence[str]) -> list[Any]:
    """Columns of a Parquet file: numpy arrays for numbers, lists of str for strings."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=list(names))
    out: list[Any] = []
    for name in names:
        column = table.column(name)
        out.append(column.to_pylist() if pa.types.is_string(column.type) else column.to_numpy())
    return out
