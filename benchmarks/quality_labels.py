"""How well each quality signal separates good from bad pages, by human judgement: ROC-AUC on DCLM's labels.

Documents: ``quality-dclm-human-labels`` (``../shared/data``): 499 English pages labelled by majority
vote (``majority_data``) and the 281 on which the annotators agreed (``agreement_data``). Every
``quality.*`` step runs with ``--annotate-only`` semantics (nothing dropped, every signal recorded), then
for each signal: ROC-AUC against the label (0.5 is chance; below 0.5, low values mean good pages), and
for the FineWeb chain as a whole: how many good and bad pages it keeps.

    .venv/bin/python benchmarks/quality_labels.py
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import numpy as np

from extraction_data import DATA
from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.quality.c4 import C4Quality
from websieve.steps.quality.fineweb import FineWebQuality
from websieve.steps.quality.gopher_quality import GopherQuality
from websieve.steps.quality.gopher_repetition import GopherRepetition

STEPS = (GopherRepetition(), GopherQuality(), C4Quality(), FineWebQuality())


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """The chance that a good page scores above a bad one (ties count half): Mann-Whitney U."""
    order = scores.argsort(kind="stable")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    _, start, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for s, c in zip(start, counts, strict=True):
        ranks[order[s : s + c]] = s + (c + 1) / 2
    good = labels == 1
    n_good, n_bad = int(good.sum()), int((~good).sum())
    return float((ranks[good].sum() - n_good * (n_good + 1) / 2) / (n_good * n_bad))


def evaluate(rows: list[dict[str, Any]]) -> tuple[dict[str, float], tuple[int, int, int, int]]:
    signals: dict[str, list[float]] = {}
    labels = np.array([r["label"] for r in rows])
    kept_good = kept_bad = 0
    for i, row in enumerate(rows):
        ctx = StepContext.standalone()
        ctx.annotate_only = True
        doc = Document(id=str(i), text=row["text"])
        for step in STEPS:
            step.apply(doc, ctx)
        would_drop = any("would_drop" in doc.annotations.get(s.step_id, {}) for s in STEPS)
        if not would_drop:
            kept_good += row["label"] == 1
            kept_bad += row["label"] == 0
        for step_id, values in doc.annotations.items():
            for key, value in values.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    signals.setdefault(f"{step_id.split('@')[0]}.{key}", [np.nan] * len(rows))[i] = value
    aucs = {}
    for name, values in signals.items():
        scores = np.array(values, dtype=float)
        known = ~np.isnan(scores)
        if known.sum() > 10 and len(set(labels[known])) == 2:
            aucs[name] = roc_auc(scores[known], labels[known])
    good, bad = int((labels == 1).sum()), int((labels == 0).sum())
    return aucs, (kept_good, good, kept_bad, bad)


def main() -> None:
    for name in ("majority_data", "agreement_data"):
        with gzip.open(DATA / "quality-dclm-human-labels" / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        aucs, (kept_good, good, kept_bad, bad) = evaluate(rows)
        print(f"\n{name}: {len(rows)} pages ({good} good, {bad} bad)")
        print(
            f"  FineWeb chain keeps {kept_good}/{good} good pages ({kept_good / good:.0%}) "
            f"and {kept_bad}/{bad} bad ones ({kept_bad / bad:.0%})"
        )
        print("  ROC-AUC per signal (distance from 0.5 = how much it tells apart):")
        for signal, auc in sorted(aucs.items(), key=lambda kv: -abs(kv[1] - 0.5)):
            print(f"    {signal:<44} {auc:.3f}")


if __name__ == "__main__":
    main()
