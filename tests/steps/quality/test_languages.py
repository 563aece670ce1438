"""FineWeb-2's per-language settings: the package table and the filters' ``by_language`` mode."""

from __future__ import annotations

import gzip
import json
from importlib import resources

import pytest

from conftest import DATA
from websieve.config import build_config
from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.langid.model import LidModel
from websieve.steps.quality.fineweb import FineWebQuality, FineWebQualityConfig
from websieve.steps.quality.gopher_quality import GopherQuality, GopherQualityConfig
from websieve.steps.quality.gopher_repetition import GopherRepetition, GopherRepetitionConfig
from websieve.steps.quality.languages import config_for, language_settings, resolve_language, table_languages

FRENCH = (DATA / "pages" / "seed-000_8bc0c6ad7db0b1d0.txt").read_text(encoding="utf-8")


def test_the_table_has_settings_for_every_language_the_language_id_predicts() -> None:
    model = LidModel.load()
    predicted: set[str] = set()
    for text in ("hello world", "Bonjour le monde", "你好", "こんにちは", "مرحبا", "привет", "नमस्ते", "Γειά"):
        predicted |= {label for label, _ in model.predict_k(text, 500)}
    assert len(predicted) >= 170
    assert predicted <= table_languages()
    assert len(table_languages()) == 176  # lid.176's labels


def test_every_entry_is_complete_and_in_range() -> None:
    for lang in table_languages():
        settings = language_settings(lang)
        assert settings is not None
        for value in (
            settings.dup_line_frac,
            settings.line_punct_thr or 0,
            settings.max_non_alpha_words_ratio,
        ):
            assert 0 <= value <= 1, lang
        for config in (GopherRepetitionConfig(), GopherQualityConfig(), FineWebQualityConfig()):
            config.with_language(settings)  # within each config's checks
        assert settings.min_avg_word_length <= settings.max_avg_word_length, lang
        assert [n for n, _ in settings.top_n_grams] == [2, 3, 4], lang
        assert [n for n, _ in settings.dup_n_grams] == [5, 6, 7, 8, 9, 10], lang
        assert settings.stop_words, lang


def test_english_is_finewebs_defaults_and_french_is_finewebs_2_config() -> None:
    english = language_settings("en")
    assert english is not None
    assert GopherQualityConfig().with_language(english) == GopherQualityConfig()
    assert GopherRepetitionConfig().with_language(english) == GopherRepetitionConfig()
    assert FineWebQualityConfig().with_language(english) == FineWebQualityConfig()
    french = language_settings("fr-CA")  # a regional tag falls back to its language
    assert french is not None
    # the values of ../shared/data/fineweb2-filter-configs/configs/fra_Latn.yml
    assert (french.config, french.dup_line_frac, french.new_line_ratio) == ("fra_Latn", 0.264, 0.185)
    assert "l'" in french.stop_words


def test_the_table_is_the_one_the_tool_writes() -> None:
    table = json.loads(
        resources.files("websieve.steps.quality").joinpath("data/fineweb2_thresholds.json").read_text("utf-8")
    )
    assert "Apache-2.0" in table["source"]
    assert set(table["languages"]) == table_languages()


def test_config_for_is_the_config_itself_unless_asked() -> None:
    plain = GopherQualityConfig()
    assert config_for(plain, "fr") == (plain, None, None)
    asking = GopherQualityConfig(by_language=True)
    french, name, words = config_for(asking, "fr")
    assert words == "fr"
    assert name == "fra_Latn"
    assert french.min_avg_word_length == 2
    assert french.min_doc_words == asking.min_doc_words  # not in the table: kept
    assert config_for(asking, "und") == (asking, "config", "und")  # words: spaCy's xx rules
    assert config_for(asking, None) == (asking, "config", None)


@pytest.mark.parametrize("tag", ["fr", "fr-CA", "FR", "fr_FR", "fra_Latn", "fra"])
def test_a_language_tag_resolves_the_same_for_thresholds_and_words(tag: str) -> None:
    assert resolve_language(tag) == "fr"
    _, name, words = config_for(GopherQualityConfig(by_language=True), tag)
    assert (name, words) == ("fra_Latn", "fr")
    assert resolve_language("zh-Hant") == "zh"
    assert resolve_language("qqq") is None


