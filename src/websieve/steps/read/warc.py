"""WARC, WET and WAT files (plain, gzip or zstd) with FastWARC.

``response`` and ``resource`` records with an HTML content type become HTML documents (url, crawl date,
HTTP status and charset in `Meta`); WET ``conversion`` records become text documents. Other records
(requests, metadata, warcinfo, revisits) are counted, not read. A corrupt or truncated record becomes one
error row in the ledger, and reading resumes at the next record header found after it.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

from fastwarc.warc import ArchiveIterator, WarcRecordType

from websieve.document import Document, Meta, Origin
from websieve.errors import DecodeError
from websieve.steps.base import StepContext
from websieve.steps.read.base import Reader, _Counter, stable_id
from websieve.steps.read.decode import decode_page
from websieve.steps.read.detect import InputFile, InputKind
from websieve.steps.read.location import open_input

__all__ = ["WarcReader"]

_MAX_RESYNCS = 10_000


def _record_id(rec: Any, path: str, offset: int) -> str:
    raw = rec.headers.get("WARC-Record-ID") or ""
    raw = raw.strip("<>")
    return raw.removeprefix("urn:uuid:") if raw else stable_id(path, offset)


def _target_uri(rec: Any) -> str | None:
    uri = rec.headers.get("WARC-Target-URI")
    # wget writes "<https://…>"
    return uri.strip().strip("<>") if uri else None


def _next_header(path: str, after: int) -> int | None:
    """Byte offset of the next record start (gzip member or ``WARC/`` line) strictly after ``after``."""
    with open_input(path) as fh:
        magic = fh.read(2)
        pattern = b"\x1f\x8b\x08" if magic == b"\x1f\x8b" else b"\nWARC/"
        shift = 0 if magic == b"\x1f\x8b" else 1
        pos = after + 1
        fh.seek(pos)
        carry = b""
        while chunk := fh.read(1 << 20):
            buf = carry + chunk
            hit = buf.find(pattern)
            if hit >= 0:
                return pos - len(carry) + hit + shift
            carry = buf[-len(pattern) :]
            pos += len(chunk)
    return None


class WarcReader(Reader):
    kind = InputKind.WARC
    step_id = "read.warc@1"

    def read_file(self, f: InputFile, ctx: StepContext, counter: _Counter) -> Iterator[Document]:
        start, resyncs, last_pos, progressed = 0, 0, 0, True
        while True:
            try:
                for pos, rec in self._records(f.path, start):
                    last_pos, progressed = pos, True
                    doc = self._document(f, rec, pos, ctx, counter)
                    if doc is not None:
                        yield doc
                return
            except (OSError, EOFError, ValueError, gzip.BadGzipFile) as exc:
                if progressed:
                    # One error per corrupt region: retries inside the same region are not new errors.
                    self.error(
                        ctx,
                        f,
                        record=last_pos + 1,
                        offset=last_pos + 1,
                        exc=DecodeError(f"corrupt or truncated WARC record after byte {last_pos}: {exc}"),
                    )
                progressed = False
                resyncs += 1
                nxt = _next_header(f.path, max(start, last_pos))
                if nxt is None or resyncs > _MAX_RESYNCS:
                    return
                start = last_pos = nxt

    @staticmethod
    def _records(path: str, start: int) -> Iterator[tuple[int, Any]]:
        with open_input(path) as fh:
            if start:
                fh.seek(start)
            for rec in ArchiveIterator(fh, parse_http=True, auto_decode="all"):
                yield rec.stream_pos, rec

    def _document(
        self, f: InputFile, rec: Any, pos: int, ctx: StepContext, counter: _Counter
    ) -> Document | None:
        rtype = rec.record_type
        if rtype not in (WarcRecordType.response, WarcRecordType.resource, WarcRecordType.conversion):
            ctx.ledger.skip_record(f"warc.{str(rtype).rsplit('.', 1)[-1]}")
            return None
        url = _target_uri(rec)
        if rtype == WarcRecordType.resource and not (url or "").startswith(("http://", "https://")):
            # crawler logs and arguments (wget's metadata://… resources) are not web pages
            ctx.ledger.skip_record("warc.resource-nonweb")
            return None
        seq = counter.next()
        doc_id = _record_id(rec, f.path, pos)
        origin = Origin(path=f.path, offset=pos, record=seq)
        date = rec.headers.get("WARC-Date")
        try:
            expected = rec.content_length
            self.check_size(expected)
            payload = rec.reader.read()
            headers = rec.http_headers
            encoded = headers is not None and (
                headers.get("Transfer-Encoding") or headers.get("Content-Encoding")
            )
            if len(payload) < expected and not encoded:
                raise DecodeError(
                    f"truncated record: the file ends after {len(payload):,} of {expected:,} bytes"
                )
            if rtype == WarcRecordType.conversion:
                text, charset = decode_page(payload, http_charset="utf-8", html=False)
                return Document(
                    id=doc_id,
                    text=text,
                    url=url,
                    origin=origin,
                    meta=Meta(crawl_date=date, charset=charset, content_type=rec.headers.get("Content-Type")),
                )
            content_type = rec.http_content_type if headers is not None else rec.headers.get("Content-Type")
            content_type = (content_type or "").split(";")[0].strip().lower() or None
            status = headers.status_code if headers is not None else None
            doc = Document(
                id=doc_id,
                url=url,
                origin=origin,
                meta=Meta(crawl_date=date, http_status=status, content_type=content_type),
            )
            if self.rejects_content_type(doc, ctx):
                return None
            text, charset = decode_page(payload, http_charset=rec.http_charset if headers else None)
            doc.meta.charset = charset
            if content_type == "text/plain":
                doc.text = text
            else:
                doc.html = text
            return doc
        except Exception as exc:  # a bad record is a counted error; the file goes on
            self.error(ctx, f, record=pos, offset=pos, exc=exc, doc_id=doc_id)
            return None
