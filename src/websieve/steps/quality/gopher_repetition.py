"""Gopher's repetition rules (Rae et al. 2021, table A1), as FineWeb runs them.

A page is dropped when too much of it repeats: duplicate paragraphs or lines (by count and by
characters), the most frequent 2-, 3- and 4-gram of words, and repeated 5- to 10-grams. Every fraction is
recorded in the annotations before the first one over its threshold drops the page; with
``--annotate-only`` all are computed and nothing is dropped. Defaults are datatrove's (FineWeb's).

>>> from websieve.steps.base import StepContext
>>> step = GopherRepetition()
>>> doc = Document(id="1", text="Buy now!\\n" * 5 + "A single line of real text that says something.")
>>> step.apply(doc, StepContext.standalone()) is None
True
>>> doc.annotations["quality.gopher_repetition@1"]["dup_line_frac"]
0.6667
"""

from __future__ import annotations

import bisect
import enum
import itertools
import re
from dataclasses import dataclass, field, replace
from typing import Self

import numpy as np

from websieve.document import Document, Field
from websieve.errors import ConfigError
from websieve.steps.base import StepContext
from websieve.steps.quality.languages import LanguageSettings, LanguageStep, LanguageStepConfig
from websieve.steps.quality.words import split_words

try:
    from websieve.steps.quality import _ngrams
except ImportError:  # built without a C compiler: numpy does the same, slower
    _ngrams = None  # type: ignore[assignment]

NGRAMS_BACKEND = "c" if _ngrams is not None else "numpy"
"""Which implementation counts the n-grams: the C extension ``_ngrams`` or its numpy twin."""

__all__ = ["GopherRepetition", "GopherRepetitionConfig", "NGrams", "RepetitionRule", "find_duplicates"]


