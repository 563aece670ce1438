"""The near-duplicate set of ``benchmarks/dedup.py``: real texts and edited copies of them (the truth and the
scores: `dedup_scoring`).

**Originals** (``../shared/data``; distinct texts of at least ``MIN_CHARS`` characters, at most
``MAX_CHARS``):

- ``sh``: the article-extraction benchmark's ground-truth article bodies (``extraction-scrapinghub``);
- ``tf``: the trafilatura evaluation pages' main text, as websieve's `websieve.clean` (``clean-text``
  preset) extracts it from the page's HTML (cached in ``benchmarks/_work/dedup/articles.jsonl``);
- ``dclm``: the DCLM human-labelled texts (already extracted web text, English).

For the ``sh`` and ``tf`` pages, the page's **chrome** is real boilerplate: the lines of its noisy-text
render (``noisy-text``) before the article's first line (header) and after its last (footer); a line is
the article's when it has at least 40 characters and occurs in the article. One page in three with chrome
enters the set as its whole render (header, article with the captions and widgets between its
paragraphs, footer), the others as the bare article.

**Variants** of each original (its *family*): a copy (exact, or re-flowed: paragraph breaks and spaces
changed, which the shingles do not see), then ``EDITS_PER_FAMILY`` edits drawn without replacement from
`menu` (those that apply to the original): typos at a rate of words, truncation at a fraction, sentences
deleted, sentences inserted from another document, paragraphs reordered, boilerplate added (its own
page's header/footer, or another page's chrome: one of the same site when the set has one),
boilerplate removed (a whole render reduced to its article, or to article and footer), the same page as
another article extractor saw it (``sh``: the benchmark's recorded outputs of 15 article extractors),
and combinations of two or three mild edits.

**Related families**: one took chrome or sentences from the other (`build_set` returns these pairs), or
both from a third; their pages are on the same site (host, through ``web.archive.org``); or their
originals share at least 5% of their shingles (the last three: `dedup_scoring.Truth`). Their pairs are
real negatives with shared content, and so are among the scored pairs.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from extraction_data import DATA, html_bytes
from noisy_scoring import load_rows

__all__ = ["Doc", "Original", "build_set", "load_originals", "menu"]

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work" / "dedup"
MIN_CHARS = 1_500
MAX_CHARS = 30_000
EDITS_PER_FAMILY = 6
ARTICLE_EXTRACTORS = (
    "AutoExtract",
    "Diffbot",
    "boilerpipe",
    "dom_smoothie",
    "dragnet",
    "go_readability",
    "go_trafilatura",
    "goose3",
    "justext",
    "news_please",
    "newspaper",
    "readability",
    "readability_js",
    "rs_trafilatura",
    "trafilatura",
)
_ARTICLES_VERSION = 1
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_WORD = re.compile(r"\w{3,}")
_KEYS = "qwertyuiopasdfghjklzxcvbnm"


@dataclass(slots=True)
class Original:
    source: str
    url: str
    text: str
    article: str
    """The bare article (equal to ``text`` unless the original is a whole page render)."""
    header: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    extractions: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return host_of(self.url)

    @property
    def render(self) -> bool:
        return self.text != self.article


@dataclass(slots=True)
class Doc:
    id: str
    family: int
    source: str
    kind: str
    """``original``, ``copy``, or the edit (``typos 0.02``, ``truncated 0.75 + typos 0.01``…)."""
    text: str
    url: str


def host_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url or "")
    host = (parts.hostname or "").removeprefix("www.")
    if host == "web.archive.org":  # /web/<timestamp>/<url>: the archived page's site
        inner = parts.path.split("/", 3)[3:] or [""]
        return host_of(inner[0]) if inner[0].startswith("http") else host
    return host


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _chrome(render: str, article: str) -> tuple[list[str], list[str]] | None:
    """The render's lines before the article's first line and after its last (None: not found)."""
    lines = [ln for ln in render.splitlines() if ln.strip()]
    body = _norm(article)
    hits = [i for i, ln in enumerate(lines) if len(ln.strip()) >= 40 and _norm(ln) in body]
    if not hits:
        return None
    return lines[: hits[0]], lines[hits[-1] + 1 :]


def _articles(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The main text websieve extracts from each trafilatura page's HTML (cached: extraction is slow)."""
    path = WORK / "articles.jsonl"
    if path.exists():
        cached = [orjson.loads(line) for line in path.read_bytes().splitlines()]
        if cached and cached[0].get("version") == _ARTICLES_VERSION:
            return {r["id"]: r["text"] for r in cached[1:]}
    from websieve import clean

    out = {}
    for row in rows:
        if row["id"].startswith("trafilatura-eval/"):
            html = html_bytes(row["id"]).decode("utf-8", "replace")
            out[row["id"]] = clean(html, url=row["url"], html=True).text or ""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [orjson.dumps({"version": _ARTICLES_VERSION})]
    lines += [orjson.dumps({"id": k, "text": v}) for k, v in out.items()]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return out


