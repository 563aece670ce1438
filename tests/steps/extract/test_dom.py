"""The region markers: the C reader and its Python twin agree on any text, and regions nest correctly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from websieve.steps.extract import dom
from websieve.steps.extract.dom import MAIN_COLUMN, Region, render_page, unmark

MARKERS = [chr(0xFDD0 + i) for i in range(32)]


def test_the_c_reader_is_built() -> None:
    # `make install` compiles it; the Python twin is only the fallback where no C compiler exists
    assert dom.REGIONS_BACKEND == "C extension"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "é", "\n", " ", "😀", "中", *MARKERS]), max_size=80))
def test_c_reader_equals_the_python_twin(chars: list[str]) -> None:
    text = "".join(chars)
    c_text, c_rows = dom._read_markers(text)
    py_text, py_rows = dom._read_markers_py(text)
    assert c_text == py_text == unmark(text)
    assert c_rows.shape == py_rows.shape == (text.count("\n") + 1, len(Region) + 1)
    assert np.array_equal(c_rows, py_rows)


def test_nested_regions_count_once_and_stray_closes_are_ignored() -> None:
    nav_open, nav_close = chr(0xFDD0 + 2 * Region.NAV), chr(0xFDD0 + 2 * Region.NAV + 1)
    text, rows = dom._read_markers(f"{nav_close}ab{nav_open}{nav_open}cd{nav_close}ef{nav_close}\ngh")
    assert text == "abcdef\ngh"
    assert rows[0][Region.NAV] == 4 / 6 and rows[1][Region.NAV] == 0.0


def test_render_page_regions_on_generated_markup() -> None:
    page = render_page(
        "<html><body><header><a href='/'>Home</a></header><div class='comments'><p>Nice post!</p></div>"
        "<main><h1>Title</h1><h2>Part one</h2><p>Body text with <a href='/x'>a link</a> inside.</p></main>"
        "</body></html>"
    )
    lines = page.text.split("\n")
    row = {line.strip(): page.regions[i] for i, line in enumerate(lines) if line.strip()}
    assert row["Home"][Region.NAV] == 1.0 and row["Home"][Region.LINK] == 1.0
    assert row["Nice post!"][Region.COMMENT] == 1.0 and row["Nice post!"][Region.PARAGRAPH] == 1.0
    assert row["Title"][Region.TITLE] == 1.0 and row["Title"][Region.ARTICLE] == 1.0
    assert row["Title"][Region.HEADING] == 0.0  # h2-h6 only
    assert row["Part one"][Region.HEADING] == 1.0
    body = row["Body text with a link inside."]
    assert 0.1 < body[Region.LINK] < 0.5 and body[Region.NAV] == 0.0
    assert body[MAIN_COLUMN] == 1.0


def test_pages_with_noncharacters_of_their_own_and_no_body() -> None:
    page = render_page("<p>a\ufdd0b\ufdd1c</p>")
    assert page.text.strip() == "abc"
    empty = render_page("")
    assert empty.text == "" and empty.regions.shape == (1, len(Region) + 1)
