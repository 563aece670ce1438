"""Paragraph deduplication: each paragraph once per run, where it first occurs (``dedup.paragraphs@1``).

A paragraph quoted, syndicated or copied into many pages (a press release, a disclaimer, an article
republished with a new introduction) should be in a corpus once. This global step
(`websieve.steps.global_stage`) removes, from every document but one, the paragraphs that several
documents of the run have; a text's lines are its paragraphs.

- **key**: a line's normalised form, as `clean.boilerplate` counts lines (`line_key`: lower-cased,
  accents, punctuation and symbols dropped, whitespace collapsed) but with its digits as they are, hashed
  to 64 bits (xxh3). Boilerplate makes every digit ``0`` so that "© 2023" and "© 2024" footers match; in
  a paragraph the numbers are content: on the dev pages' cleaned texts, folding them turns 23 repeats
  within a page into 54, and 22 of the 31 more are different lines (the phone numbers of ten train
  companies, eight entries of a catalogue, "4 oz." against "8 oz." in a recipe, two version numbers).
  Lines whose key is shorter than ``min_chars`` (50; counted composed, so a Hangul syllable is one)
  are never touched: on the same texts, the lines
  under 50 characters that repeat across documents are mostly content that legitimately recurs
  ("Zubereitung:", "2 Teelöffel Backpulver", "Literaturverzeichnis", ``RUN pip install -r
  requirements.txt``), while those of 50 and more are copies (an interview published twice, a
  syndicated news item) or template sentences. Short repeated lines are the line cleaner's and
  `clean.boilerplate`'s job.
- **which copy stays**: the first, in the order of the input: the document with the smallest (shard, record
  number within its shard) (`Origin.record`), shards in run order (``part-00000`` first). That order
  follows the input listing and does not depend on the number of workers, partitions or (for folders
  of loose pages) ``read.files_per_shard``; unlike the smallest id it keeps the copy that came first
  (ids are often hashes). Within that document, the paragraph's first line stays. Every later repeat
  goes, also within one document (a block a page repeats).
- **ledger**: every removed line is a removed-line row (reason ``duplicate_paragraph`` when another
  document keeps it, ``repeated_paragraph`` when an earlier line of the same document has it; score =
  the number of documents of the run with it). A removed-line row has no column for another document,
  so the id of the document that keeps the copy is in the annotations: ``duplicate_of`` names the
  keeper of most of the removed characters (every paragraph's keeper is in the stage's decision
  files). Every document in a run is annotated with ``paragraphs_removed``, ``removed_share`` (of its
  characters) and ``keeps_shared`` (paragraphs of other documents whose kept copy is its own).
- **documents that are mostly copies**: a document whose removed lines hold more than ``drop_share``
  (0.75) of its characters, or that would be left without text, is dropped whole (rule
  ``duplicate_paragraphs``, value = the share, threshold = ``drop_share``) rather than emitted as a
  fragment, unless it keeps a paragraph that other documents lost to it (``keeps_shared`` > 0) or one
  it repeats itself: then it is emitted without its copies, so no paragraph ever leaves the corpus
  entirely. Its removed lines
  are in the ledger either way. Kept lines stay verbatim and in order; a paragraph break stays where
  the text had one. Why 0.75: on the dev pages, the two pages published twice lose 0.93 and 0.99 of
  their cleaned text (0.78 and 0.86 of their raw text), while the other pages lose at most 0.58 (a
  short calendar page whose site template another page of the site has; raw: an article whose
  paragraphs an earlier page of its site carried as teasers, 0.59). Dropping loses a page's own text;
  a fragment left behind is cheap, and the quality filters judge it.

Cost and memory: the steps before this one run once (the first global step's map spills what reaches it
for the main pass; `websieve.executors.spill`). The map holds one shard's distinct (paragraph, document)
pairs as numpy arrays (16 bytes each) and writes, per partition, each distinct paragraph of the shard
with its document count and first record, and the ids of the shard's documents. A reduce task holds one
partition's distinct paragraphs (20 bytes each while it sums; 16 more and the keeper's id for each one
that several documents have) and one shard's ids at a time; partitions split by paragraph, so they are
even. The apply phase of a shard loads only the decisions about paragraphs that shard has (a Python dict
entry, some 150 bytes, each). A document that a step before this one drops in the main pass but not in
the map (a time budget) still counts as the keeper of its paragraphs. Outside a run folder
(`websieve.clean`) nothing is removed: documents pass through annotated ``skipped: "no run folder"``.

In a run (a press release quoted by three pages; the third page is nothing but the quote):

>>> import shutil, tempfile
>>> from pathlib import Path
>>> import orjson
>>> from websieve import Executor, run
>>> from websieve.config import build_run_config
>>> folder = Path(tempfile.mkdtemp())
>>> quote = "The council approved the new tram line to the harbour on Monday evening."
>>> other = "Trains ran late in Paris all day long, and the strike is to go on until Friday night."
>>> texts = [f"Rain in Lyon.\\n{quote}", f"{quote}\\n{other}", quote]
>>> pages = [{"id": f"p{i}", "text": text} for i, text in enumerate(texts)]
>>> _ = (folder / "pages.jsonl").write_bytes(b"".join(orjson.dumps(p) + b"\\n" for p in pages))
>>> config = build_run_config({"steps": [{"extract.html": {"min_chars": None}}, "dedup.paragraphs"]})
>>> summary = run(config, inputs=[str(folder)], output=folder / "run", executor=Executor.INLINE)
>>> summary.stats["removed_lines"]
{'dedup.paragraphs@1': {'duplicate_paragraph': 2}}
>>> summary.stats["kept"], summary.stats["dropped"]
(2, 1)
>>> shutil.rmtree(folder)
"""

