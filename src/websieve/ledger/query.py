"""SQL over a run folder: its output, ledger, removed lines and annotations as DuckDB views.

Four views, one row each per:

- ``output``: kept document (``id, url, text, lang, title, meta``; ``meta.cluster_size``, ``meta.site``…);
- ``ledger``: input document (``id, fate, step, rule, value, threshold, message, url, source, offset``);
  ``fate`` is ``kept``, ``dropped`` or ``error``; a drop names the step and rule that decided it, with
  the document's value and the threshold it failed (as text);
- ``removed_lines``: line a step removed from a document (``id, step, line_no, line, reason, score,
  threshold``);
- ``annotations``: signal a step recorded for a document (``id, step, key, number, label``): every
  filter's measurements, kept documents' and dropped ones' alike, so "what would another threshold drop"
  is a query.

Nothing is loaded: the views read the run's Parquet and JSONL files when a query runs. DuckDB is the
``query`` extra (``pip install 'websieve[query]'``).

>>> result = run_query("runs/demo", EXAMPLES["dropped by step and rule"])  # doctest: +SKIP
>>> result.columns  # doctest: +SKIP
['step', 'rule', 'documents']
>>> _nulls((("id", "VARCHAR"), ("score", "DOUBLE")))
'NULL::VARCHAR AS id, NULL::DOUBLE AS score'
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websieve.errors import UserError

__all__ = ["EXAMPLES", "QueryResult", "View", "connect", "run_query"]


class View(enum.Enum):
    """The tables a query sees."""

    OUTPUT = "output"
    LEDGER = "ledger"
    REMOVED_LINES = "removed_lines"
    ANNOTATIONS = "annotations"


EXAMPLES: dict[str, str] = {
    "dropped by step and rule": (
        "SELECT step, rule, count(*) AS documents FROM ledger WHERE fate = 'dropped' "
        "GROUP BY ALL ORDER BY documents DESC"
    ),
    "top 20 sites by dropped documents": (
        "SELECT regexp_extract(url, '^[a-z]+://([^/:]+)', 1) AS site, count(*) AS dropped FROM ledger "
        "WHERE fate = 'dropped' GROUP BY site ORDER BY dropped DESC, site LIMIT 20"
    ),
    "French documents a min_words of 80 would drop": (
        "SELECT count(*) AS would_drop FROM annotations w JOIN annotations l USING (id) "
        "WHERE w.step LIKE 'quality.gopher_quality%' AND w.key = 'words' AND w.number < 80 "
        "AND l.step LIKE 'langid%' AND l.key = 'lang' AND l.label = 'fr'"
    ),
    "the most removed lines": (
        "SELECT line, reason, count(*) AS times FROM removed_lines GROUP BY ALL ORDER BY times DESC LIMIT 20"
    ),
    "largest duplicate clusters": (
        "SELECT id, title, meta.cluster_size AS copies FROM output WHERE meta.cluster_size > 1 "
        "ORDER BY copies DESC LIMIT 20"
    ),
}
"""Questions users ask, as queries (``websieve query --help`` and README show them)."""

_META = (
    "STRUCT(date VARCHAR, date_text VARCHAR, author VARCHAR, attribution VARCHAR, site VARCHAR, "
    "description VARCHAR, categories VARCHAR[], tags VARCHAR[], declared_lang VARCHAR, extractor VARCHAR, "
    "crawl_date VARCHAR, http_status VARCHAR, content_type VARCHAR, charset VARCHAR, cluster_size BIGINT, "
    "source VARCHAR)"
)

_EMPTY: dict[View, tuple[tuple[str, str], ...]] = {
    View.OUTPUT: (
        ("id", "VARCHAR"),
        ("url", "VARCHAR"),
        ("text", "VARCHAR"),
        ("lang", "VARCHAR"),
        ("title", "VARCHAR"),
        ("meta", _META),
    ),
    View.LEDGER: (
        *((name, "VARCHAR") for name in ("id", "fate", "step", "rule", "value", "threshold", "message")),
        ("url", "VARCHAR"),
        ("source", "VARCHAR"),
        ('"offset"', "BIGINT"),
    ),
    View.REMOVED_LINES: (
        ("id", "VARCHAR"),
        ("step", "VARCHAR"),
        ("line_no", "INTEGER"),
        ("line", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("score", "DOUBLE"),
        ("threshold", "DOUBLE"),
    ),
    View.ANNOTATIONS: (
        ("id", "VARCHAR"),
        ("step", "VARCHAR"),
        ("key", "VARCHAR"),
        ("number", "DOUBLE"),
        ("label", "VARCHAR"),
    ),
}
"""Each view's columns when the run has no row for it (nothing kept yet, or a run still going)."""


