"""MinHash signatures: the C extension against its Python twin, to the bit, on real text in many languages
and scripts and on random Unicode; the normalisation rules; and what a signature estimates.

Real text: Leipzig sentences (``langid-sentences.tsv``, 15 languages; ``quality/spacy-words.jsonl.gz``,
73 languages, Chinese, Japanese, Thai, Khmer and Lao among them) and noisy page text
(``jsonl/noisy-dev-head40.jsonl.zst``); provenance in tests/data/SOURCE.md.
"""

from __future__ import annotations

import gzip
import json
import pickle
import random
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np
import orjson
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from websieve.errors import ConfigError
from websieve.steps.dedup import signature
from websieve.steps.dedup.signature import (
    SIGNATURE_BACKEND,
    MinHasher,
    MinHashParams,
    jaccard,
    shingle_words,
    shingles,
)

DATA = Path(__file__).parents[2] / "data"
VERSIONS = ("avx512", "avx2", "scalar")
"""The versions of the C arithmetic (the fastest the CPU runs is used; the tests try each it runs)."""


def _sentences() -> dict[str, list[str]]:
    by_lang: dict[str, list[str]] = defaultdict(list)
    for line in (DATA / "langid-sentences.tsv").read_text("utf-8").splitlines():
        lang, text = line.split("\t", 1)
        by_lang[lang].append(text)
    with gzip.open(DATA / "quality" / "spacy-words.jsonl.gz", "rt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            row = json.loads(line)
            if "lang" in row:
                by_lang[row["lang"]].append(row["text"])
    return dict(by_lang)


def _pages() -> list[str]:
    with open(DATA / "jsonl" / "noisy-dev-head40.jsonl.zst", "rb") as fh:
        data = zstandard.ZstdDecompressor().stream_reader(fh).read()
    return [orjson.loads(line)["text"] for line in data.splitlines()]


SENTENCES = _sentences()
DOCS = {lang: " ".join(lines[:12]) for lang, lines in sorted(SENTENCES.items())}
"""One document per language: its first sentences joined."""
PAGES = [page[:6000] for page in _pages()[:12]]


def _sig(hasher: MinHasher, text: str, *, lang: str | None = None) -> np.ndarray:
    sig = hasher.signature(text, lang=lang)
    assert sig is not None
    return sig


def _keys(hasher: MinHasher, text: str, *, lang: str | None = None) -> np.ndarray:
    keys = hasher.band_keys(text, lang=lang)
    assert keys is not None
    return keys


@contextmanager
def twin() -> Iterator[None]:
    """Hash with the Python twin, as an install without the C extension does."""
    with mock.patch.object(signature, "_minhash", None):
        yield


@pytest.fixture(params=VERSIONS)
def version(request: pytest.FixtureRequest) -> Iterator[str]:
    from websieve.steps.dedup import _minhash

    if not _minhash._use(request.param):
        pytest.skip(f"this CPU does not run the {request.param} version")
    yield request.param
    _minhash._use("")


def test_the_extension_is_built() -> None:
    # built by `make install`; the Python twin serves installs without a compiler
    assert SIGNATURE_BACKEND == "c"


def test_without_the_extension_the_twin_serves() -> None:
    texts = ["A cat sat on the mat, and then it slept.", "", "中文 text"]
    code = (
        "import sys; sys.modules['websieve.steps.dedup._minhash'] = None\n"  # as if it were not built
        "from websieve.steps.dedup import signature as s\n"
        f"keys, valid = s.MinHasher().band_keys_many({texts!r})\n"
        "print(s.SIGNATURE_BACKEND, keys.tobytes().hex(), valid.tolist())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    keys, valid = MinHasher().band_keys_many(texts)
    assert out.split(" ", 2) == ["python", keys.tobytes().hex(), f"{valid.tolist()}\n"]


@pytest.fixture(scope="module")
def twin_results() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    texts = [*DOCS.values(), *PAGES]
    hasher = MinHasher()
    with twin():
        return {
            "keys": hasher.band_keys_many(texts),
            "sigs": (np.stack([_sig(hasher, text) for text in texts]), np.ones(len(texts), bool)),
        }


def test_c_equals_twin_on_real_texts(
    version: str, twin_results: dict[str, tuple[np.ndarray, np.ndarray]]
) -> None:
    texts = [*DOCS.values(), *PAGES]
    hasher = MinHasher()
    keys, valid = hasher.band_keys_many(texts)
    assert valid.all()
    assert np.array_equal(keys, twin_results["keys"][0])
    sigs = np.stack([_sig(hasher, text) for text in texts])
    assert np.array_equal(sigs, twin_results["sigs"][0])
    assert sigs.dtype == np.uint64 and int(sigs.max()) < 2**61 - 1


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(st.characters(exclude_categories=()), max_size=60)
    | st.lists(st.sampled_from(["Ab", "ǅ", "İ", "٣", "你", "ก่", "a\u0301", "\ud800", " ", ".", "x9"])).map(
        "".join
    ),
    n=st.integers(1, 6),
)
def test_c_equals_twin_on_random_unicode(text: str, n: int) -> None:
    hasher = MinHasher(MinHashParams(n_grams=n, bands=4, rows=3))
    sig = hasher.signature(text)
    keys, valid = hasher.band_keys_many([text])
    with twin():
        expected = hasher.signature(text)
        expected_keys, expected_valid = hasher.band_keys_many([text])
    assert (sig is None) == (expected is None) == (not shingle_words(text))
    if sig is not None and expected is not None:
        assert np.array_equal(sig, expected)
    assert np.array_equal(keys, expected_keys) and np.array_equal(valid, expected_valid)


def test_every_case_mapping_and_digit_folds_as_in_c() -> None:
    """Each code point whose fold differs from itself (lower case, digits), alone: a one-word text."""
    table = np.frombuffer(signature._classes(), dtype=np.uint8)
    chars = [ch for ch in signature._folds() if table[ord(ch)] != signature._SEP]
    rng = random.Random(5)
    others = [chr(cp) for cp in np.flatnonzero(table != signature._SEP).tolist()]
    chars += rng.sample(others, 2000)
    hasher = MinHasher(MinHashParams(n_grams=1, bands=2, rows=2))
    keys, valid = hasher.band_keys_many(chars)
    with twin():
        expected, expected_valid = hasher.band_keys_many(chars)
    assert valid.all() and expected_valid.all()
    assert np.array_equal(keys, expected)


def test_the_class_table() -> None:
    table = signature._classes()
    assert len(table) == 0x110000
    assert signature._classes() is table  # built once
    chars = ["a", "É", "7", "٣", "\u0301", "你", "ア", "ก", "់", "!", "\ud800", "_", "½", "Ⅻ"]
    classes = {ch: table[ord(ch)] for ch in chars}
    assert classes == {
        "a": signature._WORD, "É": signature._WORD, "7": signature._DIGIT, "٣": signature._DIGIT,
        "\u0301": signature._MARK, "你": signature._SOLO, "ア": signature._SOLO, "ก": signature._SOLO,
        "់": signature._MARK, "!": signature._SEP, "\ud800": signature._SEP, "_": signature._SEP,
        "½": signature._WORD, "Ⅻ": signature._WORD,
    }  # fmt: skip
    # only unicodedata decides: every category maps to its class
    for cp in random.Random(1).sample(range(0x110000), 3000):
        category = unicodedata.category(chr(cp))
        assert (table[cp] == signature._SEP) == (category[0] not in "LNM")
        assert (table[cp] == signature._DIGIT) == (category == "Nd")
        assert (table[cp] == signature._MARK) == (category[0] == "M")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Hello, World! It's 2024-05-31.", ["hello", "world", "it", "s", "0000", "00", "00"]),
        ("İSTANBUL İzmir", ["istanbul", "izmir"]),  # "İ".lower() is "i̇": two code points
        ("ǅemal ΣΟΦΊΑ Straße", ["ǆemal", "σοφία", "straße"]),
        ("٣٤ ४२ ১০", ["00", "00", "00"]),
        ("e\u0301te\u0301 cafe\u0301", ["e\u0301te\u0301", "cafe\u0301"]),
        ("\u0301abc", ["\u0301abc"]),  # a mark after a separator starts a word
        ("Chinese 中文字 in English", ["chinese", "中", "文", "字", "in", "english"]),
        ("ｶﾀｶﾅとひらがな", ["ｶ", "ﾀ", "ｶ", "ﾅ", "と", "ひ", "ら", "が", "な"]),
        ("か\u3099き", ["か\u3099", "き"]),  # a combining mark stays with its SOLO character
        ("ภาษาไทย", ["ภ", "า", "ษ", "า", "ไ", "ท", "ย"]),
        ("ก่อน", ["ก่", "อ", "น"]),
        ("中x文", ["中", "x", "文"]),
        ("snake_case a.b@c-d", ["snake", "case", "a", "b", "c", "d"]),
        ("x\ud800y \udfff z", ["x", "y", "z"]),
        ("tab\there\nnew\u00a0line", ["tab", "here", "new", "line"]),
        ("", []),
        (" ... !!! ", []),
    ],
)
def test_normalisation(text: str, words: list[str]) -> None:
    assert shingle_words(text) == words


