"""I/O throughput: reading WARC.gz, writing and reading JSONL.zst and Parquet, against simple baselines.

Input: the HTML pages of ``shared/data/extraction-scrapinghub/html`` and
``shared/data/extraction-trafilatura-eval/{eval,cache}`` (~1,200 pages, ~180 MB), packed into
``benchmarks/_work/bench.warc.gz`` as WARC/1.1 ``response`` records, one gzip member per record, every page
``--repeat`` times (default 10: ~1.8 GB of records, ~360 MB gzip, so a timed pass takes seconds). The pages
are written as they are (a handful are not UTF-8 even though the HTTP header says so). The output-format
part uses every page once (~180 MB of text): its passes already take seconds.

Measured in the same run, best of ``--rounds`` passes each:

- WARC: bare FastWARC iteration (``ArchiveIterator`` + ``reader.read()``) against websieve's ``WarcReader``
  (which also decodes every page to ``str``); records/s, MB/s of compressed file and of uncompressed
  records, and the ratio ours/bare. For scale, also bare FastWARC plus a plain UTF-8 decode of each
  payload (the least work any reader that hands out text must add);
- output: websieve's ``ShardWriter`` (JSONL.zst and Parquet) and readers (``JsonlReader``,
  ``ParquetReader``), in MB of uncompressed text per second, with every page's HTML used as ``text``;
  and a datatrove-style baseline writer (``json.dumps`` + ``gzip`` at its default level), with the ratio.

Nothing is asserted; the figures are for deciding. Run from the repository root::

    .venv/bin/python benchmarks/io.py                        # ~1-2 min
    .venv/bin/python benchmarks/io.py --rounds 1 --repeat 1  # quick smoke run (~15 s)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastwarc.warc import ArchiveIterator, WarcRecordType

from websieve.config import OutputFormat, ReadConfig, WriteConfig
from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.read.base import Reader
from websieve.steps.read.detect import list_inputs, plan_shards
from websieve.steps.read.jsonl import JsonlReader
from websieve.steps.read.parquet import ParquetReader
from websieve.steps.read.warc import WarcReader
from websieve.steps.write.shards import ShardWriter, document_row

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data"
DEFAULT_WORK = ROOT / "benchmarks" / "_work"
PAGE_GLOBS = (
    "extraction-scrapinghub/html/*.html.gz",
    "extraction-trafilatura-eval/eval/*.html.gz",
    "extraction-trafilatura-eval/cache/*.html.gz",
)
MB = 1_000_000


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Timing:
    label: str
    seconds: float
    records: int


# -------------------------------------------------------------------------------------- the input


def load_pages(data: Path) -> list[Page]:
    pages: list[Page] = []
    for pattern in PAGE_GLOBS:
        for path in sorted(data.glob(pattern)):
            pages.append(Page(path.name.removesuffix(".gz"), gzip.decompress(path.read_bytes())))
    if not pages:
        raise SystemExit(f"no pages found under {data} ({', '.join(PAGE_GLOBS)}); pass --data")
    return pages


def warc_record(name: str, body: bytes) -> bytes:
    """One uncompressed WARC/1.1 ``response`` record holding an HTTP/1.1 200 response with ``body``."""
    http = (
        b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n"
        b"\r\n" + body
    )
    headers = (
        "WARC/1.1\r\n"
        "WARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}>\r\n"
        "WARC-Date: 2024-01-01T00:00:00Z\r\n"
        f"WARC-Target-URI: http://bench.invalid/{name}\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n"
        "\r\n"
    )
    return headers.encode() + http + b"\r\n\r\n"


def build_warc(pages: list[Page], path: Path, repeat: int) -> int:
    """Write every page ``repeat`` times, one gzip member per record; returns the uncompressed size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = 0
    with open(path, "wb") as out:
        for r in range(repeat):
            for page in pages:
                name = page.name if r == 0 else f"{page.name}?copy={r}"
                record = warc_record(name, page.body)
                raw += len(record)
                out.write(gzip.compress(record, compresslevel=6, mtime=0))
    return raw


# ------------------------------------------------------------------------------------ the readers


def read_bare_fastwarc(path: Path) -> int:
    n = 0
    for rec in ArchiveIterator(str(path), parse_http=True, record_types=WarcRecordType.response):
        rec.reader.read()
        n += 1
    return n


def read_bare_fastwarc_decode(path: Path) -> int:
    n = 0
    for rec in ArchiveIterator(str(path), parse_http=True, record_types=WarcRecordType.response):
        rec.reader.read().decode("utf-8", errors="replace")
        n += 1
    return n


def read_with(reader: Reader, path: Path) -> int:
    """Documents a websieve reader makes of one file, the way a run reads a shard."""
    listing = list_inputs([str(path)])
    shard = plan_shards(listing, files_per_shard=500)[0]
    ctx = StepContext.standalone()
    n = sum(1 for _ in reader.read(shard, ctx))
    if ctx.ledger.rows:
        print(f"  note: {len(ctx.ledger.rows)} ledger rows (errors/drops) while reading {path.name}")
    return n


# ------------------------------------------------------------------------------------ the writers


def write_with(config: WriteConfig, docs: list[Document], path: Path) -> int:
    n = 0
    for _ in ShardWriter(config).write(iter(docs), path):
        n += 1
    return n


def write_json_gzip(docs: list[Document], path: Path) -> int:
    """Baseline: the same rows as ``json.dumps`` lines through ``gzip`` (default level 9), like datatrove."""
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(document_row(doc), ensure_ascii=False) + "\n")
    return len(docs)


