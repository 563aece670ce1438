"""FineWeb's own quality rules (Penedo et al. 2024), as datatrove runs them (``quality.fineweb@1``).

A page is dropped when too few of its lines end in terminal punctuation, too many lines are short,
too many characters are in duplicate lines, or it has too many line breaks per word (lists). Every ratio
is recorded before the first one past its threshold drops the page.

>>> from websieve.steps.base import StepContext
>>> doc = Document(id="1", text="Home\\nNews\\nSport\\nWeather\\nContact us")
>>> FineWebQuality().apply(doc, StepContext.standalone()) is None
True
>>> doc.annotations["quality.fineweb@1"]["line_punct_ratio"]
0.0
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Self

from websieve.document import Document, Field
from websieve.errors import ConfigError
from websieve.steps.base import StepContext
from websieve.steps.quality.gopher_repetition import find_duplicates
from websieve.steps.quality.languages import LanguageSettings, LanguageStep, LanguageStepConfig
from websieve.steps.quality.terminal import TERMINAL_PUNCTUATION
from websieve.steps.quality.words import split_words

__all__ = ["FineWebQuality", "FineWebQualityConfig", "FineWebRule"]


@dataclass(frozen=True, kw_only=True, slots=True)
class FineWebQualityConfig(LanguageStepConfig):
    line_punct_thr: float | None = 0.12
    """Least share of lines ending in terminal punctuation (``None``: off, as every threshold here)."""
    line_punct_exclude_zero: bool = False
    """Keep pages where no line ends in terminal punctuation (they fail ``line_punct_thr`` otherwise)."""
    short_line_thr: float | None = 0.67
    """Most share of lines of at most ``short_line_length`` characters."""
    short_line_length: int = 30
    char_duplicates_ratio: float | None = 0.01
    """Most characters in duplicate lines, as a share of the characters outside line breaks."""
    new_line_ratio: float | None = 0.3
    """Most line breaks per word."""

    def with_language(self, settings: LanguageSettings) -> Self:
        """The language's ``line_punct_thr`` and ``new_line_ratio`` (FineWeb-2's)."""
        return replace(self, line_punct_thr=settings.line_punct_thr, new_line_ratio=settings.new_line_ratio)

    def __post_init__(self) -> None:
        for name in ("line_punct_thr", "short_line_thr", "char_duplicates_ratio"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1:
                raise ConfigError(f"quality.fineweb: {name} must be between 0 and 1, got {value}")
        if self.short_line_length < 0 or (self.new_line_ratio is not None and self.new_line_ratio < 0):
            raise ConfigError("quality.fineweb: short_line_length and new_line_ratio must be at least 0")


class FineWebRule(enum.Enum):
    EMPTY = "empty"
    LINE_PUNCT = "line_punct_ratio"
    SHORT_LINES = "short_line_ratio"
    CHAR_DUPLICATES = "char_dup_ratio"
    LIST = "list_ratio"


class FineWebQuality(LanguageStep[FineWebQualityConfig]):
    step_id = "quality.fineweb@1"
    config_cls = FineWebQualityConfig
    requires = frozenset({Field.TEXT})

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        cfg, lang = self.language_config(doc)
        text = doc.text or ""
        lines = [line for line in text.split("\n") if line.strip()]
        if not lines:
            return None if ctx.drop(doc, step=self.step_id, rule=FineWebRule.EMPTY) else doc
        punct = sum(line.endswith(TERMINAL_PUNCTUATION) for line in lines) / len(lines)
        short = sum(len(line) <= cfg.short_line_length for line in lines) / len(lines)
        duplicates = find_duplicates(lines)[1] / len(text.replace("\n", ""))
        words = len(split_words(text, lang=lang))
        new_lines = text.count("\n") / words if words else float(text.count("\n"))
        doc.annotate(
            self.step_id,
            line_punct_ratio=round(punct, 4),
            short_line_ratio=round(short, 4),
            char_dup_ratio=round(duplicates, 4),
            new_line_ratio=round(new_lines, 4),
        )
        exempt = punct == 0 and cfg.line_punct_exclude_zero
        checks: list[tuple[FineWebRule, float, float | None, bool]] = [
            (FineWebRule.LINE_PUNCT, punct, None if exempt else cfg.line_punct_thr, True),
            (FineWebRule.SHORT_LINES, short, cfg.short_line_thr, False),
            (FineWebRule.CHAR_DUPLICATES, duplicates, cfg.char_duplicates_ratio, False),
            (FineWebRule.LIST, new_lines, cfg.new_line_ratio, False),
        ]
        failed = (
            (rule, round(value, 4), limit)
            for rule, value, limit, is_min in checks
            if limit is not None and ((value < limit) if is_min else (value > limit))
        )
        return None if ctx.drop_first(doc, step=self.step_id, failed=failed) else doc