def _extractions() -> dict[str, dict[str, str]]:
    """Scrapinghub page id (first 16 hex) -> article extractor -> its recorded output."""
    out: dict[str, dict[str, str]] = {}
    for system in ARTICLE_EXTRACTORS:
        with gzip.open(DATA / "extraction-scrapinghub" / "output" / f"{system}.json.gz", "rt") as fh:
            data = json.load(fh)
        data = data.get("output", data)
        for sha, rec in data.items():
            text = (rec or {}).get("articleBody") or ""
            if text.strip():
                out.setdefault(sha[:16], {})[system] = text
    return out


def load_originals(rng: random.Random) -> list[Original]:
    """Every distinct original of the set, in a fixed order (sources, then their own order)."""
    rows = load_rows()
    articles = _articles(rows)
    extractions = _extractions()
    found: list[Original] = []
    for row in rows:
        source, name = row["id"].split("/", 1)
        article = row.get("gold") if source == "scrapinghub" else articles.get(row["id"])
        if not article or not MIN_CHARS <= len(article) <= MAX_CHARS:
            continue
        orig = Original("sh" if source == "scrapinghub" else "tf", row["url"] or "", article, article)
        if source == "scrapinghub":
            orig.extractions = extractions.get(name, {})
        chrome = _chrome(row["text"], article)
        if chrome is not None and (chrome[0] or chrome[1]):
            orig.header, orig.footer = chrome
            if rng.random() < 1 / 3 and len(row["text"]) <= MAX_CHARS:
                orig.text = row["text"]
        found.append(orig)
    for name in ("majority_data", "agreement_data"):
        with gzip.open(DATA / "quality-dclm-human-labels" / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line)["text"]
                if MIN_CHARS <= len(text) <= MAX_CHARS:
                    found.append(Original("dclm", "", text, text))
    seen: set[str] = set()
    distinct = []
    for orig in found:
        key = _norm(orig.text)
        if key not in seen:
            seen.add(key)
            distinct.append(orig)
    return distinct


# --- edits: each takes the rng, the text, and returns the edited text -------------------------------------


def typos(rng: random.Random, text: str, rate: float) -> str:
    """One typo (swap, drop, double or replace a letter) in a share ``rate`` of the words (3+ letters)."""

    def one(m: re.Match[str]) -> str:
        w = m.group()
        if rng.random() >= rate:
            return w
        i = rng.randrange(len(w) - 1)
        kind = rng.randrange(4)
        if kind == 0:
            return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        if kind == 1:
            return w[:i] + w[i + 1 :]
        if kind == 2:
            return w[: i + 1] + w[i] + w[i + 1 :]
        return w[:i] + rng.choice(_KEYS) + w[i + 1 :]

    return _WORD.sub(one, text)


def truncated(text: str, keep: float) -> str:
    """The first ``keep`` of the text, cut at a space, with a paywall's ellipsis."""
    cut = text.rfind(" ", 0, int(len(text) * keep))
    return text[: cut if cut > 0 else int(len(text) * keep)].rstrip() + " …"


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s]