def test_shingles_and_jaccard() -> None:
    assert shingles("one two three", n=5) == {("one", "two", "three")}
    assert shingles("", n=5) == set() and shingles("—", n=2) == set()
    assert len(shingles("a b c d e f", n=5)) == 2
    assert jaccard("", "...") == 0.0
    assert jaccard("Same text here.", "same TEXT, here") == 1.0
    assert jaccard("a b c", "d e f", n=1) == 0.0


def test_fewer_words_than_a_shingle() -> None:
    hasher = MinHasher()
    one, two, swapped = (hasher.signature(t) for t in ("Hello", "Hello world", "world hello"))
    assert one is not None and two is not None and swapped is not None
    assert not np.array_equal(two, swapped)  # order matters
    assert np.array_equal(two, _sig(hasher, "HELLO,   world!"))
    with twin():
        assert np.array_equal(two, _sig(hasher, "Hello world"))


@pytest.mark.parametrize("text", ["", "   ", "...!?", "\ud800\udc00", "— · —", "\n\n"])
def test_texts_without_words(text: str) -> None:
    hasher = MinHasher()
    assert hasher.signature(text) is None and hasher.band_keys(text) is None
    keys, valid = hasher.band_keys_many([text, "a word"])
    assert valid.tolist() == [False, True] and not keys[0].any() and keys[1].all()
    with twin():
        assert hasher.signature(text) is None


