"""The tag guard: the C scanner and its Python twin agree on any markup."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from websieve.steps.extract import guard

PIECES = [
    "\ufdd0",
    "\ufdeb",
    "<",
    ">",
    "/",
    "div",
    "DIV",
    "p",
    "br",
    "li",
    "span",
    " ",
    "x",
    "<!--",
    "-->",
    "1",
    "é",
    "\n",
    "=",
    "a='b'",
]


def test_the_c_scanner_is_built() -> None:
    assert guard._c_scan_tags is not None


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60), st.sampled_from([None, 0, 1, 3, 8]))
def test_c_scanner_equals_the_python_twin(pieces: list[str], limit: int | None) -> None:
    html = "".join(pieces)
    assert guard._c_scan_tags is not None
    assert guard._c_scan_tags(html, -1 if limit is None else limit) == guard._scan_tags_py(html, limit=limit)


def test_depth_of_real_shapes() -> None:
    assert guard.scan_tags("<div><div/><section><img src='a>b'></section></div>").depth == 2
    assert guard.scan_tags("<DIV><Span>a</span></div>").depth == 2
    assert guard.scan_tags("<div " + "x" * 100) == (0, 0, 0)  # a tag that never closes is not a tag
    assert guard.scan_tags("<p>a\ufdd0b</p><div title='\ufdef'>").markers == 2
    assert guard.scan_tags("<a href='/q?x=1&y=2' class=c>").attributes == 2
    assert guard.scan_tags("<div a0 a1 a2 a3/>").attributes == 4
    assert guard.scan_tags("<meta content='many words in a value' name=\"a b\">").attributes == 2
    # stray end tags close nothing; scripts and comments are not markup
    assert guard.scan_tags("<div></span>" * 50).depth == 50
    assert guard.scan_tags("<div><script>'</div></div>'</script><!-- </div> --><div>").depth == 2


def test_real_pages_are_far_from_the_caps() -> None:
    from conftest import PAGES_DIR
    from websieve.steps.extract.html import ExtractHtmlConfig

    caps = ExtractHtmlConfig()
    pages = sorted(PAGES_DIR.glob("*.html")) + sorted((PAGES_DIR.parent / "metadata").glob("*.html"))
    assert len(pages) >= 5
    for page in pages:
        stats = guard.scan_tags(page.read_text(encoding="utf-8"))
        assert stats.depth < caps.max_depth // 10 and stats.attributes < caps.max_attributes // 10, page.name