@dataclass(frozen=True, kw_only=True, slots=True)
class GopherRepetitionConfig(LanguageStepConfig):
    dup_line_frac: float | None = 0.3
    """Most duplicate lines, as a share of lines (``None``: off, as every threshold here)."""
    dup_para_frac: float | None = 0.3
    dup_line_char_frac: float | None = 0.2
    """Most characters in duplicate lines, as a share of the text's characters."""
    dup_para_char_frac: float | None = 0.2
    top_n_grams: tuple[tuple[int, float], ...] = ((2, 0.2), (3, 0.18), (4, 0.16))
    """(n, most characters in the most frequent n-gram of words, as a share of the text; its occurrences
    can overlap, so the share can exceed 1)."""
    dup_n_grams: tuple[tuple[int, float], ...] = field(
        default=((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))
    )
    """(n, most characters in repeated n-grams of words)."""

    def with_language(self, settings: LanguageSettings) -> Self:
        """The language's ``dup_line_frac``, ``top_n_grams`` and ``dup_n_grams`` (FineWeb-2's)."""
        return replace(
            self,
            dup_line_frac=settings.dup_line_frac,
            top_n_grams=settings.top_n_grams,
            dup_n_grams=settings.dup_n_grams,
        )

    def __post_init__(self) -> None:
        for name in ("dup_line_frac", "dup_para_frac", "dup_line_char_frac", "dup_para_char_frac"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1:
                raise ConfigError(f"quality.gopher_repetition: {name} must be between 0 and 1, got {value}")
        for n, limit in (*self.top_n_grams, *self.dup_n_grams):
            if n < 1 or limit < 0:
                raise ConfigError(
                    "quality.gopher_repetition: an n-gram rule is (n >= 1, a share of at least 0), "
                    f"got ({n}, {limit})"
                )


class RepetitionRule(enum.Enum):
    EMPTY = "empty"
    DUP_PARA_FRAC = "dup_para_frac"
    DUP_PARA_CHAR_FRAC = "dup_para_char_frac"
    DUP_LINE_FRAC = "dup_line_frac"
    DUP_LINE_CHAR_FRAC = "dup_line_char_frac"
    TOP_N_GRAM = "top_n_gram"
    DUP_N_GRAMS = "duplicated_n_grams"


_PARAGRAPHS = re.compile(r"\n{2,}")
_LINES = re.compile(r"\n+")


def find_duplicates(items: list[str]) -> tuple[int, int]:
    """(how many items repeat an earlier one, their characters)."""
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


class NGrams:
    """The words of a text as integers, for counting their n-grams with numpy: each n-gram gets a 64-bit key
    (equal n-grams, equal keys; distinct ones collide with odds of 2^-64) and its characters."""

    def __init__(self, words: list[str]) -> None:
        first: dict[str, int] = {}
        # a word's id: where it first occurs (map runs in C; ids need only be equal for equal words)
        self.ids = np.array(list(map(first.setdefault, words, itertools.count())), dtype=np.uint64)
        self.lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        self._keys: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._unique_from = len(words) + 1
        """Every n-gram is unique from this n on (a repeated n-gram starts with a repeated shorter one)."""

    def keys(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Keys of the n-grams, and their characters without separators (each n built from n - 1)."""
        found = self._keys.get(n)
        if found is not None:
            return found
        k = max((m for m in self._keys if m < n), default=0)  # the longest n-grams built so far
        for size in range(k + 1, n + 1):
            count = max(len(self.ids) - size + 1, 0)
            if size == 1:
                found = self.ids + np.uint64(1), self.lengths
            elif count == 0:
                found = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
            else:
                keys, chars = self._keys[size - 1]
                with np.errstate(over="ignore"):
                    found = (
                        keys[:count] * np.uint64(1_000_003) + self.ids[size - 1 :] + np.uint64(1),
                        chars[:count] + self.lengths[size - 1 :],
                    )
            self._keys[size] = found
        return self._keys[n]

    def top_chars(self, n: int) -> int:
        """Characters of the most frequent n-gram (its words joined by spaces) times its count, the first
        to occur among equally frequent ones; 0 without n-grams."""
        if len(self.ids) < n:
            return 0
        if _ngrams is not None:
            return _ngrams.top_chars(*self.keys(n), n)
        return self.top_chars_numpy(n)

    def top_chars_numpy(self, n: int) -> int:
        """`top_chars` with numpy (the C extension's twin)."""
        if len(self.ids) < n:
            return 0
        keys, chars = self.keys(n)
        ordered = np.sort(keys)
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        counts = np.diff(np.append(starts, len(ordered)))
        best = int(counts.max())
        if best == 1:
            self._unique_from = min(self._unique_from, n)
            at = 0
        else:
            at = int(np.flatnonzero(np.isin(keys, ordered[starts[counts == best]]))[0])
        return (int(chars[at]) + n - 1) * best

    def repeated_chars(self, n: int) -> int:
        """Characters of the n-grams (joined without spaces) that repeat an earlier one, read left to
        right, jumping over each repeat (so overlapping repeats count once): datatrove's walk.

        n-grams are compared word by word; datatrove compares their words joined without spaces
        ("ab c" equals "a bc" there), which changed no decision on the 4,918 parity documents.
        """
        if len(self.ids) < n or n >= self._unique_from:
            return 0
        if _ngrams is None:
            return self.repeated_chars_numpy(n)
        total: int = _ngrams.repeated_chars(*self.keys(n), n)
        if not total:  # no n-gram repeats, so no longer one does
            self._unique_from = n
        return total

    def repeated_chars_numpy(self, n: int) -> int:
        """`repeated_chars` with numpy (the C extension's twin).

        The walk is done only where it matters: an n-gram is a repeat when an earlier n-gram with its key
        was read, that is, not jumped over; n-grams whose key is new cannot be.
        """
        if len(self.ids) < n or n >= self._unique_from:
            return 0
        keys, chars = self.keys(n)
        ordered = np.sort(keys)
        if not (ordered[1:] == ordered[:-1]).any():  # most pages
            self._unique_from = n
            return 0
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        later = np.flatnonzero(first[inverse] < np.arange(len(keys)))  # n-grams seen before
        repeated = np.isin(inverse, inverse[later])  # every n-gram whose key comes back
        groups: dict[int, list[int]] = {}
        for position, key in zip(np.flatnonzero(repeated).tolist(), inverse[repeated].tolist(), strict=True):
            groups.setdefault(key, []).append(position)
        jumped: list[int] = []  # starts of the ranges jumped over, each n - 1 long
        total = resume = 0
        for j, key in zip(later.tolist(), inverse[later].tolist(), strict=True):
            if j < resume:
                continue  # jumped over
            for p in groups[key]:
                if p >= j:
                    break
                at = bisect.bisect_right(jumped, p) - 1
                if at < 0 or p >= jumped[at] + n - 1:  # p was read
                    total += int(chars[j])
                    jumped.append(j + 1)
                    resume = j + n
                    break
        return total


class GopherRepetition(LanguageStep[GopherRepetitionConfig]):
    step_id = "quality.gopher_repetition@1"
    config_cls = GopherRepetitionConfig
    requires = frozenset({Field.TEXT})

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        cfg, lang = self.language_config(doc)
        text = doc.text or ""
        if not text:
            return None if ctx.drop(doc, step=self.step_id, rule=RepetitionRule.EMPTY) else doc
        size = len(text)
        paragraphs = _PARAGRAPHS.split(text.strip())
        para_dups, para_chars = find_duplicates(paragraphs)
        lines = _LINES.split(text)
        line_dups, line_chars = find_duplicates(lines)
        signals: list[tuple[RepetitionRule, str, float, float | None]] = [
            (RepetitionRule.DUP_PARA_FRAC, "dup_para_frac", para_dups / len(paragraphs), cfg.dup_para_frac),
            (
                RepetitionRule.DUP_PARA_CHAR_FRAC,
                "dup_para_char_frac",
                para_chars / size,
                cfg.dup_para_char_frac,
            ),
            (RepetitionRule.DUP_LINE_FRAC, "dup_line_frac", line_dups / len(lines), cfg.dup_line_frac),
            (
                RepetitionRule.DUP_LINE_CHAR_FRAC,
                "dup_line_char_frac",
                line_chars / size,
                cfg.dup_line_char_frac,
            ),
        ]
        grams = NGrams(split_words(text, lang=lang))
        for n, limit in cfg.top_n_grams:
            top = grams.top_chars(n)
            signals.append((RepetitionRule.TOP_N_GRAM, f"top_{n}_gram", top / size, limit if top else None))
        for n, limit in cfg.dup_n_grams:
            signals.append(
                (RepetitionRule.DUP_N_GRAMS, f"dup_{n}_grams", grams.repeated_chars(n) / size, limit)
            )
        doc.annotate(self.step_id, **{name: round(value, 4) for _, name, value, _ in signals})
        first = next((s for s in signals if s[3] is not None and s[2] > s[3]), None)
        if first is not None:
            doc.annotate(self.step_id, failed=first[1])  # which n, for the n-gram rules
        failed = [(first[0], round(first[2], 4), first[3])] if first else []
        return None if ctx.drop_first(doc, step=self.step_id, failed=failed) else doc