def sentences_deleted(rng: random.Random, text: str, rate: float) -> str:
    kept = [s for s in _sentences(text) if rng.random() >= rate]
    return " ".join(kept) if kept else text


def sentences_inserted(rng: random.Random, text: str, rate: float, donor: str) -> str:
    pool = [s for s in _sentences(donor) if len(s) > 30] or [donor[:200]]
    out = []
    for s in _sentences(text):
        out.append(s)
        if rng.random() < rate:
            out.append(rng.choice(pool))
    return " ".join(out)


def reordered(rng: random.Random, text: str, share: float) -> str:
    """``share`` of the paragraphs moved to random places (1.0: all shuffled)."""
    paras = [p for p in text.split("\n") if p.strip()]
    if len(paras) < 3:
        paras = _sentences(text)
    moved = [i for i in range(len(paras)) if rng.random() < share]
    taken = [paras[i] for i in moved]
    rest = [p for i, p in enumerate(paras) if i not in set(moved)]
    for p in taken:
        rest.insert(rng.randrange(len(rest) + 1), p)
    return "\n".join(rest)


def reflowed(rng: random.Random, text: str) -> str:
    """The same words: paragraph breaks doubled or merged, some spaces doubled (shingles cannot tell)."""
    if rng.random() < 0.5:
        text = text.replace("\n\n", "\n") if "\n\n" in text else text.replace("\n", "\n\n")
    return re.sub(r" (?=\w)", lambda m: "  " if rng.random() < 0.05 else " ", text)


@dataclass(frozen=True, slots=True)
class Edit:
    name: str
    apply: Callable[[random.Random, Original, str, Original], str]
    """(rng, the original, the original's text, a donor original) -> the edited text."""
    applies: Callable[[Original], bool] = lambda o: True
    donor: bool = False
    """The edit takes text (chrome or sentences) from another family: the two become related."""


Apply = Callable[[random.Random, Original, str, Original], str]


def _bare(o: Original) -> bool:
    return not o.render


def menu() -> list[Edit]:
    """Every edit a variant can get, with its parameter; a family draws ``EDITS_PER_FAMILY`` of them."""

    def with_typos(rate: float) -> Apply:
        return lambda r, o, t, d: typos(r, t, rate)

    def cut(keep: float) -> Apply:
        return lambda r, o, t, d: truncated(t, keep)

    def deleted(rate: float) -> Apply:
        return lambda r, o, t, d: sentences_deleted(r, t, rate)

    def inserted(rate: float) -> Apply:
        return lambda r, o, t, d: sentences_inserted(r, t, rate, d.article)

    def moved(share: float) -> Apply:
        return lambda r, o, t, d: reordered(r, t, share)

    edits = [Edit(f"typos {x}", with_typos(x)) for x in (0.01, 0.02, 0.04, 0.08)]
    edits += [Edit(f"truncated {x}", cut(x)) for x in (0.9, 0.75, 0.6, 0.45)]
    edits += [Edit(f"sentences deleted {x}", deleted(x)) for x in (0.1, 0.25, 0.4)]
    edits += [Edit(f"sentences inserted {x}", inserted(x), donor=True) for x in (0.1, 0.3, 0.6)]
    edits += [Edit(f"reordered {x}", moved(x)) for x in (0.3, 1.0)]
    edits += [
        Edit(
            "boilerplate added: own header+footer",
            lambda r, o, t, d: "\n".join([*o.header, t, *o.footer]),
            lambda o: _bare(o) and bool(o.header or o.footer),
        ),
        Edit(
            "boilerplate added: own header",
            lambda r, o, t, d: "\n".join([*o.header, t]),
            lambda o: _bare(o) and bool(o.header),
        ),
        Edit(
            "boilerplate added: other page's chrome",
            lambda r, o, t, d: "\n".join([*d.header, t, *d.footer]),
            donor=True,
        ),
        Edit("boilerplate removed: all", lambda r, o, t, d: o.article, lambda o: o.render),
        Edit(
            "boilerplate removed: header",
            lambda r, o, t, d: "\n".join([o.article, *o.footer]),
            lambda o: o.render and bool(o.header),
        ),
        Edit(
            "other extractor",
            lambda r, o, t, d: o.extractions[r.choice(sorted(o.extractions))],
            lambda o: bool(o.extractions) and _bare(o),
        ),
        Edit(
            "truncated 0.8 + typos 0.01",
            lambda r, o, t, d: typos(r, truncated(t, 0.8), 0.01),
        ),
        Edit(
            "reordered 0.3 + sentences deleted 0.1",
            lambda r, o, t, d: sentences_deleted(r, reordered(r, t, 0.3), 0.1),
        ),
        Edit(
            "boilerplate added + typos 0.02",
            lambda r, o, t, d: typos(r, "\n".join([*d.header, t, *d.footer]), 0.02),
            donor=True,
        ),
        Edit(
            "sentences inserted 0.2 + deleted 0.2 + typos 0.01",
            lambda r, o, t, d: typos(
                r, sentences_deleted(r, sentences_inserted(r, t, 0.2, d.article), 0.2), 0.01
            ),
            donor=True,
        ),
    ]
    return edits


