"""Near-duplicate removal with MinHash LSH over the whole run (``dedup.minhash@1``).

Two documents are near duplicates when most of their word 5-grams are shared: the same article with
another header, a truncated or re-edited copy, a page with a few typos fixed. Each document gets a
MinHash signature of its word n-grams (`websieve.steps.dedup.signature`: language-aware words,
lower-cased, punctuation removed, digits made ``0``), cut into ``bands`` bands of ``rows`` values
(FineWeb's 14 x 8 by default: pairs of Jaccard 0.8 share a band 92% of the time, pairs of 0.5 5%).
Documents that share a band are candidates; with ``min_similarity`` set (the default, 0.7), a candidate
link is kept only when the two signatures agree on at least that share of their values, which removes
the chance collisions FineWeb keeps (FineWeb's behaviour: ``min_similarity: null``). A cluster is a
connected component of the links; of each cluster one document survives, by a fixed rule whatever the
shards, workers or partitions: the longest text, then the latest ``meta.crawl_date``, then the smallest
id. The others go to the ledger (rule ``near_duplicate``, ``value`` = the id of the survivor); the
survivor records how many documents its cluster had in ``meta.cluster_size`` (FineWeb-2 up-samples by
it; a document an earlier dedup step kept counts with its own cluster size).

It is a global step (`websieve.steps.global_stage`), every phase one task per partition, all parallel:

- **map**, per shard: band keys, text length, crawl date, id and the signature of each document; band
  keys are filed by key into ``partitions`` (with the document's node: shard number and ordinal), the
  rest by node;
- **reduce** (buckets), per partition of band keys: documents with an equal key are linked
  (`components.bucket_links`: to the bucket's first; with ``min_similarity``, every pair of a bucket of
  up to 16, and each to the one before in a larger one, so that a first unlike the others loses no
  link);
- **verify** and **compare** (with ``min_similarity``): each candidate link picks up the signature of
  one end in that end's partition, then is compared in the other's;
- union-find: each partition contracts its links (`websieve.steps.dedup.components`), then **large-**
  and **small-star** rounds join the partitions' stars until no link changes;
- **labels**: each document in a cluster learns its cluster's label and joins its own length, crawl
  date and id; **decide**: per partition of labels, the survivor of each cluster, written as removal
  lists per shard that the main pass reads back while it streams the shard.

Memory: a map holds one shard's signatures (8 bytes a value; 896 bytes a document at 14 x 8); a reduce
task holds one partition of band keys (16 bytes a key, ``bands`` keys a document); the later phases
hold the links and signatures of the documents that have a candidate link, and read the other tables
one shard file at a time. Outside a run folder (`websieve.clean`) nothing is dropped.

In a run (two copies of one story, one with an extra footer, and another story):

>>> import shutil, tempfile
>>> from pathlib import Path
>>> import orjson
>>> from websieve import Executor, run
>>> from websieve.config import build_run_config
>>> folder = Path(tempfile.mkdtemp())
>>> story = " ".join(f"Rain fell on Paris all day and the river rose by {n} metres." for n in range(9))
>>> pages = [{"id": "a", "text": story}, {"id": "b", "text": story + " Subscribe to our newsletter."},
...          {"id": "c", "text": "Trains ran late in Lyon after a signal failure near the station."}]
>>> _ = (folder / "pages.jsonl").write_bytes(b"".join(orjson.dumps(p) + b"\\n" for p in pages))
>>> config = build_run_config({"steps": [{"extract.html": {"min_chars": None}}, "dedup.minhash"]})
>>> summary = run(config, inputs=[str(folder)], output=folder / "run", executor=Executor.INLINE)
>>> summary.stats["dropped_by"]
{'dedup.minhash@1': {'near_duplicate': 1}}
>>> shutil.rmtree(folder)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from websieve.document import Document, Field
from websieve.errors import ConfigError, WebsieveError
from websieve.steps.dedup import components as cc
from websieve.steps.dedup.groups import (
    DedupConfig,
    DedupRule,
    GroupDedup,
    decide_groups,
    record_of,
    write_decisions,
)
from websieve.steps.dedup.signature import MinHasher, MinHashParams, band_keys_of
from websieve.steps.global_stage import (
    StageState,
    read_arrays,
    write_arrays_atomic,
    write_table_atomic,
)
from websieve.steps.line_counts import read_columns

__all__ = ["MinHashDedup", "MinHashDedupConfig"]

U64 = npt.NDArray[np.uint64]

_MAX_STAR_ROUNDS = 100
_BATCH = 512
_ALL_PAIRS = 16


@dataclass(frozen=True, kw_only=True, slots=True)
class MinHashDedupConfig(DedupConfig):
    """Options of `MinHashDedup`."""

    n_grams: int = 5
    """Words per shingle."""
    bands: int = 14
    rows: int = 8
    """Values per band: ``bands * rows`` hashes a signature. More rows: fewer, surer candidates."""
    seed: int = 1
    min_similarity: float | None = 0.7
    """A candidate link (a shared band) is kept only when the two signatures agree on at least this share
    of their values (an estimate of the Jaccard similarity of their n-grams); ``None`` keeps every
    candidate, as FineWeb does."""

    def __post_init__(self) -> None:
        DedupConfig.__post_init__(self)
        MinHashParams(n_grams=self.n_grams, bands=self.bands, rows=self.rows, seed=self.seed)
        if self.min_similarity is not None and not 0.0 < self.min_similarity <= 1.0:
            raise ConfigError(f"min_similarity must be in (0, 1] or null, got {self.min_similarity}")


class UnionFindError(WebsieveError):
    """The star rounds did not converge (a bug: they provably do)."""


def _batches(docs: Iterator[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _shard_number(shard: str) -> int:
    """``part-00042`` -> 42: the high 32 bits of the node ids of the shard's documents."""
    return int(shard.rsplit("-", 1)[1])


