"""Exact deduplication: one document per normalised text, over the whole run (``dedup.exact@1``).

Two documents are exact duplicates when their texts are equal once lower-cased (``str.casefold``) and
their whitespace collapsed: a recrawl, a print version, a ``?utm=`` variant, a syndicated copy. Of each
group, one document survives, by a fixed rule whatever the shards, workers or partitions: the longest
text as written, then the latest ``meta.crawl_date``, then the smallest id. The others go to the ledger
(rule ``exact_duplicate``, ``value`` = the id of the survivor they duplicate); the survivor records how
many documents its group had (``cluster_size``, FineWeb-2's re-weighting signal).

It is a global step (`websieve.steps.global_stage`): the map writes (text hash, length, crawl date, id)
per shard, split into ``partitions`` by hash; a reduce task holds one partition's rows (28 bytes a
document in numpy columns, plus its id and crawl date as Python strings; raise ``partitions`` for large
runs); the apply phase of a shard loads only the decisions about its own documents.
Outside a run folder (`websieve.clean`) nothing is dropped.

>>> text_key("Hello,   World!\\n") == text_key("hello, world!")
True
"""

from __future__ import annotations

from dataclasses import dataclass

import xxhash

from websieve.document import Document, Field
from websieve.steps.dedup.groups import DedupConfig, DedupRule, GroupDedup

__all__ = ["ExactDedup", "ExactDedupConfig", "text_key"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ExactDedupConfig(DedupConfig):
    """Options of `ExactDedup` (``partitions`` does not change its decisions; ``survivor``: the longest
    copy as written, then the latest crawl, by default)."""


def text_key(text: str) -> int:
    """The 64-bit hash (xxh3) of ``text`` lower-cased, its whitespace collapsed."""
    return xxhash.xxh3_64_intdigest(" ".join(text.casefold().split()).encode("utf-8", "surrogatepass"))


class ExactDedup(GroupDedup[ExactDedupConfig]):
    step_id = "dedup.exact@1"
    stage = "dedup-exact"
    config_cls = ExactDedupConfig
    requires = frozenset({Field.TEXT})
    rule = DedupRule.EXACT

    def key(self, doc: Document) -> int | None:
        return text_key(doc.text or "")
