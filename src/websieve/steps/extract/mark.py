"""Bracket the page's DOM regions with marker characters, in one pass over its tags, without a parser.

Every element of a few telling kinds (`Region`: navigation, comments, share widgets, bylines, article
containers, links, headings, list items, forms, table cells, quotes, figures, paragraphs, hidden elements)
gets two private characters around its content: U+FDD0 + 2·region after its start tag and U+FDD0 +
2·region + 1 where it ends. These are Unicode noncharacters, which no real text holds; an HTML parser keeps
them as text, so the page renders as before with the markers where the regions were
(`websieve.steps.extract.dom` reads them back per line).

Where an element ends follows the HTML parser's rules for the common cases: end tags close the innermost
open element of their name (not past a table cell for a block, not past a block for an inline element);
a block start tag closes an open ``<p>``; ``<li>``, ``<dt>``, ``<dd>``, ``<td>``, ``<th>``, ``<tr>``,
``<option>`` and ``<a>`` close the previous one; void elements and raw text (scripts, styles, titles)
hold nothing; what is open at the end closes at the end. The head is never marked. Elements with nothing
between their tags are left unmarked (they would make empty lines).

The C extension (``_regions.mark_regions``) runs this in about 0.25 ms for a page of 145 KB;
`_mark_regions_py` below is its reference and the fallback without a compiler.

>>> marked = mark_regions("<body><nav><a href='/'>Home</a></nav><p>Text.</p></body>")
>>> "".join(f"[{ord(c) - MARK_BASE}]" if "\\ufdd0" <= c <= "\\ufdef" else c for c in marked)
"<body><nav>[0]<a href='/'>[10]Home[11]</a>[1]</nav><p>[26]Text.[27]</p></body>"
"""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Callable

from websieve.errors import DocumentTooLarge

__all__ = ["MARK_BACKEND", "Region", "mark_regions", "region_mask"]


class Region(enum.IntEnum):
    """Kinds of DOM regions a line can stand in (one feature column each)."""

    NAV = 0
    COMMENT = 1
    SHARE = 2
    """Share buttons, related links, newsletters, cookie notices, promotions, teasers."""
    BYLINE = 3
    """Author, date, tag and meta boxes."""
    ARTICLE = 4
    LINK = 5
    TITLE = 6
    """``h1``."""
    HEADING = 7
    """``h2``–``h6``."""
    LIST = 8
    FORM = 9
    TABLE = 10
    QUOTE = 11
    FIGURE = 12
    """Figures, their captions and credits."""
    PARAGRAPH = 13
    HIDDEN = 14
    """Elements the page hides (``hidden``, ``aria-hidden``, ``display: none``)."""


MARK_BASE = 0xFDD0
"""U+FDD0..U+FDEF: noncharacters, never in interchanged text."""

# What puts an element in a region: its tag name, and substrings of its class and id (case-sensitive, as
# CSS's [class*=nav]). The C extension holds the same table (_regions.c: TAGS, CLASSES, IDS).
_TAGS: dict[str, Region] = {
    **dict.fromkeys(("nav", "header", "footer", "aside", "menu"), Region.NAV),
    **dict.fromkeys(("article", "main"), Region.ARTICLE),
    "a": Region.LINK,
    "h1": Region.TITLE,
    **dict.fromkeys(("h2", "h3", "h4", "h5", "h6"), Region.HEADING),
    **dict.fromkeys(("li", "dt", "dd"), Region.LIST),
    **dict.fromkeys(("form", "button", "label"), Region.FORM),
    **dict.fromkeys(("td", "th"), Region.TABLE),
    **dict.fromkeys(("blockquote", "q"), Region.QUOTE),
    **dict.fromkeys(("figure", "figcaption"), Region.FIGURE),
    "p": Region.PARAGRAPH,
}
_CLASSES: tuple[tuple[str, Region], ...] = (
    *((w, Region.NAV) for w in ("nav", "menu", "breadcrumb", "footer", "header", "sidebar", "widget")),
    *((w, Region.COMMENT) for w in ("comment", "reply", "disqus")),
    *(
        (w, Region.SHARE)
        for w in (
            "share",
            "social",
            "related",
            "newsletter",
            "cookie",
            "promo",
            "advert",
            "subscribe",
            "teaser",
            "recommend",
        )
    ),
    *((w, Region.BYLINE) for w in ("tag", "author", "byline", "meta", "date")),
    *((w, Region.ARTICLE) for w in ("article", "content", "post", "entry", "story", "body", "text")),
    *((w, Region.FIGURE) for w in ("caption", "credit")),
)
_IDS: tuple[tuple[str, Region], ...] = (
    *((w, Region.NAV) for w in ("nav", "menu", "footer", "header", "sidebar")),
    *((w, Region.COMMENT) for w in ("comment", "respond")),
)
_NAV_ROLES = frozenset({"navigation", "banner", "contentinfo"})


