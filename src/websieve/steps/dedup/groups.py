"""Keep one document per group of equal keys over a run: the machinery `dedup.exact` and `dedup.url` share.

A `GroupDedup` is a global step (`websieve.steps.global_stage`): the map writes (key, text length,
crawl date, id, weight) per shard, split into ``partitions`` by key; a reduce task groups one partition's
rows by key and picks each group's survivor by a fixed rule (the longest text, then the latest crawl, then the
smallest id; or the latest crawl first), whatever the shards, workers or partitions; the apply phase of
a shard loads the decisions about its own documents, records each group's size in ``meta.cluster_size``
(the weights summed: a document an earlier dedup step kept counts with its own cluster size) and drops
the others to the ledger with the survivor's id. A reduce task holds one partition's rows (28 bytes a
document in numpy columns, plus its id and crawl date as Python strings; raise ``partitions`` for large
runs). The survivor rule (`decide_groups`) and the per-shard decision files (`write_decisions`) are
shared with `websieve.steps.dedup.minhash`, whose groups are clusters.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.global_stage import GlobalStep, GlobalStepConfig, StageState, write_table_atomic
from websieve.steps.line_counts import read_columns

__all__ = [
    "DedupConfig",
    "DedupRule",
    "GroupDedup",
    "Survivor",
    "decide_groups",
    "record_of",
    "write_decisions",
]


class Survivor(enum.Enum):
    """Which document of a group or cluster stays (every rule ends on the smallest id, then the place in
    the input, so the choice never depends on shards, workers or partitions)."""

    LONGEST = "longest"
    """The longest text, then the latest ``meta.crawl_date``: the most complete copy (it may be a copy
    with more boilerplate or inserted material)."""
    LATEST = "latest"
    """The latest crawl, then the longest text: the page as it is now (`dedup.url`'s default)."""
    FIRST = "first"
    """The first in the input (shard, then record): the copy met first, e.g. the oldest crawl listed first."""


class DedupRule(enum.Enum):
    EXACT = "exact_duplicate"
    URL = "url_duplicate"
    NEAR = "near_duplicate"


@dataclass(frozen=True, kw_only=True, slots=True)
class DedupConfig(GlobalStepConfig):
    """Options every dedup step of groups or clusters has."""

    survivor: Survivor = Survivor.LONGEST
    """Which document of a group stays (`Survivor`)."""


C = TypeVar("C", bound=DedupConfig)


@dataclass(frozen=True, slots=True)
class Decision:
    survivor: str
    """The id of the group's survivor; ``""`` for the survivor itself."""
    size: int


class GroupDedup(GlobalStep[C]):
    """Base of the steps that keep one document per group of equal keys over a run (see `ExactDedup`).

    Subclasses give the key of a document (`key`; ``None``: the document is in no group) and the rule
    a dropped document is recorded under; their config's ``survivor`` (a `Survivor`) picks who stays.
    """

    rule: ClassVar[enum.Enum]
    _decisions: dict[tuple[int, str], Decision] | None = None

    def key(self, doc: Document) -> int | None:
        raise NotImplementedError

    def map_shard(self, docs: Iterator[Document], state: StageState, shard: str) -> dict[str, int]:
        """Write (key u64, length i64, crawl str, id str, weight u32, record i64) per partition
        (``key % partitions``)."""
        keys: list[int] = []
        records: list[int] = []
        lengths: list[int] = []
        crawls: list[str] = []
        ids: list[str] = []
        weights: list[int] = []
        for doc in docs:
            key = self.key(doc)
            if key is None:
                continue
            keys.append(key)
            lengths.append(len(doc.text or ""))
            crawls.append(doc.meta.crawl_date or "")
            ids.append(doc.id)
            weights.append(doc.meta.cluster_size or 1)
            records.append(record_of(doc))
        key_array = np.array(keys, dtype=np.uint64)
        columns = {
            "key": key_array,
            "length": np.array(lengths, dtype=np.int64),
            "crawl": np.array(crawls, dtype=object),
            "id": np.array(ids, dtype=object),
            "weight": np.array(weights, dtype=np.uint32),
            "record": np.array(records, dtype=np.int64),
        }
        part = key_array % np.uint64(self.partitions)
        for k in range(self.partitions):
            rows = part == k
            if rows.any():
                write_table_atomic(
                    {name: column[rows] for name, column in columns.items()}, state.map_file(shard, k)
                )
        return {"documents": len(ids)}

    def reduce_partition(self, state: StageState, partition: int, shards: Sequence[str]) -> dict[str, int]:
        """Group the partition's documents by key; in each group of two or more, pick the survivor.

        Writes, per shard, the decisions about its documents in such groups (``decisions/<shard>-p<k>``:
        id, survivor id or ``""``, group size).
        """
        parts = []
        for index, shard in enumerate(shards):
            path = state.map_file(shard, partition)
            if path.exists():
                columns = read_columns(path, ("key", "length", "crawl", "id", "weight", "record"))
                parts.append((*columns, np.full(len(columns[0]), index, dtype=np.int64)))
        if not parts:
            return {"documents": 0, "groups": 0, "dropped": 0}
        key = np.concatenate([p[0] for p in parts])
        length = np.concatenate([p[1] for p in parts])
        crawl: list[str] = [c for p in parts for c in p[2]]
        ident: list[str] = [i for p in parts for i in p[3]]
        weight = np.concatenate([p[4] for p in parts])
        record = np.concatenate([p[5] for p in parts])
        shard_of = np.concatenate([p[6] for p in parts])
        # keys that occur more than once
        order = np.argsort(key, kind="stable")
        sorted_keys = key[order]
        repeated = np.zeros(len(key), dtype=bool)
        same = sorted_keys[1:] == sorted_keys[:-1]
        repeated[1:] |= same
        repeated[:-1] |= same
        rows = np.sort(order[repeated])
        groups = decide_groups(
            key[rows],
            length=length[rows],
            crawl=[crawl[i] for i in rows],
            ids=[ident[i] for i in rows],
            weight=weight[rows],
            position=(shard_of[rows] << 32) + record[rows] + 1,
            survivor=self.config.survivor,
        )
        write_decisions(
            state, partition, shards, shard_of[rows], [ident[i] for i in rows], record[rows], *groups
        )
        dropped = int(sum(1 for survivor in groups[0] if survivor))
        return {"documents": len(key), "groups": len(set(key[rows].tolist())), "dropped": dropped}

    def load_decisions(self, state: StageState, shard: str) -> None:
        decisions: dict[tuple[int, str], Decision] = {}
        for k in range(self.partitions):
            path = state.shard_decisions_file(shard, k)
            if path.exists():
                ids, records, survivors, sizes = read_columns(path, ("id", "record", "survivor", "size"))
                for ident, record, survivor, size in zip(
                    ids, records.tolist(), survivors, sizes.tolist(), strict=True
                ):
                    decisions[record, ident] = Decision(survivor, size)
        self._decisions = decisions

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        decision = (self._decisions or {}).get((record_of(doc), doc.id))
        if decision is None:
            return doc
        doc.annotate(self.step_id, cluster_size=decision.size)
        doc.meta.cluster_size = decision.size
        if not decision.survivor:
            return doc
        doc.annotate(self.step_id, duplicate_of=decision.survivor)
        dropped = ctx.drop(doc, step=self.step_id, rule=self.rule, value=decision.survivor)
        return None if dropped else doc


def record_of(doc: Document) -> int:
    """The document's running number in its shard (`Origin.record`; -1 without an origin): with its id,
    what tells documents of one shard apart (ids repeat when a file is listed twice)."""
    return doc.origin.record if doc.origin is not None else -1


def decide_groups(
    group: npt.NDArray[np.uint64],
    *,
    length: npt.NDArray[np.int64],
    crawl: Sequence[str],
    ids: Sequence[str],
    weight: npt.NDArray[np.uint32],
    position: npt.NDArray[np.int64],
    survivor: Survivor = Survivor.LONGEST,
) -> tuple[list[str], list[int]]:
    """The survivor of each row's group (``""`` for the survivor itself) and the group's size (its weights
    summed), by the `Survivor` rule, then the smallest id, then (documents with one id: a file read
    twice) the smallest ``position`` (the document's place in the input: shard, then record).

    >>> args = dict(length=np.array([5, 8, 3, 3]), crawl=["", "", "2024", "2025"], ids=["a", "b", "c", "d"],
    ...             weight=np.array([1, 2, 1, 1], np.uint32), position=np.arange(4))
    >>> decide_groups(np.array([7, 7, 9, 9], np.uint64), **args)
    (['b', '', 'd', ''], [3, 3, 2, 2])
    >>> decide_groups(np.array([7, 7, 9, 9], np.uint64), survivor=Survivor.FIRST, **args)[0]
    ['', 'a', '', 'c']
    """
    n = len(group)
    if n == 0:
        return [], []
    crawl_rank = np.unique(np.array(crawl, dtype=object), return_inverse=True)[1].astype(np.int64)
    id_rank = np.unique(np.array(ids, dtype=object), return_inverse=True)[1].astype(np.int64)
    if survivor is Survivor.FIRST:
        order = np.lexsort((position, group))
    else:
        first, second = (-crawl_rank, -length) if survivor is Survivor.LATEST else (-length, -crawl_rank)
        order = np.lexsort((position, id_rank, second, first, group))
    g = group[order]
    new = np.ones(n, dtype=bool)
    new[1:] = g[1:] != g[:-1]
    starts = np.flatnonzero(new)
    run = np.cumsum(new) - 1
    size = np.add.reduceat(weight[order].astype(np.int64), starts)[run]
    head = order[starts][run]
    kept_for = [""] * n
    sizes = [0] * n
    for row, winner, total in zip(order.tolist(), head.tolist(), size.tolist(), strict=True):
        kept_for[row] = "" if row == winner else ids[winner]
        sizes[row] = total
    return kept_for, sizes


def write_decisions(
    state: StageState,
    partition: int,
    shards: Sequence[str],
    shard_of: npt.NDArray[np.int64],
    ids: Sequence[str],
    records: npt.NDArray[np.int64],
    survivors: Sequence[str],
    sizes: Sequence[int],
) -> None:
    """Write the decisions of one partition, one file per shard (sorted by record): what `load_decisions`
    reads back in the shard's apply phase, by (record, id)."""
    for index in sorted(set(shard_of.tolist())):
        rows = sorted(np.flatnonzero(shard_of == index).tolist(), key=lambda i: (records[i], ids[i]))
        write_table_atomic(
            {
                "id": np.array([ids[i] for i in rows], dtype=object),
                "record": records[rows],
                "survivor": np.array([survivors[i] for i in rows], dtype=object),
                "size": np.array([sizes[i] for i in rows], dtype=np.uint32),
            },
            state.shard_decisions_file(shards[index], partition),
        )
