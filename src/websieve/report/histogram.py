"""Binning values for the report's histograms: even bins, or even bins of the logarithm (lengths)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Bin", "linear_bins", "log_bins"]


@dataclass(frozen=True, slots=True)
class Bin:
    """One bar of a histogram: the values in ``[low, high)`` (the last bin includes ``high``)."""

    low: float
    high: float
    count: int


def linear_bins(
    values: Sequence[float], *, count: int = 20, span: tuple[float, float] | None = None
) -> list[Bin]:
    """``count`` bins of equal width from the smallest to the largest value (or over ``span``, to compare
    histograms; values outside it count in the nearer end bin); one bin when all values are equal.

    >>> [(b.low, b.high, b.count) for b in linear_bins([0, 1, 1, 2], count=2)]
    [(0.0, 1.0, 1), (1.0, 2.0, 3)]
    >>> linear_bins([])
    []
    """
    finite = [float(v) for v in values if math.isfinite(v)]
    if not finite:
        return []
    low, high = span or (min(finite), max(finite))
    if high == low:
        return [Bin(low, high, len(finite))]
    width = (high - low) / count
    counts = [0] * count
    for v in finite:
        counts[min(max(int((v - low) / width), 0), count - 1)] += 1
    return [Bin(low + i * width, low + (i + 1) * width, c) for i, c in enumerate(counts)]


def log_bins(
    values: Sequence[float], *, count: int = 24, span: tuple[float, float] | None = None
) -> list[Bin]:
    """Bins of equal width in log10 from the smallest to the largest value (or over ``span``); values
    below 1 are counted as 1 (a text length of 0 still shows, in the first bin).

    >>> [(b.low, b.high, b.count) for b in log_bins([1, 10, 100], count=2)]
    [(1.0, 10.0, 1), (10.0, 100.0, 2)]
    """
    logs = [math.log10(max(float(v), 1.0)) for v in values if math.isfinite(v)]
    logs_span = None if span is None else (math.log10(max(span[0], 1.0)), math.log10(max(span[1], 1.0)))
    bins = linear_bins(logs, count=count, span=logs_span)
    return [Bin(round(10**b.low, 6), round(10**b.high, 6), b.count) for b in bins]
