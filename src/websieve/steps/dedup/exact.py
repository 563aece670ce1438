"""Exact deduplication: one document per normalised text, over the whole run (``dedup.exact@1``).

Two documents are exact duplicates when their texts are equal once lower-cased (``str.casefold``) and
their whitespace collapsed: a recrawl, a print version, a ``?utm=`` variant, a syndicated copy. Of each
group, one document survives, by a fixed rule whatever the shards, workers or partitions: the longest
text as written, then the latest ``meta.crawl_date``, then the smallest id. The others go to the ledger
(rule ``exact_duplicate``, ``value`` = the id of the survivor they duplicate); the survivor records how
many documents its group had (``cluster_size``, FineWeb-2's re-weighting signal).

It is a global step (`websieve.steps.global_stage`): the map writes (text hash, length, crawl date, id)
per shard, split into ``partitions`` by hash; a reduce task holds one partition's rows (as Python tuples:
some 150 bytes a document plus its id; raise ``partitions`` for large runs); the apply phase of a shard
loads only the decisions about its own documents.
Outside a run folder (`websieve.clean`) nothing is dropped.

>>> text_key("Hello,   World!\\n") == text_key("hello, world!")
True
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from websieve.document import Document, Field
from websieve.steps.base import StepContext
from websieve.steps.global_stage import GlobalStep, GlobalStepConfig, StageState, write_table_atomic

__all__ = ["DedupRule", "ExactDedup", "ExactDedupConfig", "text_key"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ExactDedupConfig(GlobalStepConfig):
    """Options of `ExactDedup` (only ``partitions``: decisions do not depend on it)."""


class DedupRule(enum.Enum):
    EXACT = "exact_duplicate"


def text_key(text: str) -> int:
    """The 64-bit hash (xxh3) of ``text`` lower-cased, its whitespace collapsed."""
    return xxhash.xxh3_64_intdigest(" ".join(text.casefold().split()).encode("utf-8", "surrogatepass"))


@dataclass(frozen=True, slots=True)
class _Decision:
    survivor: str
    """The id of the group's survivor; ``""`` for the survivor itself."""
    size: int


class ExactDedup(GlobalStep[ExactDedupConfig]):
    step_id = "dedup.exact@1"
    stage = "dedup-exact"
    config_cls = ExactDedupConfig
    requires = frozenset({Field.TEXT})

    _decisions: dict[str, _Decision] | None = None

    def map_shard(self, docs: Iterator[Document], state: StageState, shard: str) -> dict[str, int]:
        """Write (key u64, length i64, crawl str, id str) per partition (``key % partitions``)."""
        keys: list[int] = []
        lengths: list[int] = []
        crawls: list[str] = []
        ids: list[str] = []
        for doc in docs:
            text = doc.text or ""
            keys.append(text_key(text))
            lengths.append(len(text))
            crawls.append(doc.meta.crawl_date or "")
            ids.append(doc.id)
        key = np.array(keys, dtype=np.uint64)
        length = np.array(lengths, dtype=np.int64)
        crawl = np.array(crawls, dtype=object)
        ident = np.array(ids, dtype=object)
        part = key % np.uint64(self.partitions)
        for k in range(self.partitions):
            rows = part == k
            if rows.any():
                write_table_atomic(
                    {"key": key[rows], "length": length[rows], "crawl": crawl[rows], "id": ident[rows]},
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
        decided: dict[int, tuple[list[str], list[str], list[int]]] = {}
        groups = dropped = 0
        start = 0
        while start < len(rows):
            end = start
            while end < len(rows) and rows[end][0] == rows[start][0]:
                end += 1
            if end - start > 1:
                members = sorted(rows[start:end], key=lambda row: row[3])  # smallest id first among equals
                members.sort(key=lambda row: (row[1], row[2]), reverse=True)  # longest, then latest crawl
                survivor = members[0][3]
                groups += 1
                dropped += len(members) - 1
                for rank, (_, _, _, ident, shard_index) in enumerate(members):
                    out = decided.setdefault(shard_index, ([], [], []))
                    out[0].append(ident)
                    out[1].append("" if rank == 0 else survivor)
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
        dropped = ctx.drop(doc, step=self.step_id, rule=DedupRule.EXACT, value=decision.survivor)
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
