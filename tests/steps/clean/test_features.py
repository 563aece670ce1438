"""Line features computed page-at-a-time must say what a plain line-by-line reading says.

`features._text_rows` counts words, capitals, digits and stop words in one pass over a page's code points
(the C extension `_linescan`, or its numpy reference `_scan_numpy` where it was not built), and finds
vocabulary signals with one regular-expression pass over the candidate lines; these tests hold both
backends to the direct per-line reading, and to each other, on real pages and on hostile text (astral
characters, combining marks, lone surrogates, control characters).
"""

from __future__ import annotations

import math
import re

import numpy as np
import orjson
import pytest
import regex
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import JSONL_DIR
from websieve.steps.clean import features as F
from websieve.steps.clean.vocab import (
    find_ligatures,
    has_ui_words,
    label_words,
    ligature_hits,
    ui_phrase,
    ui_prefix,
    ui_signals,
)

_UPPER = regex.compile(r"\p{Lu}")
_DIGIT = regex.compile(r"\d")
_COUNTED = {  # column of `_SHAPE` -> how it turns back into a count
    "log_words": 1,
    "log_stops": 17,
    "log_sentences": 14,
    "log_separators": 23,
}


def _pages() -> list[str]:
    with zstandard.open(JSONL_DIR / "noisy-dev-head40.jsonl.zst", "rt", encoding="utf-8") as fh:
        return [orjson.loads(line)["text"] for line in fh]


def _direct(s: str, stops: frozenset[str]) -> dict[str, int]:
    """The counts of one line, read the plain way."""
    words = F._WORD.findall(s)
    return {
        "log_words": len(words),
        "log_stops": sum(w.lower() in stops for w in words),
        "log_sentences": sum(c in F._SENT_CHARS for c in s),
        "log_separators": sum(c in F._SEP_CHARS for c in s),
        "digits": len(_DIGIT.findall(s)),
        "word_chars": sum(map(len, words)),
    }


def _vectorised(rows: np.ndarray, i: int, length: int) -> dict[str, int]:
    out = {name: round(math.expm1(float(rows[i, col]))) for name, col in _COUNTED.items()}
    out["digits"] = round(float(rows[i, F._IDX["frac_digit"]]) * length)
    out["word_chars"] = round(float(rows[i, F._IDX["frac_word_chars"]]) * length)
    return out


def _check_counts(lines: list[str], lang: str) -> None:
    stripped = [s.strip() for s in lines if s.strip()]
    if not stripped:
        return
    compiled = F._c_scan, F._c_words
    for use in {compiled, (None, None)}:  # the compiled scan (when built), then the numpy one
        F._c_scan, F._c_words = use
        try:
            _check_counts_with(stripped, lang)
        finally:
            F._c_scan, F._c_words = compiled


# slug words, some of them in every page and in the hostile alphabet
_SLUG = frozenset({"a", "aa", "é", "ä", "der", "die", "und", "menu", "home", "news", "ǆ"})


def _check_counts_with(stripped: list[str], lang: str) -> None:
    rows, slug_hits = F._text_rows(stripped, lang, _SLUG)
    stops = F.stopwords(lang)
    for i, s in enumerate(stripped):
        if len(s) > F._SAMPLE:  # read from a sample: see test_a_giant_line_is_read_from_a_sample
            continue
        assert _vectorised(rows, i, len(s)) == _direct(s, stops), s
        # `label_words`, except that letters are found before lower-casing ("İ" stays one word); prose
        # lines are not read word by word
        words = " ".join(re.findall(r"[^\W\d_]+", s)).lower().split() if len(s) < F._SLUG_CHARS else []
        assert slug_hits[i] == len(_SLUG.intersection(words)), s


def test_counts_match_a_direct_reading_on_real_pages() -> None:
    for page in _pages():
        _check_counts(page.split("\n"), "de")


_HOSTILE = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),  # any encodable character, astral planes included
        # lone surrogates, NUL, combining marks, emoji, CJK extension B, the counted punctuation
        st.sampled_from(list("\ud800\udfff\x00\u0301\u093f\U0001f600\U00020000_©.!?|•/—,")),
        st.sampled_from(["Ä", "é", "İ", "ß", "ǅ", "A", "a", "1", "٣"]),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_HOSTILE, min_size=1, max_size=8))
def test_counts_match_a_direct_reading_on_any_text(lines: list[str]) -> None:
    _check_counts([s.replace("\n", " ") for s in lines], "en")


def test_the_compiled_scan_is_built() -> None:
    # the numpy path gives the same features, but the cleaner's speed target needs the C one
    assert F.SCAN_BACKEND == "c", (
        "websieve.steps.clean._linescan was not compiled: reinstall with a C compiler (make install)"
    )


def _same_scan(lines: list[str]) -> None:
    assert F._c_scan is not None
    counts, words, letters = F._scan(lines)
    ref_counts, ref_words, ref_letters = F._scan_numpy(lines)
    for col, name in enumerate(F._SCAN_COLUMNS):
        assert counts[:, col].tolist() == ref_counts[:, col].tolist(), name
    assert words == ref_words
    assert letters == ref_letters


