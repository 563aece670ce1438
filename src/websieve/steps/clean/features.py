"""Line features for the article/boilerplate line model (shared by inference and the training script).

A page's text is split into lines; every non-blank line gets a row of numbers describing its shape (length,
punctuation, capitals, digits, stop words of the document's language), its vocabulary (interface labels,
icon ligatures, URLs, dates), repetition inside the page, its position, and its neighbourhood (article
lines come in dense runs of long, punctuated lines). `context_features` adds the model's first-pass
scores of the neighbours, for the second pass.

>>> lines = split_lines("Menu\\n\\nLe chat dort sur la table du salon, comme chaque jour.\\nPartager")
>>> [line.text for line in lines]
['Menu', 'Le chat dort sur la table du salon, comme chaque jour.', 'Partager']
>>> line_features(lines, "fr").shape
(3, 68)
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import numpy as np
import regex

from websieve.steps.clean.vocab import (
    UI_CUES,
    UI_FIRST_WORDS,
    label_words,
    ligature_hits,
    ui_candidate,
    ui_prefix,
    ui_signals,
)

_ScanFn = Callable[[list[str], bytes, int, Callable[[int], int]], tuple[bytes, str, str]]
_WordsFn = Callable[
    [str, str, list[str], bytes, int, int, bytes, bytes, bytes, bytes],
    tuple[bytes, bytes, bytes, list[list[str]]],
]
_c_scan: _ScanFn | None
_c_split: Callable[[str, type[Any]], list[Any]] | None
_c_words: _WordsFn | None
_c_context: Callable[[bytes, int, int], bytes] | None
try:
    from websieve.steps.clean._linescan import context as _c_context
    from websieve.steps.clean._linescan import scan as _c_scan
    from websieve.steps.clean._linescan import split as _c_split
    from websieve.steps.clean._linescan import words as _c_words
except ImportError:  # not compiled (no C compiler where websieve was installed): the Python paths
    _c_scan = _c_split = _c_words = _c_context = None

__all__ = [
    "FEATURE_NAMES",
    "Line",
    "context_features",
    "guess_lang",
    "line_features",
    "slug_words",
    "split_lines",
    "stopwords",
]

_WORD = regex.compile(r"[\w\p{M}]+")
_SENT_CHARS = frozenset(".!?。！？")
_SEP_CHARS = frozenset("|•·›»>/\\–—")
_URLISH = re.compile(r"https?://|www\.|\S@\S|\.(?:com|org|net|de|fr|html?)\b")
# what dates look like (a line with a digit in it): numeric dates and years, month names before a day or
# year, "3 days", "il y a", "vor", "ago". Three patterns tried in turn: one alternation starting with a
# word boundary is scanned position by position and costs twice as much.
_DATEISH = (
    re.compile(
        r"(?<!\w)(?:\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|(?:19|20)\d\d)\b|"
        r"\d+\s+(?:min|minutes?|hours?|heures?|jours?|days?|weeks?|semaines?|mois|months?|ans?|années?|"
        r"years?|stunden?|tagen?|wochen?|monaten?|jahren?|horas?|días?|meses|años?)\b"
    ),
    re.compile(
        r"\b(?:jan|feb|m[aä]r|apr|ma[iy]|jun|jul|aug|sep|o[ck]t|nov|d[ée][cz]|janv|févr|avr|juil|déc|"
        r"ene|abr|ago|dic|sty|lut|kwi|maj|cze|lip|sie|wrz|paź|lis|gru)[a-zéûäôó]*\.?\s+\d"
    ),
    re.compile(r"\bago\b|\bil y a\b|\bdepuis\b|\bvor\b|\bhace\b"),
)


# what every `_URLISH` match contains: most lines hold none of it and skip the regular expression
_URL_PARTS = ("://", "www.", "@", ".com", ".org", ".net", ".de", ".fr", ".htm")  # "://" needs a "." too


def _may_be_url(low: str) -> bool:
    return any(part in low for part in _URL_PARTS)


def _dateish(low: str) -> bool:
    return any(p.search(low) is not None for p in _DATEISH)


_SENT_END = frozenset(".!?。！？…؟")
_CLOSERS = "\"'”’»)]*"
_OTHER_END = frozenset(",;|/-–—>»›+&")


class Line(NamedTuple):
    """One non-blank line of a page: its text (verbatim), its index among all lines, its block."""

    text: str
    line_no: int
    block_start: bool
    """A blank line (or the start of the page) comes before it."""
    stripped: str
    """``text.strip()``: what the features and the metadata read (the output keeps ``text``)."""


def split_lines(text: str) -> list[Line]:
    """The non-blank lines of ``text``, with where they stand.

    >>> [(line.line_no, line.block_start, line.stripped) for line in split_lines("  Home \\n\\nA line.")]
    [(0, True, 'Home'), (2, True, 'A line.')]
    """
    if _c_split is not None:
        lines: list[Line] = _c_split(text, Line)
        return lines
    return _split_lines_py(text)


def _split_lines_py(text: str) -> list[Line]:
    """`split_lines` in Python: the reference for the C extension's ``split``, and the fallback."""
    out: list[Line] = []
    new = tuple.__new__  # hundreds per page: a C call instead of Line(...)'s Python-level __new__
    blank = True
    for i, raw in enumerate(text.split("\n")):
        stripped = raw.strip()
        if stripped:
            out.append(new(Line, (raw, i, blank, stripped)))
            blank = False
        else:
            blank = True
    return out


