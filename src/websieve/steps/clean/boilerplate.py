"""Remove lines that repeat across many pages of the same site, CCNet-style (``clean.boilerplate@1``).

Menus, footers, cookie notices and "related articles" blocks come back on page after page of one site,
and a single-page cleaner often keeps them because, on one page, they look like text. This global step
(`websieve.steps.global_stage`) counts, over the whole run, on how many pages of its site each line
occurs, and removes the lines that occur on at least ``min_pages`` pages **and** on at least
``min_page_fraction`` of the site's pages.

- **site**: the host of ``doc.url``, lower-cased, without a leading ``www.`` (``blog.example.org`` and
  ``example.org`` are different sites; so are ``a.wordpress.com`` and ``b.wordpress.com``). Documents
  without a URL (or with one that does not parse) form one group per source file.
- **line key** (`line_key`): lower-cased, accents stripped (NFD, combining marks dropped), every digit
  made ``0``, punctuation, symbols and control characters removed, whitespace collapsed, as CCNet's
  ``normalize_for_dedup`` does (it only removes a short list of punctuation; removing every ``\\p{P}``
  and ``\\p{S}`` also matches "Home ›" with "Home |"). ``© 2023 Foo`` and ``© 2024 Foo`` share a key.
  A line with neither letter nor digit (``|``, ``* * *``) is keyed by its own characters. Keys are
  hashed to 64 bits with xxh3; sites too. A line counts once per page however often the page repeats
  it; pages of one site with identical text in one shard count once. (The key, the hash and the summing
  of partition tables live in `websieve.steps.line_counts`; ``dedup.paragraphs`` counts with them too.)
- **removal**: whole lines only; kept lines stay verbatim and in order; a paragraph break stays where the
  page had one. Every removed line goes to the ledger (reason ``site_boilerplate``, score = pages of
  its site with that line, threshold = the larger of ``min_pages`` and ``min_page_fraction`` times the
  site's pages). A page made only of such lines, or whose such lines hold more than half of its
  characters, is left unchanged and annotated ``all_boilerplate``: it is a listing made of the site's
  template, or a (near) copy of another page (recrawl, ``?utm=`` variant, print version), and which copy
  survives is for a deduplication step to decide.

Cost and memory: the steps before this one run once (the first global step's map spills what reaches it
for the main pass; `websieve.executors.spill`). The map holds one shard's (site, line) pairs as numpy
arrays (16 bytes each before they are summed); a reduce task holds one partition's distinct pairs (20
bytes each; each worker reduces one partition at a time: raise ``partitions`` when one does not fit;
partitions split by site, so one site's distinct lines always share a partition: a single site with
hundreds of millions of distinct lines is the one case this bound does not cover); the apply phase of a
shard loads only the decisions about lines that shard has. Outside a run folder (`websieve.clean`)
nothing is removed: documents pass through annotated ``skipped: "no run folder"``.

>>> line_key("  © 2024 Café Müller — All rights reserved. ")
'0000 cafe muller all rights reserved'
>>> site_key("https://www.Example.org:8080/news/1") == site_key("http://example.org/about")
True

In a run (three pages of one site, each ending with the same two footer lines):

>>> import shutil, tempfile
>>> from pathlib import Path
>>> import orjson
>>> from websieve import Executor, run
>>> from websieve.config import build_run_config
>>> folder = Path(tempfile.mkdtemp())
>>> stories = ["Rain fell on Paris all day.", "The Seine rose by a metre.", "Trains ran late in Lyon."]
>>> pages = [{"url": f"https://example.org/{i}", "text": f"{s}\\n\\nNewsletter\\nAbout us"}
...          for i, s in enumerate(stories)]
>>> _ = (folder / "pages.jsonl").write_bytes(b"".join(orjson.dumps(p) + b"\\n" for p in pages))
>>> config = build_run_config({"steps": [{"extract.resiliparse": {"min_chars": None}}, "clean.boilerplate"]})
>>> summary = run(config, inputs=[str(folder)], output=folder / "run", executor=Executor.INLINE)
>>> summary.stats["removed_lines"]
{'clean.boilerplate@1': {'site_boilerplate': 6}}
>>> shutil.rmtree(folder)
"""

from __future__ import annotations

import enum
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from websieve.document import Document, Field
from websieve.errors import ConfigError
from websieve.steps.base import StepContext
from websieve.steps.global_stage import (
    GlobalStep,
    GlobalStepConfig,
    StageState,
    aggregate_pairs,
    member_pairs,
    write_table_atomic,
)
from websieve.steps.line_counts import hash64 as _hash
from websieve.steps.line_counts import line_key
from websieve.steps.line_counts import read_columns as _read_columns
from websieve.steps.line_counts import read_summed as _read_summed
from websieve.steps.line_counts import without_lines as _without