def _words(text: str, lines: list[str], *, slug: tuple[str, ...] = (), wanted: bytes | None = None) -> tuple:
    assert F._c_words is not None
    firsts, cues = F._ui_hashes()
    slug_hashes = np.array([F._word_hash(w) for w in slug], dtype=np.uint64).tobytes()
    return F._c_words(
        text, text, lines, F._stop_hashes("de"), F._SLUG_CHARS, F._SHORT, firsts, cues, slug_hashes,
        wanted if wanted is not None else bytes(len(lines)),
    )  # fmt: skip


def test_the_compiled_words_count_stop_words_slug_words_and_candidates() -> None:
    # "der", "die" and "und" are German stop words; "lesen" starts interface phrases ("lesen sie auch")
    text = "der hund und die katze\nlesen sie mehr\nhund hund katze"
    counts, slug_hits, candidates, labels = _words(
        text, ["der hund und die katze", "lesen sie mehr", "hund hund katze"], slug=("hund", "katze", "maus")
    )
    assert np.frombuffer(counts, dtype=np.int32).tolist() == [3, 0, 0]
    assert np.frombuffer(slug_hits, dtype=np.int32).tolist() == [2, 0, 2]  # distinct slug words
    assert list(candidates) == [0, 1, 0]
    assert labels == [[], ["lesen", "sie", "mehr"], []]  # letter runs for candidates only
    _, _, _, wanted = _words("a b\nc", ["a b", "c"], wanted=b"\x01\x00")
    assert wanted == [["a", "b"], []]  # and for the lines asked for
    assert F._word_hash("") == 0xCBF29CE484222325
    table = np.frombuffer(F._stop_hashes("de"), dtype=np.uint64)
    assert np.count_nonzero(table) == len(F.stopwords("de"))  # no two stop words share a hash
    assert len(table) & (len(table) - 1) == 0  # a power of two


def test_the_compiled_words_refuse_what_does_not_line_up() -> None:
    assert F._c_words is not None
    firsts, cues = F._ui_hashes()
    stops = F._stop_hashes("en")
    with pytest.raises(ValueError, match="different lengths"):
        F._c_words("ab", "a", ["ab"], stops, 10, 10, firsts, cues, b"", b"\0")
    with pytest.raises(ValueError, match="longer"):
        F._c_words("ab", "ab", ["abc"], stops, 10, 10, firsts, cues, b"", b"\0")
    with pytest.raises(ValueError, match="bad hash table"):
        F._c_words("ab", "ab", ["ab"], bytes(24), 10, 10, firsts, cues, b"", b"\0")  # 3 slots
    with pytest.raises(ValueError, match="64 slug"):
        F._c_words("ab", "ab", ["ab"], stops, 10, 10, firsts, cues, bytes(8 * 65), b"\0")
    with pytest.raises(ValueError, match="wanted"):
        F._c_words("ab", "ab", ["ab"], stops, 10, 10, firsts, cues, b"", b"")


_SCORES = st.lists(
    st.lists(st.sampled_from([0.0, 0.1, 0.5, 0.5, 0.49999997, 0.9, 1.0]) | st.floats(0, 1, width=32),
             min_size=3, max_size=3),
    min_size=1, max_size=60,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(_SCORES)
def test_the_compiled_context_matches_numpy_to_the_bit(scores: list[list[float]]) -> None:
    assert F._c_context is not None
    q = np.array(scores, dtype=np.float32)
    n = len(q)
    for p in (q, q[:, 0]):  # three models side by side, and one
        assert np.array_equal(
            F.context_features(p), F._context_numpy(p.reshape(n, -1), n, p.reshape(n, -1).shape[1], p.ndim)
        )


def test_the_compiled_context_refuses_a_short_buffer() -> None:
    assert F._c_context is not None
    with pytest.raises(ValueError, match="n \\* k"):
        F._c_context(bytes(8), 3, 1)


def test_the_compiled_scan_matches_numpy_on_real_pages() -> None:
    for page in _pages():
        _same_scan([s.strip()[: F._SAMPLE] for s in page.split("\n") if s.strip()])


@settings(max_examples=200, deadline=None)
@given(st.lists(_HOSTILE.filter(lambda s: s != ""), min_size=1, max_size=8))
def test_the_compiled_scan_matches_numpy_on_any_text(lines: list[str]) -> None:
    _same_scan([s.replace("\n", " ") for s in lines])


_LINES_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("\n\n\r\t \u00a0\u2028\u3000\x1c\x85\ud800")),
        st.sampled_from(["a", "B", "é", "\U0001f600"]),
    ),
    max_size=80,
)


def test_the_compiled_split_matches_python_on_real_pages() -> None:
    assert F._c_split is not None
    for page in _pages():
        assert F.split_lines(page) == F._split_lines_py(page)


