"""Words as the FineWeb and FineWeb-2 filters count them, in every language, without spaCy or datatrove.

datatrove's Gopher, FineWeb and C4 filters count the words of ``load_word_tokenizer(language)``, and
their thresholds (FineWeb's for English, FineWeb-2's for each other language) are tuned to those counts,
so websieve splits words the same way. ``split_words(text, lang=...)`` takes ``lang`` as websieve's language
id writes it into ``doc.lang`` (fastText lid.176 labels: ``en``, ``fr``, ``zh``, ``ceb``...) or as
FineWeb-2 names its configs (ISO 639-3 with or without script: ``fra_Latn``, ``fra``), and uses the
splitter datatrove's ``tokenizer_assignment.csv`` gives that language (a lid.176 label standing for the
FineWeb-2 config of ``data/fineweb2_thresholds.json``):

- spaCy's rule-based tokenizer, on the language's own rules or a related language's (Asturian gets
  Spanish's; ~970 languages get ``xx``, spaCy's multi-language rules): punctuation split off words
  ("Hello, world!" is four words), contractions and elisions split (``don't`` -> ``do``, ``n't``;
  ``l'État`` -> ``l'``, ``État``), URLs whole (`websieve.steps.quality.segment_spacy`, its rules exported
  from spaCy; exact: no word differs from spaCy's on the recorded samples);
- the Indic NLP Library's punctuation splitter for Hindi, Bengali, Tamil, Urdu... (its code is here,
  `websieve.steps.quality.segment_indic`; exact);
- a segmenter for languages written without spaces: jieba (Chinese), SudachiPy (Japanese), PyThaiNLP
  (Thai), LaoNLP (Lao), Kiwi (Korean), khmer-nltk (Khmer), and pyvi to join Vietnamese syllables into
  words (`websieve.steps.quality.segment_libs`). They are the optional ``websieve[languages]`` extra
  (about 600 MB with their dictionaries). Without it, or where datatrove's segmenter cannot be had here
  (Burmese's pulls a second fastText; Tibetan's downloads its data; Stanza's neural models for Welsh,
  Kazakh, Uyghur...), websieve does not pretend: it splits with spaCy's ``xx`` rules, cuts runs of
  Chinese, Japanese, Thai, Lao, Khmer, Burmese and Tibetan script into grapheme clusters (one per Han
  character, as spaCy's own default Chinese tokenizer does), logs a warning once per language, and says so
  in `word_splitter(lang)`'s ``name`` and ``exact``.

``lang=None`` (the filters' default, English settings) is English, datatrove's default language; a code
websieve does not know gets spaCy's ``xx`` rules. `benchmarks/fineweb_parity.py` measures the agreement
with datatrove's filters.

>>> split_words("Don't panic: it's 3.5 km to https://example.org/x, e.g. Bob's")
['Do', "n't", 'panic', ':', 'it', "'s", '3.5', 'km', 'to', 'https://example.org/x', ',', 'e.g.', 'Bob', "'s"]
>>> split_words("Aujourd'hui, l'État dit: «non».", lang="fr")
["Aujourd'hui", ',', "l'", 'État', 'dit', ':', '«', 'non', '»', '.']
>>> split_words("भारत एक देश है।", lang="hi")
['भारत', 'एक', 'देश', 'है', '।']
>>> word_splitter("fr").name, word_splitter("ast").name, word_splitter("qqq").name
('spacy:fr', 'spacy:es', 'spacy:xx')
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import regex

from websieve.steps.quality.segment_indic import trivial_tokenize
from websieve.steps.quality.segment_libs import LOADERS
from websieve.steps.quality.segment_spacy import assignment, rules, spacy_languages

__all__ = ["WordSplitter", "segmenter_versions", "split_words", "word_splitter"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WordSplitter:
    """How one language's words are split."""

    name: str
    """``spacy:fr``, ``indicnlp:hi``, ``jieba``... or ``fallback:xx+graphemes`` (see the module docstring)."""
    exact: bool
    """Whether it splits as datatrove's ``load_word_tokenizer`` does for that language."""
    split: Callable[[str], list[str]]


@lru_cache(maxsize=4)
def split_words(text: str, *, lang: str | None = None) -> list[str]:
    """The words of ``text`` in language ``lang`` (see the module docstring), whitespace left out.

    The last few texts' words are kept (the filters of a chain read the same text one after the other):
    callers must not change the list they get.
    """
    if lang is None or lang == "en":
        return _english(text)
    return word_splitter(lang).split(text)


def _english(text: str) -> list[str]:
    return rules("en").split(text)


@cache
def word_splitter(lang: str | None) -> WordSplitter:
    """The splitter of ``lang`` (None: English), built once (the first use of a library loads it)."""
    if lang is None:
        return WordSplitter("spacy:en", True, _english)
    kind, code = assignment(lang) or ("SpaCyTokenizer", "xx")
    if kind == "WhitespaceTokenizer":
        kind, code = "SpaCyTokenizer", "xx"
    if kind == "SpaCyTokenizer" and code in spacy_languages():
        return WordSplitter(f"spacy:{code}", True, rules(code).split)
    if kind == "IndicNLPTokenizer":
        return WordSplitter(f"indicnlp:{code}", True, lambda text: trivial_tokenize(text, lang=code))
    key = code if kind == "SpaCyTokenizer" else kind
    if key in LOADERS:
        library, load = LOADERS[key]
        try:
            return WordSplitter(library, True, _without_surrogates(load()))
        except ImportError:
            reason = f"{library} is not installed (pip install 'websieve[languages]')"
        except Exception as exc:  # installed but broken (a missing dictionary or model): say why, once
            reason = f"{library} failed to load ({type(exc).__name__}: {exc})"
    else:
        reason = f"datatrove's {kind}{f' {code}' if code else ''} is not available in websieve"
    _log.warning(
        "words of %r: %s; splitting with spaCy's multi-language rules and grapheme clusters instead, "
        "so word counts differ from FineWeb-2's",
        lang,
        reason,
    )
    return WordSplitter("fallback:xx+graphemes", False, _fallback)


@cache
def segmenter_versions() -> str:
    """The installed versions of the optional segmenters (``missing`` for those that are not): the words of
    their languages depend on them (part of a run's fingerprint)."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "missing"

    packages = sorted({library for library, _ in LOADERS.values()} | {"sudachidict-core"})
    return ", ".join(f"{package} {installed(package)}" for package in packages)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(split: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """``split``, given text whose lone surrogates (which no UTF-8 library takes) are U+FFFD."""

    def safe(text: str) -> list[str]:
        return split(_SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text)

    return safe


_UNSPACED = regex.compile(
    r"(?:(?![\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}])\X)+|\X"
)
_UNSPACED_ANY = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}]"
)


def _fallback(text: str) -> list[str]:
    """spaCy's ``xx`` rules, each run of a script written without spaces cut into grapheme clusters."""
    out: list[str] = []
    for token in rules("xx").split(text):
        if _UNSPACED_ANY.search(token) is None:
            out.append(token)
        else:
            out.extend(_UNSPACED.findall(token))
    return out
