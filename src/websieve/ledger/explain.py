"""Why a document was kept or dropped: everything a run recorded about one document id.

`explain` gathers, for each input document with that id (an id can repeat when the same record was given
twice): its fate, and the step, rule, value and threshold that decided it, or the error that stopped it;
every signal every step recorded for it; each line removed from it, with the reason, score and threshold;
the document it duplicates (a dedup step's drop names the survivor) or, for a survivor, the copies
dropped in its favour; and, when kept, the document as written to the output. It reads the run's Parquet
files with pyarrow (no DuckDB needed), the document's own shard only where it can.

>>> found = explain("runs/demo", "734ad6ba509c1e00")  # doctest: +SKIP
>>> found[0].fate, found[0].step  # doctest: +SKIP
('kept', None)
>>> Signal(step="quality.gopher_quality@1", key="words", number=61.0, label=None).number
61.0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from websieve.errors import UserError

__all__ = ["Explanation", "RemovedLine", "Signal", "explain"]


@dataclass(frozen=True, slots=True)
class Signal:
    """One measurement a step recorded (``number``) or one label it gave (``label``)."""

    step: str
    key: str
    number: float | None
    label: str | None


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line a step removed, with why (and the score and threshold, for a scored line)."""

    step: str
    line_no: int
    line: str
    reason: str
    score: float | None
    threshold: float | None


@dataclass(frozen=True, slots=True)
class Explanation:
    """What the run recorded about one input document."""

    id: str
    shard: str
    fate: str
    """``kept``, ``dropped`` or ``error``."""
    step: str | None
    rule: str | None
    value: str | None
    threshold: str | None
    message: str | None
    url: str | None
    source: str | None
    offset: int | None
    signals: list[Signal] = field(default_factory=list)
    removed: list[RemovedLine] = field(default_factory=list)
    duplicate_of: str | None = None
    """The survivor's id when a dedup step dropped this document as its copy."""
    copies: list[str] = field(default_factory=list)
    """Ids dropped as copies of this document (a dedup survivor)."""
    document: dict[str, Any] | None = None
    """The output record (id, url, text, lang, title, meta) when kept."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _read(path: Path, doc_id: str, column: str = "id") -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = pq.read_table(path, filters=[(column, "=", doc_id)]).to_pylist()
    return rows


def _output_record(run_dir: Path, shard: str, doc_id: str) -> dict[str, Any] | None:
    folder = run_dir / "output"
    parquet = folder / f"{shard}.parquet"
    if parquet.exists():
        rows = _read(parquet, doc_id)
        return rows[0] if rows else None
    path = folder / f"{shard}.jsonl.zst"
    if not path.exists():
        return None
    import zstandard

    needle = orjson.dumps(doc_id)
    with path.open("rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as raw:
        import io

        for line in io.BufferedReader(raw):
            if needle in line:
                record: dict[str, Any] = orjson.loads(line)
                if record.get("id") == doc_id:
                    return record
    return None


def explain(run_dir: str | Path, doc_id: str) -> list[Explanation]:
    """Every input document of the run in ``run_dir`` with id ``doc_id``, explained (see the module)."""
    run = Path(run_dir)
    if not (run / "run.json").is_file():
        raise UserError(f"{run} is not a websieve run folder (no run.json); give the --output of a run")
    parts = sorted((run / "ledger").glob("part-*.parquet"))
    found: list[Explanation] = []
    for part in parts:
        shard = part.name.removesuffix(".parquet")
        for row in _read(part, doc_id):
            signals = [
                Signal(step=a["step"], key=a["key"], number=a["number"], label=a["label"])
                for a in _read(run / "annotations" / part.name, doc_id)
            ]
            removed_path = run / "ledger" / "removed" / part.name
            removed = [
                RemovedLine(
                    step=r["step"],
                    line_no=r["line_no"],
                    line=r["line"],
                    reason=r["reason"],
                    score=r["score"],
                    threshold=r["threshold"],
                )
                for r in (_read(removed_path, doc_id) if removed_path.exists() else [])
            ]
            dedup = str(row.get("step") or "").startswith("dedup.") and row["fate"] == "dropped"
            found.append(
                Explanation(
                    id=doc_id,
                    shard=shard,
                    fate=row["fate"],
                    step=row["step"],
                    rule=row["rule"],
                    value=row["value"],
                    threshold=row["threshold"],
                    message=row["message"],
                    url=row["url"],
                    source=row["source"],
                    offset=row["offset"],
                    signals=signals,
                    removed=removed,
                    duplicate_of=row["value"] if dedup else None,
                    document=_output_record(run, shard, doc_id) if row["fate"] == "kept" else None,
                )
            )
    if any(e.fate == "kept" for e in found):  # a survivor: the copies dropped in its favour name it
        copies = [
            str(row["id"])
            for part in parts
            for row in _read(part, doc_id, column="value")
            if str(row.get("step") or "").startswith("dedup.")
        ]
        found = [replace(e, copies=copies) if e.fate == "kept" else e for e in found]
    if not found:
        raise UserError(
            f"no document with id {doc_id!r} in {run}'s ledger; list some with: "
            f'websieve query {run} "SELECT id, fate, url FROM ledger LIMIT 20"'
        )
    return found
