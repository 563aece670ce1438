"""Region marking in one pass over the tags: the C pass equals its Python twin, only inserts markers, and
brackets the same text as marking the DOM that lexbor (selectolax) builds, on real pages and on markup
written to trip the tree-building rules."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree

from websieve.errors import DocumentTooLarge
from websieve.steps.extract import mark
from websieve.steps.extract.dom import MAIN_COLUMN, _read_markers, unmark
from websieve.steps.extract.mark import Region, mark_regions

DATA = Path(__file__).parents[2] / "data"
PAGES = sorted([*(DATA / "pages").glob("*.html"), *(DATA / "metadata").glob("*.html")])

# the selectors the marking stands for (CSS, as lexbor matches them); the reference below marks the DOM
SELECTORS: dict[Region, str] = {
    Region.NAV: "nav, header, footer, aside, menu, [role=navigation], [role=banner], [role=contentinfo], "
    "[class*=nav], [id*=nav], [class*=menu], [id*=menu], [class*=breadcrumb], [class*=footer], "
    "[id*=footer], [class*=header], [id*=header], [class*=sidebar], [id*=sidebar], [class*=widget]",
    Region.COMMENT: "[class*=comment], [id*=comment], [class*=reply], [id*=respond], [class*=disqus]",
    Region.SHARE: "[class*=share], [class*=social], [class*=related], [class*=newsletter], [class*=cookie], "
    "[class*=promo], [class*=advert], [class*=subscribe], [class*=teaser], [class*=recommend]",
    Region.BYLINE: "[class*=tag], [class*=author], [class*=byline], [class*=meta], [class*=date]",
    Region.ARTICLE: "article, main, [itemprop=articleBody], [class*=article], [class*=content], "
    "[class*=post], [class*=entry], [class*=story], [class*=body], [class*=text]",
    Region.LINK: "a",
    Region.TITLE: "h1",
    Region.HEADING: "h2, h3, h4, h5, h6",
    Region.LIST: "li, dt, dd",
    Region.FORM: "form, button, label",
    Region.TABLE: "td, th",
    Region.QUOTE: "blockquote, q",
    Region.FIGURE: "figure, figcaption, [class*=caption], [class*=credit]",
    Region.PARAGRAPH: "p",
    Region.HIDDEN: "[hidden], [aria-hidden=true], [style*='display:none'], [style*='display: none']",
}


def _dom_marked(html: str) -> str:
    """The reference: lexbor's DOM, each matching element's content bracketed, serialised."""
    from selectolax.lexbor import LexborHTMLParser

    parser = LexborHTMLParser(html)
    body = parser.body
    if body is None:
        return html
    for region, selector in SELECTORS.items():
        for element in body.css(selector):
            first = element.child
            if first is not None:
                first.insert_before(chr(mark.MARK_BASE + 2 * region))
                element.insert_child(chr(mark.MARK_BASE + 2 * region + 1))
    return parser.html or ""


_WRITTEN_END = re.compile(r"</(?:button|label|select|option|noscript|template)>")


def _only_markers_added(html: str, marked: str) -> bool:
    """``marked`` is ``html`` with markers, and the end tags of elements resiliparse does not render where
    the parser closes them anyway (closers written inside one would be lost)."""
    return _WRITTEN_END.sub("", unmark(marked)) == _WRITTEN_END.sub("", html)


def _lines(marked: str) -> tuple[list[str], np.ndarray]:
    rendered = extract_plain_text(
        HTMLTree.parse(marked), main_content=False, preserve_formatting=True, list_bullets=False
    )
    text, regions = _read_markers(rendered)
    keep = [i for i, line in enumerate(text.split("\n")) if line.strip()]
    return [text.split("\n")[i].strip() for i in keep], regions[keep, :MAIN_COLUMN]


def test_the_c_pass_is_built() -> None:
    assert mark.MARK_BACKEND == "C extension"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_real_pages_c_equals_python_and_markers_are_all_it_adds(path: Path) -> None:
    html = path.read_text(encoding="utf-8", errors="replace")
    marked = mark_regions(html)
    assert marked == mark._mark_regions_py(html, 20_000, 10**9)
    assert _only_markers_added(html, marked)
    assert marked.count(chr(mark.MARK_BASE + 2 * Region.LINK)) > 10


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_real_pages_regions_equal_those_of_the_parsed_dom(path: Path) -> None:
    html = path.read_text(encoding="utf-8", errors="replace")
    ours, reference = _lines(mark_regions(html)), _lines(_dom_marked(html))
    assert ours[0] == reference[0]
    assert np.abs(ours[1] - reference[1]).max() < 0.01


TRICKY = [
    # implied ends: <p> closed by a block, <li>/<dt>/<dd>/<td>/<tr>/<option> by the next one
    "<body><p class=intro>One<div class=share>Two</div>Three<p>Four<ul><li>a<li class=tag>b</ul>",
    "<dl><dt>Term<dd class=meta>Def<dt>Next</dl><select><option>x<option class=nav>y</select>",
    "<table><tr><td>a<td class=comment>b<tr><th>c</table><p>after",
    "<table class=nav><tbody><tr class=share><td>cell</td></tr></tbody></table>",
    # headings close each other, nested anchors close the first
    "<h1>Title<h2 class=post-date>Sub</h2></h1><a href=1>one<a href=2 class=social>two</a>",
    # misnested inline and block end tags
    "<div class=content><span>text</div> tail</span><b><i>x</b>y</i>",
    "<div class=nav><p>in nav</p></span></div></div><p>out",
    # raw text, comments, fake tags in quotes, upper case, duplicate attributes, unquoted values
    "<script>var s='<div class=nav>';</script><!-- <p class=nav> --><DIV CLASS=footer>F</DIV>",
    '<div title=\'a > b\' class="header" class="story">H</div><div id=main-nav data-x=<>>N</div>',
    "<title>T <b>x</b></title><style>.nav{}</style><textarea><p>raw</p></textarea><p hidden>h</p>",
    # head elements, foreign content, void and self-closing elements, a cut-off tag
    "<html><head><meta name=x content=y><title>t</title></head><body class=post><p>b</p></body></html>",
    "<svg class=share><path d='m0'/><text>svg text</text></svg><br/><img class=credit><p>z</p>",
    "<p style='display: none'>gone</p><p aria-hidden=true>also</p><div role=navigation>r</div><a href",
    "<blockquote><q>quote</q></blockquote><figure><figcaption>cap</figcaption></figure><form><label>l",
    "<p>a</p><p></p><div class=nav></div><p> </p><li></li>",
    # review: an unclosed <button> or <label> (resiliparse renders nothing inside) must not swallow the
    # closers of the regions around it
    "<body><header><div class=nav><button class=toggle><i class=icon></i></div></header>"
    "<article><p>First paragraph of the article.</p><p>Second paragraph.</p></article>",
    "<body><div class=sidebar><label>Search <input></div><p>Body text after the sidebar.</p>",
    # the adoption agency: a nested <a> or a </a> past a block takes the link off, not the block
    "<body><div style='display:none'><a href=1><div>A<a href=2>B</a></div></a>C</div><p>visible</p>",
    "<body><div class=content><a href=1><div>x</a>y</div>still content</div>",
    # <title/> in <svg> is not a raw-text element; <body> attributes apply after implied content
    "<ul class=menu><li><a href=/x><svg><title/><path d='m0'/></svg>Icon</a></li></ul><p>Article.</p>",
    "<html><head></head><div id=holder><body class='single-post'><p>Article paragraph.</p></div></body>",
]


@pytest.mark.parametrize("html", TRICKY)
def test_tricky_markup(html: str) -> None:
    marked = mark_regions(html)
    assert marked == mark._mark_regions_py(html, 20_000, 10**9)
    assert _only_markers_added(html, marked)
    ours, reference = _lines(marked), _lines(_dom_marked(html))
    assert ours[0] == reference[0]
    assert np.abs(ours[1] - reference[1]).max() < 0.01, (ours, reference)


def test_the_head_is_never_marked_and_empty_elements_are_left_alone() -> None:
    html = "<head><title class=nav>T</title><meta class=nav></head><body><a href=x></a><p>t</p></body>"
    assert mark_regions(html) == html.replace("<p>t", "<p>\ufdeat\ufdeb")


def test_tag_soup_that_sends_the_parser_down_the_open_elements_is_refused() -> None:
    soup = "<span>" * 2_900 + "</b>" * 100_000  # lexbor: 9 s with 1,000,000 end tags
    with pytest.raises(DocumentTooLarge, match="tag soup"):
        mark_regions(soup)
    assert mark._mark_regions_py(soup, 20_000, len(soup) + 100_000) is None  # the twin cuts it too
    reopened = "<body><div>" + "".join(f"<b id={k}>" for k in range(300)) + "</div>" + "<div>x</div>" * 5_000
    with pytest.raises(DocumentTooLarge, match="tag soup"):  # lexbor: 3.3 s and 2.3 GB with 20,000 divs
        mark_regions(reopened)
    fine = "<span>" * 2_900 + "</span>" * 2_900 + "<p>x</p>" * 100_000
    assert mark_regions(fine).count("\ufdea") == 20_000  # max_marks


@pytest.mark.parametrize(
    "name",
    # FNV-1a 64 of these equals that of "plaintext", "script" and "p": names are compared, not only hashed
    [
        "a\u4e98\u55a8\U000d37a0\U00091f68",
        "a\u4ea0\u5290\U001074ff\U000b4f77",
        "a\u527e\u5671\U000c475b\ue213",
    ],
)
def test_tag_names_whose_hash_collides_with_a_known_one(name: str) -> None:
    html = f"<body><{name}>x</{name}><nav><a href=/>Home</a></nav><p class=post>Text</p></body>"
    marked = mark_regions(html)
    assert marked == mark._mark_regions_py(html, 20_000, 10**9)
    assert marked.count(chr(mark.MARK_BASE + 2 * Region.NAV)) == 1


def test_the_mark_cap_counts_regions_in_page_order() -> None:
    html = "<body>" + "<p>x</p>" * 10
    assert mark_regions(html, max_marks=3).count(chr(mark.MARK_BASE + 2 * Region.PARAGRAPH)) == 3


FRAGMENTS = [
    "<div>", "</div>", "<p>", "</p>", "<li>", "<td>", "<tr>", "<table>", "</table>", "<a href=x>", "</a>",
    "<h1>", "</h2>", "<nav>", "<div class='nav comment'>", "<span id=footer>", "<br/>", "<svg>", "<x/>",
    "<script>", "</script>", "<!--", "-->", "<!doctype html>", "<body class=post>", "<head>", "</body>",
    "<p hidden>", "<option>", "<title>", "</TITLE>", "<DIV CLASS=Share>", "<a b='>'>", "<", ">", "</", "'",
    '"', "=", " ", "\n", "text", "é", "中", "😀", "<?xml?>", "</ p>", "<dd>", "<q>", "<plaintext>",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40), st.integers(min_value=0, max_value=12))
def test_c_equals_the_python_twin_on_tag_soup(fragments: list[str], cap: int) -> None:
    html = "".join(fragments)
    marked = mark._c_mark_regions(html, cap, 10**9) if mark._c_mark_regions else html
    assert marked == mark._mark_regions_py(html, cap, 10**9)
    assert marked is not None and _only_markers_added(html, marked)
    # the step budget cuts both at the same point
    steps = len(fragments)
    assert mark._c_mark_regions(html, cap, steps) == mark._mark_regions_py(html, cap, steps)