def test_a_french_article_passes_the_stop_word_rule_with_french_stop_words_only() -> None:
    english = Document(id="fr", text=FRENCH, lang="fr")
    ctx = StepContext.standalone()
    assert GopherQuality().apply(english, ctx) is None
    assert ctx.ledger.rows[-1].rule == "gopher_enough_stop_words"
    assert english.annotations["quality.gopher_quality@1"]["stop_words"] == 0

    french = Document(id="fr", text=FRENCH, lang="fr")
    step = GopherQuality(build_config(GopherQualityConfig, {"by_language": True}, where="test"))
    assert step.apply(french, ctx) is french  # kept: the seed article passes every rule in French
    notes = french.annotations["quality.gopher_quality@1"]
    assert notes["settings"] == "fra_Latn"
    assert notes["stop_words"] >= 10


def test_every_per_language_filter_records_which_settings_it_used() -> None:
    for step in (
        GopherRepetition(GopherRepetitionConfig(by_language=True)),
        GopherQuality(GopherQualityConfig(by_language=True)),
        FineWebQuality(FineWebQualityConfig(by_language=True)),
    ):
        ctx = StepContext.standalone()
        ctx.annotate_only = True
        for lang, expected in (
            ("fr", "fra_Latn"),
            ("ja", "jpn_Jpan"),
            ("en", "FineWeb (English)"),
            ("und", "config"),
        ):
            doc = Document(id=lang, text=FRENCH, lang=lang)
            step.apply(doc, ctx)
            assert doc.annotations[step.step_id]["settings"] == expected


def test_a_rule_off_in_fineweb_2_is_off_here() -> None:
    kurdish = language_settings("lrc")  # line_punct_thr: -1 in lrc_Arab.yml
    assert kurdish is not None
    assert kurdish.line_punct_thr is None
    assert FineWebQualityConfig().with_language(kurdish).line_punct_thr is None


@pytest.mark.parametrize("lang", ["fr", "de", "zh", "th"])
def test_thresholds_differ_between_languages(lang: str) -> None:
    settings = language_settings(lang)
    english = language_settings("en")
    assert settings is not None
    assert english is not None
    assert settings.stop_words != english.stop_words


def _leipzig(lang: str) -> str:
    """Leipzig sentences of ``lang`` from the recorded word-splitting samples (tests/data/SOURCE.md), one
    per line: a real document's worth of text."""
    with gzip.open(DATA / "quality" / "spacy-words.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh][1:]
    return "\n".join(row["text"] for row in rows if row.get("lang") == lang)


def test_a_chinese_page_is_counted_in_chinese_words() -> None:
    text = _leipzig("zh")
    english = Document(id="zh", text=text, lang="zh")
    GopherQuality().apply(english, _annotating())
    chinese = Document(id="zh", text=text, lang="zh")
    GopherQuality(GopherQualityConfig(by_language=True)).apply(chinese, _annotating())
    as_english = english.annotations["quality.gopher_quality@1"]
    as_chinese = chinese.annotations["quality.gopher_quality@1"]
    # English rules see each clause as one "word": too few of them, 40 characters long
    assert as_english["words"] < 50 and as_english["mean_word_length"] > 20
    assert as_english["would_drop"] == "gopher_short_doc"
    assert as_chinese["words"] > 500 and as_chinese["mean_word_length"] < 3
    assert as_chinese["stop_words"] >= 2 and "would_drop" not in as_chinese
    assert as_chinese["settings"] == "cmn_Hani"
    assert "splitter" not in as_chinese  # jieba, as FineWeb-2 (the languages extra, in dev)


def _annotating() -> StepContext:
    ctx = StepContext.standalone()
    ctx.annotate_only = True
    return ctx


def test_a_language_without_its_splitter_says_so() -> None:
    doc = Document(id="bo", text=FRENCH, lang="bo")  # Tibetan: botok downloads its data, so websieve cannot
    GopherQuality(GopherQualityConfig(by_language=True)).apply(doc, _annotating())
    notes = doc.annotations["quality.gopher_quality@1"]
    assert notes["settings"] == "bod_Tibt"
    assert str(notes["splitter"]).startswith("fallback:")


@pytest.mark.parametrize("lang", ["ja", "vi", "km", "zh", "th", "ko", "lo"])
def test_lone_surrogates_do_not_break_the_segmenters(lang: str) -> None:
    from websieve.steps.quality.words import split_words

    assert "\ufffd" in split_words("abc \ud800 日本語 ภาษาไทย", lang=lang)


def test_the_segmenters_versions_are_part_of_a_by_language_run_s_fingerprint() -> None:
    from websieve.config import load_preset
    from websieve.pipeline import Pipeline

    external = Pipeline(load_preset("default")).external()
    assert "jieba 0." in external["quality.gopher_quality@1 segmenters"]
    assert GopherQuality().external() == {}  # English only: no optional library decides its words
