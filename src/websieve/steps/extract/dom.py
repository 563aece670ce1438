"""Render an HTML page to text lines, each with where it stood in the page's DOM.

Every element of a few telling kinds (navigation, comments, share and promotion widgets, bylines, article
containers, links, headings, list items, forms, table cells, quotes, figures, paragraphs, hidden
elements; `Region`) is bracketed by two private marker characters (Unicode noncharacters, which no real
text contains) in one pass over the page's tags (`websieve.steps.extract.mark`). resiliparse then parses
and renders the marked page as text with its block layout, and one pass over the rendered text turns the
markers into, for every line, the share of its characters inside each kind of region. A second render
with resiliparse's main-content heuristic adds whether the line is part of what resiliparse would keep.

>>> page = render_page(
...     "<html><body><nav><a href='/'>Home</a></nav>"
...     "<article><p>The river rose by a metre on Monday.</p></article></body></html>")
>>> [line for line in page.text.split("\\n") if line]
['Home', 'The river rose by a metre on Monday.']
>>> [round(float(x), 2) for x in page.regions[0][[Region.NAV, Region.LINK, Region.ARTICLE]]]
[1.0, 1.0, 0.0]
>>> [round(float(x), 2) for x in page.regions[3][[Region.NAV, Region.ARTICLE, MAIN_COLUMN]]]
[0.0, 1.0, 1.0]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from websieve.steps.extract.mark import MARK_BASE, Region, mark_regions

__all__ = ["DOM_FEATURE_NAMES", "MAIN_COLUMN", "Region", "RenderedPage", "render_page", "unmark"]


MAIN_COLUMN = len(Region)
"""Column of `RenderedPage.regions` that says whether resiliparse's main-content render kept the line."""
DOM_FEATURE_NAMES: tuple[str, ...] = (*(f"dom_{r.name.lower()}" for r in Region), "dom_main")

_c_read_markers: Callable[[str, int], tuple[str, bytearray]] | None
try:
    from websieve.steps.extract._regions import read_markers as _c_read_markers
except ImportError:  # not compiled (no C compiler where websieve was installed): the Python twin
    _c_read_markers = None

MARKERS = re.compile("[\ufdd0-\ufdef]")
"""The region markers (and any noncharacter of their block a page may hold)."""
_MARKER_OR_NEWLINE = re.compile("[\ufdd0-\ufdef\n]")


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A page rendered as text, with one row of `DOM_FEATURE_NAMES` per line of ``text.split("\\n")``."""

    text: str
    regions: np.ndarray
    title: str | None
    main: str
    """The text resiliparse's main-content render keeps (without markers)."""
    tree: Any
    """The resiliparse tree of the marked page (its head is the page's own; text read from its body
    carries the markers: `unmark` it)."""


def render_page(html: str, *, max_marks: int = 20_000, has_markers: bool = True) -> RenderedPage:
    """Render ``html`` to text lines with their DOM regions (see the module docstring).

    At most ``max_marks`` element regions are bracketed, in page order (link-heavy pages have thousands
    of anchors); the regions of later elements are then unknown (0), which bounds the work on hostile
    pages.
    ``has_markers=False``: the caller knows ``html`` holds no marker characters
    (`websieve.steps.extract.guard.scan_tags` counts them), which saves a pass over it. Raises
    `websieve.errors.DocumentTooLarge` for tag soup the parser would take seconds on
    (`websieve.steps.extract.mark.mark_regions`).
    """
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    if has_markers:
        html = unmark(html)
    tree = HTMLTree.parse(mark_regions(html, max_marks=max_marks))
    rendered = extract_plain_text(tree, main_content=False, preserve_formatting=True, list_bullets=False)
    main = extract_plain_text(tree, main_content=True, preserve_formatting=True, list_bullets=False)
    main = unmark(main)
    main_lines = {line.strip() for line in main.split("\n")}
    text, regions = _read_markers(rendered)
    stripped = (line.strip() for line in text.split("\n"))
    regions[:, MAIN_COLUMN] = [bool(line) and line in main_lines for line in stripped]
    title = (tree.title or "").strip() or None
    return RenderedPage(text=text, regions=regions, title=title, main=main, tree=tree)


def unmark(text: str) -> str:
    """``text`` without the region markers (for text read from `RenderedPage.tree`'s body)."""
    return MARKERS.sub("", text) if MARKERS.search(text) else text


def _read_markers(rendered: str) -> tuple[str, np.ndarray]:
    """The text without markers, and per line the share of its characters inside each region (the last
    column, `MAIN_COLUMN`, left 0)."""
    if _c_read_markers is not None:
        text, table = _c_read_markers(rendered, len(Region))
        # a bytearray: numpy writes the main-content column into it, no copy
        regions = np.frombuffer(table, dtype=np.float32).reshape(-1, len(Region) + 1)
        return text, regions
    return _read_markers_py(rendered)


def _read_markers_py(rendered: str) -> tuple[str, np.ndarray]:
    """`_read_markers` in Python: the reference for the C extension's ``read_markers``, and the fallback."""
    n_regions = len(Region)
    rows: list[list[float]] = []
    depth = [0] * n_regions
    active: list[int] = []  # regions with depth > 0
    counts = [0] * n_regions
    length = 0
    pos = 0
    for match in _MARKER_OR_NEWLINE.finditer(rendered):
        size = match.start() - pos
        if size:
            length += size
            for r in active:
                counts[r] += size
        pos = match.end()
        char = match.group()
        if char == "\n":
            rows.append([c / length for c in counts] if length else [0.0] * n_regions)
            counts = [0] * n_regions
            length = 0
            continue
        code = ord(char) - MARK_BASE
        region = code >> 1
        if region >= n_regions:
            continue
        if code & 1:
            if depth[region]:
                depth[region] -= 1
                if not depth[region]:
                    active.remove(region)
        else:
            depth[region] += 1
            if depth[region] == 1:
                active.append(region)
    size = len(rendered) - pos
    if size:
        length += size
        for r in active:
            counts[r] += size
    rows.append([c / length for c in counts] if length else [0.0] * n_regions)
    regions = np.zeros((len(rows), n_regions + 1), dtype=np.float32)
    regions[:, :n_regions] = rows
    return unmark(rendered), regions


REGIONS_BACKEND = "C extension" if _c_read_markers is not None else "Python"
"""Which `_read_markers` runs: the compiled ``_regions`` module or its Python twin."""
