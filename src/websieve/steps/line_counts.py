"""Counting lines over a run: what `clean.boilerplate` and `dedup.paragraphs` share.

Both global steps (`websieve.steps.global_stage`) count lines across documents: the map hashes each
line's normalised key (`line_key`, `hash64`) and writes (group, key, count) tables per partition, a
reduce task sums them over every shard (`read_summed`, folding as it reads so memory stays near the
number of distinct keys), and the apply phase removes whole lines (`without_lines`), keeping the others
verbatim.

>>> line_key("  © 2024 Café Müller — All rights reserved. ")
'0000 cafe muller all rights reserved'
>>> hash64(line_key("HOME |")) == hash64(line_key("Home ›"))
True
>>> without_lines(["A", "", "Menu", "B", "Footer"], {2, 4})
'A\\n\\nB'
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Container, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import regex
import xxhash

from websieve.steps.global_stage import U32, U64, aggregate_pairs

__all__ = ["hash64", "line_key", "read_columns", "read_summed", "without_lines"]

_DROP = regex.compile(r"[\p{P}\p{S}\p{C}]+")
_DIGIT = regex.compile(r"\d")
_SPACE = regex.compile(r"\s+")


def line_key(line: str, *, fold_digits: bool = True) -> str:
    """The normalised form under which lines are counted.

    Lower-cased, accents stripped (NFD, combining marks dropped), every digit made ``0`` (unless
    ``fold_digits`` is false), punctuation, symbols and control characters removed, whitespace
    collapsed, as CCNet's ``normalize_for_dedup`` does (it only removes a short list of punctuation;
    removing every ``\\p{P}`` and ``\\p{S}`` also matches "Home ›" with "Home |"). A line with neither
    letter nor digit (``|``, ``* * *``) keeps its own characters, whitespace collapsed, so separators that
    a template repeats go with it. A blank line has the empty key.

    >>> line_key("Nr. 19 / Druck in Grün"), line_key("Nr. 19 / Druck in Grün", fold_digits=False)
    ('nr 00 druck in grun', 'nr 19 druck in grun')
    """
    raw = _SPACE.sub(" ", line).strip()
    key = raw.lower()
    if not key.isascii():
        key = "".join(c for c in unicodedata.normalize("NFD", key) if unicodedata.category(c) != "Mn")
    key = _DROP.sub("", key)
    if fold_digits:
        key = _DIGIT.sub("0", key)
    key = _SPACE.sub(" ", key).strip()
    return str(key or raw)


def hash64(text: str) -> int:
    """The 64-bit xxh3 hash of ``text`` (lone surrogates hashed as they are, never an error)."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


def without_lines(lines: list[str], removed: Container[int]) -> str:
    """The text without the lines whose numbers are in ``removed``; kept lines verbatim, breaks kept.

    Between two kept lines with nothing removed in between, the original text stays as it was. Where
    lines were removed in between, the kept lines are separated by a paragraph break if a blank line
    separated them before, else by a line break. Blank lines at an end where lines were removed go.

    >>> without_lines(["A", "", "Menu", "B", "Footer"], {2, 4})
    'A\\n\\nB'
    >>> without_lines(["A", "Menu", "B", "", "", "C"], {1})
    'A\\nB\\n\\n\\nC'
    """
    kept = [i for i, line in enumerate(lines) if i not in removed and line.strip()]
    if not kept:
        return ""
    parts: list[str] = []
    first, last = kept[0], kept[-1]
    if not any(i in removed for i in range(first)):
        parts.extend(f"{line}\n" for line in lines[:first])
    for prev, cur in itertools.pairwise(kept):
        parts.append(lines[prev])
        between = range(prev + 1, cur)
        if any(i in removed for i in between):
            parts.append("\n\n" if any(not lines[i].strip() for i in between) else "\n")
        else:
            parts.append("\n" + "".join(f"{lines[i]}\n" for i in between))
    parts.append(lines[last])
    if not any(i in removed for i in range(last + 1, len(lines))):
        parts.extend(f"\n{line}" for line in lines[last + 1 :])
    return "".join(parts)


def read_columns(path: Path, names: Sequence[str]) -> list[npt.NDArray[Any]]:
    """Columns of a Parquet file as numpy arrays."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=list(names))
    return [table.column(name).to_numpy() for name in names]


# pending rows are folded into the running sums once they reach this many (or the sums' own size)
_FOLD_ROWS = 1 << 20


def read_summed(paths: Sequence[Path], names: tuple[str, str | None, str]) -> tuple[U64, U64, U32]:
    """Read (group, key?, count) from every existing file and sum count per distinct pair, sorted.

    ``names`` are the three column names; a ``None`` key column sums per group alone (the key comes
    back as zeros). Folds as it reads, so memory stays near the number of distinct pairs rather than of
    rows read.
    """
    group_name, key_name, count_name = names
    acc: list[tuple[U64, U64, U32]] = []
    pending = 0
    for path in paths:
        if not path.exists():
            continue
        if key_name is None:
            g, c = read_columns(path, (group_name, count_name))
            part = (g.astype(np.uint64), np.zeros(len(g), np.uint64), c.astype(np.uint32))
        else:
            g, k, c = read_columns(path, (group_name, key_name, count_name))
            part = (g.astype(np.uint64), k.astype(np.uint64), c.astype(np.uint32))
        acc.append(part)
        pending += len(part[0])
        if len(acc) > 1 and pending >= max(_FOLD_ROWS, len(acc[0][0])):
            acc = [_fold(acc)]
            pending = 0
    if not acc:
        empty = np.zeros(0, np.uint64)
        return empty, empty, np.zeros(0, np.uint32)
    return _fold(acc)


def _fold(parts: list[tuple[U64, U64, U32]]) -> tuple[U64, U64, U32]:
    return aggregate_pairs(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )
