"""Gopher's quality rules (Rae et al. 2021), as the FineWeb recipe runs them (``quality.gopher_quality@1``).

Words are spaCy's English tokens, or with ``by_language`` the page's language's words
(`websieve.steps.quality.words`); "words" below are the tokens that are not only punctuation. A page is
dropped when it has too few or too many words, words too short or too long on average, too many ``#`` or
ellipses per token, mostly bullet lines or lines that end in an ellipsis, too few tokens with a letter, or
fewer than two of the stop words "the be to of and that have with" (with ``by_language``, the language's
own). Every signal is recorded before the first rule that fails drops the page. Defaults are datatrove's
(FineWeb's).

>>> from websieve.steps.base import StepContext
>>> doc = Document(id="1", text="Buy cheap watches now!!! Best prices, free shipping.")
>>> GopherQuality().apply(doc, StepContext.standalone()) is None
True
>>> doc.annotations["quality.gopher_quality@1"]["words"]
8
"""

from __future__ import annotations

import enum
import itertools
import math
import operator
from dataclasses import dataclass, replace
from typing import Self

import regex

from websieve.document import Document, Field
from websieve.errors import ConfigError
from websieve.steps.base import StepContext
from websieve.steps.quality.languages import LanguageSettings, LanguageStep, LanguageStepConfig
from websieve.steps.quality.terminal import PUNCTUATION
from websieve.steps.quality.words import split_words

__all__ = ["PUNCTUATION", "GopherQuality", "GopherQualityConfig", "GopherRule"]

STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")
_LETTER = regex.compile(r"\p{L}").search
"""A letter: what ``str.isalpha`` accepts."""


@dataclass(frozen=True, kw_only=True, slots=True)
class GopherQualityConfig(LanguageStepConfig):
    min_doc_words: int | None = 50
    """``None`` turns a rule off, here and below."""
    max_doc_words: int | None = 100_000
    min_avg_word_length: float | None = 3.0
    max_avg_word_length: float | None = 10.0
    max_symbol_word_ratio: float | None = 0.1
    """Most ``#``, and most ellipses, per token."""
    max_bullet_lines_ratio: float | None = 0.9
    max_ellipsis_lines_ratio: float | None = 0.3
    max_non_alpha_words_ratio: float | None = 0.8
    """Despite its (datatrove's) name: the least share of tokens that hold a letter."""
    min_stop_words: int | None = 2
    stop_words: tuple[str, ...] = STOP_WORDS

    def with_language(self, settings: LanguageSettings) -> Self:
        """The language's word-length bounds, ``max_non_alpha_words_ratio`` and stop words (FineWeb-2's)."""
        return replace(
            self,
            min_avg_word_length=settings.min_avg_word_length,
            max_avg_word_length=settings.max_avg_word_length,
            max_non_alpha_words_ratio=settings.max_non_alpha_words_ratio,
            stop_words=settings.stop_words,
        )

    def __post_init__(self) -> None:
        for name in ("min_doc_words", "max_doc_words", "min_avg_word_length", "max_avg_word_length",
                     "max_symbol_word_ratio", "max_bullet_lines_ratio", "max_ellipsis_lines_ratio",
                     "max_non_alpha_words_ratio", "min_stop_words"):  # fmt: skip
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ConfigError(
                    f"quality.gopher_quality: {name} must be at least 0 (or null: off), got {value}"
                )


class GopherRule(enum.Enum):
    SHORT_DOC = "gopher_short_doc"
    LONG_DOC = "gopher_long_doc"
    SHORT_WORDS = "gopher_below_avg_threshold"
    LONG_WORDS = "gopher_above_avg_threshold"
    HASHES = "gopher_too_many_hashes"
    ELLIPSES = "gopher_too_many_ellipsis"
    BULLETS = "gopher_too_many_bullets"
    END_ELLIPSES = "gopher_too_many_end_ellipsis"
    ALPHA = "gopher_below_alpha_threshold"
    STOP_WORDS = "gopher_enough_stop_words"


class GopherQuality(LanguageStep[GopherQualityConfig]):
    step_id = "quality.gopher_quality@1"
    config_cls = GopherQualityConfig
    requires = frozenset({Field.TEXT})

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        cfg, lang = self.language_config(doc)
        text = doc.text or ""
        tokens = split_words(text, lang=lang)
        n_tokens = len(tokens) or 1  # an empty page fails on words first
        # most tokens are letters only: they hold a letter and are words; the others are looked at one by one
        letters_only = list(map(str.isalpha, tokens))
        others = list(itertools.compress(tokens, map(operator.not_, letters_only)))
        punctuation = [t for t in others if PUNCTUATION.issuperset(t)]
        words = len(tokens) - len(punctuation)
        word_chars = sum(map(len, tokens)) - sum(map(len, punctuation))
        mean_length = word_chars / words if words else math.nan  # no word: no length rule
        lines = text.splitlines() or [""]
        bullets = sum(line.lstrip().startswith(("•", "-")) for line in lines) / len(lines)
        end_ellipses = sum(line.rstrip().endswith(("...", "…")) for line in lines) / len(lines)
        alpha = (sum(letters_only) + sum(map(bool, map(_LETTER, others)))) / n_tokens
        stop = len(set(cfg.stop_words).intersection(tokens))
        hashes = text.count("#") / n_tokens
        ellipses = (text.count("...") + text.count("…")) / n_tokens
        doc.annotate(
            self.step_id,
            words=words,
            mean_word_length=round(mean_length, 3) if words else None,
            hash_ratio=round(hashes, 4),
            ellipsis_ratio=round(ellipses, 4),
            bullet_lines=round(bullets, 4),
            ellipsis_lines=round(end_ellipses, 4),
            alpha_words=round(alpha, 4),
            stop_words=stop,
        )
        checks: list[tuple[GopherRule, float, float | None, bool]] = [
            (GopherRule.SHORT_DOC, words, cfg.min_doc_words, True),
            (GopherRule.LONG_DOC, words, cfg.max_doc_words, False),
            (GopherRule.SHORT_WORDS, mean_length, cfg.min_avg_word_length, True),
            (GopherRule.LONG_WORDS, mean_length, cfg.max_avg_word_length, False),
            (GopherRule.HASHES, hashes, cfg.max_symbol_word_ratio, False),
            (GopherRule.ELLIPSES, ellipses, cfg.max_symbol_word_ratio, False),
            (GopherRule.BULLETS, bullets, cfg.max_bullet_lines_ratio, False),
            (GopherRule.END_ELLIPSES, end_ellipses, cfg.max_ellipsis_lines_ratio, False),
            (GopherRule.ALPHA, alpha, cfg.max_non_alpha_words_ratio, True),
            (GopherRule.STOP_WORDS, stop, cfg.min_stop_words, True),
        ]
        failed = (
            (rule, round(value, 4), limit)
            for rule, value, limit, is_min in checks
            if limit and ((value < limit) if is_min else (value > limit))  # None or 0: off, as datatrove
        )
        return None if ctx.drop_first(doc, step=self.step_id, failed=failed) else doc
