"""What the ledger remembers about each document, and the per-shard recorder steps write to."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from websieve.document import Document, Signal

__all__ = ["AnnotationRows", "Fate", "LedgerRow", "RemovedLine", "ShardLedger"]


class Fate(enum.Enum):
    """Where a document ended."""

    KEPT = "kept"
    DROPPED = "dropped"
    ERROR = "error"


@dataclass(slots=True, frozen=True)
class LedgerRow:
    """One row per input document."""

    id: str
    fate: Fate
    source: str
    offset: int
    url: str | None = None
    step: str | None = None
    rule: str | None = None
    value: str | None = None
    threshold: str | None = None
    message: str | None = None


class RemovedLine(NamedTuple):
    """One line (or block) a cleaner removed from a kept or dropped document.

    A named tuple rather than a frozen dataclass: cleaners record hundreds of these per page.
    """

    id: str
    step: str
    line_no: int
    """0-based line number in the text *as the step received it* (after the steps before it: a later
    cleaner counts lines of the already-cleaned text)."""
    line: str
    reason: str
    score: float | None = None
    """The signal behind the removal (e.g. the model's article probability), when there is one."""
    threshold: float | None = None


class AnnotationRows:
    """Every signal of every document of a shard, in long form: (id, step, key, number, label)."""

    __slots__ = ("ids", "keys", "labels", "numbers", "steps")

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.steps: list[str] = []
        self.keys: list[str] = []
        self.numbers: list[float | None] = []
        self.labels: list[str | None] = []

    def reordered(self, keys: list[int]) -> AnnotationRows:
        """The rows stably sorted by ``keys`` (one per row)."""
        order = sorted(range(len(keys)), key=keys.__getitem__)
        out = AnnotationRows()
        for name in self.__slots__:
            column = getattr(self, name)
            setattr(out, name, [column[i] for i in order])
        return out

    def add(self, doc: Document) -> None:
        for step, signals in doc.annotations.items():
            for key, value in signals.items():
                self.ids.append(doc.id)
                self.steps.append(step)
                self.keys.append(key)
                if isinstance(value, bool | int | float):
                    self.numbers.append(float(value))
                    self.labels.append(None)
                else:
                    self.numbers.append(None)
                    self.labels.append(None if value is None else str(value))


def _fmt(value: Signal) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


@dataclass(slots=True)
class ShardLedger:
    """Collects the fate of every document of one shard, in the order they were decided.

    Steps call `drop`, `error` and `remove_line`; the task runner calls `keep` for what reached the
    writer. Rows are sorted by (source, offset, id) before they are written, so the ledger does not
    depend on the order a step emitted them in.
    """

    rows: list[LedgerRow] = field(default_factory=list)
    removed: list[RemovedLine] = field(default_factory=list)
    skipped_records: Counter[str] = field(default_factory=Counter)
    annotations: AnnotationRows = field(default_factory=lambda: AnnotationRows())

    def keep(self, doc: Document) -> None:
        self.rows.append(self._row(doc, Fate.KEPT))
        self.annotations.add(doc)

    def drop(
        self, doc: Document, *, step: str, rule: str, value: Signal = None, threshold: Signal = None
    ) -> None:
        self.rows.append(
            self._row(doc, Fate.DROPPED, step=step, rule=rule, value=_fmt(value), threshold=_fmt(threshold))
        )
        self.annotations.add(doc)

    def error(self, doc: Document, *, step: str, message: str) -> None:
        self.rows.append(self._row(doc, Fate.ERROR, step=step, message=message))
        self.annotations.add(doc)

    def error_at(self, *, doc_id: str, source: str, offset: int, step: str, message: str) -> None:
        """An error for a record that never became a document (corrupt or truncated input)."""
        self.rows.append(
            LedgerRow(id=doc_id, fate=Fate.ERROR, source=source, offset=offset, step=step, message=message)
        )

    def remove_line(
        self,
        doc: Document,
        *,
        step: str,
        line_no: int,
        line: str,
        reason: str,
        score: float | None = None,
        threshold: float | None = None,
    ) -> None:
        self.removed.append(
            RemovedLine(
                id=doc.id,
                step=step,
                line_no=line_no,
                line=line,
                reason=reason,
                score=score,
                threshold=threshold,
            )
        )

    def remove_lines(
        self,
        doc: Document,
        *,
        step: str,
        lines: Iterable[tuple[int, str, str, float | None, float | None]],
    ) -> None:
        """Many removed lines of one page at once: a tuple ``(line_no, line, reason, score, threshold)``
        each (built straight into `RemovedLine` rows, without a per-row check: pass exactly five)."""
        head = (doc.id, step)
        new = tuple.__new__  # a C call per line instead of RemovedLine(...)'s Python-level __new__
        self.removed.extend([new(RemovedLine, head + row) for row in lines])

    def skip_record(self, kind: str) -> None:
        """Count an input record that is not a document (WARC request, metadata, warcinfo…)."""
        self.skipped_records[kind] += 1

    @staticmethod
    def _row(doc: Document, fate: Fate, **kw: str | None) -> LedgerRow:
        origin = doc.origin
        return LedgerRow(
            id=doc.id,
            fate=fate,
            source=origin.path if origin else "",
            offset=origin.offset if origin else 0,
            url=doc.url,
            **kw,
        )