class MinHashDedup(GroupDedup[MinHashDedupConfig]):
    """Drop near-duplicate documents over the whole run (see the module docstring)."""

    step_id = "dedup.minhash@1"
    stage = "dedup-minhash"
    config_cls = MinHashDedupConfig
    requires = frozenset({Field.TEXT})
    rule = DedupRule.NEAR

    def __init__(self, config: MinHashDedupConfig | None = None) -> None:
        super().__init__(config)
        self._hasher: MinHasher | None = None
        self._changed: list[int] = []

    def external(self) -> dict[str, str]:
        """The segmenters' versions (the words of Chinese, Japanese, Thai, Lao and Khmer depend on them) and
        the Unicode version of Python's ``unicodedata`` (which characters make words)."""
        import unicodedata

        from websieve.steps.quality.words import segmenter_versions

        return {"segmenters": segmenter_versions(), "unicode": unicodedata.unidata_version}

    @property
    def hasher(self) -> MinHasher:
        if self._hasher is None:
            c = self.config
            self._hasher = MinHasher(
                MinHashParams(n_grams=c.n_grams, bands=c.bands, rows=c.rows, seed=c.seed)
            )
        return self._hasher

    # -- map -------------------------------------------------------------------------------------

    def map_shard(self, docs: Iterator[Document], state: StageState, shard: str) -> dict[str, int]:
        base = np.uint64(_shard_number(shard)) << np.uint64(32)
        sigs: list[npt.NDArray[np.uint64]] = []
        lengths: list[int] = []
        crawls: list[str] = []
        ids: list[str] = []
        weights: list[int] = []
        records: list[int] = []
        seen = 0
        for batch in _batches(docs, _BATCH):
            seen += len(batch)
            signatures, valid = self.hasher.signatures_many(
                [d.text or "" for d in batch], [d.lang for d in batch]
            )
            sigs.append(signatures[valid])
            for doc, ok in zip(batch, valid.tolist(), strict=True):
                if ok:
                    lengths.append(len(doc.text or ""))
                    crawls.append(doc.meta.crawl_date or "")
                    ids.append(doc.id)
                    weights.append(doc.meta.cluster_size or 1)
                    records.append(record_of(doc))
        if ids:
            self._write_map(state, shard, base, np.concatenate(sigs), lengths, crawls, ids, weights, records)
        return {"documents": seen, "signed": len(ids)}

    def _write_map(
        self,
        state: StageState,
        shard: str,
        base: np.uint64,
        signatures: npt.NDArray[np.uint64],
        lengths: list[int],
        crawls: list[str],
        ids: list[str],
        weights: list[int],
        records: list[int],
    ) -> None:
        """File the band keys by key, and the rest by node (see the module docstring)."""
        p = self.partitions
        nodes = base | np.arange(len(ids), dtype=np.uint64)
        key_matrix = band_keys_of(signatures, self.config.rows)
        flat_keys = key_matrix.ravel()
        flat_nodes = np.repeat(nodes, key_matrix.shape[1])
        key_part = (flat_keys % np.uint64(p)).astype(np.int64)
        low = signatures.astype(np.uint32)  # the low 32 bits are enough to compare
        node_part = cc.node_partition(nodes, p)
        columns = {
            "node": nodes,
            "id": np.array(ids, dtype=object),
            "length": np.array(lengths, dtype=np.int64),
            "crawl": np.array(crawls, dtype=object),
            "weight": np.array(weights, dtype=np.uint32),
            "record": np.array(records, dtype=np.int64),
        }
        for k in range(p):
            rows = key_part == k
            if rows.any():
                write_arrays_atomic(
                    {"key": flat_keys[rows], "node": flat_nodes[rows]},
                    state.map_file(shard, k, "bands", ".npy"),
                )
            rows = node_part == k
            if rows.any():
                write_table_atomic(
                    {name: column[rows] for name, column in columns.items()},
                    state.map_file(shard, k, "nodes"),
                )
                write_arrays_atomic(
                    {"node": nodes[rows], "signature": low[rows]},
                    state.map_file(shard, k, "signatures", ".npy"),
                )

    # -- phases ----------------------------------------------------------------------------------

    def reduce_partition(self, state: StageState, partition: int, shards: Sequence[str]) -> dict[str, int]:
        """Buckets: link the documents of each band bucket of this partition (`components.bucket_links`:
        to the bucket's first; with ``min_similarity``, in buckets of up to 16 documents, every pair)."""
        parts = [
            read_arrays(path)
            for shard in shards
            if (path := state.map_file(shard, partition, "bands", ".npy")).exists()
        ]
        if parts:
            key = np.concatenate([t["key"] for t in parts])
            node = np.concatenate([t["node"] for t in parts])
        else:
            key = node = np.zeros(0, np.uint64)
        order = np.lexsort((node, key))
        verify = self.config.min_similarity is not None
        a, b = cc.bucket_links(key[order], node[order], all_pairs_upto=_ALL_PAIRS if verify else 0)
        if not verify:
            self._write_stars(state, "reduce", partition, a, b)
        else:
            self._write_links(state, "reduce", partition, a, b, by=a)
        return {"candidate_links": len(a)}

    def next_phase(self, phase: str, counts: dict[str, int]) -> str | None:
        if phase == "reduce":
            self._changed = []
            return "large-1" if self.config.min_similarity is None else "verify"
        if phase == "verify":
            return "compare"
        if phase == "compare":
            return "large-1"
        if phase.startswith(("large-", "small-")):
            self._changed.append(counts.get("_links_changed", 0))
            if len(self._changed) >= 2 and self._changed[-1] == 0 and self._changed[-2] == 0:
                return f"labels-{phase}"
            kind, round_ = phase.split("-")
            if int(round_) > _MAX_STAR_ROUNDS:
                raise UnionFindError(f"the union-find did not converge in {_MAX_STAR_ROUNDS} rounds")
            return f"small-{round_}" if kind == "large" else f"large-{int(round_) + 1}"
        if phase.startswith("labels-"):
            return "decide-" + phase.removeprefix("labels-")
        return None

    def phase_label(self, phase: str) -> str:
        """``large-2`` -> ``union-find 2a``, ``labels-small-3`` -> ``clusters``...

        >>> [MinHashDedup().phase_label(p) for p in ("reduce", "compare", "small-2", "decide-large-3")]
        ['buckets', 'verify links 2/2', 'union-find 2b', 'survivors']
        """
        if phase.startswith(("large-", "small-")):
            kind, round_ = phase.split("-")
            return f"union-find {round_}{'a' if kind == 'large' else 'b'}"
        if phase.startswith(("labels-", "decide-")):
            return "clusters" if phase.startswith("labels-") else "survivors"
        return {"reduce": "buckets", "verify": "verify links 1/2", "compare": "verify links 2/2"}.get(
            phase, phase
        )

    def run_phase(
        self, phase: str, state: StageState, partition: int, shards: Sequence[str]
    ) -> dict[str, int]:
        if phase == "verify":
            return self._verify(state, partition, shards)
        if phase == "compare":
            return self._compare(state, partition, shards)
        if phase.startswith(("large-", "small-")):
            return self._star(phase, state, partition)
        if phase.startswith("labels-"):
            return self._labels(phase, state, partition, shards)
        if phase.startswith("decide-"):
            return self._decide("labels-" + phase.removeprefix("decide-"), state, partition, shards)
        return super().run_phase(phase, state, partition, shards)

    def _verify(self, state: StageState, partition: int, shards: Sequence[str]) -> dict[str, int]:
        """Attach to each candidate link (a, b), filed under a's partition, the signature of a; file it
        under b's partition."""
        a, b = self._read_links(state, "reduce", partition)
        sig_a = self._signatures(state, partition, shards, a)
        self._write_links(state, "verify", partition, a, b, by=b, signature=sig_a)
        return {}

    def _compare(self, state: StageState, partition: int, shards: Sequence[str]) -> dict[str, int]:
        """Keep the candidate links whose signatures agree on ``min_similarity`` of their values."""
        paths = state.phase_files("verify", partition)
        width = self.config.bands * self.config.rows
        tables = [read_arrays(path) for path in paths]
        a = np.concatenate([t["a"] for t in tables]) if tables else np.zeros(0, np.uint64)
        b = np.concatenate([t["b"] for t in tables]) if tables else np.zeros(0, np.uint64)
        sig_a = (
            np.concatenate([t["signature"] for t in tables]) if tables else np.zeros((0, width), np.uint32)
        )
        sig_b = self._signatures(state, partition, shards, b)
        similar = (
            (sig_a == sig_b).mean(axis=1) >= (self.config.min_similarity or 0.0)
            if len(a)
            else np.zeros(0, bool)
        )
        self._write_stars(state, "compare", partition, a[similar], b[similar])
        return {"verified_links": int(np.count_nonzero(similar))}

    def _star(self, phase: str, state: StageState, partition: int) -> dict[str, int]:
        kind, round_ = phase.split("-")
        r = int(round_)
        if kind == "large":
            source = (
                f"small-{r - 1}" if r > 1 else ("reduce" if self.config.min_similarity is None else "compare")
            )
        else:
            source = f"large-{r}"
        u, v = self._read_links(state, source, partition)
        step = cc.large_star if kind == "large" else cc.small_star
        out_a, out_b, changed = step(u, v)
        self._write_both_ways(state, phase, partition, out_a, out_b)
        return {"_links_changed": changed, "union_find_phases": int(partition == 0)}

    def _labels(self, phase: str, state: StageState, partition: int, shards: Sequence[str]) -> dict[str, int]:
        """Label every linked node of this partition with its cluster's smallest node; join its length,
        crawl date, id and weight; file the rows under the label's partition."""
        u, v = self._read_links(state, phase.removeprefix("labels-"), partition)
        nodes, label = cc.labels(u, v)
        columns: dict[str, list[Any]] = {
            "label": [],
            "node": [],
            "id": [],
            "length": [],
            "crawl": [],
            "weight": [],
            "record": [],
        }
        for shard in shards:
            path = state.map_file(shard, partition, "nodes")
            if not path.exists() or not len(nodes):
                continue
            node, ident, length, crawl, weight, record = read_columns(
                path, ("node", "id", "length", "crawl", "weight", "record")
            )
            where = np.searchsorted(nodes, node)
            where[where >= len(nodes)] = 0
            hit = np.flatnonzero(nodes[where] == node)
            columns["label"].append(label[where[hit]])
            columns["node"].append(node[hit])
            columns["id"].append([ident[i] for i in hit])
            columns["length"].append(length[hit])
            columns["crawl"].append([crawl[i] for i in hit])
            columns["weight"].append(weight[hit])
            columns["record"].append(record[hit])
        if not columns["node"]:
            return {"clustered": 0}
        table = {
            "label": np.concatenate(columns["label"]).astype(np.uint64),
            "node": np.concatenate(columns["node"]).astype(np.uint64),
            "id": np.array([i for part in columns["id"] for i in part], dtype=object),
            "length": np.concatenate(columns["length"]).astype(np.int64),
            "crawl": np.array([c for part in columns["crawl"] for c in part], dtype=object),
            "weight": np.concatenate(columns["weight"]).astype(np.uint32),
            "record": np.concatenate(columns["record"]).astype(np.int64),
        }
        destination = cc.node_partition(table["label"], self.partitions)
        for k in range(self.partitions):
            rows = destination == k
            if rows.any():
                write_table_atomic(
                    {name: col[rows] for name, col in table.items()},
                    state.phase_file(phase, partition, k, ".parquet"),
                )
        return {"clustered": len(table["node"])}

    def _decide(
        self, source: str, state: StageState, partition: int, shards: Sequence[str]
    ) -> dict[str, int]:
        """Pick each cluster's survivor; write the decisions of this partition's clusters per shard."""
        tables = [
            read_columns(path, ("label", "node", "id", "length", "crawl", "weight", "record"))
            for path in state.phase_files(source, partition, ".parquet")
        ]
        if not tables:
            return {"clusters": 0, "dropped": 0}
        label = np.concatenate([t[0] for t in tables]).astype(np.uint64)
        node = np.concatenate([t[1] for t in tables]).astype(np.uint64)
        ids = [i for t in tables for i in t[2]]
        length = np.concatenate([t[3] for t in tables]).astype(np.int64)
        crawl = [c for t in tables for c in t[4]]
        weight = np.concatenate([t[5] for t in tables]).astype(np.uint32)
        record = np.concatenate([t[6] for t in tables]).astype(np.int64)
        survivors, sizes = decide_groups(
            label,
            length=length,
            crawl=crawl,
            ids=ids,
            weight=weight,
            position=node.astype(np.int64),
            survivor=self.config.survivor,
        )
        number = {_shard_number(name): index for index, name in enumerate(shards)}
        shard_of = np.array([number[n] for n in (node >> np.uint64(32)).tolist()], dtype=np.int64)
        write_decisions(state, partition, shards, shard_of, ids, record, survivors, sizes)
        return {"clusters": len(np.unique(label)), "dropped": sum(1 for s in survivors if s)}

    # -- files -----------------------------------------------------------------------------------

    def _signatures(
        self, state: StageState, partition: int, shards: Sequence[str], wanted: U64
    ) -> npt.NDArray[np.uint32]:
        """The stored signatures of the nodes ``wanted`` (all in this partition), row for row."""
        width = self.config.bands * self.config.rows
        out = np.zeros((len(wanted), width), dtype=np.uint32)
        if not len(wanted):
            return out
        unique = np.unique(wanted)
        for shard in shards:
            path = state.map_file(shard, partition, "signatures", ".npy")
            if not path.exists():
                continue
            table = read_arrays(path)
            node, signature = table["node"], table["signature"]
            where = np.searchsorted(unique, node)
            where[where >= len(unique)] = 0
            hit = np.flatnonzero(unique[where] == node)
            if not len(hit):
                continue
            sig = signature[hit]
            rows = np.searchsorted(node[hit], wanted)  # node ids of a file are sorted
            rows[rows >= len(hit)] = 0
            mine = node[hit][rows] == wanted
            out[mine] = sig[rows[mine]]
        return out

    def _read_links(self, state: StageState, phase: str, partition: int) -> tuple[U64, U64]:
        tables = [read_arrays(path) for path in state.phase_files(phase, partition)]
        if not tables:
            return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
        a = np.concatenate([t["a"] for t in tables])
        b = np.concatenate([t["b"] for t in tables])
        return cc.unique_links(a, b)

    def _write_links(
        self,
        state: StageState,
        phase: str,
        partition: int,
        a: U64,
        b: U64,
        *,
        by: U64,
        signature: npt.NDArray[np.uint32] | None = None,
    ) -> None:
        """File the links (a, b) under the partition of ``by`` (one file per destination)."""
        destination = cc.node_partition(by, self.partitions)
        for k in range(self.partitions):
            rows = destination == k
            if rows.any():
                columns: dict[str, Any] = {"a": a[rows], "b": b[rows]}
                if signature is not None:
                    columns["signature"] = signature[rows]
                write_arrays_atomic(columns, state.phase_file(phase, partition, k))

    def _write_stars(self, state: StageState, phase: str, partition: int, a: U64, b: U64) -> None:
        """Contract the links (a, b) to stars, then file each star link both ways."""
        nodes, roots = cc.local_components(a, b) if len(a) else (a, b)
        x, y = cc.star_links(nodes, roots)
        self._write_both_ways(state, phase, partition, x, y)

    def _write_both_ways(self, state: StageState, phase: str, partition: int, a: U64, b: U64) -> None:
        u, v = cc.unique_links(np.concatenate([a, b]), np.concatenate([b, a]))
        self._write_links(state, phase, partition, u, v, by=u)
