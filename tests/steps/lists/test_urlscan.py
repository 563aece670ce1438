"""The C matcher (``_urlscan``) equals its Python twin: on the recorded URLs, on generated URLs built from
the lists' own domains and words, in both domain rules, with every word list on."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import LISTS_DIR
from websieve.steps.lists import matcher as matcher_module
from websieve.steps.lists.domain_list import CompiledList, merge_lists, read_list
from websieve.steps.lists.matcher import DomainMatch, Matcher, make_matcher
from websieve.steps.lists.sources import build_list, fineweb_parts, ut1_parts
from websieve.steps.lists.url_words import WordLists, WordRule

ROWS = [json.loads(line)["url"] for line in (LISTS_DIR / "decisions.jsonl").open(encoding="utf-8")]
WORDS = WordLists.load(refinedweb=True)
DOMAINS = (LISTS_DIR / "fineweb" / "domains").read_text(encoding="utf-8").split()
LISTED_URLS = (LISTS_DIR / "fineweb" / "urls").read_text(encoding="utf-8").split()


@cache
def _list() -> CompiledList:
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    parts = fineweb_parts(LISTS_DIR / "fineweb") + ut1_parts(LISTS_DIR / "ut1", ["gambling", "shortener"])
    return merge_lists([read_list(build_list(parts, folder / "l.wsbl").path)])


@cache
def _pair(mode: DomainMatch, categories: tuple[str, ...] | None = None) -> tuple[Matcher, Matcher]:
    c = make_matcher(_list(), words=WORDS, categories=categories, mode=mode)
    py = make_matcher(_list(), words=WORDS, categories=categories, mode=mode, backend="python")
    return c, py


def test_the_extension_is_built() -> None:
    assert matcher_module.MATCH_BACKEND == "c"
    assert type(_pair(DomainMatch.SUBDOMAINS)[0]).__module__ == "websieve.steps.lists._urlscan"


@pytest.mark.parametrize("mode", list(DomainMatch))
@pytest.mark.parametrize("categories", [None, ("gambling",)])
def test_c_equals_the_twin_on_the_recorded_urls(
    mode: DomainMatch, categories: tuple[str, ...] | None
) -> None:
    c, py = _pair(mode, categories)
    out = [c.check(u) for u in ROWS]
    assert out == [py.check(u) for u in ROWS]
    domains, urls = (
        sum(r is not None and r[0] is not None for r in out),
        sum(r is not None and r[2] is not None for r in out),
    )
    if categories is None:  # FineWeb's sample is category "adult"
        assert domains > 50 and urls > 20
    else:
        assert domains == urls == 0


_PIECES = st.sampled_from(
    ["http://", "https://", "//", "HTTP://", "ftp://", "www.", "WWW.", "sub.", "user:pw@", ":8080", "/", "//",
     "?q=", "#f", "-", "_", ".", "..", "&", "%20", "é", "。", " ", "[::1]", "1.2.3.4", "xn--fiqs8s", ".com",
     ".co.uk", ".xxx", "sex.pl", ".kawasaki.jp", "city"]
)  # fmt: skip
_WORD = st.sampled_from(sorted(w for w in WORDS.words if w.isascii()))
_CASED = st.tuples(_WORD, st.sampled_from([str.lower, str.upper, str.title])).map(lambda t: t[1](t[0]))


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http://", "https://", "", "//", "HTTPS://"]))
    host = draw(st.sampled_from(DOMAINS + [u.split("/")[0] for u in LISTED_URLS] + ["example.com"]))
    prefix = draw(st.lists(st.sampled_from(["www.", "sub.", "a.b."]), max_size=2))
    host = "".join(prefix) + (host.upper() if draw(st.booleans()) and draw(st.booleans()) else host)
    rest = draw(st.lists(st.one_of(_PIECES, _CASED, st.text(max_size=3)), max_size=12))
    if draw(st.integers(0, 9)) == 0:  # a listed URL, as written or below
        return draw(st.sampled_from(LISTED_URLS)) + "".join(rest)
    return scheme + host + "".join(rest)


@settings(max_examples=1500, deadline=None)
@given(urls())
def test_c_equals_the_twin_on_generated_urls(url: str) -> None:
    for mode in DomainMatch:
        c, py = _pair(mode)
        assert c.check(url) == py.check(url), (mode, url)


def test_long_urls_and_many_labels() -> None:
    for url in (
        "https://" + "a." * 3000 + "example.xxx/" + "porn/" * 1000,
        "https://example.com/" + "x" * 10_000 + "-nude-webcam",
        "https://" + "." * 2500,
    ):
        for mode in DomainMatch:
            c, py = _pair(mode)
            assert c.check(url) == py.check(url)
    assert _pair(DomainMatch.SUBDOMAINS)[0].check("https://" + "a." * 3000 + "example.xxx/") is not None


def test_soft_words_are_counted_once_each() -> None:
    c, py = _pair(DomainMatch.SUBDOMAINS)
    m = c.check("https://example.com/nude/nude/nude")
    assert m is not None and m[5] == ("nude",) and m == py.check("https://example.com/nude/nude/nude")
    assert WORDS.rules[WordRule.SOFT]


def test_the_extension_refuses_tables_that_do_not_fit() -> None:
    from websieve.steps.lists._urlscan import Matcher as CMatcher

    keys = np.zeros(3, dtype=np.uint64)
    combos = np.zeros(2, dtype=np.uint16)  # one short
    index = np.array([0, 0, 3], dtype=np.uint32)
    auto = (np.zeros(2, dtype=np.int32), np.zeros(256, dtype=np.uint8), np.zeros(2, dtype=np.int32),
            np.zeros(0, dtype=np.int32), (-1, -1, -1))  # fmt: skip
    empty = (np.zeros(0, np.uint64), np.zeros(0, np.uint16), np.zeros(3, np.uint32))
    with pytest.raises(ValueError, match="do not fit"):
        CMatcher((keys, combos, index), empty, empty, np.ones(1, np.uint8), auto, (), 0, print)


def test_no_whole_word_entry_holds_another_so_c_and_python_find_the_same() -> None:
    """The C scan reports every whole-word match, overlapping ones too; the Python twin's regex does not.
    They agree as long as no entry of a whole-word list holds another as a whole word (true of the
    shipped lists; a list that breaks it must make the two agree first)."""
    import re

    from websieve.steps.lists.url_words import WordLists, WordRule

    lists = WordLists.load(refinedweb=True)
    words = [w for rule in (WordRule.RW_HARD, WordRule.RW_SOFT) for w in lists.rules[rule]]
    for word in words:
        inside = [other for other in words if other != word and re.search(rf"\b{re.escape(other)}\b", word)]
        assert not inside, (word, inside)