# ------------------------------------------------------------------------------------------- main


def best_of(rounds: int, label: str, fn: Callable[[], int]) -> Timing:
    best = float("inf")
    records = 0
    for _ in range(rounds):
        start = time.perf_counter()
        records = fn()
        best = min(best, time.perf_counter() - start)
    return Timing(label, best, records)


def documents(pages: list[Page]) -> list[Document]:
    """Every page once, its HTML (decoded as UTF-8) standing in for extracted text."""
    return [
        Document(
            id=page.name, url=f"http://bench.invalid/{page.name}", text=page.body.decode("utf-8", "replace")
        )
        for page in pages
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared/data folder")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where the files are written")
    parser.add_argument(
        "--repeat", type=int, default=10, help="WARC only: pack every page this many times (1: ~180 MB)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed passes per measurement; the best counts")
    args = parser.parse_args()

    t0 = time.perf_counter()
    pages = load_pages(args.data.resolve())
    work: Path = args.work.resolve()
    warc = work / "bench.warc.gz"
    start = time.perf_counter()
    raw = build_warc(pages, warc, args.repeat)
    size = os.path.getsize(warc)
    n_records = len(pages) * args.repeat
    print(f"pages: {len(pages):,} x {args.repeat} = {n_records:,} records")
    print(
        f"WARC:  {warc}  {size / MB:,.1f} MB gzip, {raw / MB:,.1f} MB uncompressed "
        f"(built in {time.perf_counter() - start:.1f}s)"
    )

    print(f"\n== WARC reading, best of {args.rounds}")
    bare = best_of(args.rounds, "bare FastWARC", lambda: read_bare_fastwarc(warc))
    bare_decode = best_of(args.rounds, "bare FastWARC + decode", lambda: read_bare_fastwarc_decode(warc))
    ours = best_of(args.rounds, "websieve WarcReader", lambda: read_with(WarcReader(ReadConfig()), warc))
    print(f"{'reader':<22} {'records':>8} {'seconds':>8} {'records/s':>10} {'MB/s gz':>8} {'MB/s raw':>9}")
    for t in (bare, bare_decode, ours):
        print(
            f"{t.label:<22} {t.records:>8,} {t.seconds:>8.2f} {t.records / t.seconds:>10,.0f} "
            f"{size / MB / t.seconds:>8.1f} {raw / MB / t.seconds:>9.1f}"
        )
    warc_ratio = bare.seconds / ours.seconds
    print(
        f"ours/bare throughput: {warc_ratio:.2f} (target >= 0.8); "
        f"ours/(bare + decode): {bare_decode.seconds / ours.seconds:.2f}"
    )

    docs = documents(pages)
    text_mb = sum(len(d.text.encode()) for d in docs if d.text is not None) / MB
    jsonl = work / "jsonl" / "part-00000.jsonl.zst"
    parquet = work / "parquet" / "part-00000.parquet"
    baseline = work / "baseline" / "part-00000.jsonl.gz"
    baseline.parent.mkdir(parents=True, exist_ok=True)

    print(f"\n== Output formats, {len(docs):,} documents, {text_mb:,.1f} MB of text, best of {args.rounds}")
    jsonl_config, parquet_config = WriteConfig(), WriteConfig(format=OutputFormat.PARQUET)
    operations: list[tuple[str, Callable[[], int], Path]] = [
        ("write JSONL.zst (ours)", lambda: write_with(jsonl_config, docs, jsonl), jsonl),
        ("read JSONL.zst (ours)", lambda: read_with(JsonlReader(), jsonl), jsonl),
        ("write Parquet (ours)", lambda: write_with(parquet_config, docs, parquet), parquet),
        ("read Parquet (ours)", lambda: read_with(ParquetReader(), parquet), parquet),
        ("write json+gzip (peer)", lambda: write_json_gzip(docs, baseline), baseline),
    ]
    rows = [(best_of(args.rounds, label, fn), path) for label, fn, path in operations]
    print(f"{'operation':<24} {'docs':>6} {'seconds':>8} {'text MB/s':>10} {'file MB':>8}")
    for t, path in rows:
        print(
            f"{t.label:<24} {t.records:>6,} {t.seconds:>8.2f} {text_mb / t.seconds:>10.1f} "
            f"{os.path.getsize(path) / MB:>8.1f}"
        )
    speed = {t.label: text_mb / t.seconds for t, _ in rows}
    write_ratio = speed["write JSONL.zst (ours)"] / speed["write json+gzip (peer)"]
    print(f"JSONL write ours/peer: {write_ratio:.2f}x")

    print(f"\n(total time {time.perf_counter() - t0:.0f}s)")
    print(
        f"SUMMARY warc: bare {bare.records / bare.seconds:,.0f} rec/s {raw / MB / bare.seconds:.0f} MB/s"
        f" | ours {ours.records / ours.seconds:,.0f} rec/s {raw / MB / ours.seconds:.0f} MB/s"
        f" | ours/bare={warc_ratio:.2f}"
        f" || text MB/s: jsonl.zst write {speed['write JSONL.zst (ours)']:.0f}"
        f" read {speed['read JSONL.zst (ours)']:.0f}"
        f" | parquet write {speed['write Parquet (ours)']:.0f} read {speed['read Parquet (ours)']:.0f}"
        f" | json+gzip write {speed['write json+gzip (peer)']:.0f} | jsonl write ours/peer={write_ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
