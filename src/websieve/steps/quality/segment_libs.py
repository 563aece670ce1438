"""Word segmenters of languages written without spaces between words, from their libraries.

datatrove (and so FineWeb-2) segments Chinese with jieba (through spaCy's ``zh``), Japanese with SudachiPy
(split mode A, through spaCy's ``ja``, the text cut every 40,000 UTF-8 bytes), Thai with PyThaiNLP
(``newmm-safe``), Lao with LaoNLP, Korean with Kiwi (``sbg`` model), Khmer with khmer-nltk and Vietnamese
with pyvi (through spaCy's ``vi``, which joins syllables into words). These functions call the same
libraries the same way and keep what datatrove keeps (tokens stripped, empty ones left out). The libraries
are the optional ``websieve[languages]`` extra (dictionaries inside the wheels; nothing is downloaded at
run time); each loader raises ``ImportError`` when its library is missing, and
`websieve.steps.quality.words` then falls back (see there). Libraries load on first use, once per process.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import string
import warnings
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["LOADERS", "chunk_text_on_bytes"]

Segmenter = Callable[[str], list[str]]


def _strip(tokens: Any) -> list[str]:
    """datatrove's ``strip_strings``."""
    return [token.strip() for token in tokens if token.strip()]


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """The library's logger ``name`` at WARNING while it loads, then as it was: jieba and khmer-nltk give
    their loggers a stderr handler at DEBUG and log their dictionaries' loading (websieve configures no
    logging: the level is put back)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _jieba() -> Segmenter:
    jieba = importlib.import_module("jieba")  # sets its logger to DEBUG: quieted after
    with _quiet("jieba"):
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()

    def split(text: str) -> list[str]:
        return _strip(tokenizer.cut(text, cut_all=False))

    return split


def chunk_text_on_bytes(text: str, max_chunk_size: int = 1_000_000) -> list[str]:
    """datatrove's ``chunk_text_on_bytes`` (spaCy's Japanese tokenizer takes at most ~49 KB): ``text`` cut
    into pieces of at most ``max_chunk_size`` UTF-8 bytes, where its search for the cut ends (which may be
    within a word). Kept as datatrove has it, since where it cuts changes the words."""

    def utf8len(part: str) -> int:
        return len(part.encode("utf-8"))

    factor = len(text) / utf8len(text) if utf8len(text) > 0 else 1
    increase_by = int(max(min(max_chunk_size * 0.1, 10), 1))
    initial_size_guess = int(max(max_chunk_size * factor - 10, 1))
    final_list = []
    remaining = text
    while len(remaining):
        part = remaining[:initial_size_guess]
        if utf8len(part) > max_chunk_size:
            initial_size_guess = int(max(initial_size_guess - min(max_chunk_size * 0.001, 10), 1))
            continue
        cut_after = initial_size_guess
        while utf8len(part) < max_chunk_size and part != remaining:
            cut_after = min(len(remaining), cut_after + increase_by)
            part = remaining[:cut_after]
        if utf8len(part) > max_chunk_size:
            cut_after -= increase_by
        final_list.append(remaining[:cut_after])
        remaining = remaining[cut_after:]
    return final_list


def _sudachi() -> Segmenter:
    sudachipy = importlib.import_module("sudachipy")
    dictionary = sudachipy.Dictionary()
    # SudachiPy 0.7 renamed create() (which datatrove calls) tokenizer(); the same tokenizer
    create = getattr(dictionary, "tokenizer", None) or dictionary.create
    tokenizer = create(mode=sudachipy.SplitMode.A)

    def split(text: str) -> list[str]:
        pieces = [text] if len(text) < 10_000 else chunk_text_on_bytes(text, 40_000)
        return _strip(morpheme.surface() for piece in pieces for morpheme in tokenizer.tokenize(piece))

    return split


def _pythainlp() -> Segmenter:
    tokenize = importlib.import_module("pythainlp.tokenize")

    def split(text: str) -> list[str]:
        return _strip(tokenize.word_tokenize(text, keep_whitespace=False, engine="newmm-safe"))

    return split


def _laonlp() -> Segmenter:
    tokenize = importlib.import_module("laonlp.tokenize")

    def split(text: str) -> list[str]:
        return _strip(tokenize.word_tokenize(text))

    return split


def _kiwi() -> Segmenter:
    kiwipiepy = importlib.import_module("kiwipiepy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        kiwi = kiwipiepy.Kiwi(model_type="sbg")  # kiwipiepy < 0.22: later versions dropped the model
    import re

    long_numbers = re.compile("[0-9,]{20,}")

    def split(text: str) -> list[str]:
        # datatrove removes long digit runs (Kiwi trips on them) and slices the original text with the
        # offsets found in the shortened one: kept, as the words depend on it
        return _strip(text[token.start : token.end] for token in kiwi.tokenize(long_numbers.sub("", text)))

    return split


def _khmer() -> Segmenter:
    tokenize = importlib.import_module("khmernltk")  # sets its logger to DEBUG: quieted after
    with _quiet("khmer-nltk"):
        tokenize.word_tokenize("ភាសាខ្មែរ", return_tokens=True)  # loads its model, which it logs

    def split(text: str) -> list[str]:
        return _strip(tokenize.word_tokenize(text, return_tokens=True))

    return split


def _pyvi() -> Segmenter:
    """spaCy's ``VietnameseTokenizer`` with ``use_pyvi`` (MIT; its code adapted from pyvi's, MIT)."""
    import re

    vi = importlib.import_module("pyvi.ViTokenizer").ViTokenizer
    abbreviations = [r"[A-ZĐ]+\.", r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\."]
    specials = [r"==>", r"->", r"\.\.\.", r">>"]
    others = [r"\w+://[^\s]+", r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)"]
    others += [r"\d+([\.,_]\d+)+", r"[^\w\s]", r"\w+"]
    syllables = re.compile(r"(\s+|" + "|".join(abbreviations + specials + others) + ")", re.UNICODE)
    punctuation = string.punctuation

    def split(text: str) -> list[str]:
        if not text or text.isspace():
            return []
        segments = [found[0] for found in syllables.findall(text)]
        words: list[str] = []
        spaces_before: list[str] = []
        for i, segment in enumerate(segments):
            if not segment.isspace():
                words.append(segment)
                spaces_before.append(segments[i - 1] if i and segments[i - 1].isspace() else "")
        if not words:
            return []
        labels = vi.model.predict([vi.sent2features(words, False)])[0]
        tokens: list[str] = []
        token = words[0]
        for i in range(1, len(labels)):
            if (
                labels[i] == "I_W"
                and words[i] not in punctuation
                and words[i - 1] not in punctuation
                and not words[i][0].isdigit()
                and not words[i - 1][0].isdigit()
                and not (words[i][0].istitle() and not words[i - 1][0].istitle())
            ):
                token = token + spaces_before[i] + words[i]
            else:
                tokens.append(token)
                token = words[i]
        tokens.append(token)
        return _strip(tokens)

    return split


LOADERS: dict[str, tuple[str, Callable[[], Segmenter]]] = {
    # datatrove's tokenizer (type, or spaCy code) -> (the library, its loader)
    "zh": ("jieba", _jieba),
    "ja": ("sudachipy", _sudachi),
    "vi": ("pyvi", _pyvi),
    "ThaiTokenizer": ("pythainlp", _pythainlp),
    "LaoTokenizer": ("laonlp", _laonlp),
    "KiwiTokenizer": ("kiwipiepy", _kiwi),
    "KhmerTokenizer": ("khmer-nltk", _khmer),
}
