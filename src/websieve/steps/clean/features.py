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

import json
import math
import re
from functools import lru_cache
from importlib import resources
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import numpy as np
import regex

from websieve.steps.clean.vocab import find_ligatures, has_ui_words, label_words, ui_phrase, ui_prefix

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
# one pass finds every character some feature counts: capitals, digits, sentence ends, separators
_MARKS = regex.compile(r"[\p{Lu}\d|•·›»>/\\–—.!?。！？]")
_SENT_CHARS = frozenset(".!?。！？")
_SEP_CHARS = frozenset("|•·›»>/\\–—")
_URLISH = re.compile(r"https?://|www\.|\S@\S|\.(?:com|org|net|de|fr|html?)\b")
_DATEISH = re.compile(
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\b(?:19|20)\d{2}\b|"
    r"\b(?:jan|feb|m[aä]r|apr|ma[iy]|jun|jul|aug|sep|o[ck]t|nov|d[ée][cz]|janv|févr|avr|juil|déc|"
    r"ene|abr|ago|dic|sty|lut|kwi|maj|cze|lip|sie|wrz|paź|lis|gru)[a-zéûäôó]*\.?\s+\d|"
    r"\d+\s+(?:min|minutes?|hours?|heures?|jours?|days?|weeks?|semaines?|mois|months?|ans?|années?|"
    r"years?|stunden?|tagen?|wochen?|monaten?|jahren?|horas?|días?|meses|años?)\b|\bago\b|\bil y a\b|"
    r"\bdepuis\b|\bvor\b|\bhace\b"
)
_SENT_END = frozenset(".!?。！？…؟")
_CLOSERS = "\"'”’»)]*"
_OTHER_END = frozenset(",;|/-–—>»›+&")


class Line(NamedTuple):
    """One non-blank line of a page: its text (verbatim), its index among all lines, its block."""

    text: str
    line_no: int
    block_start: bool
    """A blank line (or the start of the page) comes before it."""


def split_lines(text: str) -> list[Line]:
    """The non-blank lines of ``text``, with where they stand."""
    out: list[Line] = []
    blank = True
    for i, raw in enumerate(text.split("\n")):
        if raw.strip():
            out.append(Line(text=raw, line_no=i, block_start=blank))
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


def stopwords(lang: str | None) -> frozenset[str]:
    """Frequent function words of ``lang`` (FineWeb-2's lists; a multilingual union when unknown)."""
    table = _stopword_table()
    if lang and lang in table:
        return table[lang]
    return _any_stopwords()


_SHAPE = (
    # text alone (`_text_shape`)
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
_SHORT = 160  # vocabulary signals are computed (and cached) for lines shorter than this


def _text_shape(s: str, stops: frozenset[str]) -> tuple[float | bool, ...]:
    """The features of a line that depend on its text alone (not on where it stands)."""
    nc = len(s)
    t = s if nc <= _SAMPLE else s[:_SAMPLE]
    nt = len(t)
    scale = nc / nt
    words = _WORD.findall(t)
    nw = len(words)
    word_chars = sum(map(len, words))
    core = s.rstrip(_CLOSERS) or s
    last = core[-1]
    first = s[0]
    n_stop = sum(map(stops.__contains__, map(str.lower, words)))
    marks = _MARKS.findall(t)
    n_digit = sum(map(str.isdigit, marks))
    uipre = False
    if nc < _SHORT:
        low = s.lower()
        lw = label_words(s)
        lig = ("_" in s or not first.isupper()) and bool(find_ligatures(s))
        uip = ui_phrase(s, lw)
        uiw = has_ui_words(s, lw)
        urlish = ("." in s or "@" in s) and _URLISH.search(low) is not None
        dateish = n_digit > 0 and _DATEISH.search(low) is not None
        uipre = len(lw) <= 25 and ui_prefix(s, lw)
    else:
        lig = uip = uiw = dateish = False
        urlish = _URLISH.search(t[:120].lower()) is not None
        if nw <= 25:
            uipre = ui_prefix(s)
    log1p = math.log1p
    return (
        log1p(nc),
        log1p(nw * scale),
        min(word_chars / nw, 20.0) if nw else 0.0,
        last in _SENT_END,
        last == ":",
        last in _OTHER_END,
        last.isdigit(),
        first.isupper(),
        first.isdigit(),
        not first.isalnum(),
        word_chars / nt,
        n_digit / nt,
        sum(map(str.isupper, marks)) / word_chars if word_chars else 0.0,
        sum(map(str.istitle, words)) / nw if nw else 0.0,
        log1p(sum(map(_SENT_CHARS.__contains__, marks)) * scale),
        t.count(",") / nw if nw else 0.0,
        n_stop / nw if nw else 0.0,
        log1p(n_stop * scale),
        lig,
        uip,
        uiw,
        urlish,
        dateish,
        log1p(sum(map(_SEP_CHARS.__contains__, marks)) * scale),
        nw <= 1,
        nw <= 3,
        uipre,
    )


# Navigation labels, share buttons and footers repeat across the pages of a site and of the web: the text
# features of short lines are cached per (language, line).
_short_shape = lru_cache(maxsize=1 << 17)(lambda s, lang: _text_shape(s, stopwords(lang)))


def _shape_rows(lines: list[Line], lang: str | None) -> np.ndarray:
    stops = stopwords(lang)
    stripped = [line.text.strip() for line in lines]
    n = len(lines)
    # text features: per line (cached for short lines), then one array
    text_rows = [_short_shape(s, lang) if len(s) < _SHORT else _text_shape(s, stops) for s in stripped]
    # position features: vectorised
    counts: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    for i, s in enumerate(stripped):
        counts[s] = counts.get(s, 0) + 1
        first_seen.setdefault(s, i)
    lengths = np.fromiter(map(len, stripped), dtype=np.float64, count=n)
    copies = np.fromiter((counts[s] for s in stripped), dtype=np.float64, count=n)
    later = np.fromiter((first_seen[s] != i for i, s in enumerate(stripped)), dtype=bool, count=n)
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
    return np.concatenate([np.array(text_rows, dtype=np.float32), position.astype(np.float32)], axis=1)


def _window_mean(col: np.ndarray, w: int) -> np.ndarray:
    """Mean of ``col`` over [i-w, i+w], clipped at the edges."""
    n = len(col)
    csum = np.concatenate(([0.0], np.cumsum(col, dtype=np.float64)))
    idx = np.arange(n)
    lo = np.maximum(idx - w, 0)
    hi = np.minimum(idx + w + 1, n)
    out: np.ndarray = ((csum[hi] - csum[lo]) / (hi - lo)).astype(np.float32)
    return out


def _shift(col: np.ndarray, k: int, fill: float = 0.0) -> np.ndarray:
    """``col`` moved by ``k`` (positive: the value of the line k before)."""
    out = np.full_like(col, fill)
    if k > 0:
        out[k:] = col[:-k]
    else:
        out[:k] = col[-k:]
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


def _slug_features(lines: list[Line], url: str | None) -> list[np.ndarray]:
    """How much of the URL's slug a line covers, and where each line stands from the best-covering one
    (usually the headline: the article follows it)."""
    n = len(lines)
    slug = slug_words(url)
    cover = np.zeros(n, dtype=np.float32)
    if len(slug) >= 2:
        # a substring search first (one C call per line): most lines share no word with the slug
        hint = re.compile("|".join(map(re.escape, sorted(slug))))
        for i, line in enumerate(lines):
            text = line.text
            if len(text) < 250 and hint.search(text.lower()) is not None:
                cover[i] = len(slug.intersection(label_words(text))) / len(slug)
    best = int(cover.argmax()) if n else 0
    if n == 0 or cover[best] < 0.3:
        return [cover, np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)]
    offset = np.clip((np.arange(n) - best) / 10.0, -1.0, 1.0).astype(np.float32)
    return [cover, offset, np.ones(n, dtype=np.float32)]


