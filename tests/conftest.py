"""Shared fixtures: paths to the real samples in tests/data and helpers to read a run folder back."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
import zstandard

DATA = Path(__file__).parent / "data"
WARC_DIR = DATA / "warc"
PAGES_DIR = DATA / "pages"
JSONL_DIR = DATA / "jsonl"
SEED = PAGES_DIR / "seed-000_8bc0c6ad7db0b1d0.txt"
LISTS_DIR = DATA / "lists"

# datasets must never reach for the network in tests
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def warc_files() -> list[Path]:
    return sorted(p for p in WARC_DIR.rglob("*") if p.is_file() and p.name != "SOURCE.md")


def read_output(run_dir: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for part in sorted((run_dir / "output").glob("part-*.jsonl.zst")):
        with open(part, "rb") as fh:
            data = zstandard.ZstdDecompressor().stream_reader(fh).read()
        rows.extend(orjson.loads(line) for line in data.splitlines())
    for part in sorted((run_dir / "output").glob("part-*.parquet")):
        rows.extend(pq.read_table(part).to_pylist())
    return rows


def tree_bytes(run_dir: Path) -> dict[str, bytes]:
    """Every file of a run's output, ledger and annotations, by path: runs compared byte for byte."""
    return {
        str(p.relative_to(run_dir)): p.read_bytes()
        for sub in ("output", "ledger", "annotations")
        for p in sorted((run_dir / sub).rglob("*"))
        if p.is_file()
    }


def read_ledger(run_dir: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for part in sorted((run_dir / "ledger").glob("part-*.parquet")):
        rows.extend(pq.read_table(part).to_pylist())
    return rows


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session", autouse=True)
def lists_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests never read the user's lists folder: ``$WEBSIEVE_LISTS`` holds ``fineweb.wsbl`` compiled from
    the sample of FineWeb's blocklist in tests/data/lists (the ``fineweb`` preset needs that list)."""
    from websieve.steps.lists.sources import build_list, fineweb_parts

    folder = tmp_path_factory.mktemp("lists")
    build_list(fineweb_parts(LISTS_DIR / "fineweb"), folder / "fineweb.wsbl")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WEBSIEVE_LISTS", str(folder))
        yield folder


def noisy_dev_rows() -> list[dict[str, str]]:
    """The 60 noisy dev pages of tests/data/jsonl (id, url, text...), in order."""
    with open(JSONL_DIR / "noisy-dev-head40.jsonl.zst", "rb") as fh:
        data = zstandard.ZstdDecompressor().stream_reader(fh).read()
    rows = [orjson.loads(line) for line in data.splitlines()]
    with gzip.open(JSONL_DIR / "noisy-dev-41-60.jsonl.gz", "rb") as fh:
        rows += [orjson.loads(line) for line in fh]
    return rows
