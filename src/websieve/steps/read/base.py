"""What every reader shares: stable ids, the size budget, and turning records into documents."""

from __future__ import annotations

import enum
import gzip
import io
from collections.abc import Iterator
from typing import IO, Any, ClassVar

import xxhash
import zstandard

from websieve.config import ReadConfig
from websieve.document import Document, Meta, Origin
from websieve.errors import DocumentTooLarge
from websieve.steps.base import StepContext
from websieve.steps.read.decode import decode_page
from websieve.steps.read.detect import InputFile, InputKind, Shard
from websieve.steps.read.location import open_input

__all__ = ["ReadRule", "Reader", "open_maybe_compressed", "stable_id"]

_PAGE_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "text/plain")


class ReadRule(enum.Enum):
    """Why a reader drops a record that is a document."""

    CONTENT_TYPE = "content_type"
    """The payload is not HTML or text (an image, a PDF, JSON…)."""


def stable_id(path: str, record: int) -> str:
    """An id for a record that has none: the same path and record number always give the same id."""
    return xxhash.xxh3_64_hexdigest(f"{path}#{record}".encode())


def open_maybe_compressed(path: str) -> IO[bytes]:
    """Open a file (a local path or a URL, see `open_input`) for reading bytes, decompressing gzip or zstd
    (told by magic bytes, not name)."""
    raw = open_input(path)
    magic = raw.read(4)
    raw.seek(0)
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if magic == b"\x28\xb5\x2f\xfd":
        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
    return raw


class Reader:
    """Turns the files of one shard into documents; corrupt records become ledger errors.

    Subclasses implement `read_file`. Every record that is a document either becomes a `Document` or an
    error row (``ctx.ledger.error_at``); records that are not documents (WARC requests, metadata…) are
    counted with ``ctx.ledger.skip_record``.
    """

    kind: ClassVar[InputKind]
    step_id: ClassVar[str]

    def __init__(self, config: ReadConfig | None = None) -> None:
        self.config = config or ReadConfig()

    def read(self, shard: Shard, ctx: StepContext) -> Iterator[Document]:
        counter = _Counter()
        for f in shard.files:
            yield from self.read_file(f, ctx, counter)

    def read_file(self, f: InputFile, ctx: StepContext, counter: _Counter) -> Iterator[Document]:
        raise NotImplementedError

    def check_size(self, size: int) -> None:
        limit = self.config.max_document_bytes
        if limit is not None and size > limit:
            raise DocumentTooLarge(
                f"record of {size:,} bytes exceeds read.max_document_bytes={limit:,} "
                "(raise it with --set read.max_document_bytes=N, or null for no limit)"
            )

    def rejects_content_type(self, doc: Document, ctx: StepContext) -> bool:
        """Drop (in the ledger) a record whose declared content type is not a web page; True if dropped."""
        content_type = doc.meta.content_type
        if content_type is None or content_type.startswith(_PAGE_TYPES):
            return False
        return ctx.drop(
            doc, step=self.step_id, rule=ReadRule.CONTENT_TYPE, value=content_type, threshold="html or text"
        )

    def error(
        self,
        ctx: StepContext,
        f: InputFile,
        *,
        record: int,
        offset: int,
        exc: Exception,
        doc_id: str | None = None,
    ) -> None:
        ctx.ledger.error_at(
            doc_id=doc_id or stable_id(f.path, record),
            source=f.path,
            offset=offset,
            step=self.step_id,
            message=f"{type(exc).__name__}: {exc}",
        )

    def from_fields(self, f: InputFile, fields: dict[str, Any], *, record: int, seq: int) -> Document:
        """A document from a JSONL/Parquet row: ``text`` or ``html``, optional ``id``/``url``/``title``."""
        text, html = fields.pop("text", None), fields.pop("html", None)
        if text is None and html is None:
            raise ValueError(
                f"record has neither a 'text' nor an 'html' field (fields: {sorted(fields)[:8]})"
            )
        content = text if text is not None else html
        if isinstance(content, bytes):
            content = decode_page(content, http_charset=None, html=html is not None)[0]
        if not isinstance(content, str):
            raise ValueError(f"'text'/'html' must be a string, got {type(content).__name__}")
        self.check_size(len(content))
        raw_id = fields.pop("id", None)
        url = fields.pop("url", None)
        title = fields.pop("title", None)
        return Document(
            id=str(raw_id) if raw_id is not None else stable_id(f.path, record),
            text=content if text is not None else None,
            html=content if text is None else None,
            url=str(url) if url is not None else None,
            title=str(title) if title is not None else None,
            meta=Meta(source=fields),
            origin=Origin(path=f.path, offset=record, record=seq),
        )


class _Counter:
    """Running record number within a shard (the `Origin.record` of each document)."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        n = self.n
        self.n += 1
        return n