def line_features(lines: list[Line], lang: str | None, url: str | None = None) -> np.ndarray:
    """One row of `FEATURE_NAMES` per line (float32); ``url`` lets the page's slug point at its headline."""
    if not lines:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    shape = _shape_rows(lines, lang)
    cols = [shape]
    extra = []
    for k in (1, 2):
        for sign in (k, -k):
            for name in _CONTEXT_OF[:3]:
                extra.append(_shift(shape[:, _IDX[name]], sign))
    for w in (3, 8):
        for name in _CONTEXT_OF:
            extra.append(_window_mean(shape[:, _IDX[name]], w))
    long_sentence = (shape[:, _IDX["log_chars"]] >= math.log1p(100)) & (shape[:, _IDX["end_sentence"]] > 0)
    prev_d, next_d = _distances(long_sentence)
    extra += [prev_d, next_d]
    csum = np.cumsum(long_sentence)
    total = csum[-1] if len(csum) else 0
    before: np.ndarray = (csum - long_sentence).astype(np.float32)
    extra += [np.minimum(before, 5) / 5, np.minimum(total - csum, 5).astype(np.float32) / 5]
    extra.append(np.full(len(lines), shape[:, 0].max(), dtype=np.float32))
    # interface labels seen so far / still to come: "Related", "Comments", "Mehr zum Thema" close articles
    ui = np.maximum(shape[:, _IDX["ui_phrase"]], shape[:, _IDX["ui_prefix"]])
    ui_csum = np.cumsum(ui)
    extra += [np.minimum(ui_csum - ui, 10) / 10, np.minimum(ui_csum[-1] - ui_csum, 10) / 10]
    extra.append(_window_mean(shape[:, _IDX["log_copies"]], 3))
    extra += _slug_features(lines, url)
    cols.append(np.stack(extra, axis=1).astype(np.float32))
    return np.concatenate(cols, axis=1)


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
    """For each line, log(1 + length of the run of consecutive ``mask`` lines it belongs to; 0 outside)."""
    n = len(mask)
    out = np.zeros(n, dtype=np.float32)
    i = 0
    while i < n:
        if mask[i]:
            j = i
            while j < n and mask[j]:
                j += 1
            out[i:j] = math.log1p(j - i)
            i = j
        else:
            i += 1
    return out


def context_features(p: np.ndarray) -> np.ndarray:
    """Second-pass features from the first-pass article probabilities ``p`` of a page's lines."""
    n = len(p)
    if n == 0:
        return np.zeros((0, len(CONTEXT_NAMES)), dtype=np.float32)
    p = p.astype(np.float32)
    max_before = np.concatenate(([0.0], np.maximum.accumulate(p)[:-1])).astype(np.float32)
    max_after = np.concatenate((np.maximum.accumulate(p[::-1])[::-1][1:], [0.0])).astype(np.float32)
    csum = np.cumsum(p)
    total = float(csum[-1]) or 1.0
    return np.stack(
        [
            p,
            _shift(p, 1),
            _shift(p, -1),
            _shift(p, 2),
            _shift(p, -2),
            _shift(p, 3),
            _shift(p, -3),
            _window_mean(p, 2),
            _window_mean(p, 5),
            _window_mean(p, 10),
            max_before,
            max_after,
            ((csum - p) / total).astype(np.float32),
            _window_mean(p, 20),
            _run_lengths(p >= 0.5),
            (np.argsort(np.argsort(-p, kind="stable"), kind="stable") / max(n - 1, 1)).astype(np.float32),
        ],
        axis=1,
    )