def test_identical_texts_identical_signatures() -> None:
    hasher = MinHasher()
    for text in PAGES[:5]:
        assert np.array_equal(_sig(hasher, text), _sig(hasher, "".join(list(text))))
        keys = _keys(hasher, text)
        assert keys.shape == (14,) and keys.dtype == np.uint64
    keys, _ = hasher.band_keys_many([PAGES[0], PAGES[1], PAGES[0]])
    assert np.array_equal(keys[0], keys[2]) and not np.array_equal(keys[0], keys[1])


def _edit(text: str, share: float, rng: random.Random) -> str:
    """``text`` with a share of its words replaced or dropped."""
    words = text.split()
    for _ in range(int(len(words) * share)):
        i = rng.randrange(len(words))
        if rng.random() < 0.5:
            words[i] = rng.choice(["lorem", "ipsum", "dolor", "amet"])
        else:
            del words[i]
    return " ".join(words)


def test_estimated_jaccard_is_close_to_the_exact_one() -> None:
    hasher = MinHasher()
    rng = random.Random(7)
    errors = []
    texts = [page for page in PAGES if len(page.split()) > 200][:6]
    for text in texts:
        for share in (0.0, 0.01, 0.03, 0.08, 0.2):
            edited = _edit(text, share, rng)
            a, b = _sig(hasher, text), _sig(hasher, edited)
            estimate = float((a == b).mean())
            exact = jaccard(text, edited)
            errors.append(abs(estimate - exact))
            assert abs(estimate - exact) < 0.2, (share, estimate, exact)
    assert np.mean(errors) < 0.06  # 112 permutations: a standard error of at most 0.047


def test_near_duplicates_share_a_band_and_others_do_not() -> None:
    hasher = MinHasher()
    rng = random.Random(3)
    texts = [page for page in PAGES if len(page.split()) > 200][:6]
    near = [_edit(text, 0.01, rng) for text in texts]
    keys, _ = hasher.band_keys_many(texts + near)
    for i in range(len(texts)):
        assert (keys[i] == keys[len(texts) + i]).any()
        for j in range(len(texts)):
            if j != i:
                assert not (keys[i] == keys[j]).any()


def test_chinese_takes_its_segmenter() -> None:
    text = "".join(SENTENCES["zh"][:6])
    fast = shingle_words(text)
    words = shingle_words(text, lang="zh")
    han = [word for word in fast if signature._classes()[ord(word[0])] == signature._SOLO]
    assert len(han) > 100 and all(len(word) == 1 for word in han)  # one word per Han character
    assert sum(len(word) > 1 for word in words) > 50 and words != fast
    assert "".join(words) == "".join(fast)  # the same characters, punctuation removed
    assert shingle_words(text, lang="cmn") == shingle_words(text, lang="zh-Hant") == words
    hasher = MinHasher()
    keys = _keys(hasher, text, lang="zh")
    assert not np.array_equal(keys, _keys(hasher, text))
    with twin():
        assert np.array_equal(keys, _keys(hasher, text, lang="zh"))
        expected = signature._py_signature(words, 5, hasher._a, hasher._b)
        assert expected is not None and np.array_equal(_sig(hasher, text, lang="zh"), expected)


