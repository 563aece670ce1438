"""spaCy's rule-based tokenizer (``spacy/tokenizer.pyx``), run on its exported rules without spaCy.

spaCy splits a text at whitespace into chunks, then each chunk: a whole chunk that is a special case
(``"don't"`` -> ``do``, ``n't``) is replaced by its tokens; otherwise prefixes and suffixes are cut off
in turn (stopping at a special case or a ``token_match``), and what is left stays whole if it is a special
case, matches ``token_match`` or ``url_match``, or is cut at its infixes. A last pass looks, over the whole
text, for special cases the affix rules had cut apart (``:)`` after a word, Russian ``и др.`` across a
space), longest first then leftmost, and puts them back together. The rules of each language come from
``data/spacy_tokenizers.json.xz`` (``tools/export_spacy_tokenizer.py``; spaCy is MIT-licensed).

websieve keeps each chunk's tokens (most chunks come back: "the", "said,"), lets chunks of letters only
skip the rules where the export checked that no rule can split them, and looks for a suffix only among the
suffix rules that can end with the chunk's last character, and only near the end where the export checked
that they are a few characters wide (all but the ellipsis). The last pass runs within each chunk, once,
and across chunks only where a special case's tokens may run from one chunk into the next (one space
apart): there the chunks concerned are matched together, as spaCy does. On 4,918 pages and documents
(3.9 million tokens; ``benchmarks/fineweb_parity.py``'s) no token differs from spaCy's English.

>>> rules("ru").split("Книги, журналы и др. издания")
['Книги', ',', 'журналы', 'и др.', 'издания']
>>> rules("fr").split("L'État a dit: «aujourd'hui»")
["L'", 'État', 'a', 'dit', ':', '«', "aujourd'hui", '»']
"""

from __future__ import annotations

import itertools
import json
import lzma
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from websieve.steps.quality.pattern_cache import compile_cached

__all__ = ["SpacyRules", "assignment", "rules", "spacy_languages"]

_WHITESPACE = re.compile(r"(\s+)")

_MAX_CHUNKS = 200_000
"""Chunks whose tokens each language keeps; then forgotten all at once."""
_CACHED_CHUNK_CHARS = 128
"""Only chunks this short are kept (a page of 40 KB base64 blobs would otherwise fill gigabytes)."""
_LONGEST_CHUNK = 2_000
"""A longer chunk (a base64 blob, a run of one character; no word) is one token, not split: spaCy's affix
loop strips one affix at a time, so its time grows with the square of the chunk's length (300,000 "="
took 14 s). No decision of the parity benchmark changes."""


@cache
def _table() -> dict[str, Any]:
    data = resources.files("websieve.steps.quality").joinpath("data/spacy_tokenizers.json.xz").read_bytes()
    table: dict[str, Any] = json.loads(lzma.decompress(data))
    return table


def spacy_languages() -> frozenset[str]:
    """The spaCy language codes whose rules are exported (``en``, ``fr``, ``xx``...)."""
    return frozenset(_table()["languages"])


def assignment(lang: str) -> tuple[str, str] | None:
    """datatrove's word tokenizer for ``lang`` (a lid.176 label, or ISO 639-3 with or without script):
    (its type, its code), as the export read them from datatrove's table; None for a language not in it.

    >>> assignment("ast"), assignment("th"), assignment("qqq")
    (('SpaCyTokenizer', 'es'), ('ThaiTokenizer', ''), None)
    """
    found = _table()["assignments"].get(lang)
    return None if found is None else (str(found[0]), str(found[1]))


@cache
def rules(code: str) -> SpacyRules:
    """The rules of ``spacy.blank(code)``, loaded once (``KeyError`` for a code not exported)."""
    table = _table()
    return SpacyRules(code, table["languages"][code], table["expressions"])


@cache
def _compiled(pattern: str, flags: int) -> re.Pattern[str]:
    return compile_cached(pattern, flags)  # the large ones from this machine's cache (pattern_cache)


_Search = Callable[..., "re.Match[str] | None"]

_SPLIT_ABOVE = 100_000
"""Token-match expressions longer than this (French's: 1.4 MB) are compiled by parts."""


def _alternatives(pattern: str) -> tuple[str, list[str]] | None:
    """A pattern's inline flags (``(?iu)``) and its top-level alternatives (inside one group that wraps the
    whole pattern, if one does); ``None`` when it is unbalanced. Escapes, character classes and nested
    groups are skipped over, not split."""
    head = ""
    if pattern.startswith("(?") and not pattern.startswith("(?:"):
        end = pattern.find(")")
        head, pattern = pattern[: end + 1], pattern[end + 1 :]
    parts = _top_level(pattern)
    if parts is None:
        return None
    if len(parts) == 1 and pattern.startswith("(?:") and pattern.endswith(")"):
        inner = _top_level(pattern[3:-1])
        if inner is not None and len(inner) > 1:
            parts = inner
    return head, parts


