"""Page metadata (title, author, date, site, categories, tags) from HTML, next to trafilatura's.

Runs `websieve.steps.extract.metadata.read_metadata` on the 851 pages of
``../shared/data/extraction-trafilatura-eval`` that carry metadata truth, and trafilatura 1.11's
``extract_metadata`` (in its own environment, ``benchmarks/_work/peer-venv``, through a subprocess) on the
same decoded pages, and prints the accuracy of both per field and their speed (one core).

Conventions of `score_metadata` (strings compared after NFKC, casefold and collapsed whitespace):

- a field counts on the pages whose truth is non-empty; a prediction on a page whose truth is empty or
  absent is counted apart as *spurious* (the annotators left many fields blank, so it is not always wrong);
- author: the same set of names, whatever their order and separators (``;``, ``,``, ``/``, ``&``, ``and``,
  ``und``, ``et``);
- date: the same ISO day; categories, tags: items split at ``,`` and ``;`` on both sides, exact set
  (``correct``) and the Jaccard overlap (``<field>.jaccard``, summed, so mean = sum / total).

    .venv/bin/python benchmarks/html_metadata.py              # ours and trafilatura
    .venv/bin/python benchmarks/html_metadata.py --no-peer    # ours only
    .venv/bin/python benchmarks/html_metadata.py --errors author   # list our misses on one field
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import regex
from resiliparse.parse.html import HTMLTree

from websieve.steps.extract.metadata import read_metadata
from websieve.steps.read.decode import decode_page

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data" / "extraction-trafilatura-eval"
PEER_PYTHON = HERE / "_work" / "peer-venv" / "bin" / "python"
FIELDS = ("title", "author", "date", "sitename", "categories", "tags")
LIST_FIELDS = frozenset({"categories", "tags"})

# trafilatura's metadata on each page, in its own environment: reads [{url, html}], writes {url: fields}
PEER_SCRIPT = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import trafilatura
from trafilatura.metadata import extract_metadata
pages = json.load(open(sys.argv[1], encoding="utf-8"))
out, seconds = {}, 0.0
for page in pages:
    t0 = time.perf_counter()
    try:
        doc = extract_metadata(page["html"], default_url=page["url"])
    except Exception as err:  # a peer crash is a miss, not the end of the benchmark
        doc = None
    seconds += time.perf_counter() - t0
    d = doc.as_dict() if doc is not None else {}
    out[page["url"]] = {k: d.get(k) for k in ("title", "author", "date", "sitename", "categories", "tags")}
json.dump({"version": trafilatura.__version__, "seconds": seconds, "predictions": out},
          open(sys.argv[2], "w", encoding="utf-8"))
"""

_SPACE = regex.compile(r"\s+")
_AUTHOR_SPLIT = regex.compile(r"\s*(?:;|,|/|&|\band\b|\bund\b|\bet\b)\s*", regex.IGNORECASE)
_ITEM_SPLIT = regex.compile(r"\s*[,;]\s*")


