"""Write kept documents to one output shard, atomically (temp file, then rename).

Rows hold ``id, url, text, lang, title, meta``; ``meta`` has a fixed set of keys so every shard has the
same schema for `datasets`, DuckDB and pandas. Source fields websieve has no field for are kept as a JSON
string in ``meta.source``.

Unknown values: Parquet stores nulls (its schema is explicit). JSONL stores ``""`` for unknown strings:
`datasets.load_dataset("json")` infers each file's schema from its values, and a column that is null in
every row of one shard but a string in another makes it fail ("Couldn't cast array of type string to
null"), so JSONL never writes a null.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from websieve.config import OutputFormat, WriteConfig
from websieve.document import Document

__all__ = ["OUTPUT_SCHEMA_FIELDS", "ShardWriter", "atomic_path", "document_row", "jsonl_row"]

OUTPUT_SCHEMA_FIELDS = ("id", "url", "text", "lang", "title", "meta")
_BATCH = 2048


def document_row(doc: Document) -> dict[str, Any]:
    """The output row of a document, with ``None`` for unknown values (see `jsonl_row` for JSONL)."""
    m = doc.meta
    return {
        "id": doc.id,
        "url": doc.url,
        "text": doc.text,
        "lang": doc.lang,
        "title": doc.title,
        "meta": {
            "date": m.date,
            "date_text": m.date_text,
            "author": m.author,
            "attribution": m.attribution,
            "site": m.site,
            "description": m.description,
            "categories": list(m.categories),
            "tags": list(m.tags),
            "declared_lang": m.declared_lang,
            "extractor": m.extractor,
            "crawl_date": m.crawl_date,
            "http_status": m.http_status,
            "content_type": m.content_type,
            "charset": m.charset,
            "cluster_size": m.cluster_size,
            "source": orjson.dumps(m.source, option=orjson.OPT_SORT_KEYS, default=str).decode()
            if m.source
            else None,
        },
    }


def jsonl_row(doc: Document) -> dict[str, Any]:
    """`document_row` with ``""`` for unknown strings, the HTTP status as a string and ``0`` for an unknown
    cluster size (no nulls)."""
    row = document_row(doc)
    meta = row["meta"]
    meta["http_status"] = "" if meta["http_status"] is None else str(meta["http_status"])
    meta["cluster_size"] = meta["cluster_size"] or 0
    for key, value in meta.items():
        if value is None:
            meta[key] = ""
    for key in ("url", "text", "lang", "title"):
        if row[key] is None:
            row[key] = ""
    return row


def atomic_path(final: Path) -> Path:
    return final.with_name(f".{final.name}.tmp-{os.getpid()}")


def _output_schema() -> Any:
    import pyarrow as pa

    meta = pa.struct(
        [
            ("date", pa.string()),
            ("date_text", pa.string()),
            ("author", pa.string()),
            ("attribution", pa.string()),
            ("site", pa.string()),
            ("description", pa.string()),
            ("categories", pa.list_(pa.string())),
            ("tags", pa.list_(pa.string())),
            ("declared_lang", pa.string()),
            ("extractor", pa.string()),
            ("crawl_date", pa.string()),
            ("http_status", pa.int32()),
            ("content_type", pa.string()),
            ("charset", pa.string()),
            ("cluster_size", pa.int64()),
            ("source", pa.string()),
        ]
    )
    return pa.schema(
        [
            ("id", pa.string()),
            ("url", pa.string()),
            ("text", pa.string()),
            ("lang", pa.string()),
            ("title", pa.string()),
            ("meta", meta),
        ]
    )


class ShardWriter:
    """Writes one shard's kept documents and yields each one after it is written."""

    def __init__(self, config: WriteConfig) -> None:
        self.config = config

    def suffix(self) -> str:
        return ".jsonl.zst" if self.config.format is OutputFormat.JSONL else ".parquet"

    def write(self, docs: Iterator[Document], final: Path) -> Iterator[Document]:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = atomic_path(final)
        try:
            if self.config.format is OutputFormat.JSONL:
                yield from self._jsonl(docs, tmp)
            else:
                yield from self._parquet(docs, tmp)
            os.replace(tmp, final)
        finally:
            if tmp.exists():
                tmp.unlink()

    def _jsonl(self, docs: Iterator[Document], tmp: Path) -> Iterator[Document]:
        import zstandard

        cctx = zstandard.ZstdCompressor(level=self.config.compression_level)
        with open(tmp, "wb") as raw, cctx.stream_writer(raw) as out:
            for doc in docs:
                out.write(orjson.dumps(jsonl_row(doc)) + b"\n")
                yield doc

    def _parquet(self, docs: Iterator[Document], tmp: Path) -> Iterator[Document]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = _output_schema()
        rows: list[dict[str, Any]] = []
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for doc in docs:
                rows.append(document_row(doc))
                yield doc
                if len(rows) >= _BATCH:
                    writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                    rows.clear()
            if rows:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