def _top_level(body: str) -> list[str] | None:
    """``body`` split at its top-level ``|``; ``None`` when its parentheses do not balance."""
    parts: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if body[i + 1 : i + 2] == "^":
                i += 1
            if body[i + 1 : i + 2] == "]":  # a "]" first in a class is a literal
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    if depth != 0 or in_class:
        return None
    parts.append(body[start:])
    return parts


class _ByFirstLetter:
    """A token-match expression made of many ``^x...`` alternatives, matched by the alternatives that can
    start with the string's first character, each group compiled on first need: the same answer as the
    whole expression (an alternation matches when one of its alternatives does) for a fraction of its
    compile time."""

    def __init__(self, head: str, flags: int, groups: dict[str, list[str]], rest: list[str]) -> None:
        self._head, self._flags = head, flags
        self._groups = groups
        self._rest = rest
        self._compiled: dict[str, Callable[[str], object]] = {}
        self._for_char: dict[str, list[str]] = {}

    @classmethod
    def of(cls, pattern: str, flags: int) -> _ByFirstLetter | None:
        split = _alternatives(pattern)
        if split is None:
            return None
        head, parts = split
        groups: dict[str, list[str]] = {}
        rest: list[str] = []
        for part in parts:
            bare = part
            while bare.startswith("(?:"):
                bare = bare[3:]
            first = bare[1:2] if bare.startswith("^") else ""
            if first and first.isalnum():
                groups.setdefault(first, []).append(part)
            else:
                rest.append(part)
        return cls(head, flags, groups, rest)

    def _matcher(self, key: str, parts: list[str]) -> Callable[[str], object]:
        found = self._compiled.get(key)
        if found is None:
            found = _compiled(f"{self._head}(?:{'|'.join(parts)})", self._flags).match
            self._compiled[key] = found
        return found

    def __call__(self, string: str) -> object:
        if not string:
            return self._rest and self._matcher("", self._rest)(string)
        first = string[0]
        keys = self._for_char.get(first)
        if keys is None:  # the groups whose first letter matches this character under the flags
            keys = [k for k in self._groups if re.match(f"{self._head}{re.escape(k)}", first, self._flags)]
            self._for_char[first] = keys
        for key in keys:
            if self._matcher(key, self._groups[key])(string):
                return True
        return bool(self._rest) and bool(self._matcher("", self._rest)(string))


_Entry = tuple[tuple[str, ...], "frozenset[str] | None", tuple[str, ...]]
"""A chunk's tokens after the matcher ran within it; the tokens that, ending the previous chunk, come
before its first token in a special case (None: none); its tokens before the matcher."""


def _ranges(ends: list[list[int]] | None) -> tuple[tuple[int, int], ...] | None:
    return None if ends is None else tuple((int(lo), int(hi)) for lo, hi in ends)


