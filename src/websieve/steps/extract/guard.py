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

__all__ = ["TagStats", "scan_tags"]

_MARKERS = re.compile("[\ufdd0-\ufdef]")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
# elements that never hold children, and those whose end tag is optional (a page that never closes its
# <p> or <li> is ordinary, not deep)
_VOID = "area base br col embed hr img input link meta param source track wbr"
_OPTIONAL_END = "p li dt dd tr td th option optgroup thead tbody tfoot colgroup rb rt rp"
_FLAT = frozenset(f"{_VOID} {_OPTIONAL_END}".split())

_c_scan_tags: Callable[[str, int], tuple[int, int, int]] | None
try:
    from websieve.steps.extract._regions import scan_tags as _c_scan_tags
except ImportError:  # not compiled: the Python twin below
    _c_scan_tags = None


class TagStats(NamedTuple):
    depth: int
    """The deepest element nesting (stray end tags never make it negative)."""
    attributes: int
    """The most ``=`` signs in one tag: an upper bound of its attribute count."""
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
    depth = deepest = most = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        most = max(most, match.group().count("=", len(name) + 1))
        if self_closing or name.lower() in _FLAT:
            continue
        if closing:
            depth = max(depth - 1, 0)
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if limit is not None and deepest > limit:
                break
    return TagStats(deepest, most, len(_MARKERS.findall(html)))
