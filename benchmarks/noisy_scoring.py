"""The noisy-text scoring protocol of ``../shared/data/noisy-text/README.md``, as one importable module.

- rows with ``gold``: multisets of lower-cased ``\\w+`` token 4-grams (a text under 4 tokens is one
  shingle); per-document precision and recall (empty prediction: precision 0 unless gold is empty),
  averaged over documents; F1 = harmonic mean of the two averages.
- rows with ``with``/``without``: whitespace collapsed; a ``with`` snippet found = TP, missing = FN; a
  ``without`` snippet found = FP; P, R, F1 over all snippets of the set.
- a dropped document is an empty prediction.
"""

from __future__ import annotations

import ast
import gzip
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

__all__ = ["DEV", "Score", "load_rows", "score_gold", "score_snippets", "snippets"]

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "noisy-text" / "noisy-dev.jsonl.gz"
_TOKEN = regex.compile(r"\w+")


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    docs: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        return f"{self.f1:.3f} ({self.precision:.3f} / {self.recall:.3f})"


def load_rows(path: Path = DEV) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def snippets(value: Any) -> list[str]:
    """``with``/``without`` are lists, or (in a few rows) the repr of one."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if not value:
        return []
    try:
        return [str(v) for v in ast.literal_eval(value)]
    except (ValueError, SyntaxError):
        return [str(v) for v in json.loads(value)]


def shingles(text: str) -> Counter[tuple[str, ...]]:
    toks = _TOKEN.findall(text.lower())
    if len(toks) < 4:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i : i + 4]) for i in range(len(toks) - 3))


def score_gold(rows: Iterable[Mapping[str, Any]], predictions: Mapping[str, str | None]) -> Score:
    ps: list[float] = []
    rs: list[float] = []
    for row in rows:
        gold = shingles(row["gold"])
        pred = shingles(predictions.get(row["id"]) or "")
        inter = sum((gold & pred).values())
        n_pred, n_gold = sum(pred.values()), sum(gold.values())
        ps.append(inter / n_pred if n_pred else (1.0 if not n_gold else 0.0))
        rs.append(inter / n_gold if n_gold else 1.0)
    n = len(ps) or 1
    return Score(precision=sum(ps) / n, recall=sum(rs) / n, docs=len(ps))


def score_snippets(rows: Iterable[Mapping[str, Any]], predictions: Mapping[str, str | None]) -> Score:
    tp = fn = fp = 0
    docs = 0
    for row in rows:
        docs += 1
        text = " ".join((predictions.get(row["id"]) or "").split())
        for s in snippets(row.get("with")):
            if " ".join(s.split()) in text:
                tp += 1
            else:
                fn += 1
        for s in snippets(row.get("without")):
            if " ".join(s.split()) in text:
                fp += 1
    return Score(
        precision=tp / (tp + fp) if tp + fp else 0.0, recall=tp / (tp + fn) if tp + fn else 0.0, docs=docs
    )
