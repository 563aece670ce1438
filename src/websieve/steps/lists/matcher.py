"""A URL against compiled lists and word lists: what matched, in one call.

`make_matcher` returns the C matcher (``_urlscan.Matcher``, one pass over the URL, no allocation when
nothing matches) or, where the extension was not compiled, `TwinMatcher`, the same rules in plain Python,
which the C matcher also uses for URLs that are not ASCII. The tests hold the two equal.

``check(url)`` returns ``None`` when nothing matched, else a tuple that `Match` names.

>>> from websieve.steps.lists.domain_list import CompiledList, Table
>>> from websieve.steps.lists.urls import domain_key
>>> listed = CompiledList(None, {"categories": ["adult"], "combos": [[0]], "sources": []},
...                       Table.from_keys([domain_key("example.xxx")], [0]), Table.empty())
>>> m = make_matcher(listed, words=WordLists.load(), categories=None, mode=DomainMatch.SUBDOMAINS)
>>> Match(*m.check("https://www.example.xxx/page")).domain, m.check("https://example.org/")
('example.xxx', None)
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

import numpy as np

from websieve.errors import ConfigError
from websieve.steps.lists.domain_list import CompiledList, Table
from websieve.steps.lists.suffixes import psl_table, public_suffix_start
from websieve.steps.lists.url_words import WordLists, WordRule, build_automaton
from websieve.steps.lists.urls import (
    UrlParts,
    path_prefix_keys,
    prefix_text,
    suffix_keys,
    url_list_text,
    url_parts,
    written_key,
)

_CMatcher: type[Any] | None
try:
    from websieve.steps.lists._urlscan import Matcher as _CMatcher
except ImportError:  # not compiled (no C compiler where websieve was installed): the Python twin
    _CMatcher = None

__all__ = ["MATCH_BACKEND", "DomainMatch", "Match", "Matcher", "TwinMatcher", "make_matcher"]

MATCH_BACKEND = "python" if _CMatcher is None else "c"
"""Which matcher `make_matcher` builds: ``"c"`` (``_urlscan``) or ``"python"`` (`TwinMatcher`)."""


class DomainMatch(enum.Enum):
    """What a listed domain or URL blocks."""

    SUBDOMAINS = "subdomains"
    """The domain and every subdomain of it (UT1's meaning); a listed URL, the URLs under it (its path
    and below, with any scheme and ``www.``)."""
    DATATROVE = "datatrove"
    """FineWeb's rules as datatrove applies them: the host's registered domain (by the public suffix
    list) or the host itself is listed; the URL exactly as written is listed (the lists write URLs without
    a scheme, so this almost never happens)."""


class Match(NamedTuple):
    """What a URL matched (``None`` or ``()``: nothing for that rule)."""

    domain: str | None
    domain_combo: int
    url: str | None
    url_combo: int
    banned_word: str | None
    soft_words: tuple[str, ...]
    banned_subword: str | None
    refinedweb_strict: str | None
    refinedweb_hard: str | None
    refinedweb_soft: tuple[str, ...]


class Matcher(Protocol):
    def check(self, url: str, /) -> tuple[Any, ...] | None: ...


class _Lookup:
    """A `Table` with its bucket index, looked up one key at a time."""

    def __init__(self, table: Table, values: np.ndarray | None = None) -> None:
        self.keys = np.ascontiguousarray(table.keys, dtype=np.uint64)
        self.values = np.ascontiguousarray(table.combos if values is None else values, dtype=np.uint16)
        self.index = table.index()
        self.shift = 64 - (len(self.index) - 1).bit_length() + 1

    def get(self, key: int) -> int | None:
        b = key >> self.shift
        lo, hi = int(self.index[b]), int(self.index[b + 1])
        for i in range(lo, hi):
            if int(self.keys[i]) == key:
                return int(self.values[i])
        return None


class TwinMatcher:
    """The rules in plain Python: `make_matcher`'s fallback, and the reference the C matcher is tested
    against."""

    def __init__(
        self,
        domains: _Lookup,
        urls: _Lookup,
        psl: _Lookup,
        selected: np.ndarray,
        words: WordLists,
        mode: DomainMatch,
    ) -> None:
        self.domains, self.urls, self.psl = domains, urls, psl
        self.selected = selected.astype(bool).tolist()
        self.words = words
        self.mode = mode
        self._psl_flags = dict(zip(psl.keys.tolist(), psl.values.tolist(), strict=True))

    def _listed(self, table: _Lookup, key: int) -> int | None:
        combo = table.get(key)
        return combo if combo is not None and self.selected[combo] else None

    def _domain(self, host: str) -> tuple[str | None, int]:
        suffixes = suffix_keys(host)
        if self.mode is DomainMatch.SUBDOMAINS:
            for text, key in suffixes:
                combo = self._listed(self.domains, key)
                if combo is not None:
                    return text, combo
            return None, -1
        suffix = public_suffix_start(suffixes, self._psl_flags)
        if not suffix or len(suffix) == len(host):
            return None, -1
        k = next(i for i, (text, _) in enumerate(suffixes) if text == suffix)
        if len(suffixes[k + 1][0]) == len(suffix) + 1:  # an empty label before the suffix
            return None, -1
        for text, key in (suffixes[k + 1], suffixes[-1]):
            combo = self._listed(self.domains, key)
            if combo is not None:
                return text, combo
        return None, -1

    def _url(self, url: str, parts: UrlParts) -> tuple[str | None, int]:
        if self.mode is DomainMatch.DATATROVE:
            combo = self._listed(self.urls, written_key(url))
            return (url, combo) if combo is not None else (None, -1)
        text = url_list_text(parts)
        host = parts.host
        short_host = host[4:] if host.startswith("www.") and len(host) > 4 else host
        for length, key in path_prefix_keys(text, len(short_host)):
            combo = self._listed(self.urls, key)
            if combo is not None:
                return prefix_text(text, length), combo
        return None, -1

    def check(self, url: str) -> tuple[Any, ...] | None:
        parts = url_parts(url)
        host = parts.host
        domain, domain_combo = self._domain(host) if host and len(self.domains.keys) else (None, -1)
        listed_url, url_combo = (None, -1)
        if len(self.urls.keys) and (host or self.mode is DomainMatch.DATATROVE):
            listed_url, url_combo = self._url(url, parts)
        found = self.words.find(url)
        match = (domain, domain_combo, listed_url, url_combo, *(found[rule] for rule in WordRule))
        return None if all(x is None or x == () or x == -1 for x in match) else match


def make_matcher(
    merged: CompiledList,
    *,
    words: WordLists,
    categories: Sequence[str] | None,
    mode: DomainMatch,
    backend: str = MATCH_BACKEND,
) -> Matcher:
    """One matcher for a list (`merge_lists` makes one of several), blocking on ``categories`` of it
    (``None``: all)."""
    if categories is not None:
        unknown = sorted(set(categories) - set(merged.categories))
        if unknown:
            have = ", ".join(merged.categories) or "none"
            raise ConfigError(
                f"lists.url_filter: categories {', '.join(unknown)} are in none of the lists "
                f"(they have: {have})"
            )
    chosen = set(merged.categories if categories is None else categories)
    selected = np.array(
        [any(c in chosen for c in combo) for combo in merged.combos] or [False], dtype=np.uint8
    )
    domains, urls = _Lookup(merged.domains), _Lookup(merged.urls)
    psl = _Lookup(Table.empty())
    if mode is DomainMatch.DATATROVE:
        keys, flags = psl_table()
        psl = _Lookup(Table(keys, flags), flags)
    twin = TwinMatcher(domains, urls, psl, selected, words, mode)
    if backend == "python" or _CMatcher is None:
        return twin
    auto = build_automaton(words)
    matcher: Matcher = _CMatcher(
        (domains.keys, domains.values, domains.index),
        (urls.keys, urls.values, urls.index),
        (psl.keys, psl.values, psl.index),
        selected,
        (auto.delta, auto.classes, auto.out_off, auto.out_items, auto.roots),
        words.words,
        0 if mode is DomainMatch.SUBDOMAINS else 1,
        twin.check,
    )
    return matcher
