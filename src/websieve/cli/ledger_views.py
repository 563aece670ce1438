"""How ``websieve explain`` and ``websieve query`` print: rich tables in a terminal, CSV or JSON for tools."""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Sequence
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from websieve.ledger.explain import Explanation
from websieve.ledger.query import QueryResult

__all__ = ["ResultFormat", "print_explanations", "print_result"]

_PREVIEW = 600
"""Characters of a kept document's text shown by ``explain`` (``--json`` has all of it)."""


class ResultFormat(enum.Enum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def print_result(result: QueryResult, fmt: ResultFormat, *, console: Console, max_rows: int) -> None:
    """A query's rows: a table (at most ``max_rows``, says how many more), all rows as CSV, or JSON."""
    if fmt is ResultFormat.CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        console.file.write(out.getvalue())
        return
    if fmt is ResultFormat.JSON:
        rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
        console.file.write(orjson.dumps(rows, default=str, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    table = Table(show_lines=False)
    for column in result.columns:
        table.add_column(escape(column), overflow="fold")
    for row in result.rows[:max_rows]:
        table.add_row(*(escape(_cell(v)) for v in row))
    console.print(table)
    more = len(result.rows) - max_rows
    console.print(
        f"{len(result.rows):,} rows"
        + (f" ({more:,} more not shown: --max-rows, or --format csv)" if more > 0 else "")
    )


def _cell(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        return orjson.dumps(value, default=str).decode()
    return str(value)


def print_explanations(found: Sequence[Explanation], *, console: Console) -> None:
    """Each explanation: fate and decision, the duplicate relation, the document, removed lines, signals."""
    for i, e in enumerate(found):
        if i:
            console.rule()
        colour = {"kept": "green", "dropped": "yellow", "error": "red"}.get(e.fate, "white")
        console.print(
            f"[bold]{escape(e.id)}[/]  [{colour}]{e.fate}[/]  ({escape(e.shard)}, {escape(str(e.source))}"
            f"{'' if e.offset is None else f' @ {e.offset}'})"
        )
        if e.url:
            console.print(f"url: {escape(e.url)}")
        if e.fate == "dropped":
            console.print(
                f"dropped by [bold]{escape(str(e.step))}[/], rule [bold]{escape(str(e.rule))}[/]: "
                f"value {escape(str(e.value))}, threshold {escape(str(e.threshold))}"
            )
        elif e.fate == "error":
            console.print(f"error in [bold]{escape(str(e.step))}[/]: {escape(str(e.message))}")
        if e.duplicate_of:
            console.print(f"a copy of [bold]{escape(e.duplicate_of)}[/] (kept in its place)")
        if e.copies:
            console.print(
                f"kept for {len(e.copies)} copies dropped in its favour: {escape(', '.join(e.copies[:10]))}"
                + (" …" if len(e.copies) > 10 else "")
            )
        if e.document is not None:
            text = str(e.document.get("text") or "")
            title, lang = (escape(str(e.document.get(k) or "")) for k in ("title", "lang"))
            console.print(f"title: {title}  lang: {lang}  {len(text):,} characters kept")
            console.print(escape(text[:_PREVIEW]) + (" …" if len(text) > _PREVIEW else ""), style="dim")
        if e.removed:
            lines = Table(title=f"{len(e.removed)} lines removed", show_lines=False)
            for column in ("step", "line", "text", "reason", "score", "threshold"):
                lines.add_column(column, overflow="fold")
            for r in e.removed:
                lines.add_row(
                    escape(r.step),
                    str(r.line_no),
                    escape(r.line),
                    escape(r.reason),
                    _cell(r.score),
                    _cell(r.threshold),
                )
            console.print(lines)
        if e.signals:
            signals = Table(title=f"{len(e.signals)} signals", show_lines=False)
            for column in ("step", "signal", "value"):
                signals.add_column(column, overflow="fold")
            for s in e.signals:
                signals.add_row(
                    escape(s.step), escape(s.key), escape(_cell(s.label if s.number is None else s.number))
                )
            console.print(signals)
