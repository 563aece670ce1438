"""How well each quality signal, and each preset's chain, separates good from bad pages by human judgement.

Documents: ``quality-dclm-human-labels`` (``../shared/data``): 499 English pages labelled by majority
vote (``majority_data``) and the 281 on which the annotators agreed (``agreement_data``). For each signal,
every ``quality.*`` step runs with ``--annotate-only`` semantics (nothing dropped, every signal recorded):
ROC-AUC against the label (0.5 is chance; below 0.5, low values mean good pages). Each chain (the filters
of the ``fineweb`` preset, the whole ``default`` preset, and the default with C4 added) runs as a real run
would (the line cleaner cleans, each filter drops): how many good and bad pages it keeps, and its balanced
accuracy (the mean of the shares of good pages kept and bad pages dropped). The ``default`` preset's
comments quote these rows.

    .venv/bin/python benchmarks/quality_labels.py
"""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from typing import Any

import numpy as np

from extraction_data import DATA
from websieve.config import StepEntry, load_preset
from websieve.document import Document
from websieve.pipeline import Pipeline
from websieve.steps.base import Step, StepContext
from websieve.steps.quality.c4 import C4Quality
from websieve.steps.quality.fineweb import FineWebQuality
from websieve.steps.quality.gopher_quality import GopherQuality
from websieve.steps.quality.gopher_repetition import GopherRepetition

STEPS = (GopherRepetition(), GopherQuality(), C4Quality(), FineWebQuality())


def chains() -> dict[str, list[Step[Any]]]:
    """The chains compared, each as its steps."""
    preset = load_preset("default")
    # its quality chain: deduplication judges no page's quality (and the labelled pages have no copies)
    default = replace(preset, steps=tuple(s for s in preset.steps if not s.name.startswith("dedup.")))
    with_c4 = replace(default, steps=(*default.steps, StepEntry("quality.c4", C4Quality.config_cls())))
    out: dict[str, list[Step[Any]]] = {"FineWeb (fineweb preset's filters)": list(STEPS)}
    for name, config in (("default preset", default), ("default preset + quality.c4", with_c4)):
        pipeline = Pipeline(config)
        pipeline.setup()
        out[name] = pipeline.steps
    return out


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


def kept(rows: list[dict[str, Any]], steps: list[Step[Any]]) -> tuple[int, int]:
    """(good pages kept, bad pages kept) by ``steps``, run as a real run runs them (the line cleaner
    cleans, the filters drop)."""
    kept_good = kept_bad = 0
    for i, row in enumerate(rows):
        ctx = StepContext.standalone()
        doc: Document | None = Document(id=str(i), text=row["text"])
        for step in steps:
            assert doc is not None
            doc = step.apply(doc, ctx)
            if doc is None:
                break
        if doc is not None:
            kept_good += row["label"] == 1
            kept_bad += row["label"] == 0
    return kept_good, kept_bad


def signal_aucs(rows: list[dict[str, Any]]) -> dict[str, float]:
    """ROC-AUC of every numeric signal the FineWeb filters record."""
    signals: dict[str, list[float]] = {}
    labels = np.array([r["label"] for r in rows])
    for i, row in enumerate(rows):
        ctx = StepContext.standalone()
        ctx.annotate_only = True
        doc = Document(id=str(i), text=row["text"])
        for step in STEPS:
            step.apply(doc, ctx)
        for step_id, notes in doc.annotations.items():
            for key, value in notes.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    signals.setdefault(f"{step_id.split('@')[0]}.{key}", [np.nan] * len(rows))[i] = value
    aucs = {}
    for name, values in signals.items():
        scores = np.array(values, dtype=float)
        known = ~np.isnan(scores)
        if known.sum() > 10 and len(set(labels[known])) == 2:
            aucs[name] = roc_auc(scores[known], labels[known])
    return aucs


def main() -> None:
    compared = chains()
    for name in ("majority_data", "agreement_data"):
        with gzip.open(DATA / "quality-dclm-human-labels" / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        good = sum(row["label"] == 1 for row in rows)
        bad = len(rows) - good
        print(f"\n{name}: {len(rows)} pages ({good} good, {bad} bad)")
        print(f"  {'chain':<38} {'good kept':>10} {'bad kept':>9} {'balanced acc.':>14}")
        for chain, steps in compared.items():
            kept_good, kept_bad = kept(rows, steps)
            balanced = (kept_good / good + 1 - kept_bad / bad) / 2
            print(f"  {chain:<38} {kept_good / good:>10.0%} {kept_bad / bad:>9.0%} {balanced:>14.3f}")
        print("  ROC-AUC per signal (distance from 0.5 = how much it tells apart):")
        for signal, auc in sorted(signal_aucs(rows).items(), key=lambda kv: -abs(kv[1] - 0.5)):
            print(f"    {signal:<44} {auc:.3f}")


if __name__ == "__main__":
    main()