@lru_cache(maxsize=1)
def _stopword_table() -> dict[str, frozenset[str]]:
    raw = json.loads(
        resources.files("websieve.steps.clean").joinpath("data/stopwords.json").read_text("utf-8")
    )
    return {lang: frozenset(words) for lang, words in raw.items()}


@lru_cache(maxsize=1)
def _any_stopwords() -> frozenset[str]:
    # for an unknown language: the stop words of the languages most of the web is written in
    table = _stopword_table()
    return frozenset().union(*(table[k] for k in ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru")))


def _word_hash(word: str) -> int:
    """FNV-1a (64 bits, one step per code point) of ``word``: what the C extension's ``words`` looks up."""
    h = 0xCBF29CE484222325
    for ch in word:
        h = ((h ^ ord(ch)) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def _hash_set(words: Iterable[str]) -> bytes:
    """The `_word_hash` values of ``words`` as an open-addressing set of native uint64, what the C
    extension's ``words`` looks words up in: a power-of-two number of slots (a quarter used), linear
    probing from ``hash & (slots - 1)``, 0 in empty slots. A 64-bit hash: a word passes for one of
    ``words`` it is not with a chance of about one in 10^17."""
    hashes = sorted({_word_hash(w) for w in words} - {0})
    slots = 1 << max(4, (4 * len(hashes) - 1).bit_length())
    table = [0] * slots
    for h in hashes:
        i = h & (slots - 1)
        while table[i]:
            i = (i + 1) & (slots - 1)
        table[i] = h
    return np.array(table, dtype=np.uint64).tobytes()


@lru_cache(maxsize=64)
def _stop_hashes(lang: str | None) -> bytes:
    return _hash_set(stopwords(lang))


@lru_cache(maxsize=1)
def _ui_hashes() -> tuple[bytes, bytes]:
    return _hash_set(UI_FIRST_WORDS), _hash_set(UI_CUES)


def stopwords(lang: str | None) -> frozenset[str]:
    """Frequent function words of ``lang`` (FineWeb-2's lists; a multilingual union when unknown)."""
    table = _stopword_table()
    if lang and lang in table:
        return table[lang]
    return _any_stopwords()


_SHAPE = (
    # text alone (`_text_rows`)
    "log_chars", "log_words", "mean_word_len", "end_sentence", "end_colon", "end_other", "end_digit",
    "start_upper", "start_digit", "start_symbol", "frac_word_chars", "frac_digit", "frac_upper",
    "frac_title_words", "log_sentences", "comma_per_word", "stop_ratio", "log_stops", "ligature",
    "ui_phrase", "ui_words", "urlish", "dateish", "log_separators", "one_word", "short", "ui_prefix",
    # where it stands in the page
    "log_copies", "later_copy", "rel_pos", "rel_char_pos", "log_block_size", "block_start", "len_vs_max",
    "indented", "doc_long_frac", "doc_log_lines",
)  # fmt: skip
_CONTEXT_OF = ("log_chars", "end_sentence", "stop_ratio", "ui_phrase")
_CONTEXT = tuple(
    [f"{d}{k}_{name}" for k in (1, 2) for d in ("prev", "next") for name in _CONTEXT_OF[:3]]
    + [f"win{w}_{name}" for w in (3, 8) for name in _CONTEXT_OF]
    + ["dist_prev_long", "dist_next_long", "long_before", "long_after", "doc_max_log_chars"]
    + ["ui_before", "ui_after", "copies_win3", "slug_cover", "slug_offset", "slug_found"]
)
FEATURE_NAMES: tuple[str, ...] = _SHAPE + _CONTEXT
_IDX = {name: i for i, name in enumerate(_SHAPE)}


@lru_cache(maxsize=1)
def _stopword_langs() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for lang, words in sorted(_stopword_table().items()):
        for w in words:
            out.setdefault(w, []).append(lang)
    return {w: tuple(langs) for w, langs in out.items()}


def guess_lang(lines: list[Line], *, max_words: int = 400) -> str | None:
    """The language whose stop words the page uses most (for pages that reach the cleaner untagged).

    >>> guess_lang(split_lines("Der Hund und die Katze schlafen in dem Haus von Anna."))
    'de'
    """
    index = _stopword_langs()
    hits: dict[str, int] = {}
    seen = 0
    for line in lines:
        for w in _WORD.findall(line.text.lower()):
            for lang in index.get(w, ()):
                hits[lang] = hits.get(lang, 0) + 1
            seen += 1
        if seen >= max_words:
            break
    if not hits:
        return None
    lang, n = max(sorted(hits.items()), key=lambda kv: kv[1])
    return lang if n >= 3 else None


_SAMPLE = 1000  # counts on a longer line are estimated from its first _SAMPLE characters
_SHORT = 160  # vocabulary signals are computed for lines shorter than this
_SLUG_CHARS = 250  # lines as long as this are prose, not headlines: not compared with the URL slug

# Character classes, one bit each, looked up per code point: a page's counts come from a few numpy
# passes over its code points instead of a regex and a dozen Python loops per line.
_C_WORD, _C_UPPER, _C_DIGIT, _C_SENT, _C_SEP, _C_COMMA, _C_LETTER = 1, 2, 4, 8, 16, 32, 64
# the complement of each class: regex.sub blanks what is *not* in it (letters: as `label_words` reads them)
_C_NOT = (
    (_C_WORD, regex.compile(r"[^\w\p{M}]")),
    (_C_UPPER, regex.compile(r"[^\p{Lu}]")),
    (_C_DIGIT, regex.compile(r"\D")),
    (_C_LETTER, re.compile(r"[\W\d_]")),
)
_C_SETS = ((_C_SENT, _SENT_CHARS), (_C_SEP, _SEP_CHARS), (_C_COMMA, ","))


_SENT_END_CP = np.array([ord(c) for c in _SENT_END], dtype=np.uint32)
_OTHER_END_CP = np.array([ord(c) for c in _OTHER_END], dtype=np.uint32)


def _classify(chars: str) -> np.ndarray:
    """The class bits of each character of ``chars`` (the same classes as `_WORD`, ``\\p{Lu}``, ``\\d``)."""
    out = np.zeros(len(chars), dtype=np.uint8)
    for bit, outside in _C_NOT:
        kept = outside.sub("\0", chars)  # one character for one: positions stay
        out |= (np.frombuffer(kept.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) != 0).astype(
            np.uint8
        ) * np.uint8(bit)
    cp = np.frombuffer(chars.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    for bit, members in _C_SETS:
        out[np.isin(cp, [ord(c) for c in members])] |= np.uint8(bit)
    return out


@lru_cache(maxsize=1)
def _bmp_classes() -> np.ndarray:
    """`_classify` of every code point below U+10000 (~30 ms, once per process)."""
    table = _classify(np.arange(0x10000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass"))
    table[0] = 0
    return table


@lru_cache(maxsize=1)
def _bmp_table() -> bytes:
    return _bmp_classes().tobytes()


def _char_classes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The code points of ``text`` and their class bits."""
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = _bmp_classes()[np.minimum(cp, 0xFFFF)]
    astral = np.flatnonzero(cp > 0xFFFF)
    if len(astral):  # emoji, historic scripts, rare CJK: few per page
        classes[astral] = _classify("".join(map(chr, cp[astral].tolist())))
    return cp, classes


def _vocab_rows(
    lines: list[str],
    words: list[list[str]],
    ligs: set[int],
    candidates: list[int],
    is_short: np.ndarray,
    nw: np.ndarray,
    n_digit: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """Interface and vocabulary signals (ligature, ui_phrase, ui_words, urlish, dateish, ui_prefix) of
    every (stripped, sampled) line. ``ligs``: the lines holding an icon ligature; ``candidates``: the
    short lines that can hold an interface phrase (`vocab.ui_candidate`); ``words``: the letter runs of
    (at least) those two kinds of line; ``is_short``: the lines shorter than ``_SHORT``; ``counts``: the
    lines' `_scan`.

    Each test runs only on the lines that can pass it. Long lines are prose: only a URL near their start
    or an interface prefix counts there.
    """
    n = len(lines)
    short = is_short.tolist()
    url = _URLISH.search
    urlish = set()
    for i in np.flatnonzero(is_short & (counts[:, _K["dot_or_at"]] != 0)).tolist():
        low = lines[i].lower()
        if _may_be_url(low) and url(low):
            urlish.add(i)
    dateish = {i for i in np.flatnonzero(is_short & (n_digit > 0)).tolist() if _dateish(lines[i].lower())}
    # interface phrases: only lines holding an interface word (or a ligature) need a closer look
    ui: dict[int, tuple[bool, bool, bool]] = {}
    for i in sorted(ligs.union(candidates)):
        if short[i]:
            ui[i] = ui_signals(lines[i], words[i], ligature=i in ligs)
    out = np.zeros((n, 6), dtype=bool)
    for col, hits in ((0, ligs), (3, urlish), (4, dateish)):
        out[sorted(hits), col] = True
    if ui:
        out[np.ix_(list(ui), [1, 2, 5])] = list(ui.values())
    out[is_short & (counts[:, _K["copyright"]] != 0), 2] = True
    for i in np.flatnonzero(~is_short).tolist():
        # prose: a URL near its start, an interface label before it
        out[i, 3] = url(lines[i][:120].lower()) is not None
        out[i, 5] = bool(nw[i] <= 25) and ui_prefix(lines[i])
    return out


_CHUNK = 1 << 18  # characters of a page read in one go: bounds the per-character arrays' memory
_COUNTED = (_C_WORD, _C_UPPER, _C_DIGIT, _C_SENT, _C_SEP, _C_COMMA)


def _text_rows(
    stripped: list[str], lang: str | None, slug: frozenset[str] = frozenset()
) -> tuple[np.ndarray, np.ndarray]:
    """The features of each line that depend on its text alone (`_SHAPE` up to ``ui_prefix``), and how
    many distinct words of ``slug`` (`slug_words` of the page's URL) are among each line's `label_words`
    (0 for lines of ``_SLUG_CHARS`` or more: prose).

    Lines are read in chunks of about ``_CHUNK`` characters, so a page of 20,000 long lines needs no more
    memory than a few ordinary pages.
    """
    n = len(stripped)
    full = np.fromiter(map(len, stripped), dtype=np.int64, count=n)
    sampled = np.minimum(full, _SAMPLE)
    ends = np.cumsum(sampled + 1)
    cuts = [0]
    while cuts[-1] < n:
        base = int(ends[cuts[-1] - 1]) if cuts[-1] else 0
        cuts.append(max(int(np.searchsorted(ends, base + _CHUNK, side="right")), cuts[-1] + 1))
    parts = [_text_rows_chunk(stripped[a:b], full[a:b], lang, slug) for a, b in itertools.pairwise(cuts)]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# the columns of a scan's counts (`_scan_numpy`, and the C extension `_linescan`, which must agree)
_SCAN_COLUMNS = (
    "word_chars", "upper", "digit", "sent", "sep", "comma", "words", "title_words",
    "first_class", "last_class", "last_cp", "first_not_alnum", "first_upper", "underscore", "copyright",
    "dot_or_at",
)  # fmt: skip
_K = {name: i for i, name in enumerate(_SCAN_COLUMNS)}


def _astral_class(cp: int) -> int:
    return int(_classify(chr(cp))[0])


def _scan_numpy(sample: list[str]) -> tuple[np.ndarray, str, str]:
    """Per-line character counts of ``sample`` (non-empty lines), one row of `_SCAN_COLUMNS` each, and
    two blanked copies of the lines: joined by a space with every non-word character a space (its
    ``split()`` gives the words), and joined by a newline with every non-letter a space (`label_words`).

    The reference for the C extension `_linescan.scan`, which computes the same in one pass; this is what
    runs where the extension was not built.
    """
    n = len(sample)
    lengths = np.fromiter(map(len, sample), dtype=np.int64, count=n)
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    joined = "\n".join(sample)
    cp, classes = _char_classes(joined)
    out = np.zeros((n, len(_SCAN_COLUMNS)), dtype=np.int32)
    word = (classes & _C_WORD) != 0
    upper = (classes & _C_UPPER) != 0
    word_start = word.copy()
    word_start[1:] &= ~word[:-1]
    at = np.flatnonzero(word_start)
    word_line = np.searchsorted(starts, at, side="right") - 1
    # a title-case word: a capital first and no other capital ("Paris", not "PARIS" or "iPhone")
    word_id = np.cumsum(word_start, dtype=np.int32) - 1
    capitals = np.bincount(word_id[word & upper], minlength=len(at))
    title = upper[at] & (capitals == 1)
    out[:, _K["words"]] = np.bincount(word_line, minlength=n)
    out[:, _K["title_words"]] = np.bincount(word_line, weights=title, minlength=n)
    # per-line counts of each class: running sums read at the line ends
    for bit, name in zip(_COUNTED, _SCAN_COLUMNS[: len(_COUNTED)], strict=True):
        running = np.zeros(len(classes) + 1, dtype=np.int32)
        np.cumsum((classes & bit) != 0, dtype=np.int32, out=running[1:])
        out[:, _K[name]] = running[starts + lengths] - running[starts]
    out[:, _K["first_class"]] = classes[starts]
    # the last character before closing quotes and brackets
    last = [s.rstrip(_CLOSERS)[-1:] or s[-1] for s in sample]
    out[:, _K["last_cp"]] = [ord(c) for c in last]
    out[:, _K["last_class"]] = _char_classes("".join(last))[1]
    out[:, _K["first_not_alnum"]] = [not s[0].isalnum() for s in sample]
    out[:, _K["first_upper"]] = [s[0].isupper() for s in sample]
    out[:, _K["underscore"]] = ["_" in s for s in sample]
    out[:, _K["copyright"]] = ["©" in s for s in sample]
    out[:, _K["dot_or_at"]] = ["." in s or "@" in s for s in sample]
    space = np.uint32(32)
    words = np.where(word, cp, space).tobytes().decode("utf-32-le", "surrogatepass")
    letters = np.where((classes & _C_LETTER) != 0, cp, np.where(cp == 10, np.uint32(10), space))
    return out, words, letters.tobytes().decode("utf-32-le", "surrogatepass")


SCAN_BACKEND = "numpy" if _c_scan is None else "c"
"""Which implementation reads the lines' characters: ``"c"`` (the compiled `_linescan`) or ``"numpy"``."""


def _scan(sample: list[str]) -> tuple[np.ndarray, str, str]:
    if _c_scan is None:
        return _scan_numpy(sample)
    raw, words, letters = _c_scan(sample, _bmp_table(), _SAMPLE, _astral_class)
    return np.frombuffer(raw, dtype=np.int32).reshape(len(sample), len(_SCAN_COLUMNS)), words, letters


def _text_rows_chunk(
    stripped: list[str], full: np.ndarray, lang: str | None, slug: frozenset[str]
) -> tuple[np.ndarray, np.ndarray]:
    n = len(stripped)
    # a longer line is read from its first _SAMPLE characters and its counts scaled up: a 10 MB line
    # costs what a paragraph costs (its last character, for end_*, is the line's own)
    sampled = np.flatnonzero(full > _SAMPLE).tolist()
    sample = stripped
    if sampled:
        sample = list(stripped)
        for i in sampled:
            sample[i] = stripped[i][:_SAMPLE]
    lengths = np.minimum(full, _SAMPLE)
    scale = full / lengths
    counts, blank, letters = _scan(sample)
    if sampled:
        counts = counts.copy()
        ends = [stripped[i].rstrip(_CLOSERS)[-1:] or stripped[i][-1] for i in sampled]
        counts[sampled, _K["last_cp"]] = [ord(c) for c in ends]
        counts[sampled, _K["last_class"]] = _char_classes("".join(ends))[1]
    word_chars, n_upper, n_digit, n_sent, n_sep, n_comma, nw, n_title = counts[:, :8].T
    first_cls, last_cls, last_cp = (
        counts[:, _K["first_class"]],
        counts[:, _K["last_class"]],
        counts[:, _K["last_cp"]],
    )
    # an icon ligature hides in a short line with an underscore name or one that starts in lower case
    is_short = lengths < _SHORT
    maybe = is_short & ((counts[:, _K["underscore"]] != 0) | (counts[:, _K["first_upper"]] == 0))
    ligs = set(ligature_hits(sample, np.flatnonzero(maybe).tolist()))
    # the words, lower-cased, for the stop words; the letter runs of the shorter lines for interface
    # phrases and the URL slug (prose is not read word by word)
    low_blank, low_letters = blank.lower(), letters.lower()
    if (
        _c_words is not None
        and len(low_blank) == len(blank)
        and len(low_letters) == len(letters)
        and len(slug) <= 64
    ):
        wanted = np.zeros(n, dtype=np.uint8)
        wanted[list(ligs)] = 1
        slug_hashes = np.array([_word_hash(w) for w in sorted(slug)], dtype=np.uint64).tobytes()
        raw_stops, raw_slug, raw_candidates, label = _c_words(
            low_blank, low_letters, sample, _stop_hashes(lang), _SLUG_CHARS, _SHORT, *_ui_hashes(),
            slug_hashes, wanted.tobytes(),
        )  # fmt: skip
        n_stop: np.ndarray = np.frombuffer(raw_stops, dtype=np.int32)
        slug_hits: np.ndarray = np.frombuffer(raw_slug, dtype=np.int32)
        candidates = np.flatnonzero(np.frombuffer(raw_candidates, dtype=np.uint8)).tolist()
    else:  # no extension, or lower-casing moved characters ("İ" becomes two): word by word
        words = low_blank.split()
        is_stop = np.fromiter(map(stopwords(lang).__contains__, words), dtype=bool, count=len(words))
        n_stop = np.bincount(np.repeat(np.arange(n), nw), weights=is_stop, minlength=n)
        label = [
            segment.split() if short else []
            for segment, short in zip(low_letters.split("\n"), (lengths < _SLUG_CHARS).tolist(), strict=True)
        ]
        slug_hits = np.array([len(slug.intersection(w)) for w in label], dtype=np.int32)
        candidates = [
            i
            for i, (w, short) in enumerate(zip(label, is_short.tolist(), strict=True))
            if short and ui_candidate(w)
        ]
    vocab = _vocab_rows(sample, label, ligs, candidates, is_short, nw, n_digit, counts)
    safe_nw = np.maximum(nw, 1)
    safe_wc = np.maximum(word_chars, 1)
    rows = np.stack(
        [
            np.log1p(full),
            np.log1p(nw * scale),
            np.minimum(word_chars / safe_nw, 20.0),
            (last_cp[:, None] == _SENT_END_CP).any(axis=1),  # a broadcast: np.isin sorts, slower here
            last_cp == ord(":"),
            (last_cp[:, None] == _OTHER_END_CP).any(axis=1),
            (last_cls & _C_DIGIT) != 0,
            (first_cls & _C_UPPER) != 0,
            (first_cls & _C_DIGIT) != 0,
            counts[:, _K["first_not_alnum"]],
            word_chars / lengths,
            n_digit / lengths,
            n_upper / safe_wc,
            n_title / safe_nw,
            np.log1p(n_sent * scale),
            np.where(nw > 0, n_comma / safe_nw, 0.0),  # no words, no commas per word
            n_stop / safe_nw,
            np.log1p(n_stop * scale),
            vocab[:, 0],
            vocab[:, 1],
            vocab[:, 2],
            vocab[:, 3],
            vocab[:, 4],
            np.log1p(n_sep * scale),
            nw <= 1,
            nw <= 3,
            vocab[:, 5],
        ],
        axis=1,
    ).astype(np.float32)
    return rows, slug_hits


def _shape_rows(lines: list[Line], lang: str | None, slug: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """`_SHAPE` of every line, and how many words of ``slug`` each holds (see `_text_rows`)."""
    stripped = [line.stripped for line in lines]
    n = len(lines)
    text_rows, slug_hits = _text_rows(stripped, lang, slug)
    # position features: vectorised
    # each line's first copy in the page: its number of copies, and whether it is a later one
    first_seen: dict[str, int] = {}
    first = np.fromiter(map(first_seen.setdefault, stripped, range(n)), dtype=np.int64, count=n)
    copies = np.bincount(first, minlength=n)[first].astype(np.float64)
    later = first != np.arange(n)
    lengths = np.fromiter(map(len, stripped), dtype=np.float64, count=n)
    block_start = np.fromiter((line.block_start for line in lines), dtype=bool, count=n)
    starts = np.flatnonzero(block_start | (np.arange(n) == 0))
    sizes = np.diff(np.append(starts, n))
    block_sizes = np.repeat(sizes, sizes)
    total = lengths.sum() or 1.0
    chars_before = np.cumsum(lengths) - lengths
    indented = np.fromiter((line.text[:1].isspace() for line in lines), dtype=bool, count=n)
    position = np.stack(
        [
            np.log(copies),
            later,
            np.arange(n) / max(n - 1, 1),
            chars_before / total,
            np.log(block_sizes),
            block_start,
            lengths / (lengths.max() or 1.0),
            indented,
            np.full(n, (lengths >= 80).sum() / n),
            np.full(n, math.log1p(n)),
        ],
        axis=1,
    )
    return np.concatenate([text_rows, position.astype(np.float32)], axis=1), slug_hits


def _window_means(cols: np.ndarray, widths: tuple[int, ...]) -> np.ndarray:
    """Means of ``cols`` (one column or several side by side) over rows [i-w, i+w] for each ``w`` in
    ``widths``, clipped at the edges, from one running sum: (len(widths), *cols.shape)."""
    n = len(cols)
    csum = np.zeros((n + 1, *cols.shape[1:]), dtype=np.float64)
    np.cumsum(cols, axis=0, dtype=np.float64, out=csum[1:])
    reach = np.array(widths)[:, None]
    idx = np.arange(n)[None, :]
    lo, hi = np.maximum(idx - reach, 0), np.minimum(idx + reach + 1, n)  # (widths, n)
    count = (hi - lo).reshape(hi.shape + (1,) * (cols.ndim - 1))
    out: np.ndarray = ((csum[hi] - csum[lo]) / count).astype(np.float32)
    return out


def _shift(cols: np.ndarray, k: int, fill: float = 0.0) -> np.ndarray:
    """``cols`` moved down by ``k`` rows (positive: the value of the line k before)."""
    out = np.full_like(cols, fill)
    if k > 0:
        out[k:] = cols[:-k]
    else:
        out[:k] = cols[-k:]
    return out


def _distances(mask: np.ndarray, clip: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Lines since the previous / until the next line where ``mask`` holds (clipped, /clip)."""
    n = len(mask)
    idx = np.arange(n)
    hits = np.where(mask, idx, -(10**9))
    last_before = np.concatenate(([-(10**9)], np.maximum.accumulate(hits)[:-1]))
    hits_next = np.where(mask, idx, 10**9)
    first_after = np.concatenate((np.minimum.accumulate(hits_next[::-1])[::-1][1:], [10**9]))
    prev = np.minimum(idx - last_before, clip).astype(np.float32)
    nxt = np.minimum(first_after - idx, clip).astype(np.float32)
    return prev / clip, nxt / clip


def slug_words(url: str | None) -> set[str]:
    """The words of a URL's path ("/2019/11/20/google-stadia-review" gives {"google", "stadia", "review"}).

    >>> sorted(slug_words("https://example.com/news/2019/rain-in-paris.html"))
    ['html', 'news', 'paris', 'rain']
    """
    if not url:
        return set()
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:  # "http://[::1" and friends: no slug, not an error
        return set()
    return {w for w in label_words(path) if len(w) > 2}


def _slug_features(lines: list[Line], hits: np.ndarray, size: int) -> list[np.ndarray]:
    """How much of the URL's slug (``size`` words) a line covers, and where each line stands from the
    best-covering one (usually the headline: the article follows it). ``hits``: the slug words of each
    line (`_text_rows`)."""
    n = len(lines)
    cover = np.zeros(n, dtype=np.float32)
    if size >= 2:
        headline = np.fromiter((len(line.text) < _SLUG_CHARS for line in lines), dtype=bool, count=n)
        cover = (np.where(headline, hits, 0).astype(np.float32) / size).astype(np.float32)
    best = int(cover.argmax()) if n else 0
    if n == 0 or cover[best] < 0.3:
        return [cover, np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)]
    offset = np.clip((np.arange(n) - best) / 10.0, -1.0, 1.0).astype(np.float32)
    return [cover, offset, np.ones(n, dtype=np.float32)]


def line_features(lines: list[Line], lang: str | None, url: str | None = None) -> np.ndarray:
    """One row of `FEATURE_NAMES` per line (float32); ``url`` lets the page's slug point at its headline."""
    if not lines:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    slug = frozenset(slug_words(url))
    shape, slug_hits = _shape_rows(lines, lang, slug if len(slug) >= 2 else frozenset())
    n = len(lines)
    near = shape[:, [_IDX[name] for name in _CONTEXT_OF[:3]]]
    around = shape[:, [_IDX[name] for name in _CONTEXT_OF]]
    extra: list[np.ndarray] = [_shift(near, sign) for k in (1, 2) for sign in (k, -k)]
    extra += list(_window_means(around, (3, 8)))
    long_sentence = (shape[:, _IDX["log_chars"]] >= math.log1p(100)) & (shape[:, _IDX["end_sentence"]] > 0)
    prev_d, next_d = _distances(long_sentence)
    csum = np.cumsum(long_sentence)
    before: np.ndarray = (csum - long_sentence).astype(np.float32)
    columns = [
        prev_d,
        next_d,
        np.minimum(before, 5) / 5,
        np.minimum(csum[-1] - csum, 5).astype(np.float32) / 5,
        np.full(n, shape[:, 0].max(), dtype=np.float32),
    ]
    # interface labels seen so far / still to come: "Related", "Comments", "Mehr zum Thema" close articles
    ui = np.maximum(shape[:, _IDX["ui_phrase"]], shape[:, _IDX["ui_prefix"]])
    ui_csum = np.cumsum(ui)
    columns += [np.minimum(ui_csum - ui, 10) / 10, np.minimum(ui_csum[-1] - ui_csum, 10) / 10]
    columns.append(_window_means(shape[:, _IDX["log_copies"]], (3,))[0])
    columns += _slug_features(lines, slug_hits, len(slug))
    extra.append(np.stack(columns, axis=1))
    return np.concatenate([shape, *extra], axis=1, dtype=np.float32)


CONTEXT_NAMES: tuple[str, ...] = (
    "p",
    "p_prev1",
    "p_next1",
    "p_prev2",
    "p_next2",
    "p_prev3",
    "p_next3",
    "p_win2",
    "p_win5",
    "p_win10",
    "p_max_before",
    "p_max_after",
    "p_mass_before",
    "p_win20",
    "p_run",
    "p_rank",
)


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """For each line, log(1 + length of the run of consecutive ``mask`` lines it belongs to; 0 outside).
    ``mask`` is (n,) or (n, k): runs go down the first axis."""
    n = len(mask)
    idx = np.arange(n).reshape((n,) + (1,) * (mask.ndim - 1))
    before = np.maximum.accumulate(np.where(mask, -1, idx), axis=0)  # the last line outside a run, so far
    after = np.minimum.accumulate(np.where(mask, n, idx)[::-1], axis=0)[::-1]  # the next one
    return np.log1p(np.where(mask, after - before - 1, 0)).astype(np.float32)


def context_features(p: np.ndarray) -> np.ndarray:
    """Second-pass features from the first-pass article probabilities ``p`` of a page's lines.

    ``p`` is one score per line, (n,), giving (n, 16); or the scores of k models side by side, (n, k),
    giving (k, n, 16).
    """
    n = len(p)
    k = 1 if p.ndim == 1 else p.shape[1]
    if n == 0:
        return np.zeros((0, len(CONTEXT_NAMES)) if p.ndim == 1 else (k, 0, len(CONTEXT_NAMES)), np.float32)
    q = p.astype(np.float32).reshape(n, k)
    if _c_context is not None:  # the same arithmetic in one C loop (read-only: callers copy as they clip)
        raw = _c_context(np.ascontiguousarray(q).tobytes(), n, k)
        both: np.ndarray = np.frombuffer(raw, dtype=np.float32).reshape(k, n, len(CONTEXT_NAMES))
        return both[0] if p.ndim == 1 else both
    return _context_numpy(q, n, k, p.ndim)


def _context_numpy(q: np.ndarray, n: int, k: int, ndim: int) -> np.ndarray:
    """`context_features` with numpy: the reference for the C extension's ``context``, and the fallback."""
    # neighbours: views into one zero-padded copy
    pad = np.zeros((n + 6, k), dtype=np.float32)
    pad[3 : n + 3] = q
    windows = _window_means(q, (2, 5, 10, 20))  # (4, n, k)
    csum = np.cumsum(q, axis=0, dtype=np.float64)
    zero = np.zeros((1, k), dtype=np.float32)
    max_before = np.concatenate((zero, np.maximum.accumulate(q, axis=0)[:-1]))
    max_after = np.concatenate((np.maximum.accumulate(q[::-1], axis=0)[::-1][1:], zero))
    total = csum[-1].copy()
    total[total == 0] = 1.0
    # each line's place when the scores are sorted (ties in page order): the inverse of the sort's order
    order = np.argsort(-q, axis=0, kind="stable")
    places = np.empty_like(order)
    places[order, np.arange(k)] = np.arange(n)[:, None]
    rank = places / max(n - 1, 1)
    out = np.stack(
        [
            q,
            pad[2 : n + 2],  # the line before
            pad[4 : n + 4],  # the line after
            pad[1 : n + 1],
            pad[5 : n + 5],
            pad[0:n],
            pad[6 : n + 6],
            windows[0],
            windows[1],
            windows[2],
            max_before,
            max_after,
            (csum - q) / total,  # the score mass before the line
            windows[3],
            _run_lengths(q >= 0.5),
            rank,
        ],
        axis=-1,
    ).astype(np.float32)  # (n, k, 16)
    return out[:, 0, :] if ndim == 1 else np.ascontiguousarray(out.transpose(1, 0, 2))