def build_set(originals: Sequence[Original], rng: random.Random) -> tuple[list[Doc], set[tuple[int, int]]]:
    """The documents (family by family: the original, a copy, the edits) and the related family pairs
    made by donors (same-site and shared-content relations are added by the scorer)."""
    edits = menu()
    by_host: dict[str, list[int]] = {}
    for i, orig in enumerate(originals):
        if orig.host:
            by_host.setdefault(orig.host, []).append(i)
    with_chrome = [i for i, o in enumerate(originals) if o.header or o.footer]
    docs: list[Doc] = []
    related: set[tuple[int, int]] = set()
    for fam, orig in enumerate(originals):
        docs.append(Doc(f"{fam:04d}-0", fam, orig.source, "original", orig.text, orig.url))
        copy = orig.text if rng.random() < 0.5 else reflowed(rng, orig.text)
        kind = "copy" if copy == orig.text else "copy reflowed"
        docs.append(Doc(f"{fam:04d}-1", fam, orig.source, kind, copy, orig.url))
        usable = [e for e in edits if e.applies(orig)]
        for k, edit in enumerate(rng.sample(usable, min(EDITS_PER_FAMILY, len(usable))), start=2):
            donor_fam = fam
            if edit.donor:
                site = [i for i in by_host.get(orig.host, []) if i != fam]
                chrome_site = [i for i in site if originals[i].header or originals[i].footer]
                pool = (
                    (chrome_site or with_chrome)
                    if "boilerplate" in edit.name
                    else (site or range(len(originals)))
                )
                donor_fam = rng.choice(list(pool))
                if donor_fam == fam:
                    donor_fam = (fam + 1) % len(originals)
                related.add((min(fam, donor_fam), max(fam, donor_fam)))
            text = edit.apply(rng, orig, orig.text, originals[donor_fam])
            docs.append(Doc(f"{fam:04d}-{k}", fam, orig.source, edit.name, text, orig.url))
    return docs, related


def write_shards(docs: Sequence[Doc], folder: Path, shards: int, rng: random.Random) -> list[Path]:
    """The documents shuffled into ``shards`` JSONL files (``id``, ``url``, ``text``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.jsonl"):
        old.unlink()
    order = list(docs)
    rng.shuffle(order)
    paths = []
    for s in range(shards):
        path = folder / f"part-{s:03d}.jsonl"
        rows = order[s::shards]
        path.write_bytes(
            b"".join(orjson.dumps({"id": d.id, "url": d.url, "text": d.text}) + b"\n" for d in rows)
        )
        paths.append(path)
    return paths
