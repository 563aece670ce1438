"""FineWeb-2's filter settings per language: the table the quality filters read with ``by_language: true``.

FineWeb-2 (Penedo et al. 2025) tuned the Gopher and FineWeb filters for each language: duplicate-line and
n-gram limits, the share of lines ending in punctuation, line breaks per word, word-length bounds, the
share of words with a letter and the stop words of the "enough stop words" rule (French: "de", "la",
"l'"...). ``data/fineweb2_thresholds.json`` keeps them for the 176 languages of websieve's language id,
keyed by its labels (``tools/build_fineweb2_thresholds.py`` builds it from FineWeb-2's configs,
Apache-2.0); English has FineWeb's own settings. A filter with ``by_language: true`` takes, for each page,
its config with the settings of the page's language (``doc.lang``) put in; pages in a language without an
entry, or of unknown language, keep the config as written.

>>> settings = language_settings("fr")
>>> settings.config, settings.line_punct_thr, settings.stop_words[:4]
('fra_Latn', 0.1, ('de', 'la', 'le', 'et'))
>>> language_settings("xx-unknown") is None
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Self, TypeVar

from websieve.config import StepConfig
from websieve.document import Document
from websieve.steps.base import Step

__all__ = [
    "LanguageSettings",
    "LanguageStep",
    "LanguageStepConfig",
    "config_for",
    "language_inputs",
    "language_settings",
    "resolve_language",
    "settings_notes",
    "table_languages",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class LanguageSettings:
    """One language's FineWeb-2 settings (the names are FineWeb-2's)."""

    config: str
    """FineWeb-2's config it comes from (ISO 639-3 + script, ``fra_Latn``), or FineWeb for English."""
    language_score: float
    """FineWeb-2's least GlotLID score: GlotLID's scale, not lid.176's, so no websieve step applies it."""
    dup_line_frac: float
    top_n_grams: tuple[tuple[int, float], ...]
    dup_n_grams: tuple[tuple[int, float], ...]
    line_punct_thr: float | None
    """``None``: the rule is off for this language (FineWeb-2 writes -1)."""
    new_line_ratio: float
    min_avg_word_length: float
    max_avg_word_length: float
    max_non_alpha_words_ratio: float
    stop_words: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class LanguageStepConfig(StepConfig):
    """Options of a filter that can take each page's language's settings."""

    by_language: bool = False
    """Take FineWeb-2's settings for each page's language (``doc.lang``): the options `with_language` sets.
    Pages in a language without settings keep these. Words are split the language's way too
    (`websieve.steps.quality.words`)."""

    def with_language(self, settings: LanguageSettings) -> Self:
        """This config with ``settings`` put in (each filter says which of its options they set)."""
        raise NotImplementedError


C = TypeVar("C", bound=LanguageStepConfig)


class LanguageStep(Step[C]):
    """A filter whose config is a `LanguageStepConfig`."""

    def external(self) -> dict[str, str]:
        return language_inputs(self.config)

    def language_config(self, doc: Document) -> tuple[C, str | None]:
        """The config for ``doc`` (its language's settings put in with ``by_language``) and the language
        to split its words in (``None``: English); records which settings, and an inexact splitter."""
        cfg, settings, lang = config_for(self.config, doc.lang)
        if settings:
            doc.annotate(self.step_id, **settings_notes(settings, lang))
        return cfg, lang


@cache
def _table() -> dict[str, LanguageSettings]:
    text = (
        resources.files("websieve.steps.quality").joinpath("data/fineweb2_thresholds.json").read_text("utf-8")
    )
    return {lang: _settings(entry) for lang, entry in json.loads(text)["languages"].items()}


def _settings(entry: dict[str, Any]) -> LanguageSettings:
    pairs = {
        key: tuple((int(n), float(limit)) for n, limit in entry[key])
        for key in ("top_n_grams", "dup_n_grams")
    }
    return LanguageSettings(
        config=entry["config"],
        language_score=float(entry["language_score"]),
        dup_line_frac=float(entry["dup_line_frac"]),
        top_n_grams=pairs["top_n_grams"],
        dup_n_grams=pairs["dup_n_grams"],
        line_punct_thr=None if entry["line_punct_thr"] is None else float(entry["line_punct_thr"]),
        new_line_ratio=float(entry["new_line_ratio"]),
        min_avg_word_length=float(entry["min_avg_word_length"]),
        max_avg_word_length=float(entry["max_avg_word_length"]),
        max_non_alpha_words_ratio=float(entry["max_non_alpha_words_ratio"]),
        stop_words=tuple(entry["stop_words"]),
    )


def table_languages() -> frozenset[str]:
    """The language labels the table has settings for."""
    return frozenset(_table())


def resolve_language(lang: str | None) -> str | None:
    """The table's label for ``lang``: ``lang`` itself (a lid.176 label), its base language (``fr-CA``,
    ``FR`` -> ``fr``), or the label whose FineWeb-2 config it names (``fra_Latn``, ``fra`` -> ``fr``);
    ``None`` when the table has none. The filters split words in the language it resolves to, too."""
    if not lang:
        return None
    table = _table()
    if lang in table:
        return lang
    base = lang.replace("_", "-").split("-")[0].lower()
    if base in table:
        return base
    return _by_config().get(lang) or _by_config().get(base)


@cache
def _by_config() -> dict[str, str]:
    """FineWeb-2 config names (``fra_Latn``) and their ISO 639-3 codes (``fra``) -> table labels."""
    out: dict[str, str] = {}
    for label, settings in sorted(_table().items()):
        out.setdefault(settings.config, label)
        out.setdefault(settings.config.split("_")[0], label)
    return out


def language_settings(lang: str | None) -> LanguageSettings | None:
    """The settings of ``lang`` (see `resolve_language`), ``None`` when the table has none."""
    label = resolve_language(lang)
    return None if label is None else _table()[label]


def config_for(config: C, lang: str | None) -> tuple[C, str | None, str | None]:
    """``config`` with the settings of ``lang`` put in when it asks for them (``by_language``) and the table
    has them; which settings those are (the FineWeb-2 config's name; ``"config"`` when the table has none
    for ``lang``; ``None`` when ``config`` does not ask); and the language to split words in (``lang``
    resolved as the settings were; ``None``, English, when ``config`` does not ask). Cached: one config
    per language."""
    if not config.by_language:
        return config, None, None
    return _config_for(config, lang)


@lru_cache(maxsize=4096)
def _config_for(config: C, lang: str | None) -> tuple[C, str, str | None]:
    label = resolve_language(lang)
    if label is None:
        return config, "config", lang
    settings = _table()[label]
    return config.with_language(settings), settings.config, label


def settings_notes(settings: str, lang: str | None) -> dict[str, str]:
    """What a filter records about the settings it used: their name, and the word splitter when it is not
    the one FineWeb-2 used for ``lang`` (an optional segmenter missing: `websieve.steps.quality.words`)."""
    from websieve.steps.quality.words import word_splitter

    splitter = word_splitter(lang) if lang else None
    if splitter is None or splitter.exact:
        return {"settings": settings}
    return {"settings": settings, "splitter": splitter.name}


def language_inputs(config: LanguageStepConfig) -> dict[str, str]:
    """What a filter's ``external()`` adds with ``by_language``: the segmenters' versions."""
    from websieve.steps.quality.words import segmenter_versions

    return {"segmenters": segmenter_versions()} if config.by_language else {}