@dataclass(frozen=True, slots=True)
class QueryResult:
    """A query's column names and rows (Python values)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def _files(run_dir: Path, view: View) -> tuple[list[Path], str]:
    """The files behind ``view`` and the DuckDB reader for them."""
    if view is View.OUTPUT:
        parquet = sorted((run_dir / "output").glob("part-*.parquet"))
        if parquet:
            return parquet, "parquet"
        return sorted((run_dir / "output").glob("part-*.jsonl*")), "json"
    folder = {
        View.LEDGER: run_dir / "ledger",
        View.REMOVED_LINES: run_dir / "ledger" / "removed",
        View.ANNOTATIONS: run_dir / "annotations",
    }[view]
    return sorted(folder.glob("part-*.parquet")), "parquet"


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def connect(run_dir: str | Path) -> Any:
    """An in-memory DuckDB connection with the four `View`s of the run in ``run_dir``."""
    run = Path(run_dir)
    if not (run / "run.json").is_file():
        raise UserError(f"{run} is not a websieve run folder (no run.json); give the --output of a run")
    try:
        import duckdb
    except ImportError as exc:
        raise UserError("websieve query needs DuckDB: pip install 'websieve[query]'") from exc
    con = duckdb.connect()
    for view in View:
        files, reader = _files(run, view)
        listing = "[" + ", ".join(_quoted(p) for p in files) + "]"
        empty = f"SELECT * FROM (SELECT {_nulls(_EMPTY[view])}) WHERE false"
        if not files:
            source = empty
        elif reader == "parquet":
            source = f"SELECT * FROM read_parquet({listing}, union_by_name = true)"
        else:
            source = f"SELECT * FROM read_json({listing}, format = 'newline_delimited', union_by_name = true)"
        con.execute(f"CREATE VIEW {view.value} AS {source}")
        columns = {row[0] for row in con.execute(f"DESCRIBE {view.value}").fetchall()}
        if "id" not in columns or (view is View.OUTPUT and "meta" not in columns):  # no rows to infer from
            con.execute(f"CREATE OR REPLACE VIEW {view.value} AS {empty}")
    return con


def _nulls(columns: tuple[tuple[str, str], ...]) -> str:
    """Typed nulls, one per column: the select list of an empty view with these columns."""
    return ", ".join(f"NULL::{kind} AS {name}" for name, kind in columns)


def run_query(run_dir: str | Path, sql: str) -> QueryResult:
    """Run ``sql`` over the run's views; a bad query is a `UserError` that lists the views' columns."""
    con = connect(run_dir)
    import duckdb

    try:
        cursor = con.execute(sql)
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise UserError(f"{' '.join(str(exc).split())}\n{describe(con)}") from exc
    columns = [d[0] for d in cursor.description or []]
    return QueryResult(columns=columns, rows=[tuple(r) for r in rows])


def describe(con: Any) -> str:
    """The views and their columns, one line each (what a query can use)."""
    lines = []
    for view in View:
        columns = con.execute(f"DESCRIBE {view.value}").fetchall()
        lines.append(f"  {view.value}({', '.join(str(c[0]) for c in columns)})")
    return "the views are:\n" + "\n".join(lines)
