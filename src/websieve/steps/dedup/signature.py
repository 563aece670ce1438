"""MinHash signatures and LSH band keys of texts, for near-duplicate detection (FineWeb's recipe: word
5-gram shingles, 14 bands of 8 rows).

Two texts are near-duplicates when the Jaccard similarity of their sets of word n-grams (shingles) is
high. A `MinHasher` gives each text ``bands * rows`` minimum hashes (its signature); two texts agree on
each value with probability their Jaccard similarity, and the ``dedup.minhash`` step groups texts that
agree on all ``rows`` values of at least one band (equal band keys). The C extension ``_minhash`` does the
work in one pass over each text's code points (``SIGNATURE_BACKEND`` says whether it was built); the
functions below (``_py_*``) compute the same to the bit in Python and serve installs without a compiler.

Words
    Every code point has a class (`_classes`, from ``unicodedata`` alone, so it changes only with Python's
    Unicode version): WORD (general category L*, N* or M*), SEP (everything else: spaces, punctuation,
    symbols, controls, lone surrogates, unassigned), and among the WORD ones DIGIT (Nd), MARK (M*) and
    SOLO: the letters and non-decimal numbers of the scripts written without spaces between words: Han
    (U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+20000-3FFFF), Hiragana and Katakana (U+3040-30FF, U+31F0-31FF,
    U+FF66-FF9F, U+1AFF0-1B16F), Thai and Lao (U+0E00-0EFF), Tibetan (U+0F00-0FFF), Myanmar (U+1000-109F,
    U+A9E0-A9FF, U+AA60-AA7F) and Khmer (U+1780-17FF, U+19E0-19FF). A word is a maximal run of WORD code
    points, except that a SOLO code point is a word of its own, with the marks that follow it (so Chinese
    quoted in an English page does not become one giant word). Each code point of a word is folded: a
    digit becomes ``0``, any other is lower-cased with the simple one-to-one mapping (C's
    ``Py_UNICODE_TOLOWER``, which is ``ch.lower()[0]``: ``İ`` is ``i``, where ``"İ".lower()`` is ``i̇``).

Languages
    With ``lang`` resolving (`websieve.steps.quality.languages.resolve_language`) to a language that
    FineWeb-2 segments with a dictionary (Chinese: jieba, Japanese: SudachiPy, Thai: PyThaiNLP, Lao:
    LaoNLP, Khmer: khmer-nltk), the words are the segmenter's
    (`websieve.steps.quality.words.split_words`), each folded as above with its SEP code points removed
    (one with nothing left is no word). Without the ``websieve[languages]`` extra, and always for Burmese
    and Tibetan (whose segmenters websieve cannot run), those languages take the rule above, whose SOLO
    words are what words.py falls back to as well (one word per character). Every other language is
    written with spaces and takes the rule above. Once punctuation is removed, the words of spaCy's rule
    sets (which the quality filters count) differ from its words only where a clitic, a number with
    separators or an abbreviation is one token to spaCy (``don't`` -> ``do nt`` / ``don t``, ``3,000``,
    ``U.S.``): a few words a page, split the same way in every copy of it, so no near-duplicate
    decision turns on them; and the rule runs in C, 100 times faster (0.05 ms against 8.7 ms for a
    3 KB English page). Korean and Vietnamese are written with spaces too: their segmenters (Kiwi's
    morphemes, pyvi's joined syllables) would cost as much and find the same duplicates.

Hashes (all arithmetic on unsigned 64-bit integers, wrapping; ``fmix`` is splitmix64's finaliser:
``x ^= x >> 30; x *= 0xBF58476D1CE4E5B9; x ^= x >> 27; x *= 0x94D049BB133111EB; x ^= x >> 31``)
    word: ``h = 0x243F6A8885A308D3``; for each folded code point ``c``:
    ``h = rotl((h ^ c) * 0x9E3779B97F4A7C15, 29)``; the word's hash is ``fmix(h ^ code points)``.
    shingle: of the word hashes ``w_0 .. w_m-1`` of ``m = n`` consecutive words (``m`` = all of them
    in a text of 1..n-1 words): ``s = fmix(M_0 * w_0 + ... + M_m-1 * w_m-1)``, with the multiplier of
    position ``k`` ``M_k = fmix(0x13198A2E03707344 + k) | 1`` (odd, different at each position: the
    same words in another order make another shingle).
    permutations: ``x = s mod P`` with ``P = 2^61 - 1``; ``h_i = (a_i * x + b_i) mod P`` for
    ``i < bands * rows``, with ``a = rng.integers(1, P, bands * rows)`` and then
    ``b = rng.integers(0, P, bands * rows)`` (uint64) from ``numpy.random.default_rng(seed)``; the exact
    product (128 bits in C, reduced mod the Mersenne prime).
    signature: ``sig[i] = min h_i`` over the text's shingles.
    band key of band ``b``: ``k = fmix(0xA4093822299F31D0 ^ b)``; for each of its values
    ``v = sig[b * rows + r]``: ``k = fmix(k ^ v)``.

>>> hasher = MinHasher()
>>> keys, valid = hasher.band_keys_many(["A cat sat on the mat.", "a CAT sat on the mat!", "..."])
>>> keys.shape, valid.tolist(), bool((keys[0] == keys[1]).all()), int(keys[2].max())
((3, 14), [True, True, False], True, 0)
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from websieve.errors import ConfigError

try:
    from websieve.steps.dedup import _minhash
except ImportError:  # built without a C compiler: the Python twin does the same, slower
    _minhash = None  # type: ignore[assignment]

SIGNATURE_BACKEND = "c" if _minhash is not None else "python"
"""Which implementation hashes the texts: the C extension ``_minhash`` or its Python twin."""

__all__ = [
    "SIGNATURE_BACKEND",
    "MinHashParams",
    "MinHasher",
    "band_keys_of",
    "fmix64",
    "jaccard",
    "shingle_words",
    "shingles",
]

_MAX_N_GRAMS = 32
"""The longest shingle (the C code keeps the last ``n`` word hashes in a fixed array)."""
_MAX_PERMUTATIONS = 4096
"""The most ``bands * rows`` (FineWeb: 112; a signature is 8 bytes a permutation)."""

_P = (1 << 61) - 1
_M64 = (1 << 64) - 1
_WORD_SEED = 0x243F6A8885A308D3
_WORD_MUL = 0x9E3779B97F4A7C15
_SHINGLE_SEED = 0x13198A2E03707344
_BAND_SEED = 0xA4093822299F31D0

_SEP, _WORD, _DIGIT, _MARK, _SOLO = range(5)  # the same values as _minhash.c's
_SOLO_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x19E0, 0x19FF),  # Khmer symbols
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA9E0, 0xA9FF),  # Myanmar extended-B
    (0xAA60, 0xAA7F),  # Myanmar extended-A
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth Katakana
    (0x1AFF0, 0x1B16F),  # Kana extended-B, supplement, extended-A, small Kana extension
    (0x20000, 0x3FFFF),  # CJK extensions B-H, compatibility ideographs supplement (planes 2 and 3)
)
_UNSPACED_KINDS = frozenset(
    {"ThaiTokenizer", "LaoTokenizer", "KhmerTokenizer", "BurmeseTokenizer", "TibetanTokenizer"}
)
"""datatrove's word tokenizers of scripts without spaces (besides spaCy's ``zh`` and ``ja``)."""
# fmt: off
_CATEGORIES = (
    "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf",
    "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn",
)
# fmt: on


@dataclass(frozen=True, kw_only=True, slots=True)
class MinHashParams:
    """How texts are shingled and hashed (FineWeb's defaults: 5-grams, 14 bands of 8 rows: two texts of
    Jaccard similarity 0.75 share a band key with probability 0.77, of 0.5 with probability 0.05).

    >>> MinHashParams(bands=20, rows=5)
    MinHashParams(n_grams=5, bands=20, rows=5, seed=1)
    >>> MinHashParams(n_grams=0)
    Traceback (most recent call last):
    websieve.errors.ConfigError: dedup.minhash: n_grams must be between 1 and 32 words, got 0
    """

    n_grams: int = 5
    """Words per shingle."""
    bands: int = 14
    rows: int = 8
    """Hashes per band: ``bands * rows`` permutations."""
    seed: int = 1
    """Seed of the permutations: signatures are comparable only between hashers of equal params."""

    def __post_init__(self) -> None:
        for name in ("n_grams", "bands", "rows", "seed"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"dedup.minhash: {name} must be an integer, got {value!r}")
        if not 1 <= self.n_grams <= _MAX_N_GRAMS:
            raise ConfigError(
                f"dedup.minhash: n_grams must be between 1 and {_MAX_N_GRAMS} words, got {self.n_grams}"
            )
        if self.bands < 1 or self.rows < 1 or self.bands * self.rows > _MAX_PERMUTATIONS:
            raise ConfigError(
                f"dedup.minhash: bands and rows must be at least 1 and bands * rows at most "
                f"{_MAX_PERMUTATIONS}, got {self.bands} bands of {self.rows} rows (FineWeb: 14 of 8)"
            )
        if self.seed < 0:
            raise ConfigError(f"dedup.minhash: seed must be 0 or more, got {self.seed}")


@functools.cache
def _classes() -> bytes:
    """The class of each code point 0..0x10FFFF (see the module docstring), one byte each."""
    kinds = {cat: _WORD if cat[0] in "LN" else _MARK if cat[0] == "M" else _SEP for cat in _CATEGORIES}
    kinds["Nd"] = _DIGIT
    cats = map(unicodedata.category, map(chr, range(0x110000)))
    table = np.frombuffer(bytearray(map(kinds.__getitem__, cats)), dtype=np.uint8)
    for first, last in _SOLO_RANGES:
        block = table[first : last + 1]
        block[block == _WORD] = _SOLO
    return table.tobytes()


@functools.cache
def _folds() -> dict[str, str]:
    """The code points folding to another (digits to ``0``, letters to their lower case)."""
    table = np.frombuffer(_classes(), dtype=np.uint8)
    folds = {chr(cp): "0" for cp in np.flatnonzero(table == _DIGIT).tolist()}
    for cp in np.flatnonzero((table != _SEP) & (table != _DIGIT)).tolist():
        ch = chr(cp)
        low = ch.lower()[0]
        if low != ch:
            folds[ch] = low
    return folds


@functools.cache
def _segmenter(lang: str | None) -> str | None:
    """The language to split ``lang``'s words in with its dictionary segmenter; None: the fast path."""
    from websieve.steps.quality.languages import resolve_language
    from websieve.steps.quality.segment_spacy import assignment
    from websieve.steps.quality.words import word_splitter

    resolved = resolve_language(lang)
    kind, code = (resolved and assignment(resolved)) or ("", "")
    if kind not in _UNSPACED_KINDS and not (kind == "SpaCyTokenizer" and code in {"zh", "ja"}):
        return None
    return resolved if word_splitter(resolved).exact else None  # without the library: the fast path