@settings(max_examples=300, deadline=None)
@given(_LINES_TEXT)
def test_the_compiled_split_matches_python_on_any_text(text: str) -> None:
    lines = F.split_lines(text)
    assert lines == F._split_lines_py(text)
    assert all(type(line) is F.Line and line.stripped == line.text.strip() for line in lines)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((["ok", ""], bytes(65536), 10, int), TypeError),  # an empty line
        ((["ok"], bytes(10), 10, int), ValueError),  # a short class table
        ((["ok"], bytes(65536), 0, int), ValueError),  # no sample
    ],
)
def test_the_compiled_scan_refuses_bad_arguments(args: tuple, error: type[Exception]) -> None:
    assert F._c_scan is not None
    with pytest.raises(error):
        F._c_scan(*args)


def test_an_astral_class_error_propagates() -> None:
    assert F._c_scan is not None

    def broken(cp: int) -> int:
        raise RuntimeError(f"no class for {cp}")

    with pytest.raises(RuntimeError, match="no class"):
        F._c_scan(["emoji \U0001f600"], F._bmp_table(), 10, broken)


def test_vocabulary_signals_match_the_line_by_line_functions() -> None:
    checked = 0
    for page in _pages():
        stripped = [s.strip() for s in page.split("\n") if s.strip()]
        rows, _ = F._text_rows(stripped, "fr")
        for i, s in enumerate(stripped):
            if len(s) >= F._SHORT:
                continue
            lw = label_words(s)
            lig = ("_" in s or not s[0].isupper()) and bool(find_ligatures(s))
            expected = [lig, ui_phrase(s, lw), has_ui_words(s, lw), len(lw) <= 25 and ui_prefix(s, lw)]
            got = [bool(rows[i, F._IDX[k]]) for k in ("ligature", "ui_phrase", "ui_words", "ui_prefix")]
            assert got == expected, s
            checked += 1
    assert checked > 1000


def test_page_level_ligature_search_finds_what_the_line_search_finds() -> None:
    lines = ["folder_openMoyen Orient", "Home", "starAJOUTER AUX FAVORIS", "the star of the show", "x_y"]
    assert ligature_hits(lines, list(range(len(lines)))) == [0, 2]
    assert ligature_hits(lines, [1, 3]) == []
    assert ui_signals("Partager", ["partager"], ligature=False) == (True, True, False)
    assert ui_signals("©", [], ligature=False) == (False, True, False)


def test_a_giant_line_is_read_from_a_sample() -> None:
    """A 10 MB line costs what its first `_SAMPLE` characters cost: shares come from the sample, counts are
    scaled to the whole line, its length and last character are the real ones."""
    giant = "Der Hund und die Katze schlafen im Haus von Anna. " * 200_000 + "Ende?"
    rows, slug_hits = F._text_rows([giant, "Menu"], "de", frozenset({"menu", "hund"}))
    head, _ = F._text_rows([giant[: F._SAMPLE]], "de")
    assert rows[0, F._IDX["log_chars"]] == np.float32(math.log1p(len(giant)))
    for name in ("frac_word_chars", "frac_upper", "stop_ratio", "comma_per_word", "mean_word_len"):
        assert rows[0, F._IDX[name]] == head[0, F._IDX[name]], name
    words_in_sample = math.expm1(float(head[0, F._IDX["log_words"]]))
    estimate = math.expm1(float(rows[0, F._IDX["log_words"]]))
    assert abs(estimate / (words_in_sample * len(giant) / F._SAMPLE) - 1) < 0.01
    assert rows[0, F._IDX["end_sentence"]] == 1  # the real last character, "?"
    assert slug_hits.tolist() == [0, 1]  # prose is not compared with the slug


def test_lines_without_words_have_no_commas_per_word() -> None:
    rows, _ = F._text_rows([",", ", , ,", "—,—", "a, b"], "en")
    assert rows[:3, F._IDX["comma_per_word"]].tolist() == [0.0, 0.0, 0.0]
    assert rows[3, F._IDX["comma_per_word"]] == 0.5


def test_a_page_wider_than_a_chunk_reads_like_its_pieces() -> None:
    """Pages are read in chunks of `_CHUNK` characters: the rows must not depend on where a chunk ends."""
    lines = [f"Zeile {i}: Der Hund und die Katze, wie immer." for i in range(F._CHUNK // 20)]
    slug = frozenset({"zeile", "hund"})
    whole, slug_hits = F._text_rows(lines, "de", slug)
    pieces = [F._text_rows(lines[k : k + 500], "de", slug) for k in range(0, len(lines), 500)]
    assert np.array_equal(whole, np.concatenate([p[0] for p in pieces]))
    assert np.array_equal(slug_hits, np.concatenate([p[1] for p in pieces]))
    assert set(slug_hits.tolist()) == {2}


def test_the_compiled_scan_survives_a_class_callback_that_empties_the_lines() -> None:
    assert F._c_scan is not None
    lines = ["emoji \U0001f600", "more \U0001f601 here"]

    def meddling(cp: int) -> int:
        lines.clear()  # the scan reads its own copy of the list
        return F._astral_class(cp)

    counts, words, _ = F._c_scan(lines, F._bmp_table(), F._SAMPLE, meddling)
    assert len(counts) == 2 * 4 * len(F._SCAN_COLUMNS)
    assert words.split() == ["emoji", "more", "here"]  # emoji are no word characters