def region_mask(name: str, attributes: dict[str, str]) -> int:
    """The regions (bit ``1 << region``) an element of tag ``name`` (lower case) with ``attributes``
    (names in lower case, the first of each name) stands for.

    >>> [Region(r).name for r in range(len(Region)) if region_mask("a", {"class": "share-link"}) >> r & 1]
    ['SHARE', 'LINK']
    """
    mask = 0
    region = _TAGS.get(name)
    if region is not None:
        mask |= 1 << region
    if not attributes:
        return mask
    value = attributes.get("class")
    if value:
        for word, region in _CLASSES:
            if word in value:
                mask |= 1 << region
    value = attributes.get("id")
    if value:
        for word, region in _IDS:
            if word in value:
                mask |= 1 << region
    if attributes.get("role") in _NAV_ROLES:
        mask |= 1 << Region.NAV
    if attributes.get("itemprop") == "articleBody":
        mask |= 1 << Region.ARTICLE
    style = attributes.get("style")
    if (
        "hidden" in attributes
        or attributes.get("aria-hidden") == "true"
        or (style is not None and ("display:none" in style or "display: none" in style))
    ):
        mask |= 1 << Region.HIDDEN
    return mask


# --- the tree-building rules (the C extension has the same lists) ---------------------------------------
def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VOID = _names(
    "area base basefont bgsound br col embed frame hr img input keygen link meta param source track wbr"
)
_RAW = _names("script style textarea title xmp iframe noembed noframes")
"""Content is text up to the end tag (``</div>`` inside a script closes nothing)."""
_HEAD = _names("html head title meta link base style script noscript template basefont bgsound")
"""Start tags that do not open the body."""
_UNMARKED = _names("html head body table thead tbody tfoot tr colgroup")
"""Text inside these (outside a cell) is moved before the table by the parser: markers would not stay.
(The body is marked, it is handled apart.)"""
_SPECIAL = _names(
    "address applet area article aside base basefont bgsound blockquote body br button caption center "
    "col colgroup dd details dir div dl dt embed fieldset figcaption figure footer form frame frameset "
    "h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img input keygen li link listing main marquee "
    "menu meta nav noembed noframes noscript object ol p param plaintext pre script search section "
    "select source style summary table tbody td template textarea tfoot th thead title tr track ul wbr "
    "xmp"
)
"""Elements an inline end tag (``</span>``) does not close past."""
_SCOPE = _names("applet caption html table td th marquee object template")
"""Elements a block end tag (``</div>``) does not close past."""
_CLOSES_P = _names(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure "
    "footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 pre listing "
    "form plaintext table hr xmp li dd dt"
)
_BLOCK_END = _CLOSES_P | {"button", "applet", "marquee", "object"}
_HEADINGS = _names("h1 h2 h3 h4 h5 h6")
_TABLE_PARTS = _names("tr td th tbody thead tfoot caption colgroup")
_TABLE_STOP = _names("table html template")
_LI_STOP = _SPECIAL - {"address", "div", "p"}
_FOREIGN = _names("svg math")
_FORMATTING = _names("a b big code em font i nobr s small strike strong tt u")
"""Closed by the parser's adoption agency: an end tag past a block takes off this element only."""
_AFE_MARKERS = _names("applet object marquee template td th caption")
"""Where the parser's list of formatting elements to reopen starts afresh (and ends, when they close)."""
_RECONSTRUCT_STEPS = 100
"""What reopening one formatting element costs the parser, in steps of a stack walk (an element made,
its attributes copied): lexbor takes 3.3 s and 2.3 GB for 300 unclosed ``<b id=...>`` and 20,000
``<div>x</div>``, which reopen 6 million elements."""
_UNRENDERED = _names("button label select option noscript template")
"""resiliparse renders nothing inside these: a closer written inside one would be lost."""

