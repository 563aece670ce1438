"""Reading just enough of a run folder's tables: chosen columns, the first rows of each part, parts
spread evenly over the run (so a report of a million-document run reads a bounded amount)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

__all__ = ["head_output", "head_rows", "matching_rows", "spread"]

_OUTPUT_COLUMNS = ("id", "url", "text", "lang", "title")


def spread(paths: Sequence[Path], limit: int) -> list[Path]:
    """At most ``limit`` of ``paths``, evenly spaced (the first and last included), in order.

    >>> [p.name for p in spread([Path(f"p{i}") for i in range(10)], 3)]
    ['p0', 'p4', 'p9']
    >>> len(spread([Path("a")], 5))
    1
    """
    if len(paths) <= limit:
        return list(paths)
    if limit <= 1:
        return list(paths[:limit])
    step = (len(paths) - 1) / (limit - 1)
    return [paths[round(i * step)] for i in range(limit)]


def head_rows(path: Path, columns: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rows of a Parquet file, only ``columns`` (read batch by batch, so the rest of
    the file is never decoded).

    >>> head_rows(Path("no/such.parquet"), ["id"], 3)
    []
    """
    if not path.is_file() or limit <= 0:
        return []
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    with pq.ParquetFile(path) as pf:
        wanted = [c for c in columns if c in pf.schema_arrow.names]
        for batch in pf.iter_batches(batch_size=min(limit, 65_536), columns=wanted):
            rows.extend(batch.to_pylist())
            if len(rows) >= limit:
                break
    return rows[:limit]


def matching_rows(
    path: Path, columns: Sequence[str], column: str, values: Sequence[str]
) -> list[dict[str, Any]]:
    """Every row of a Parquet file whose ``column`` is one of ``values`` (pushed down to the reader).

    >>> matching_rows(Path("no/such.parquet"), ["id"], "rule", ["x"])
    []
    """
    if not path.is_file() or not values:
        return []
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=list(columns), filters=[(column, "in", list(values))])
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def head_output(path: Path, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` kept documents of an output part (``.jsonl.zst`` or ``.parquet``): id, url,
    text, lang and title of each.

    >>> head_output(Path("no/part-00000.jsonl.zst"), 5)
    []
    """
    if not path.is_file() or limit <= 0:
        return []
    if path.name.endswith(".parquet"):
        return head_rows(path, _OUTPUT_COLUMNS, limit)
    return [{k: row.get(k) for k in _OUTPUT_COLUMNS} for row in _jsonl_head(path, limit)]


def _jsonl_head(path: Path, limit: int) -> Iterator[dict[str, Any]]:
    import zstandard

    with open(path, "rb") as fh:
        reader = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(fh))
        for n, line in enumerate(reader):
            if n >= limit:
                break
            if line.strip():
                yield orjson.loads(line)
