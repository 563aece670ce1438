"""JSON Lines (plain, .gz or .zst): one object per line with a ``text`` or ``html`` field.

Optional ``id``, ``url`` and ``title`` are used as such; other fields are kept in ``meta.source``.
A line that is not a JSON object, or has no content field, becomes one error row; a corrupt compressed
stream ends the file with one error row, keeping the lines read before it.
"""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import zstandard

from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.read.base import Reader, _Counter, open_maybe_compressed
from websieve.steps.read.detect import InputFile, InputKind

__all__ = ["JsonlReader"]


class JsonlReader(Reader):
    kind = InputKind.JSONL
    step_id = "read.jsonl@1"

    def read_file(self, f: InputFile, ctx: StepContext, counter: _Counter) -> Iterator[Document]:
        line_no = 0
        try:
            with open_maybe_compressed(f.path) as fh:
                for line_no, line in enumerate(fh):
                    if not line.strip():
                        continue
                    seq = counter.next()
                    try:
                        fields = orjson.loads(line)
                        if not isinstance(fields, dict):
                            raise ValueError(f"line {line_no + 1} is JSON but not an object")
                        yield self.from_fields(f, fields, record=line_no, seq=seq)
                    except (ValueError, orjson.JSONDecodeError) as exc:
                        self.error(ctx, f, record=line_no, offset=line_no, exc=exc)
        except (OSError, EOFError, zstandard.ZstdError) as exc:
            self.error(ctx, f, record=line_no + 1, offset=line_no + 1, exc=exc)
