"""Parquet files with a ``text`` or ``html`` column (and optional ``id``, ``url``, ``title``)."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow.parquet as pq

from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.read.base import Reader, _Counter
from websieve.steps.read.detect import InputFile, InputKind

__all__ = ["ParquetReader"]


class ParquetReader(Reader):
    kind = InputKind.PARQUET
    step_id = "read.parquet@1"

    def read_file(self, f: InputFile, ctx: StepContext, counter: _Counter) -> Iterator[Document]:
        row = 0
        try:
            pf = pq.ParquetFile(f.path)
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
