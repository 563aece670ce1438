"""Words as the FineWeb filters count them: spaCy's English tokenizer, without spaCy.

datatrove's Gopher, FineWeb and C4 filters count the tokens of spaCy's blank English pipeline: words and
numbers, punctuation split off the ends of words ("Hello, world!" is four tokens), contractions split
("don't" is "do" + "n't"), URLs whole. Their thresholds are tuned to those counts (80% of tokens must
hold a letter; two of "the", "be", "to"... must appear), so websieve counts the same way. This module runs
spaCy's own algorithm (whitespace, then special cases, prefixes, suffixes and infixes, each a regular
expression) on spaCy's English rules, exported once to ``data/spacy_en_tokenizer.json``
(``tools/export_spacy_tokenizer.py``; MIT License). Chunks of letters only, most of a text, skip the
rules. `benchmarks/fineweb_parity.py` measures the agreement with datatrove's filters.

>>> split_words("Don't panic: it's 3.5 km to https://example.org/x, e.g. Bob's")
['Do', "n't", 'panic', ':', 'it', "'s", '3.5', 'km', 'to', 'https://example.org/x', ',', 'e.g.', 'Bob', "'s"]
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

__all__ = ["split_words"]

_DATA = Path(__file__).with_name("data") / "spacy_en_tokenizer.json"


@dataclass(frozen=True, slots=True)
class _Rules:
    prefix: Callable[[str], re.Match[str] | None]
    suffix: Callable[[str], re.Match[str] | None]
    infixes: Callable[[str], list[re.Match[str]]]
    url: Callable[[str], re.Match[str] | None]
    special: dict[str, list[str]]


@cache
def _rules() -> _Rules:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    infix = re.compile(data["infix"])
    return _Rules(
        prefix=re.compile(data["prefix"]).search,
        suffix=re.compile(data["suffix"]).search,
        infixes=lambda text: list(infix.finditer(text)),
        url=re.compile(data["url"]).match,
        special=data["special_cases"],
    )


def _split_chunk(chunk: str, rules: _Rules, out: list[str]) -> None:
    """spaCy's ``Tokenizer._split_affixes`` then ``_attach_tokens`` for one run of non-space characters."""
    special = rules.special
    prefixes: list[str] = []
    suffixes: list[str] = []
    string = chunk
    last = -1
    while string and len(string) != last:
        if string in special:
            break
        last = len(string)
        found = rules.prefix(string)
        pre = found.end() - found.start() if found else 0
        if pre:
            minus_pre = string[pre:]
            if minus_pre and minus_pre in special:
                prefixes.append(string[:pre])
                string = minus_pre
                break
        found = rules.suffix(string[pre:])
        suf = found.end() - found.start() if found else 0
        if suf:
            minus_suf = string[:-suf]
            if minus_suf and minus_suf in special:
                suffixes.append(string[-suf:])
                string = minus_suf
                break
        if pre and suf and pre + suf <= len(string):
            prefixes.append(string[:pre])
            suffixes.append(string[-suf:])
            string = string[pre:-suf]
        elif pre:
            prefixes.append(string[:pre])
            string = string[pre:]
        elif suf:
            suffixes.append(string[-suf:])
            string = string[:-suf]
        if string in special:
            break
    for piece in prefixes:
        out.extend(special.get(piece, (piece,)))
    if string:
        if string in special:
            out.extend(special[string])
        elif rules.url(string):
            out.append(string)
        else:
            start = 0
            for match in rules.infixes(string):
                at, end = match.start(), match.end()
                if at == 0:
                    continue
                if at != start:
                    out.append(string[start:at])
                if at != end:
                    out.append(string[at:end])
                start = end
            if start < len(string):
                out.append(string[start:])
    for piece in reversed(suffixes):
        out.extend(special.get(piece, (piece,)))


@lru_cache(maxsize=4)
def split_words(text: str) -> list[str]:
    """The tokens of ``text`` as spaCy's English tokenizer finds them, whitespace left out (see the module
    docstring).

    The last few texts' tokens are kept (the filters of a chain read the same text one after the other):
    callers must not change the list they get.
    """
    rules = _rules()
    special = rules.special
    known = _CHUNKS
    out: list[str] = []
    for chunk in text.split():
        if chunk.isalpha() and chunk not in special:
            out.append(chunk)
            continue
        tokens = known.get(chunk)
        if tokens is None:
            pieces: list[str] = []
            _split_chunk(chunk, rules, pieces)
            if len(pieces) > 1:
                _merge_special(pieces, 0, special)
            if len(known) >= _MAX_CHUNKS:
                known.clear()
            tokens = known[chunk] = tuple(pieces)
        out.extend(tokens)
    return out


_CHUNKS: dict[str, tuple[str, ...]] = {}
"""Tokens of the chunks split lately ("said," and "2024." come back on every page); at most
`_MAX_CHUNKS`, then forgotten all at once."""
_MAX_CHUNKS = 200_000


def _merge_special(out: list[str], start: int, special: dict[str, list[str]]) -> None:
    """spaCy's last pass: a special case made of affixes (``z.``, ``):``, ``''``) that the affix rules
    split is put back together, the longest first, left to right, within one chunk."""
    i = start
    while i < len(out) - 1:
        for length in (4, 3, 2):
            if i + length <= len(out):
                joined = "".join(out[i : i + length])
                if joined in special:
                    out[i : i + length] = special[joined]
                    i += len(special[joined]) - 1
                    break
        i += 1