def _tokens(text: str, lang: str) -> list[str]:
    from websieve.steps.quality.words import split_words

    return split_words(text, lang=lang)


def _fast_words(text: str) -> list[str]:
    table, folds = _classes(), _folds()
    words: list[str] = []
    word: list[str] = []
    alone = False  # the word is a SOLO code point (and its marks)
    for ch in text:
        cls = table[ord(ch)]
        if cls == _SEP:
            if word:
                words.append("".join(word))
                word = []
            continue
        if cls == _SOLO or not word or (alone and cls != _MARK):
            if word:
                words.append("".join(word))
            word = []
            alone = cls == _SOLO
        word.append(folds.get(ch, ch))
    if word:
        words.append("".join(word))
    return words


def _token_words(tokens: list[str]) -> list[str]:
    table, folds = _classes(), _folds()
    words = ("".join(folds.get(ch, ch) for ch in token if table[ord(ch)] != _SEP) for token in tokens)
    return [word for word in words if word]


def shingle_words(text: str, *, lang: str | None = None) -> list[str]:
    """The normalised words whose n-grams are the shingles (the reference the C code is tested against).

    >>> shingle_words("İstanbul'da 3,5 milyon KİŞİ: ünlü...")
    ['istanbul', 'da', '0', '0', 'milyon', 'kişi', 'ünlü']
    >>> shingle_words("Say 你好 to 東京!")
    ['say', '你', '好', 'to', '東', '京']
    """
    segmented = _segmenter(lang)
    if segmented is None:
        return _fast_words(text)
    return _token_words(_tokens(text, segmented))