def norm(value: str) -> str:
    """NFKC, casefold, whitespace collapsed and stripped."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", value).casefold()).strip()


def _items(value: Any, split: regex.Pattern[str]) -> set[str]:
    if value is None:
        return set()
    values = [value] if isinstance(value, str) else [str(v) for v in value if v is not None]
    return {n for v in values for part in split.split(v) if (n := norm(part))}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return norm(str(value))


def match(field: str, predicted: Any, truth: Any) -> float:
    """1.0 for a right prediction, 0.0 for a wrong one (for a list field: Jaccard overlap in [0, 1])."""
    if field == "author":
        return float(_items(predicted, _AUTHOR_SPLIT) == _items(truth, _AUTHOR_SPLIT))
    if field in LIST_FIELDS:
        p, t = _items(predicted, _ITEM_SPLIT), _items(truth, _ITEM_SPLIT)
        return len(p & t) / len(p | t) if p | t else 1.0
    return float(_text(predicted) == _text(truth))


def _empty(field: str, value: Any) -> bool:
    if field in LIST_FIELDS or field == "author":
        return not _items(value, _AUTHOR_SPLIT if field == "author" else _ITEM_SPLIT)
    return not _text(value)


def score_metadata(
    predictions: Mapping[str, Mapping[str, Any]], truth: Mapping[str, Mapping[str, Any]]
) -> dict[str, tuple[float, int]]:
    """Per field ``(correct, total)`` over the pages of ``truth`` whose value is non-empty, plus
    ``<field>.spurious`` (predictions where truth is empty, pages with empty truth) and, for categories
    and tags, ``<field>.jaccard`` (summed overlap, pages). A page missing from ``predictions`` predicts
    nothing.

    >>> truth = {"u": {"title": "A Title", "author": "Ann Lee; Bo Li", "date": "", "tags": ["x", "y"]}}
    >>> pred = {"u": {"title": "a  title", "author": "Bo Li and Ann Lee", "date": "2020-01-01", "tags": "x"}}
    >>> s = score_metadata(pred, truth)
    >>> s["title"], s["author"], s["date"], s["date.spurious"], s["tags"], s["tags.jaccard"]
    ((1.0, 1), (1.0, 1), (0.0, 0), (1.0, 1), (0.0, 1), (0.5, 1))
    """
    out: dict[str, tuple[float, int]] = {}
    for field in FIELDS:
        correct = jaccard = spurious = 0.0
        total = empty = 0
        for url, record in truth.items():
            want = record.get(field)
            got = predictions.get(url, {}).get(field)
            if _empty(field, want):
                empty += 1
                spurious += not _empty(field, got)
                continue
            total += 1
            m = match(field, got, want)
            correct += float(m == 1.0)
            jaccard += m
        out[field] = (correct, total)
        out[f"{field}.spurious"] = (spurious, empty)
        if field in LIST_FIELDS:
            out[f"{field}.jaccard"] = (jaccard, total)
    return out


def load_pages(data: Path = DATA) -> list[tuple[str, str, dict[str, Any]]]:
    """``(url, decoded html, truth record)`` of every page with metadata truth, in file order."""
    records = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, record in records.items():
        if "title" not in record:  # the 139 pages without metadata truth
            continue
        path = data / "eval" / f"{record['file']}.gz"
        if not path.exists():
            path = data / "cache" / f"{record['file']}.gz"
        html = decode_page(gzip.decompress(path.read_bytes()), http_charset=None)[0]
        pages.append((url, html, record))
    return pages


def run_ours(pages: Iterable[tuple[str, str, Any]]) -> tuple[dict[str, dict[str, Any]], float, float]:
    """Our predictions, seconds in all (parse + read), seconds reading metadata from parsed trees."""
    preds: dict[str, dict[str, Any]] = {}
    total = read = 0.0
    for url, html, _ in pages:
        t0 = time.perf_counter()
        tree = HTMLTree.parse(html)
        t1 = time.perf_counter()
        meta = read_metadata(tree, url=url)
        t2 = time.perf_counter()
        total += t2 - t0
        read += t2 - t1
        preds[url] = {
            "title": meta.title,
            "author": meta.author,
            "date": meta.date,
            "sitename": meta.site,
            "categories": list(meta.categories),
            "tags": list(meta.tags),
        }
    return preds, total, read


def run_peer(pages: list[tuple[str, str, Any]]) -> tuple[dict[str, dict[str, Any]], float, str]:
    """trafilatura's predictions, its seconds (metadata extraction only, parse included), its version."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "pages.json", Path(tmp) / "out.json"
        src.write_text(json.dumps([{"url": u, "html": h} for u, h, _ in pages]), encoding="utf-8")
        subprocess.run([str(PEER_PYTHON), "-c", PEER_SCRIPT, str(src), str(dst)], check=True)
        result = json.loads(dst.read_text(encoding="utf-8"))
    return result["predictions"], result["seconds"], result["version"]


def _cell(s: Mapping[str, tuple[float, int]], field: str) -> str:
    c, t = s[field]
    cell = f"{c / t:.3f} ({int(c)}/{t})" if t else "-"
    if field in LIST_FIELDS:
        j, _ = s[f"{field}.jaccard"]
        cell += f" J={j / t:.2f}" if t else ""
    sp, e = s[f"{field}.spurious"]
    return f"{cell} +{int(sp)}/{e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--no-peer", action="store_true", help="skip trafilatura")
    parser.add_argument("--peer-cache", type=Path, help="reuse (or write) trafilatura's output here")
    parser.add_argument("--errors", choices=FIELDS, help="print our misses on this field")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    pages = load_pages(args.data)
    truth = {url: record for url, _, record in pages}
    ours, seconds, read_seconds = run_ours(pages)
    scores = {"websieve": score_metadata(ours, truth)}
    speed = {"websieve": len(pages) / seconds}
    peer: dict[str, dict[str, Any]] = {}
    if not args.no_peer:
        if args.peer_cache and args.peer_cache.exists():
            cached = json.loads(args.peer_cache.read_text(encoding="utf-8"))
            peer, peer_seconds, version = cached["predictions"], cached["seconds"], cached["version"]
        else:
            peer, peer_seconds, version = run_peer(pages)
            if args.peer_cache:
                args.peer_cache.write_text(
                    json.dumps({"predictions": peer, "seconds": peer_seconds, "version": version}),
                    encoding="utf-8",
                )
        name = f"trafilatura {version}"
        scores[name] = score_metadata(peer, truth)
        speed[name] = len(pages) / peer_seconds

    if args.errors:
        field = args.errors
        for url, record in truth.items():
            want, got = record.get(field), ours[url].get(field)
            if _empty(field, want) or match(field, got, want) == 1.0:
                continue
            theirs = peer.get(url, {}).get(field, "-")
            print(f"{url}\n   truth {want!r}\n   ours  {got!r}\n   peer  {theirs!r}")

    print(f"trafilatura-eval: {len(pages)} pages with metadata truth")
    print("accuracy on pages whose truth is non-empty; +n/m: outputs where the truth is empty")
    names = list(scores)
    print(f"{'field':<11}" + "".join(f"{n:<34}" for n in names))
    for field in FIELDS:
        print(f"{field:<11}" + "".join(f"{_cell(scores[n], field):<34}" for n in names))
    print("docs/s (1 core): " + "; ".join(f"{n} {speed[n]:,.0f}" for n in names))
    print(f"  websieve reading parsed trees only: {len(pages) / read_seconds:,.0f} docs/s")
    if args.json:
        args.json.write_text(json.dumps({"scores": scores, "docs_per_s": speed}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
