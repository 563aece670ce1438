"""Parquet files with a ``text`` or ``html`` column (and optional ``id``, ``url``, ``title``).

pyarrow reads a local path itself; a URL input is handed to it as a seekable file object.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import IO

import pyarrow.parquet as pq

from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.read.base import Reader, _Counter
from websieve.steps.read.detect import InputFile, InputKind
from websieve.steps.read.location import is_url, open_input

__all__ = ["ParquetReader"]


class ParquetReader(Reader):
    kind = InputKind.PARQUET
    step_id = "read.parquet@1"

    def read_file(self, f: InputFile, ctx: StepContext, counter: _Counter) -> Iterator[Document]:
        row = 0
        try:
            with ExitStack() as stack:
                # a local path stays a path: pyarrow reads it natively, as before
                source: str | IO[bytes] = f.path
                if is_url(f.path):
                    source = stack.enter_context(open_input(f.path))
                pf = pq.ParquetFile(source)
                for batch in pf.iter_batches(batch_size=1024):
                    for fields in batch.to_pylist():
                        seq = counter.next()
                        try:
                            yield self.from_fields(f, fields, record=row, seq=seq)
                        except (ValueError, TypeError) as exc:
                            self.error(ctx, f, record=row, offset=row, exc=exc)
                        row += 1
        except OSError as exc:
            self.error(ctx, f, record=row, offset=row, exc=exc)
