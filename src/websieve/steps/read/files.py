"""Folders (or globs) of ``.html``/``.htm`` pages and ``.txt`` already-extracted pages, one per file."""

from __future__ import annotations

from collections.abc import Iterator

from websieve.document import Document, Meta, Origin
from websieve.errors import InputError
from websieve.steps.base import StepContext
from websieve.steps.read.base import Reader, _Counter, open_maybe_compressed, stable_id
from websieve.steps.read.decode import decode_page
from websieve.steps.read.detect import InputFile, InputKind

__all__ = ["FilesReader"]


class FilesReader(Reader):
    kind = InputKind.HTML
    step_id = "read.files@1"

    def read_file(self, f: InputFile, ctx: StepContext, counter: _Counter) -> Iterator[Document]:
        seq = counter.next()
        try:
            limit = self.config.max_document_bytes
            with open_maybe_compressed(f.path) as fh:
                data = fh.read() if limit is None else fh.read(limit + 1)
            self.check_size(len(data))
            is_html = f.kind is InputKind.HTML
            content, charset = decode_page(data, http_charset=None, html=is_html)
        except InputError:  # a URL this machine cannot open (no backend or credentials): not the file's fault
            raise
        except Exception as exc:  # unreadable or binary file: one error row, the folder goes on
            self.error(ctx, f, record=0, offset=0, exc=exc)
            return
        yield Document(
            id=stable_id(f.path, 0),
            html=content if is_html else None,
            text=None if is_html else content,
            meta=Meta(charset=charset),
            origin=Origin(path=f.path, offset=0, record=seq),
        )