from __future__ import annotations

import enum
import unicodedata
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from websieve.document import Document, Field, Signal
from websieve.errors import ConfigError
from websieve.steps.base import StepContext
from websieve.steps.global_stage import U64, GlobalStep, GlobalStepConfig, StageState, write_table_atomic
from websieve.steps.line_counts import hash64, line_key, read_columns, read_summed, without_lines

__all__ = ["ParagraphDedup", "ParagraphDedupConfig", "ParagraphRule", "paragraph_keys"]


class ParagraphRule(enum.Enum):
    """Why a line left a document (the first two), or why a whole document left the run (the last)."""

    DUPLICATE_PARAGRAPH = "duplicate_paragraph"
    """Another document, earlier in the run, keeps this paragraph."""
    REPEATED_PARAGRAPH = "repeated_paragraph"
    """An earlier line of the same document has this paragraph."""
    DUPLICATE_PARAGRAPHS = "duplicate_paragraphs"
    """The document's removed paragraphs hold more than ``drop_share`` of its characters (or all of its
    text), and it keeps no paragraph for other documents."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ParagraphDedupConfig(GlobalStepConfig):
    """Options of `ParagraphDedup` (``partitions`` does not change the decisions)."""

    min_chars: int = 50
    """Lines whose key (`line_key`) is shorter than this are never removed (see the module docstring for
    why 50)."""
    drop_share: float | None = 0.75
    """A document whose removed paragraphs hold more than this share of its characters is dropped as a
    duplicate, unless it keeps a paragraph for other documents. ``None``: only documents left with no
    text at all are dropped."""

    def __post_init__(self) -> None:
        GlobalStepConfig.__post_init__(self)
        if self.min_chars < 1:
            raise ConfigError(f"dedup.paragraphs: min_chars must be at least 1, got {self.min_chars}")
        if self.drop_share is not None and not 0.0 <= self.drop_share <= 1.0:
            raise ConfigError(f"dedup.paragraphs: drop_share must be between 0 and 1, got {self.drop_share}")


def paragraph_keys(text: str, *, min_chars: int) -> list[int | None]:
    """The 64-bit key of each line of ``text`` (``None`` for a line whose key is under ``min_chars``).

    >>> keys = paragraph_keys("Short.\\nA line long enough to count, ON ITS OWN!", min_chars=20)
    >>> keys[0] is None, keys[1] == paragraph_keys("a line long enough to count on its own", min_chars=20)[0]
    (True, True)
    """
    out: list[int | None] = []
    for line in text.split("\n"):
        if len(line) < min_chars and line.isascii():  # an ASCII line's key is never longer than the line
            out.append(None)
            continue
        key = line_key(line, fold_digits=False)
        # measured composed: the key splits a Hangul syllable into two or three letters
        long_enough = len(key if key.isascii() else unicodedata.normalize("NFC", key)) >= min_chars
        out.append(hash64(key) if long_enough else None)
    return out


class _Decision(NamedTuple):
    docs: int
    """documents of the run with the paragraph"""
    owner: int
    """record number (within this shard) of the document that keeps it; -1: a document of another shard"""
    keeper: str
    """the id of the document that keeps it"""


class ParagraphDedup(GlobalStep[ParagraphDedupConfig]):
    step_id = "dedup.paragraphs@1"
    stage = "dedup-paragraphs"
    config_cls = ParagraphDedupConfig
    requires = frozenset({Field.TEXT})
    produces = frozenset({Field.TEXT})

    _decisions: dict[int, _Decision] | None = None

    # -- map ---------------------------------------------------------------------------------------

    def map_shard(self, docs: Iterator[Document], state: StageState, shard: str) -> dict[str, int]:
        """Write, per partition (``key % partitions``), the shard's distinct paragraphs with the number of
        its documents that have each and the first of them (``map/<shard>-p<k>.parquet``: key u64,
        docs u32, first u64), and the ids of its documents (``map/<shard>-docs.parquet``: record, id).
        """
        keys_buf: array[int] = array("Q")
        records_buf: array[int] = array("Q")
        doc_records: list[int] = []
        doc_ids: list[str] = []
        min_chars = self.config.min_chars
        for doc in docs:
            if doc.origin is None or not doc.text:
                continue
            hashes = sorted({k for k in paragraph_keys(doc.text, min_chars=min_chars) if k is not None})
            if not hashes:
                continue
            keys_buf.extend(hashes)
            records_buf.extend(array("Q", [doc.origin.record]) * len(hashes))
            doc_records.append(doc.origin.record)
            doc_ids.append(doc.id)
        keys, counts, first = _first_per_key(
            np.frombuffer(keys_buf, np.uint64), np.frombuffer(records_buf, np.uint64)
        )
        part = keys % np.uint64(self.partitions)
        for k in range(self.partitions):
            rows = part == k
            if rows.any():
                write_table_atomic(
                    {"key": keys[rows], "docs": counts[rows], "first": first[rows]}, state.map_file(shard, k)
                )
        if doc_ids:
            order = sorted(range(len(doc_ids)), key=doc_records.__getitem__)
            write_table_atomic(
                {
                    "record": np.array([doc_records[i] for i in order], np.uint64),
                    "id": [doc_ids[i] for i in order],
                },
                _docs_file(state, shard),
            )
        return {"documents": len(doc_ids), "paragraphs": len(keys_buf)}

    # -- reduce ------------------------------------------------------------------------------------

    def reduce_partition(self, state: StageState, partition: int, shards: Sequence[str]) -> dict[str, int]:
        """Count the documents of each paragraph over every shard; for those with two or more, find the
        first (shards in run order, then records) and tell each shard about the paragraphs it has.

        Writes ``decisions-p<k>.parquet`` (key, docs, keeper's shard, record and id; sorted by key) and,
        per shard, the decisions about paragraphs it has (``decisions/<shard>-p<k>.parquet``: key, docs,
        owner = the keeper's record when the keeper is in that shard, else -1, keeper id).
        """
        import pyarrow as pa  # string columns typed as strings, also in a partition without any

        ordered = sorted(shards, key=lambda name: (len(name), name))  # part-00000, part-00001, ...
        keys, _, docs = read_summed([state.map_file(s, partition) for s in ordered], ("key", None, "docs"))
        several = docs >= 2
        d_keys, d_docs = keys[several], docs[several]
        del keys, docs, several
        owner_shard = np.full(len(d_keys), -1, np.int64)
        owner_record = np.zeros(len(d_keys), np.uint64)
        keeper = np.full(len(d_keys), "", dtype=object)
        removed = 0
        for index, shard in enumerate(ordered):
            path = state.map_file(shard, partition)
            if not len(d_keys) or not path.exists():
                continue
            s_keys, s_docs, s_first = read_columns(path, ("key", "docs", "first"))
            where = np.searchsorted(d_keys, s_keys)
            hit = where < len(d_keys)
            hit[hit] = d_keys[where[hit]] == s_keys[hit]
            if not hit.any():
                continue
            at, first, count = where[hit], s_first[hit].astype(np.uint64), s_docs[hit].astype(np.int64)
            new = owner_shard[at] == -1
            if new.any():  # the first shard with these paragraphs: its first document keeps each
                owner_shard[at[new]] = index
                owner_record[at[new]] = first[new]
                keeper[at[new]] = _ids_of(state, shard, first[new])
            mine = owner_shard[at] == index
            removed += int(count.sum() - mine.sum())
            write_table_atomic(
                {
                    "key": s_keys[hit],
                    "docs": d_docs[at],
                    "owner": np.where(mine, first.astype(np.int64), -1),
                    "keeper": pa.array(keeper[at], pa.string()),
                },
                state.shard_decisions_file(shard, partition),
            )
        write_table_atomic(
            {
                "key": d_keys,
                "docs": d_docs,
                "shard": pa.array([ordered[i] for i in owner_shard], pa.string()),
                "record": owner_record,
                "keeper": pa.array(keeper, pa.string()),
            },
            state.decisions_file(partition),
        )
        return {"duplicated": len(d_keys), "copies_removed": removed}

    # -- apply -------------------------------------------------------------------------------------

    def load_decisions(self, state: StageState, shard: str) -> None:
        decisions: dict[int, _Decision] = {}
        for k in range(self.partitions):
            path = state.shard_decisions_file(shard, k)
            if not path.exists():
                continue
            columns = read_columns(path, ("key", "docs", "owner", "keeper"))
            for key, docs, owner, keeper in zip(*(c.tolist() for c in columns), strict=True):
                decisions[key] = _Decision(docs, owner, keeper)
        self._decisions = decisions

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        text = doc.text or ""
        if not text or doc.origin is None:
            doc.annotate(self.step_id, paragraphs_removed=0, removed_share=0.0, keeps_shared=0)
            return doc
        decisions = self._decisions or {}
        record = doc.origin.record
        lines = text.split("\n")
        removed: dict[int, tuple[ParagraphRule, int, str]] = {}  # line -> rule, documents, keeper
        seen: set[int] = set()
        keeps_shared = 0
        keeps_own: set[int] = set()  # paragraphs this page repeats and holds the run's kept copy of
        for i, key in enumerate(paragraph_keys(text, min_chars=self.config.min_chars)):
            if key is None:
                continue
            decision = decisions.get(key)
            if key in seen:
                docs = decision.docs if decision is not None else 1
                removed[i] = (ParagraphRule.REPEATED_PARAGRAPH, docs, "")
                if decision is None or decision.owner == record:
                    keeps_own.add(key)
            elif decision is not None:
                if decision.owner == record:
                    keeps_shared += 1
                else:
                    removed[i] = (ParagraphRule.DUPLICATE_PARAGRAPH, decision.docs, decision.keeper)
            seen.add(key)
        if not removed:
            doc.annotate(self.step_id, paragraphs_removed=0, removed_share=0.0, keeps_shared=keeps_shared)
            return doc
        total = sum(len(line) for line in lines) or 1
        share = sum(len(lines[i]) for i in removed) / total
        ctx.ledger.remove_lines(
            doc,
            step=self.step_id,
            lines=[(i, lines[i], rule.value, float(docs), None) for i, (rule, docs, _) in removed.items()],
        )
        signals: dict[str, Signal] = {
            "paragraphs_removed": len(removed),
            "removed_share": share,
            "keeps_shared": keeps_shared,
        }
        keeper = _main_keeper(lines, removed)
        if keeper:
            signals["duplicate_of"] = keeper
        doc.annotate(self.step_id, **signals)
        new_text = without_lines(lines, removed)
        limit = self.config.drop_share
        keeps = keeps_shared or keeps_own
        if not keeps and ((limit is not None and share > limit) or not new_text.strip()):
            rule = ParagraphRule.DUPLICATE_PARAGRAPHS
            if ctx.drop(doc, step=self.step_id, rule=rule, value=share, threshold=limit):
                return None
        if not ctx.annotate_only:  # --annotate-only: every removal is in the ledger, the text stays whole
            doc.text = new_text
        return doc


def _docs_file(state: StageState, shard: str) -> Path:
    return state.map_dir / f"{shard}-docs.parquet"


def _first_per_key(keys: U64, records: U64) -> tuple[U64, npt.NDArray[np.uint32], U64]:
    """Distinct keys (sorted), how many rows have each, and the smallest record among them.

    >>> k, n, r = _first_per_key(np.array([7, 5, 7], np.uint64), np.array([4, 2, 3], np.uint64))
    >>> k.tolist(), n.tolist(), r.tolist()
    ([5, 7], [1, 2], [2, 3])
    """
    if not len(keys):
        return keys, np.zeros(0, np.uint32), records
    order = np.lexsort((records, keys))
    k, r = keys[order], records[order]
    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    counts = np.diff(np.append(starts, len(k))).astype(np.uint32)
    return k[starts], counts, r[starts]


def _ids_of(state: StageState, shard: str, records: U64) -> npt.NDArray[Any]:
    """The ids of the documents of ``shard`` with these record numbers (read from its map's doc table)."""
    table_records, ids = read_columns(_docs_file(state, shard), ("record", "id"))
    where = np.searchsorted(table_records.astype(np.uint64), records)
    return np.asarray(ids, dtype=object)[where]


def _main_keeper(lines: list[str], removed: dict[int, tuple[ParagraphRule, int, str]]) -> str:
    """The keeper of most of the characters removed as other documents' paragraphs (the first on a tie)."""
    chars: dict[str, int] = {}
    for i, (_, _, keeper) in removed.items():
        if keeper:
            chars[keeper] = chars.get(keeper, 0) + len(lines[i])
    return max(chars, key=chars.__getitem__) if chars else ""
