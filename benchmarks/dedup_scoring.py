"""The truth of the near-duplicate set (`dedup_data`) and the scores of ``benchmarks/dedup.py``.

Exact Jaccard is websieve's ``jaccard`` (word 5-gram shingle sets after normalisation); it is computed
here from ``shingles`` hashed to 64 bits, which `Truth` checks against ``jaccard`` on sampled pairs.

>>> round(adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 2]), 6)  # index 1, expected 1/3, max 3/2: 4/7
0.571429
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xxhash

from dedup_data import Doc

__all__ = [
    "GREY",
    "SAME",
    "QualitySet",
    "Truth",
    "adjusted_rand_index",
    "bin_of",
    "cluster_pairs",
    "cluster_scores",
    "pair_scores",
]

SAME, GREY = 0.8, 0.5
"""Pairs at J >= SAME are duplicates; pairs at J < GREY must not be put together; between: grey zone."""
BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)
Pair = tuple[int, int]


@dataclass
class QualitySet:
    docs: list[Doc]
    folder: Path
    """Its JSONL shards."""
    hosts: list[str]
    """Per family."""
    related: set[Pair]
    """Family pairs related by a donor edit: (taker, donor), smaller family first."""

    def index(self) -> dict[str, int]:
        return {d.id: i for i, d in enumerate(self.docs)}


def hashed_shingles(docs: Sequence[Doc]) -> list[np.ndarray]:
    """Each document's shingle set (websieve's ``shingles``) as sorted unique 64-bit hashes."""
    from websieve.steps.dedup.signature import shingles

    out = []
    for d in docs:
        grams = shingles(d.text)
        hashes = (xxhash.xxh3_64_intdigest("\x1f".join(g).encode("utf-8", "surrogatepass")) for g in grams)
        out.append(np.unique(np.fromiter(hashes, dtype=np.uint64, count=len(grams))))
    return out


def jac(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.intersect1d(a, b, assume_unique=True).size
    union = a.size + b.size - inter
    return inter / union if union else 0.0


class Truth:
    """Exact Jaccard of every pair that matters, and the true clusters.

    Scored pairs (the *universe*): every pair inside a family (an original and its variants); every
    pair between related families (one took chrome or sentences from the other, or both from the same
    third family; the same site; originals sharing >= 5% of their shingles); and every pair a scored
    system put in one cluster. Pairs outside it are between unrelated texts, J about 0.
    True clusters: the connected components of the scored pairs at J >= 0.8 (an original and its
    variants at J >= 0.8 to it are together, and so is a variant at J >= 0.8 to one of those).
    """

    def __init__(self, qs: QualitySet) -> None:
        self.qs = qs
        self.sets = hashed_shingles(qs.docs)
        self.check_against_jaccard()
        members: dict[int, list[int]] = defaultdict(list)
        for i, d in enumerate(qs.docs):
            members[d.family].append(i)
        families = self._related_families()
        self.pairs: dict[Pair, float] = {}
        for group in members.values():
            self.add((a, b) for k, a in enumerate(group) for b in group[k + 1 :])
        for fa, fb in sorted(families):
            self.add((a, b) for a in members[fa] for b in members[fb])
        self.related_families = len(families)

    def check_against_jaccard(self, n: int = 200) -> None:
        from websieve.steps.dedup.signature import jaccard

        rng = random.Random(3)
        docs = self.qs.docs
        for _ in range(n):
            a = rng.randrange(len(docs) - 1)
            b = a + 1 if docs[a + 1].family == docs[a].family else rng.randrange(len(docs))
            if abs(jaccard(docs[a].text, docs[b].text) - jac(self.sets[a], self.sets[b])) > 1e-9:
                raise SystemExit(f"hashed shingles disagree with jaccard() on {docs[a].id}, {docs[b].id}")

    def _related_families(self) -> set[Pair]:
        out = set(self.qs.related)
        neighbours: dict[int, set[int]] = defaultdict(set)
        for a, b in self.qs.related:
            neighbours[a].add(b)
            neighbours[b].add(a)
        for fams in neighbours.values():  # two families that took text from the same third one
            g = sorted(fams)
            out |= {(a, b) for k, a in enumerate(g) for b in g[k + 1 :]}
        by_host: dict[str, list[int]] = defaultdict(list)
        for fam, host in enumerate(self.qs.hosts):
            if host:
                by_host[host].append(fam)
        out |= {(a, b) for fams in by_host.values() for k, a in enumerate(fams) for b in fams[k + 1 :]}
        # originals sharing >= 5% of their shingles: shared hashes counted per family pair (hashes in
        # more than 50 originals are left out)
        origs = [i for i, d in enumerate(self.qs.docs) if d.kind == "original"]
        owner = np.concatenate([np.full(self.sets[i].size, self.qs.docs[i].family) for i in origs])
        hashes = np.concatenate([self.sets[i] for i in origs])
        order = np.argsort(hashes, kind="stable")
        hashes, owner = hashes[order], owner[order]
        shared: Counter[Pair] = Counter()
        for group in np.split(owner, np.flatnonzero(np.diff(hashes)) + 1):
            if 1 < group.size <= 50:
                g = sorted(set(group.tolist()))
                shared.update((a, b) for k, a in enumerate(g) for b in g[k + 1 :])
        size = {self.qs.docs[i].family: self.sets[i].size for i in origs}
        out |= {p for p, n in shared.items() if n / (size[p[0]] + size[p[1]] - n) >= 0.05}
        return out

    def add(self, pairs: Iterable[Pair]) -> None:
        for a, b in pairs:
            key = (a, b) if a < b else (b, a)
            if key not in self.pairs:
                self.pairs[key] = jac(self.sets[a], self.sets[b])

    def clusters(self) -> np.ndarray:
        parent = list(range(len(self.qs.docs)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for (a, b), j in self.pairs.items():
            if j >= SAME:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        return np.array([find(i) for i in range(len(parent))])


def bin_of(j: float) -> str:
    if j >= 1.0:
        return "= 1"
    k = max(i for i, lo in enumerate(BINS) if j >= lo)
    return f"{BINS[k]:.2f}-{BINS[k + 1]:.2f}"


def _comb2(x: np.ndarray) -> float:
    return float((x * (x - 1) // 2).sum())


def adjusted_rand_index(truth: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> float:
    """Hubert and Arabie's adjusted Rand index of two labelings (numpy; scikit-learn is no dependency).

    >>> adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7]), adjusted_rand_index([0, 1, 2], [0, 1, 2])
    (1.0, 1.0)
    >>> round(adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]), 6)  # scikit-learn: 0.242424
    0.242424
    >>> round(adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]), 6)  # worse than chance
    -0.5
    """
    _, t = np.unique(np.asarray(truth), return_inverse=True)
    _, p = np.unique(np.asarray(pred), return_inverse=True)
    n = t.size
    index = _comb2(np.unique(t.astype(np.int64) * (p.max() + 1) + p, return_counts=True)[1])
    a, b = _comb2(np.bincount(t)), _comb2(np.bincount(p))
    expected = a * b / (n * (n - 1) / 2) if n > 1 else 0.0
    top = (a + b) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def cluster_pairs(labels: np.ndarray) -> set[Pair]:
    groups: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels.tolist()):
        groups[label].append(i)
    return {(a, b) for g in groups.values() if len(g) > 1 for k, a in enumerate(g) for b in g[k + 1 :]}


def pair_scores(pairs: dict[Pair, float], together: set[Pair], *, hard: set[Pair]) -> dict[str, float]:
    """Over the universe ``pairs``: recall = pairs at J >= SAME put in one cluster / all pairs at
    J >= SAME; precision = of the pairs put together that are at J >= SAME or below GREY, the share at
    J >= SAME (the grey zone counts neither way); FP rate = pairs below GREY put together / all pairs
    below GREY; the same rate over ``hard`` pairs only (inside families: texts that share content)."""
    pos = [p for p, j in pairs.items() if j >= SAME]
    neg = [p for p, j in pairs.items() if j < GREY]
    tp = sum(p in together for p in pos)
    fp = sum(p in together for p in neg)
    hard_neg = [p for p in neg if p in hard]
    recall = tp / len(pos) if pos else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "P": precision,
        "R": recall,
        "F1": f1,
        "fp_rate": fp / len(neg) if neg else 0.0,
        "fp_rate_hard": sum(p in together for p in hard_neg) / len(hard_neg) if hard_neg else 0.0,
    }


def cluster_scores(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Pair counting over all documents: pairs in one predicted cluster that are in one true cluster."""
    _, t = np.unique(truth, return_inverse=True)
    _, p = np.unique(pred, return_inverse=True)
    tp = _comb2(np.unique(t.astype(np.int64) * (p.max() + 1) + p, return_counts=True)[1])
    pp, tt = _comb2(np.bincount(p)), _comb2(np.bincount(t))
    precision, recall = (tp / pp if pp else 1.0), (tp / tt if tt else 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"P": precision, "R": recall, "F1": f1, "ARI": adjusted_rand_index(truth, pred)}
