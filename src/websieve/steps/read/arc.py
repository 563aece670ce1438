"""Legacy ARC files (plain or gzip) with warcio, which FastWARC does not read.

Each ARC record becomes an HTML document with url, archive date and HTTP status; the ARC header record is
counted, not read. Reading stops at the first unreadable record, which becomes one error row.
"""

from __future__ import annotations

from collections.abc import Iterator

from warcio.archiveiterator import ArchiveIterator

from websieve.document import Document, Meta, Origin
from websieve.errors import InputError
from websieve.steps.base import StepContext
from websieve.steps.read.base import Reader, _Counter, stable_id
from websieve.steps.read.decode import decode_page
from websieve.steps.read.detect import InputFile, InputKind
from websieve.steps.read.location import open_input

__all__ = ["ArcReader"]


class ArcReader(Reader):
    kind = InputKind.ARC
    step_id = "read.arc@1"

    def read_file(self, f: InputFile, ctx: StepContext, counter: _Counter) -> Iterator[Document]:
        offset = 0
        try:
            with open_input(f.path) as fh:
                records = ArchiveIterator(fh, arc2warc=True)
                for rec in records:
                    offset = records.get_record_offset()
                    if rec.rec_type != "response":
                        ctx.ledger.skip_record(f"arc.{rec.rec_type}")
                        continue
                    doc = self._document(f, rec, offset, ctx, counter)
                    if doc is not None:
                        yield doc
        except InputError:  # a URL this machine cannot open (no backend or credentials): not the file's fault
            raise
        except Exception as exc:  # corrupt ARC: count it, keep what was read before
            self.error(ctx, f, record=offset + 1, offset=offset, exc=exc)

    def _document(
        self, f: InputFile, rec: object, offset: int, ctx: StepContext, counter: _Counter
    ) -> Document | None:
        seq = counter.next()
        headers = rec.http_headers  # type: ignore[attr-defined]
        content_type = headers.get_header("Content-Type") if headers else None
        content_type = (content_type or "").split(";")[0].strip().lower() or None
        doc = Document(
            id=stable_id(f.path, offset),
            url=rec.rec_headers.get_header("WARC-Target-URI"),  # type: ignore[attr-defined]
            origin=Origin(path=f.path, offset=offset, record=seq),
            meta=Meta(
                crawl_date=rec.rec_headers.get_header("WARC-Date"),  # type: ignore[attr-defined]
                http_status=int(headers.get_statuscode()) if headers and headers.get_statuscode() else None,
                content_type=content_type,
            ),
        )
        if self.rejects_content_type(doc, ctx):
            return None
        try:
            length = int(rec.rec_headers.get_header("Content-Length") or 0)  # type: ignore[attr-defined]
            self.check_size(length)
            payload = rec.content_stream().read()  # type: ignore[attr-defined]
            charset = None
            if headers:
                ct = headers.get_header("Content-Type") or ""
                charset = ct.partition("charset=")[2].strip() or None
            doc.html, doc.meta.charset = decode_page(payload, http_charset=charset)
        except Exception as exc:
            ctx.fail(doc, step=self.step_id, exc=exc)
            return None
        return doc
