"""Cheap checks that keep one hostile page from taking a worker's time or memory.

HTML parsers and main-content heuristics are linear on ordinary pages but not on pathological ones: lexbor
takes about 20 s to parse 100,000 nested ``<div>`` and resiliparse's main-content pass several minutes on
them. Such pages are refused before any parser sees them.

>>> nesting_depth("<div><p>a</p><div><br><span>b</span></div></div>")
3
>>> nesting_depth("<div>" * 50 + "</div>" * 50, limit=10)
11
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["nesting_depth"]

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
# elements that never hold children, and those whose end tag is optional (a page that never closes its
# <p> or <li> is ordinary, not deep)
_VOID = "area base br col embed hr img input link meta param source track wbr"
_OPTIONAL_END = "p li dt dd tr td th option optgroup thead tbody tfoot colgroup rb rt rp"
_FLAT = frozenset(f"{_VOID} {_OPTIONAL_END}".split())


_c_nesting_depth: Callable[[str, int], int] | None
try:
    from websieve.steps.extract._regions import nesting_depth as _c_nesting_depth
except ImportError:  # not compiled: the Python twin below
    _c_nesting_depth = None


def nesting_depth(html: str, *, limit: int | None = None) -> int:
    """The deepest element nesting of ``html``, read from its tags without building a tree.

    Stray end tags never make the depth negative. With ``limit``, the scan stops once the depth passes
    it (and returns that depth). A page with no more tags than ``limit`` is not scanned at all: its tag
    count, an upper bound of its depth, is returned.
    """
    if limit is not None and html.count("<") <= limit:
        return min(html.count("<"), limit)
    if _c_nesting_depth is not None:
        return _c_nesting_depth(html, -1 if limit is None else limit)
    return _nesting_depth_py(html, limit=limit)


def _nesting_depth_py(html: str, *, limit: int | None = None) -> int:
    """`nesting_depth` in Python: the reference for the C extension's, and the fallback."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _FLAT:
            continue
        if closing:
            depth = max(depth - 1, 0)
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if limit is not None and deepest > limit:
                return deepest
    return deepest
