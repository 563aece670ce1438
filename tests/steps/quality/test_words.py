"""Word splitting in every language, replayed against datatrove's ``load_word_tokenizer``.

``tests/data/quality/spacy-words.jsonl.gz`` (``tools/export_spacy_tokenizer.py record``) holds real lines
(Leipzig sentences of 70 languages, lines of the dev pages, every spaCy language's special cases in a row)
with the words datatrove 0.10.1 found in them: spaCy's rules for most languages, the Indic NLP Library,
jieba, SudachiPy, PyThaiNLP, LaoNLP, Kiwi, khmer-nltk and pyvi for the others. Every word must agree.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import re
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from websieve.steps.quality import segment_libs, words
from websieve.steps.quality.segment_libs import chunk_text_on_bytes
from websieve.steps.quality.segment_spacy import SpacyRules, rules, spacy_languages
from websieve.steps.quality.words import split_words, word_splitter

SAMPLES = Path(__file__).parents[2] / "data" / "quality" / "spacy-words.jsonl.gz"


def _samples() -> tuple[dict[str, list[dict[str, object]]], dict[str, list[dict[str, object]]]]:
    by_lang: dict[str, list[dict[str, object]]] = defaultdict(list)
    by_spacy: dict[str, list[dict[str, object]]] = defaultdict(list)
    with gzip.open(SAMPLES, "rt", encoding="utf-8") as fh:
        next(fh)  # the versions they were recorded with
        for line in fh:
            row = json.loads(line)
            if "lang" in row:
                by_lang[row["lang"]].append(row)
            else:
                by_spacy[row["spacy"]].append(row)
    return by_lang, by_spacy


BY_LANG, BY_SPACY = _samples()


def _disagreements(rows: list[dict[str, object]], split: object) -> list[tuple[str, object, list[str]]]:
    assert callable(split)
    return [
        (str(row["text"]), row["words"], found)
        for row in rows
        if (found := split(row["text"])) != row["words"]
    ]


@pytest.mark.parametrize("lang", sorted(BY_LANG))
def test_words_as_datatrove_splits_them(lang: str) -> None:
    rows = BY_LANG[lang]
    wrong = _disagreements(rows, lambda text: split_words(text, lang=lang))
    assert not wrong, (
        f"{lang} ({word_splitter(lang).name}): {len(wrong)} of {len(rows)} lines differ: {wrong[0]}"
    )
    assert word_splitter(lang).exact


@pytest.mark.parametrize("code", sorted(BY_SPACY))
def test_every_spacy_language_as_spacy_splits(code: str) -> None:
    rows = BY_SPACY[code]
    wrong = _disagreements(rows, rules(code).split)
    assert not wrong, f"spaCy {code}: {len(wrong)} of {len(rows)} lines differ: {wrong[0]}"


def test_every_exported_language_is_replayed() -> None:
    assert set(BY_SPACY) == spacy_languages()
    assert len(spacy_languages()) == 57


def test_language_codes() -> None:
    # lid.176 labels through FineWeb-2's configs; ISO 639-3 with or without script; None is English
    assert word_splitter(None).name == "spacy:en"
    assert word_splitter("en").name == "spacy:en"
    assert word_splitter("eng_Latn").name == "spacy:en"
    assert word_splitter("fra").name == "spacy:fr"
    assert word_splitter("sh").name == "spacy:sr"  # Serbo-Croatian in Latin script
    assert word_splitter("zh").name == word_splitter("cmn_Hani").name == "jieba"
    assert word_splitter("hi").name == "indicnlp:hi"
    assert word_splitter("ur").name == "indicnlp:ur"
    # a code datatrove has no tokenizer for: spaCy's multi-language rules, never English's
    assert word_splitter("not-a-language").name == "spacy:xx"
    assert split_words("I can't") == ["I", "ca", "n't"]
    assert split_words("I can't", lang="qqq") == ["I", "can't"]


def test_cross_chunk_special_cases() -> None:
    # spaCy's matcher joins special cases across a single space, and only there
    assert split_words("книги и др. вещи", lang="ru") == ["книги", "и др.", "вещи"]
    assert split_words("книги и  др. вещи", lang="ru") == ["книги", "и", "др", ".", "вещи"]
    assert split_words("книги и\nдр. вещи", lang="ru") == ["книги", "и", "др", ".", "вещи"]
    assert split_words("Les EE. UU. y", lang="es") == ["Les", "EE. UU.", "y"]


def test_missing_library_falls_back_loudly(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def missing() -> segment_libs.Segmenter:
        raise ImportError("No module named 'jieba'")

    monkeypatch.setitem(segment_libs.LOADERS, "zh", ("jieba", missing))
    word_splitter.cache_clear()
    split_words.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=words.__name__):
            splitter = word_splitter("zh")
        assert (splitter.name, splitter.exact) == ("fallback:xx+graphemes", False)
        assert "jieba is not installed" in caplog.text
        # Han characters one by one (spaCy's own default for Chinese), the rest by spaCy's xx rules
        assert split_words("我爱北京, e.g. 2024年!", lang="zh") == [
            "我",
            "爱",
            "北",
            "京",
            ",",
            "e.g",
            ".",
            "2024",
            "年",
            "!",
        ]
        assert split_words("ภาษาไทย", lang="zh") == ["ภ", "า", "ษ", "า", "ไ", "ท", "ย"]
    finally:
        word_splitter.cache_clear()
        split_words.cache_clear()


def test_segmenters_datatrove_has_but_websieve_not(caplog: pytest.LogCaptureFixture) -> None:
    # Stanza's neural tokenizers (Welsh, Kazakh...), botok (Tibetan), pyidaungsu (Burmese)
    for lang in ("cy", "kk", "bo", "my"):
        assert word_splitter(lang).name == "fallback:xx+graphemes"
        assert not word_splitter(lang).exact
    assert split_words("Mae'r tywydd yn braf, diolch.", lang="cy") == [
        "Mae'r",
        "tywydd",
        "yn",
        "braf",
        ",",
        "diolch",
        ".",
    ]


def test_long_japanese_is_cut_as_datatrove_cuts_it() -> None:
    text = "吾輩は猫である。名前はまだ無い。" * 3_000  # 144,000 UTF-8 bytes: Sudachi takes at most ~49 KB
    pieces = chunk_text_on_bytes(text, 40_000)
    assert "".join(pieces) == text
    assert [len(piece.encode()) for piece in pieces] == [39_999, 39_999, 39_999, 24_003]
    found = split_words(text, lang="ja")
    assert "".join(found) == text
    assert found[:4] == ["吾輩", "は", "猫", "で"]


def test_korean_long_numbers() -> None:
    # datatrove drops runs of 20+ digits before Kiwi, then slices the original text with Kiwi's offsets
    found = split_words("전화 " + "1" * 25 + " 번호입니다", lang="ko")
    assert found[0] == "전화"


# -- the faster paths against spaCy's plain algorithm --------------------------------------------------------


def _plain(r: SpacyRules, text: str) -> list[str]:
    """spaCy's order without websieve's shortcuts: every chunk split (a space after a chunk is part of it,
    other whitespace a token of its own), then the matcher over the whole text."""
    tokens: list[str] = []
    spaced: list[bool] = []
    for found in re.finditer(r"\s+|\S+", text):
        chunk = found.group()
        if chunk[0].isspace():
            if chunk[0] == " " and tokens:
                spaced[-1] = True
                chunk = chunk[1:]
            if chunk:
                tokens.append(chunk)
                spaced.append(False)
        else:
            raw = r.raw_tokens(chunk)
            tokens.extend(raw)
            spaced.extend([False] * len(raw))
    return [token.strip() for token in r._apply_special(tokens, spaced) if not token.isspace()]


@pytest.mark.parametrize("code", ["en", "ru", "fr", "id", "es", "el"])
def test_fast_paths_match_the_plain_algorithm(code: str) -> None:
    r = rules(code)
    rng = random.Random(code)
    pieces = [*sorted(r.special), "(", ")", ":", ".", "-", "'", '"', "word", "2024", "и", "др"]
    for _ in range(2_000):
        separator = rng.choice(["", " ", " ", "  ", "\n", " \n"])
        text = separator.join(rng.choices(pieces, k=rng.randint(1, 8)))
        assert r.split(text) == _plain(r, text), text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab.,:;-'\")(%$€0123456789kmgéß…"), min_size=1, max_size=12))
def test_suffix_search_near_the_end(string: str) -> None:
    for code in ("en", "fr", "el", "hu", "ro"):
        r = rules(code)
        found = r._suffix_search(string)
        assert r._find_suffix(string) == (found.end() - found.start() if found else 0)


def test_a_large_token_match_by_parts_answers_as_the_whole_expression() -> None:
    """French's token_match (1.4 MB) is compiled by first letter; on every string it must answer as the
    whole expression: words built from each alternative's own start, their case variants, and others."""
    import random
    import re

    from websieve.steps.quality.segment_spacy import _ByFirstLetter, rules

    fr = rules("fr")
    pattern, flags = fr._token_expressions[fr._token_index]
    whole = re.compile(pattern, flags).match
    parts = _ByFirstLetter.of(pattern, flags)
    assert parts is not None and len(parts._groups) > 20
    rng = random.Random(7)
    stems = [
        "grand",
        "porte",
        "anti",
        "saint",
        "arc",
        "états",
        "éco",
        "week",
        "abat",
        "mi",
        "K",
        "ſaint",
        "Œil",
    ]
    ends = [
        "-mère",
        "-monnaie",
        "-âge",
        "-Étienne",
        "-ciel",
        "-unis",
        "-logique",
        "-end",
        "-jour",
        "-x",
        "",
        "'hui",
    ]
    strings = [s + e for s in stems for e in ends]
    strings += ["".join(rng.choice("aéeAÉsS-–'k") for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    differ = [s for s in strings if bool(whole(s)) != bool(parts(s))]
    assert not differ
    assert sum(bool(whole(s)) for s in strings) > 20  # the test does reach matches