def test_many_languages_in_one_batch() -> None:
    hasher = MinHasher()
    langs: list[str | None] = ["zh", "en", "ja", "fr", None, "th", "xx-unknown", "ko"]
    texts = [DOCS.get(lang or "de", DOCS["nl"]) for lang in langs]
    keys, valid = hasher.band_keys_many(texts, langs)
    assert valid.all()
    for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        assert np.array_equal(keys[i], _keys(hasher, text, lang=lang))
    # languages written with spaces take the fast path whatever their code
    assert np.array_equal(keys[1], _keys(hasher, texts[1]))
    assert np.array_equal(keys[3], _keys(hasher, texts[3]))
    with twin():
        expected, _ = hasher.band_keys_many(texts, langs)
    assert np.array_equal(keys, expected)
    with pytest.raises(ValueError, match="2 texts but 1 languages"):
        hasher.band_keys_many(["a", "b"], ["en"])


def test_params() -> None:
    assert MinHashParams() == MinHashParams(n_grams=5, bands=14, rows=8, seed=1)
    for bad in (
        {"n_grams": 0},
        {"n_grams": 33},
        {"bands": 0},
        {"rows": -1},
        {"seed": -1},
        {"bands": 100, "rows": 100},
    ):
        with pytest.raises(ConfigError, match=r"dedup\.minhash"):
            MinHashParams(**bad)
    with pytest.raises(ConfigError, match="must be an integer"):
        MinHashParams(rows=True)
    with pytest.raises(ConfigError, match="must be an integer"):
        MinHashParams(bands=2.5)  # type: ignore[arg-type]
    text = DOCS["en"]
    seed_1, seed_2 = MinHasher(MinHashParams(seed=1)), MinHasher(MinHashParams(seed=2))
    assert not np.array_equal(_sig(seed_1, text), _sig(seed_2, text))
    hasher = MinHasher(MinHashParams(n_grams=3, bands=5, rows=4, seed=9))
    copy = pickle.loads(pickle.dumps(hasher))
    assert copy.params == hasher.params
    assert np.array_equal(_keys(copy, text), _keys(hasher, text))
    assert _keys(hasher, text).shape == (5,)


def test_huge_and_hostile_texts_are_linear() -> None:
    hasher = MinHasher()
    huge = (" ".join(PAGES) + " \ud800 中文 ") * (10_000_000 // (len(" ".join(PAGES)) + 6) + 1)
    start = time.perf_counter()
    _, valid = hasher.band_keys_many([huge[:10_000_000], "x" * 1_000_000, "中" * 1_000_000])
    assert time.perf_counter() - start < 5 and valid.all()


def test_the_c_functions_check_their_arguments() -> None:
    from websieve.steps.dedup import _minhash

    hasher = MinHasher(MinHashParams(bands=2, rows=2))
    table = signature._classes()
    out, valid = np.zeros((1, 2), np.uint64), np.zeros(1, bool)
    a, b = hasher._a, hasher._b
    _minhash.hash_texts(["ok"], table, a, b, 5, 2, out, valid)
    assert valid[0]
    with pytest.raises(ValueError, match="0x110000"):
        _minhash.hash_texts(["ok"], table[:10], a, b, 5, 2, out, valid)
    with pytest.raises(ValueError, match="same non-zero length"):
        _minhash.hash_texts(["ok"], table, a, b[:3], 5, 2, out, valid)
    with pytest.raises(ValueError, match="n must be"):
        _minhash.hash_texts(["ok"], table, a, b, 33, 2, out, valid)
    with pytest.raises(ValueError, match="rows"):
        _minhash.hash_texts(["ok"], table, a, b, 5, 3, out, valid)
    with pytest.raises(ValueError, match="out must"):
        _minhash.hash_texts(["ok", "two"], table, a, b, 5, 2, out, valid)
    two, valid_two = np.zeros((2, 2), np.uint64), np.zeros(2, bool)
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        _minhash.hash_texts(["ok", b"x"], table, a, b, 5, 2, two, valid_two)  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"token_lists\[0\]\[1\]"):
        _minhash.hash_tokens([["ok", 3]], table, a, b, 5, 2, out, valid)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not a list"):
        _minhash.hash_tokens([("ok",)], table, a, b, 5, 2, out, valid)  # type: ignore[list-item]
    assert _minhash._used() in VERSIONS