def shingles(text: str, *, n: int = 5, lang: str | None = None) -> set[tuple[str, ...]]:
    """The set of word n-grams of ``text`` (a text of 1..n-1 words is one shingle of all its words; a text
    without words has none).

    >>> sorted(shingles("To be, or not to be", n=4))
    [('be', 'or', 'not', 'to'), ('or', 'not', 'to', 'be'), ('to', 'be', 'or', 'not')]
    >>> shingles("Hello, world!"), shingles("...")
    ({('hello', 'world')}, set())
    """
    words = shingle_words(text, lang=lang)
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def jaccard(a: str, b: str, *, n: int = 5, lang_a: str | None = None, lang_b: str | None = None) -> float:
    """The exact Jaccard similarity of the shingle sets of ``a`` and ``b`` (0.0 when both have none): what
    the share of equal signature values estimates.

    >>> jaccard("the quick brown fox jumps", "the quick brown fox leaps", n=2)
    0.6
    """
    sa, sb = shingles(a, n=n, lang=lang_a), shingles(b, n=n, lang=lang_b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


class MinHasher:
    """Signatures and band keys of texts under one set of `MinHashParams` (the permutations are drawn
    once, here; the code point table is built at the first text, ~0.15 s once per process).

    >>> hasher = MinHasher(MinHashParams(bands=2, rows=3))
    >>> sig = hasher.signature("The same words, in the same order.")
    >>> sig.dtype, sig.shape, hasher.signature(" — ")
    (dtype('uint64'), (6,), None)
    >>> bool((hasher.signature("the SAME words in the same order") == sig).all())
    True
    """

    __slots__ = ("_a", "_b", "params")

    def __init__(self, params: MinHashParams = MinHashParams()) -> None:
        self.params = params
        rng = np.random.default_rng(params.seed)
        count = params.bands * params.rows
        self._a = rng.integers(1, _P, size=count, dtype=np.uint64)
        self._b = rng.integers(0, _P, size=count, dtype=np.uint64)

    def signature(self, text: str, *, lang: str | None = None) -> np.ndarray | None:
        """The ``bands * rows`` minimum hashes of ``text`` (uint64); None when it has no word.

        >>> MinHasher().signature("Hello").shape
        (112,)
        """
        out, valid = self._hash([text], None if lang is None else [lang], rows=0)
        return out[0] if valid[0] else None

    def band_keys(self, text: str, *, lang: str | None = None) -> np.ndarray | None:
        """One 64-bit key per band (uint64, ``(bands,)``), hashing the band's index and its rows' values;
        None when ``text`` has no word.

        >>> keys = MinHasher().band_keys("今天天气很好，我们去公园散步吧。", lang="zh")
        >>> keys.shape, keys.dtype
        ((14,), dtype('uint64'))
        """
        out, valid = self._hash([text], None if lang is None else [lang], rows=self.params.rows)
        return out[0] if valid[0] else None

    def signatures_many(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The signatures of many texts: ``(signatures, valid)``, uint64 ``(len(texts), bands * rows)``
        and bool ``(len(texts),)`` (rows of texts without a word are 0); `band_keys_of` gives their band
        keys.

        >>> hasher = MinHasher()
        >>> sigs, valid = hasher.signatures_many(["Un texte.", "", "今天天气很好"], ["fr", None, "zh"])
        >>> keys, _ = hasher.band_keys_many(["Un texte.", "", "今天天气很好"], ["fr", None, "zh"])
        >>> bool((band_keys_of(sigs[valid], 8) == keys[valid]).all())
        True
        """
        return self._hash(texts, langs, rows=0)

    def band_keys_many(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The band keys of many texts: ``(keys, valid)``, keys uint64 ``(len(texts), bands)``, valid bool
        ``(len(texts),)``; the rows of texts without a word are 0 and not valid. Texts of languages written
        with spaces (all of them without ``langs``) go to the C code in one call.

        >>> keys, valid = MinHasher().band_keys_many(["Un texte.", "", "今天天气很好"], ["fr", None, "zh"])
        >>> keys.shape, valid.tolist()
        ((3, 14), [True, False, True])
        """
        return self._hash(texts, langs, rows=self.params.rows)

    def _hash(
        self, texts: Sequence[str], langs: Sequence[str | None] | None, *, rows: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Signatures (``rows`` = 0) or band keys of ``texts``, and which texts have a word."""
        if langs is not None and len(langs) != len(texts):
            raise ValueError(f"band_keys_many: {len(texts)} texts but {len(langs)} languages")
        width = self.params.bands if rows else len(self._a)
        out = np.zeros((len(texts), width), dtype=np.uint64)
        valid = np.zeros(len(texts), dtype=np.bool_)
        fast: list[int] = []
        split: list[int] = []
        token_lists: list[list[str]] = []
        for i, text in enumerate(texts):
            segmented = None if langs is None else _segmenter(langs[i])
            if segmented is None:
                fast.append(i)
            else:
                split.append(i)
                token_lists.append(_tokens(text, segmented))
        if len(fast) == len(texts):
            self._run(list(texts), None, rows, out, valid)
            return out, valid
        for where, part_texts, part_tokens in (
            (fast, [texts[i] for i in fast], None),
            (split, [], token_lists),
        ):
            part, ok = out[where], valid[where]
            self._run(part_texts, part_tokens, rows, part, ok)
            out[where], valid[where] = part, ok
        return out, valid

    def _run(
        self,
        texts: list[str],
        token_lists: list[list[str]] | None,
        rows: int,
        out: np.ndarray,
        valid: np.ndarray,
    ) -> None:
        """Hash ``texts``, or with ``token_lists`` the texts their tokens are, into ``out`` and ``valid``."""
        n = self.params.n_grams
        if _minhash is not None:
            if token_lists is None:
                _minhash.hash_texts(texts, _classes(), self._a, self._b, n, rows, out, valid)
            else:
                _minhash.hash_tokens(token_lists, _classes(), self._a, self._b, n, rows, out, valid)
            return
        words = map(_fast_words, texts) if token_lists is None else map(_token_words, token_lists)
        for i, text_words in enumerate(words):
            sig = _py_signature(text_words, n, self._a, self._b)
            if sig is not None:
                out[i] = _py_band_keys(sig, rows) if rows else sig
                valid[i] = True


def fmix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser over a uint64 array (wrapping), as `_fmix` and the C code compute it.

    >>> fmix64(np.array([0, 1], np.uint64)).tolist() == [_fmix(0), _fmix(1)]
    True
    """
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64, copy=True)
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z


def band_keys_of(signatures: np.ndarray, rows: int) -> np.ndarray:
    """The band keys (uint64 ``(n, bands)``) of signatures (uint64 ``(n, bands * rows)``): what
    `MinHasher.band_keys_many` gives for their texts.

    >>> sig = MinHasher(MinHashParams(bands=2, rows=3)).signature("one two three four five six")
    >>> band_keys_of(sig[None, :], 3)[0].tolist() == _py_band_keys(sig, 3).tolist()
    True
    """
    n, width = signatures.shape
    bands = width // rows
    keys = np.empty((n, bands), dtype=np.uint64)
    for band in range(bands):
        k = np.full(n, _fmix(_BAND_SEED ^ band), dtype=np.uint64)
        for v in range(band * rows, (band + 1) * rows):
            k = fmix64(k ^ signatures[:, v])
        keys[:, band] = k
    return keys


def _fmix(x: int) -> int:
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _py_word_hash(word: str) -> int:
    h = _WORD_SEED
    for ch in word:
        h = ((h ^ ord(ch)) * _WORD_MUL) & _M64
        h = ((h << 29) | (h >> 35)) & _M64
    return _fmix(h ^ len(word))


def _py_shingle_hashes(words: list[str], n: int) -> list[int]:
    hashes = [_py_word_hash(word) for word in words]
    m = min(n, len(hashes))
    multipliers = [_fmix((_SHINGLE_SEED + k) & _M64) | 1 for k in range(m)]
    return [
        _fmix(sum(mul * w for mul, w in zip(multipliers, hashes[j : j + m], strict=True)) & _M64)
        for j in range(len(hashes) - m + 1)
    ]


def _py_signature(words: list[str], n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """The signature of a text of ``words`` (None without words), in Python integers."""
    if not words:
        return None
    a_col = np.array(a.tolist(), dtype=object)[:, None]
    b_col = np.array(b.tolist(), dtype=object)[:, None]
    xs = [s % _P for s in _py_shingle_hashes(words, n)]
    best = [_P] * len(a)
    for start in range(0, len(xs), 2048):  # bounded memory: (permutations, 2048) Python integers
        block = (a_col * np.array(xs[start : start + 2048], dtype=object)[None, :] + b_col) % _P
        best = [min(x, y) for x, y in zip(best, block.min(axis=1).tolist(), strict=True)]
    return np.array(best, dtype=np.uint64)


def _py_band_keys(sig: np.ndarray, rows: int) -> np.ndarray:
    keys = []
    for band in range(len(sig) // rows):
        k = _fmix(_BAND_SEED ^ band)
        for v in sig[band * rows : (band + 1) * rows].tolist():
            k = _fmix(k ^ v)
        keys.append(k)
    return np.array(keys, dtype=np.uint64)
