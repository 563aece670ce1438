"""Cheap checks that keep one hostile page from taking a worker's time or memory.

HTML parsers and main-content heuristics are linear on ordinary pages but not on pathological ones:
lexbor takes about 20 s to parse 100,000 nested ``<div>`` (resiliparse's main-content pass minutes),
and 35 s for one element with 100,000 attributes. Such pages are refused before any parser sees them;
one pass over the tags (C, about 0.05 ms for a 100 KB page) measures both.

>>> scan_tags("<div><p>a</p><div><br><span class='x' id=y>b</span></div></div>")
TagStats(depth=3, attributes=2, markers=0)
>>> scan_tags("<div>" * 50 + "</div>" * 50, limit=10).depth
11
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from websieve.steps.extract.dom import MARKERS

__all__ = ["TagStats", "scan_tags"]

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
# elements that never hold children, and those whose end tag is optional (a page that never closes its
# <p> or <li> is ordinary, not deep)
_VOID = "area base br col embed hr img input link meta param source track wbr"
_OPTIONAL_END = "p li dt dd tr td th option optgroup thead tbody tfoot colgroup"
_FLAT = frozenset(f"{_VOID} {_OPTIONAL_END}".split())
_RAW = frozenset(["script", "style", "textarea", "title", "xmp"])
"""Elements whose content is raw text, skipped up to their end tag (``</div>`` in a script closes nothing)."""
_NAME_MAX = 16
_NAMES_OWN = 511
_SPACE = frozenset(" \t\n\r\f")

_c_scan_tags: Callable[[str, int], tuple[int, int, int]] | None
try:
    from websieve.steps.extract._regions import scan_tags as _c_scan_tags
except ImportError:  # not compiled: the Python twin below
    _c_scan_tags = None


class TagStats(NamedTuple):
    depth: int
    """The deepest element nesting: a start tag opens a level, an end tag closes one only where an element
    of its name is open; comments and the content of scripts, styles and text areas are skipped."""
    attributes: int
    """The most attribute-like tokens in one tag (what follows a space): an upper bound of its attributes."""
    markers: int
    """Characters in U+FDD0..U+FDEF: noncharacters no real page holds, which `websieve.steps.extract.dom`
    uses as region markers (a page that has them is cleaned of them first)."""


def scan_tags(html: str, *, limit: int | None = None) -> TagStats:
    """Nesting depth and attribute count of ``html``, read from its tags without building a tree.

    With ``limit``, the scan stops once the depth passes it (the depth returned is then ``limit + 1``
    and the attribute count that of the tags read so far).
    """
    if _c_scan_tags is not None:
        return TagStats(*_c_scan_tags(html, -1 if limit is None else limit))
    return _scan_tags_py(html, limit=limit)


def _scan_tags_py(html: str, *, limit: int | None = None) -> TagStats:
    """`scan_tags` in Python: the reference for the C extension's ``scan_tags``, and the fallback."""
    markers = len(MARKERS.findall(html))
    end = html.rfind(">") + 1  # no tag ends after the last '>'
    counts: dict[str, list[int]] = {}
    shared = [0]
    depth = deepest = most = 0
    at = 0
    while (at := html.find("<", at, end)) >= 0:
        if html.startswith("<!--", at):
            close = html.find("-->", at + 4)
            at = len(html) if close < 0 else close + 3
            continue
        match = _TAG.match(html, at)
        if match is None:
            at += 1
            continue
        closing, raw_name, rest = match.groups()
        name = raw_name.lower()
        most = max(most, _tokens(rest))
        self_closing = rest.endswith("/")
        at = match.end()
        if not closing and not self_closing and name in _RAW:
            found = re.compile("</" + name, re.IGNORECASE | re.ASCII).search(html, at)
            at = found.start() if found else len(html)
            continue
        if self_closing or name in _FLAT:
            continue
        key = name[:_NAME_MAX]
        count = counts.get(key)
        if count is None:
            count = shared if len(counts) >= _NAMES_OWN else counts.setdefault(key, [0])
        if closing:
            if count[0]:
                count[0] -= 1
                depth -= 1
            continue
        count[0] += 1
        depth += 1
        if depth > deepest:
            deepest = depth
            if limit is not None and deepest > limit:
                break
    return TagStats(deepest, most, markers)


def _tokens(rest: str) -> int:
    """Attribute-like tokens in a tag after its name: a character that is not a space, ``/`` or a quote,
    after a space (or at the start), outside quoted values."""
    tokens, space, quote = 0, True, ""
    for char in rest:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote, space = char, False
        elif char in _SPACE:
            space = True
        else:
            tokens += space and char != "/"
            space = False
    return tokens