__all__ = ["BoilerplateReason", "CrossPageBoilerplate", "CrossPageBoilerplateConfig", "line_key", "site_key"]


class BoilerplateReason(enum.Enum):
    """Why a line left the text."""

    SITE_BOILERPLATE = "site_boilerplate"
    """The line occurs on at least ``min_pages`` pages and ``min_page_fraction`` of its site's pages."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossPageBoilerplateConfig(GlobalStepConfig):
    min_pages: int = 3
    """A line is site boilerplate when at least this many distinct pages of its site have it. Two pages
    sharing a line can be a quotation; three is the smallest count that says "template"."""
    min_page_fraction: float = 0.01
    """…and at least this fraction of the site's pages. It only matters for sites with more than
    ``min_pages / min_page_fraction`` pages in the run (300 by default): there it keeps a paragraph that
    a handful of a large site's articles quote, while a block on 1 page in 100 (a section's sidebar, a
    "related articles" entry) still goes."""
    min_chars: int = 1
    """Lines whose key is shorter than this are never removed. 1: any line with a letter or digit, so
    short menu entries ("Home", "Login") go when they repeat; raise it to protect short headings that a
    site repeats on purpose ("Ingredients")."""

    def __post_init__(self) -> None:
        GlobalStepConfig.__post_init__(self)
        if self.min_pages < 2:
            raise ConfigError(f"clean.boilerplate: min_pages must be at least 2, got {self.min_pages}")
        if not 0.0 <= self.min_page_fraction <= 1.0:
            raise ConfigError(
                f"clean.boilerplate: min_page_fraction must be between 0 and 1, got {self.min_page_fraction}"
            )
        if self.min_chars < 1:
            raise ConfigError(f"clean.boilerplate: min_chars must be at least 1, got {self.min_chars}")


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url.strip().strip("<>")).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") and len(host) > 4 else host


def site_key(url: str | None, source: str = "") -> int:
    """The 64-bit site of a document: its host without ``www.``, else its source file."""
    host = _host(url)
    return _hash(f"host:{host}" if host is not None else f"file:{source}")


def _doc_site(doc: Document) -> int:
    return site_key(doc.url, doc.origin.path if doc.origin else "")


@dataclass(frozen=True, slots=True)
class _SiteLines:
    pages: dict[int, int]
    """line hash -> pages of the site with that line"""
    threshold: float


class CrossPageBoilerplate(GlobalStep[CrossPageBoilerplateConfig]):
    step_id = "clean.boilerplate@1"
    stage = "boilerplate"
    config_cls = CrossPageBoilerplateConfig
    requires = frozenset({Field.TEXT})
    produces = frozenset({Field.TEXT})

    _decisions: dict[int, _SiteLines] | None = None

    # -- map ---------------------------------------------------------------------------------------

    def _line_hashes(self, text: str) -> set[int]:
        min_chars = self.config.min_chars
        out: set[int] = set()
        for line in text.split("\n"):
            key = line_key(line)
            if len(key) >= min_chars:
                out.add(_hash(key))
        return out

    def map_shard(self, docs: Iterator[Document], state: StageState, shard: str) -> dict[str, int]:
        """Count, per (site, line), the pages of this shard that have it, and the pages per site.

        Writes ``map/<shard>-p<k>.parquet`` (site u64, line u64, pages u32) and
        ``map/<shard>-sites-p<k>.parquet`` (site u64, pages u32), partitioned by ``site % partitions``
        so that a partition holds every line of its sites and their page counts.
        """
        sites_buf: array[int] = array("Q")
        lines_buf: array[int] = array("Q")
        site_pages: Counter[int] = Counter()
        seen_texts: set[tuple[int, int]] = set()
        for doc in docs:
            site = _doc_site(doc)
            text_id = (site, _hash(doc.text or ""))
            if text_id in seen_texts:  # the same page twice (a recrawl): count it once
                continue
            seen_texts.add(text_id)
            site_pages[site] += 1
            hashes = self._line_hashes(doc.text or "")
            sites_buf.extend(array("Q", [site]) * len(hashes))
            lines_buf.extend(array("Q", sorted(hashes)))
        raw_sites = np.frombuffer(sites_buf, np.uint64)
        sites, lines, pages = aggregate_pairs(
            raw_sites, np.frombuffer(lines_buf, np.uint64), np.ones(len(raw_sites), np.uint32)
        )
        ps = np.fromiter(sorted(site_pages), np.uint64, len(site_pages))
        pp = np.array([site_pages[int(s)] for s in ps], np.uint32)
        n = np.uint64(self.partitions)
        part, spart = sites % n, ps % n
        for k in range(self.partitions):
            rows = part == k
            if rows.any():
                write_table_atomic(
                    {"site": sites[rows], "line": lines[rows], "pages": pages[rows]}, state.map_file(shard, k)
                )
            srows = spart == k
            if srows.any():
                write_table_atomic({"site": ps[srows], "pages": pp[srows]}, state.map_file(shard, k, "sites"))
        return {"pages": int(pp.sum()), "sites": len(ps), "pairs": len(sites)}

    # -- reduce ------------------------------------------------------------------------------------

    def reduce_partition(self, state: StageState, partition: int, shards: Sequence[str]) -> dict[str, int]:
        """Sum pages per (site, line) and per site over every shard; keep the pairs over the thresholds.

        Writes ``decisions-p<k>.parquet`` (site, line, pages, site_pages; sorted by site, line) and, per
        shard, the decisions about lines that shard has (``decisions/<shard>-p<k>.parquet``).
        """
        site, line, pages = _read_summed(
            [state.map_file(s, partition) for s in shards], ("site", "line", "pages")
        )
        ssite, _, spages = _read_summed(
            [state.map_file(s, partition, "sites") for s in shards], ("site", None, "pages")
        )
        site_pages = spages[np.searchsorted(ssite, site)] if len(site) else np.zeros(0, np.uint32)
        cfg = self.config
        keep = (pages >= cfg.min_pages) & (pages >= cfg.min_page_fraction * site_pages.astype(np.float64))
        d_site, d_line, d_pages, d_site_pages = site[keep], line[keep], pages[keep], site_pages[keep]
        columns: dict[str, npt.NDArray[Any]] = {
            "site": d_site,
            "line": d_line,
            "pages": d_pages,
            "site_pages": d_site_pages,
        }
        write_table_atomic(columns, state.decisions_file(partition))
        for shard in shards:
            path = state.map_file(shard, partition)
            if not path.exists() or not len(d_site):
                continue
            s_site, s_line, _ = _read_columns(path, ("site", "line", "pages"))
            mask, where = member_pairs(s_site, s_line, d_site, d_line)
            if mask.any():
                idx = where[mask]
                write_table_atomic(
                    {name: col[idx] for name, col in columns.items()},
                    state.shard_decisions_file(shard, partition),
                )
        return {"pairs": len(site), "decisions": len(d_site), "sites": len(ssite)}

    # -- apply -------------------------------------------------------------------------------------

    def load_decisions(self, state: StageState, shard: str) -> None:
        decisions: dict[int, _SiteLines] = {}
        for k in range(self.partitions):
            path = state.shard_decisions_file(shard, k)
            if not path.exists():
                continue
            columns = _read_columns(path, ("site", "line", "pages", "site_pages"))
            for s, h, p, sp in zip(*(c.tolist() for c in columns), strict=True):
                entry = decisions.get(s)
                if entry is None:
                    threshold = float(max(self.config.min_pages, self.config.min_page_fraction * sp))
                    entry = decisions[s] = _SiteLines(pages={}, threshold=threshold)
                entry.pages[h] = p
        self._decisions = decisions

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        text = doc.text or ""
        site = (self._decisions or {}).get(_doc_site(doc))
        if site is None or not text:
            doc.annotate(self.step_id, lines_removed=0, kept_chars=1.0, all_boilerplate=False)
            return doc
        lines = text.split("\n")
        min_chars = self.config.min_chars
        removed: dict[int, int] = {}
        countable = 0
        for i, line in enumerate(lines):
            key = line_key(line)
            if len(key) < min_chars:
                continue
            countable += 1
            pages = site.pages.get(_hash(key))
            if pages is not None:
                removed[i] = pages
        removed_chars = sum(len(lines[i]) for i in removed)
        total_chars = sum(len(line) for line in lines) or 1
        if removed and (len(removed) == countable or removed_chars > _NEAR_COPY * total_chars):
            # (nearly) the whole page is lines other pages of the site have: a copy of another page
            # (recrawl, ?utm= variant, print/amp version) rather than a template around an article.
            # Emptying every copy would lose the article; which copy survives is for deduplication.
            doc.annotate(self.step_id, lines_removed=0, kept_chars=1.0, all_boilerplate=True)
            return doc
        for i, pages in removed.items():
            ctx.ledger.remove_line(
                doc,
                step=self.step_id,
                line_no=i,
                line=lines[i],
                reason=BoilerplateReason.SITE_BOILERPLATE.value,
                score=float(pages),
                threshold=site.threshold,
            )
        new_text = _without(lines, removed) if removed else text
        if not ctx.annotate_only:  # --annotate-only: every removal is in the ledger, the text stays whole
            doc.text = new_text
        doc.annotate(
            self.step_id,
            lines_removed=len(removed),
            kept_chars=len(new_text) / max(len(text), 1),
            all_boilerplate=False,
        )
        return doc


#: a page whose repeated lines hold more than this share of its characters is left whole (a near copy)
_NEAR_COPY = 0.5
