"""Writing a shard's ledger, removed lines and annotations as Parquet (atomically)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from websieve.ledger.records import ShardLedger

__all__ = ["write_shard_tables"]


def _write(table: Any, final: Path) -> None:
    import pyarrow.parquet as pq

    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, final)


def write_shard_tables(run_dir: Path, name: str, ledger: ShardLedger) -> None:
    annotations = ledger.annotations
    """``ledger/NAME.parquet``, ``ledger/removed/NAME.parquet``, ``annotations/NAME.parquet``."""
    import pyarrow as pa

    rows = sorted(ledger.rows, key=lambda r: (r.source, r.offset, r.id))
    # removed lines and annotations in the documents' order too, each document's in the order recorded:
    # the same whether the steps ran in one pass or partly in a global step's map (the spill)
    rank: dict[str, int] = {}
    for r in rows:
        rank.setdefault(r.id, len(rank))
    annotations = annotations.reordered([rank.get(i, len(rank)) for i in annotations.ids])
    _write(
        pa.table(
            {
                "id": pa.array([r.id for r in rows], pa.string()),
                "fate": pa.array([r.fate.value for r in rows], pa.string()),
                "step": pa.array([r.step for r in rows], pa.string()),
                "rule": pa.array([r.rule for r in rows], pa.string()),
                "value": pa.array([r.value for r in rows], pa.string()),
                "threshold": pa.array([r.threshold for r in rows], pa.string()),
                "message": pa.array([r.message for r in rows], pa.string()),
                "url": pa.array([r.url for r in rows], pa.string()),
                "source": pa.array([r.source for r in rows], pa.string()),
                "offset": pa.array([r.offset for r in rows], pa.int64()),
            }
        ),
        run_dir / "ledger" / f"{name}.parquet",
    )
    removed = sorted(ledger.removed, key=lambda r: rank.get(r.id, len(rank)))
    _write(
        pa.table(
            {
                "id": pa.array([r.id for r in removed], pa.string()),
                "step": pa.array([r.step for r in removed], pa.string()),
                "line_no": pa.array([r.line_no for r in removed], pa.int32()),
                "line": pa.array([r.line for r in removed], pa.string()),
                "reason": pa.array([r.reason for r in removed], pa.string()),
                "score": pa.array([r.score for r in removed], pa.float64()),
                "threshold": pa.array([r.threshold for r in removed], pa.float64()),
            }
        ),
        run_dir / "ledger" / "removed" / f"{name}.parquet",
    )
    _write(
        pa.table(
            {
                "id": pa.array(annotations.ids, pa.string()),
                "step": pa.array(annotations.steps, pa.string()),
                "key": pa.array(annotations.keys, pa.string()),
                "number": pa.array(annotations.numbers, pa.float64()),
                "label": pa.array(annotations.labels, pa.string()),
            }
        ),
        run_dir / "annotations" / f"{name}.parquet",
    )