class SpacyRules:
    """One language's tokenizer: ``split(text)`` gives spaCy's tokens, whitespace left out."""

    def __init__(self, code: str, entry: dict[str, Any], expressions: list[list[Any]]) -> None:
        def expression(key: str) -> re.Pattern[str] | None:
            index = entry[key]
            return None if index is None else _compiled(*expressions[index])

        self.code = code
        prefix, suffix, infix = expression("prefix"), expression("suffix"), expression("infix")
        if prefix is None or suffix is None or infix is None:
            raise ValueError(f"spaCy {code}: no prefix, suffix or infix rules")
        self._prefix = prefix.search
        self._infix = infix.finditer
        self._suffix_search = suffix.search
        self._suffix_flags = suffix.flags
        split = entry["suffix_split"]
        self._suffix_split = split is not None
        self._suffix_width = 0 if split is None else int(split["width"])
        self._near = [] if split is None else [(part, _ranges(ends)) for part, ends in split["near"]]
        self._far = [] if split is None else [(part, _ranges(ends)) for part, ends in split["far"]]
        self._suffix_by_char: dict[str, tuple[_Search | None, _Search | None]] = {}
        self._token_index = entry["token_match"]
        self._token_expressions = expressions
        self._token: Callable[[str], object] | None = None
        url = expression("url_match")
        self._url = None if url is None else url.match
        self._letters_whole = bool(entry["letters_whole"])
        self.special: dict[str, tuple[str, ...]] = {
            key: tuple(value) for key, value in entry["special_cases"].items()
        }
        # the special-case matcher: first token -> token sequences it looks for
        self._patterns: dict[str, set[tuple[str, ...]]] = {}
        before: dict[str, set[str]] = {}
        # (token, next token) in a special case -> where it can be cut between two chunks
        self._cuts: dict[tuple[str, str], set[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for tokens in entry["matched"].values():
            pattern = tuple(tokens)
            self._patterns.setdefault(pattern[0], set()).add(pattern)
            for at, (previous, token) in enumerate(itertools.pairwise(pattern), 1):
                before.setdefault(token, set()).add(previous)
                self._cuts.setdefault((previous, token), set()).add((pattern[:at], pattern[at:]))
        self._before = {token: frozenset(previous) for token, previous in before.items()}
        # chunks that cannot take the letters-only path: special cases, and words that can continue a
        # special case begun in the previous chunk
        self._not_plain = set(self.special) | {token for token in self._before if token.isalpha()}
        self._chunks: dict[str, _Entry] = {}

    # -- the expressions ----------------------------------------------------------------------------------

    def _token_match(self) -> Callable[[str], object] | None:
        # French's is 1.4 MB of alternatives (1.6 s to compile): compiled on first need, and a large one
        # by parts (`_ByFirstLetter`), each part when a token first needs it
        if self._token is None and self._token_index is not None:
            pattern, flags = self._token_expressions[self._token_index]
            split = _ByFirstLetter.of(pattern, flags) if len(pattern) > _SPLIT_ABOVE else None
            self._token = split if split is not None else _compiled(pattern, flags).match
        return self._token

    def _find_suffix(self, string: str) -> int:
        """``Tokenizer.find_suffix``: the length of the suffix the suffix expression finds."""
        if not self._suffix_split or not string:
            found = self._suffix_search(string)
            return found.end() - found.start() if found else 0
        # every alternative ends at the end: the leftmost start decides; only those that can end with the
        # last character can match, and the bounded ones start in the last few characters
        searches = self._suffix_by_char.get(string[-1])
        if searches is None:
            searches = self._suffix_searches(string[-1])
        near, far = searches
        end = len(string)
        start = end
        if near is not None:
            found = near(string, max(0, end - self._suffix_width))
            if found:
                start = found.start()
        if far is not None:
            found = far(string)
            if found and found.start() < start:
                start = found.start()
        return end - start

    def _suffix_searches(self, last: str) -> tuple[_Search | None, _Search | None]:
        code = ord(last)
        searches = tuple(
            _compiled("|".join(parts), self._suffix_flags).search if parts else None
            for parts in (
                tuple(
                    part for part, ends in group if ends is None or any(lo <= code <= hi for lo, hi in ends)
                )
                for group in (self._near, self._far)
            )
        )
        found = self._suffix_by_char[last] = (searches[0], searches[1])
        return found

    # -- one chunk ----------------------------------------------------------------------------------------

    def raw_tokens(self, chunk: str) -> list[str]:
        """``Tokenizer._tokenize`` on one chunk: its tokens before the special-case matcher runs."""
        special = self.special
        if chunk in special:
            return list(special[chunk])
        token_match = self._token if self._token_index is None else self._token_match()
        letters_whole = self._letters_whole
        prefix = self._prefix
        find_suffix = self._find_suffix
        prefixes: list[str] = []
        suffixes: list[str] = []
        string = chunk
        last = -1
        # _split_affixes
        while string and len(string) != last:
            if token_match is not None and token_match(string):
                break
            if string in special:
                break
            if letters_whole and string.isalpha():
                break  # no rule finds an affix in it (checked by the export): the loop would end as it is
            last = len(string)
            found = prefix(string)
            pre = found.end() - found.start() if found else 0
            if pre:
                minus_pre = string[pre:]
                if minus_pre and minus_pre in special:
                    prefixes.append(string[:pre])
                    string = minus_pre
                    break
                suf = find_suffix(minus_pre)
            else:
                suf = find_suffix(string)
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
        # _attach_tokens
        out = prefixes
        if string:
            if string in special:
                out.extend(special[string])
            elif (
                (letters_whole and string.isalpha())
                or (token_match is not None and token_match(string))
                or (self._url is not None and self._url(string))
            ):
                out.append(string)
            else:
                start = 0
                for match in self._infix(string):
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
        if suffixes:
            out.extend(reversed(suffixes))
        return out

    def _chunk(self, chunk: str) -> _Entry:
        if len(chunk) > _LONGEST_CHUNK:
            return (chunk,), None, (chunk,)
        raw = tuple(self.raw_tokens(chunk))
        tokens = raw
        if not self._patterns.keys().isdisjoint(raw):
            tokens = tuple(self._apply_special(list(raw), [False] * len(raw)))
        entry = (tokens, self._before.get(raw[0]), raw)
        if len(chunk) <= _CACHED_CHUNK_CHARS:
            if len(self._chunks) >= _MAX_CHUNKS:
                self._chunks.clear()
            self._chunks[chunk] = entry
        return entry

    def _may_join(self, previous: tuple[str, ...], raw: tuple[str, ...]) -> bool:
        """Whether some special case's tokens may run from the end of one chunk (``previous``) into the
        next (``raw``), were they one space apart. Over three chunks or more: True."""
        for head, tail in self._cuts.get((previous[-1], raw[0]), ()):
            # the chunks' tokens must agree with the special case's as far as they go (a special case
            # longer than the two chunks may go on into a third, or begin in an earlier one)
            if head[-len(previous) :] == previous[-len(head) :] and tail[: len(raw)] == raw[: len(tail)]:
                return True
        return False

    # -- the special-case matcher ---------------------------------------------------------------------------

    def _apply_special(self, tokens: list[str], spaced: list[bool]) -> list[str]:
        """``Tokenizer._apply_special_cases``: find every special case's tokens (spaCy's PhraseMatcher),
        keep the longest, then leftmost, of overlapping ones (a span is passed over when its first or last
        token was in any span seen before it, kept or not), and replace each kept span whose text (with the
        single spaces in it) is a special case by that special case's tokens."""
        patterns = self._patterns
        found: list[tuple[int, int]] = []
        count = len(tokens)
        for i, token in enumerate(tokens):
            candidates = patterns.get(token)
            if candidates:
                for pattern in candidates:
                    end = i + len(pattern)
                    if end <= count and tuple(tokens[i:end]) == pattern:
                        found.append((i, end))
        if not found:
            return tokens
        found.sort(key=lambda span: (span[0] - span[1], span[0]))
        seen: set[int] = set()
        kept: list[tuple[int, int]] = []
        for start, end in found:
            if start not in seen and end - 1 not in seen:
                kept.append((start, end))
            seen.update(range(start, end))
        kept.sort()
        out: list[str] = []
        at = 0
        for start, end in kept:
            text = "".join(
                token + (" " if spaced[k] and k < end - 1 else "")
                for k, token in enumerate(tokens[start:end], start)
            )
            replacement = self.special.get(text)
            if replacement is None:
                continue
            out.extend(tokens[at:start])
            out.extend(replacement)
            at = end
        out.extend(tokens[at:])
        return out

    # -- a text -------------------------------------------------------------------------------------------

    def split(self, text: str) -> list[str]:
        """spaCy's tokens of ``text``, whitespace tokens left out, each token stripped (datatrove's
        ``strip_strings``)."""
        chunks = self._chunks
        not_plain = self._not_plain
        letters_whole = self._letters_whole
        out: list[str] = []
        previous: str | tuple[str, ...] = ""
        across = False
        for chunk in text.split():
            if letters_whole and chunk.isalpha() and chunk not in not_plain:
                out.append(chunk)
                previous = chunk
                continue
            entry = chunks.get(chunk)
            if entry is None:
                entry = self._chunk(chunk)
            out.extend(entry[0])
            if entry[1] is not None and not across:
                before = previous if isinstance(previous, tuple) else (previous,)
                across = before[-1] in entry[1] and self._may_join(before, entry[2])
            previous = entry[2]
        if across:
            return self._split_across(text)
        return out

    def _split_across(self, text: str) -> list[str]:
        """The matcher across chunks: a special case may span chunks one space apart (``и др.``), and a
        span across chunks, even one that replaces nothing, hides the shorter spans it overlaps. Runs of
        chunks whose special cases may so join (`_may_join`) are matched as one; the others keep their
        own tokens."""
        parts = _WHITESPACE.split(text)  # chunk, whitespace, chunk, ..., chunk (the ends may be "")
        chunks = parts[0::2]
        spaces = parts[1::2]
        if not chunks[0]:
            del chunks[0], spaces[0]
        if chunks and not chunks[-1]:
            del chunks[-1]
        not_plain, letters_whole = self._not_plain, self._letters_whole
        entries = [
            ((chunk,), None, (chunk,))
            if letters_whole and chunk.isalpha() and chunk not in not_plain
            else self._chunks.get(chunk) or self._chunk(chunk)
            for chunk in chunks
        ]
        joined = [False] * (len(chunks) + 1)
        for k in range(1, len(chunks)):
            before = entries[k][1]
            if before and entries[k - 1][2][-1] in before and spaces[k - 1] == " ":
                joined[k] = self._may_join(entries[k - 1][2], entries[k][2])
        out: list[str] = []
        k = 0
        while k < len(chunks):
            if not joined[k + 1]:
                out.extend(entries[k][0])
                k += 1
                continue
            tokens: list[str] = []
            spaced: list[bool] = []
            while True:
                raw = entries[k][2]
                tokens.extend(raw)
                spaced.extend([False] * len(raw))
                k += 1
                if not joined[k]:
                    break
                spaced[-1] = True
            out.extend(token.strip() for token in self._apply_special(tokens, spaced))
        return out