_TAG_START = re.compile(r"<(?:!--|[!?/]|[a-zA-Z])")
_NAME = re.compile(r"[^ \t\n\r\f/>]*")
_SPACES = re.compile(r"[ \t\n\r\f/]*")  # between attributes
_ATTR_NAME = re.compile(r"[^ \t\n\r\f/>=]+|=[^ \t\n\r\f/>=]*")
_UNQUOTED = re.compile(r"[^ \t\n\r\f>]*")
_BLANK = re.compile(r"[ \t\n\r\f]*")
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
"""ASCII letters only, as the HTML tokenizer does (``"\\u212a".lower()``, the Kelvin sign, is ``"k"``)."""


class _Open:
    __slots__ = ("content", "mask", "name", "saved")

    def __init__(self, name: str, mask: int, content: int) -> None:
        self.name = name
        self.mask = mask  # regions marked (0: none)
        self.content = content  # where its content starts in the page
        self.saved = 0  # an _AFE_MARKERS element: the formatting elements to reopen before it


def _mark_regions_py(html: str, max_marks: int, max_steps: int) -> str | None:
    """`mark_regions` in Python: the reference for the C extension's ``mark_regions``, and the fallback.
    ``None`` when looking for open elements took more than ``max_steps`` steps."""
    out: list[str] = []
    done = 0  # html[:done] is in out
    stack: list[_Open] = []
    in_body = body_seen = False
    foreign = 0
    marks = 0
    steps = 0
    stale = 0  # formatting elements closed by another's end tag: the parser reopens them for what follows
    n = len(html)

    def close(index: int, at: int, *, named: bool = False) -> None:
        """Close stack[index:], innermost first, with their closers before ``html[at]``. ``named``: the
        tag at ``at`` is stack[index]'s own end tag (the others close implicitly)."""
        nonlocal done, marks, foreign, stale
        if at > done:
            out.append(html[done:at])
            done = at
        unrendered: list[str] = []  # closed implicitly, and closed here in writing before any closer
        while len(stack) > index:
            element = stack.pop()
            implicit = not (named and len(stack) == index)
            if element.name in _FOREIGN:
                foreign -= 1
            if element.name in _AFE_MARKERS:
                stale = element.saved
            elif element.name in _FORMATTING and implicit:
                stale += 1
            if element.name in _UNRENDERED and implicit:
                unrendered.append(f"</{element.name}>")
            if not element.mask:
                continue
            if element.content == at:  # nothing inside: take its opener back
                out.pop()
                marks -= element.mask.bit_count()
                continue
            if unrendered:
                out.append("".join(unrendered))
                unrendered.clear()
            out.append(_closers(element.mask))

    def take_off(index: int, at: int) -> None:
        """Take stack[index] alone off (the adoption agency: the blocks above it stay open)."""
        nonlocal done
        element = stack.pop(index)
        if element.mask:
            out.append(html[done:at])
            done = at
            out.append(_closers(element.mask))

    def find(names: frozenset[str] | str, stop: frozenset[str]) -> int:
        """Index of the innermost open element named in ``names``, not past one in ``stop``; -1."""
        nonlocal steps
        for index in range(len(stack) - 1, -1, -1):
            steps += 1
            name = stack[index].name
            if name in names if isinstance(names, frozenset) else name == names:
                return index
            if name in stop:
                return -1
        return -1

    at = 0
    while True:
        if steps > max_steps:
            return None
        match = _TAG_START.search(html, at)
        if match is None:
            break
        start = match.start()
        head = match.group()
        if head == "<!--":
            end = html.find("-->", start + 4)
            at = n if end < 0 else end + 3
            continue
        if head in ("<!", "<?"):
            end = html.find(">", start + 2)
            at = n if end < 0 else end + 1
            continue
        closing = head == "</"
        if closing and (start + 2 >= n or html[start + 2] not in string.ascii_letters):
            end = html.find(">", start + 2)  # "</ " or "</>": a bogus comment
            at = n if end < 0 else end + 1
            continue
        name_match = _NAME.match(html, start + (2 if closing else 1))
        assert name_match is not None
        name = name_match.group().translate(_LOWER)
        pos = name_match.end()
        attributes: dict[str, str] = {}
        self_closing = False
        while pos < n:
            pos = _SPACES.match(html, pos).end()  # type: ignore[union-attr]
            if pos >= n or html[pos] == ">":
                break
            attr = _ATTR_NAME.match(html, pos)
            assert attr is not None
            key = attr.group().translate(_LOWER)
            pos = _BLANK.match(html, attr.end()).end()  # type: ignore[union-attr]
            value = ""
            if pos < n and html[pos] == "=":
                pos = _BLANK.match(html, pos + 1).end()  # type: ignore[union-attr]
                if pos < n and html[pos] in "\"'":
                    end = html.find(html[pos], pos + 1)
                    end = n if end < 0 else end
                    value = html[pos + 1 : end]
                    pos = end + 1
                else:
                    unquoted = _UNQUOTED.match(html, pos)
                    assert unquoted is not None
                    value = unquoted.group()
                    pos = unquoted.end()
            attributes.setdefault(key, value)
        if pos >= n:
            break  # a tag cut off by the end of the page: text
        self_closing = html[pos - 1] == "/" and pos - 1 > name_match.end() - 1
        at = pos + 1
        if closing:
            if name in ("body", "html"):
                continue  # what follows still goes into the body
            if name in _TABLE_PARTS or name == "table":
                index = find(name, _TABLE_STOP if name != "table" else frozenset({"html", "template"}))
            elif name in _HEADINGS:
                index = find(_HEADINGS, _SCOPE)
            elif name == "li":
                index = find(name, _SCOPE | {"ol", "ul"})
            elif name in _BLOCK_END:
                index = find(name, _SCOPE)
            elif name in _FORMATTING:
                index = find(name, _SCOPE)
                if index >= 0 and any(e.name in _SPECIAL for e in stack[index + 1 :]):
                    take_off(index, start)
                    continue
                if index < 0 and stale:
                    stale -= 1  # it was one of those to reopen: the parser forgets it
            else:
                index = find(name, _SPECIAL)
            if index >= 0:
                close(index, start, named=True)
            continue
        # a start tag: first what it closes, then what the parser reopens for it
        if name in ("li", "dd", "dt"):
            index = find("li" if name == "li" else frozenset({"dd", "dt"}), _LI_STOP)
            if index >= 0:
                close(index, start)
        if name in _CLOSES_P:
            index = find("p", _SCOPE | {"button"})
            if index >= 0:
                close(index, start)
            if name in _HEADINGS and stack and stack[-1].name in _HEADINGS:
                close(len(stack) - 1, start)
        elif name in ("td", "th"):
            index = find(frozenset({"td", "th"}), _TABLE_STOP | {"tr"})
            if index >= 0:
                close(index, start)
        elif name == "tr":
            index = find("tr", _TABLE_STOP | {"tbody", "thead", "tfoot"})
            if index >= 0:
                close(index, start)
        elif name in ("tbody", "thead", "tfoot"):
            index = find(frozenset({"tbody", "thead", "tfoot"}), _TABLE_STOP)
            if index >= 0:
                close(index, start)
        elif name == "a":
            index = find("a", _SCOPE)
            if index >= 0 and any(e.name in _SPECIAL for e in stack[index + 1 :]):
                take_off(index, start)
            elif index >= 0:
                close(index, start)
        elif name in ("option", "optgroup"):
            if stack and stack[-1].name == "option":
                close(len(stack) - 1, start)
            if name == "optgroup" and stack and stack[-1].name == "optgroup":
                close(len(stack) - 1, start)
        steps += stale * _RECONSTRUCT_STEPS
        if name in _RAW and not foreign:  # in <svg> and <math>, <title> and <style> hold markup
            end = _raw_end(html, at, name)
            at = end
            continue
        if name == "plaintext":
            break
        if not in_body:
            if name in _HEAD:
                continue
            in_body = True
        if name in _VOID or (self_closing and (foreign or name in _FOREIGN)) or name in ("html", "head"):
            continue
        if name == "body":
            if body_seen:
                continue  # a second <body>: its attributes go to the first
            body_seen = True
            if stack:  # the body was opened by what came before: its attributes still apply to all
                mask = region_mask(name, attributes) if marks < max_marks else 0
                if mask:
                    marks += mask.bit_count()
                    out.append(html[done:at])
                    out.append(_openers(mask))
                    done = at
                # at the bottom of the stack, its opener is not the last thing written: never taken back
                stack.insert(0, _Open(name, mask, -1))
                continue
        if name in _FOREIGN:
            foreign += 1
        element = _Open(name, 0, at)
        if name in _AFE_MARKERS:
            element.saved, stale = stale, 0
        mask = 0
        if marks < max_marks and (name == "body" or name not in _UNMARKED):
            mask = region_mask(name, attributes)
        if mask:
            marks += mask.bit_count()
            out.append(html[done:at])
            out.append(_openers(mask))
            done = at
        element.mask = mask
        stack.append(element)
    close(0, n)
    return "".join(out)


def _raw_end(html: str, at: int, name: str) -> int:
    """Where the raw text that starts at ``at`` ends: its ``</name`` (case-insensitive), or the end."""
    found = re.compile("</" + name, re.IGNORECASE | re.ASCII).search(html, at)
    return found.start() if found else len(html)


def _openers(mask: int) -> str:
    return "".join(chr(MARK_BASE + 2 * r) for r in range(len(Region)) if mask >> r & 1)


def _closers(mask: int) -> str:
    return "".join(chr(MARK_BASE + 2 * r + 1) for r in range(len(Region)) if mask >> r & 1)


_c_mark_regions: Callable[[str, int, int], str | None] | None
try:
    from websieve.steps.extract._regions import mark_regions as _c_mark_regions
except ImportError:  # not compiled (no C compiler where websieve was installed): the Python twin
    _c_mark_regions = None


def mark_regions(html: str, *, max_marks: int = 20_000) -> str:
    """``html`` with its regions bracketed by marker characters (see the module docstring).

    At most ``max_marks`` element regions are marked, in page order (link-heavy pages have thousands of
    anchors); later elements are left unmarked, which bounds the work on hostile pages. ``html`` must not
    hold marker characters itself (`websieve.steps.extract.dom.unmark` it first).

    Raises `DocumentTooLarge` for tag soup that would keep the parser busy for seconds: end tags that
    send it deep down the open elements again and again (thousands of unclosed ``<span>`` and a million
    stray ``</b>``: lexbor takes 9 s for 4 MB of it), or formatting elements it must reopen for every
    element that follows (300 unclosed ``<b id=...>`` and 20,000 ``<div>x</div>``: 3.3 s and 2.3 GB).
    That work, counted in steps of a stack walk (a reopened element counts `_RECONSTRUCT_STEPS`), is
    capped at 50 steps per character of the page plus 10 million (a few tenths of a second): the most
    any of the 1,171 dev pages needs is 10 per character (the median 0.04), and 2,900 nested ``<div>``
    need 4.2 million.
    """
    max_steps = 50 * len(html) + 10_000_000
    if _c_mark_regions is not None:
        marked = _c_mark_regions(html, max_marks, max_steps)
    else:
        marked = _mark_regions_py(html, max_marks, max_steps)
    if marked is None:
        raise DocumentTooLarge(
            f"tag soup: building its tree takes over {max_steps:,} steps (thousands of unclosed elements, "
            "end tags that match none of them, formatting elements reopened again and again); HTML "
            "parsers take seconds on such a page: refused before parsing"
        )
    return marked


MARK_BACKEND = "C extension" if _c_mark_regions is not None else "Python"
"""Which `mark_regions` runs: the compiled ``_regions`` module or its Python twin."""
