"""Bad words per language, from the LDNOOBW lists (28 languages), as C4 uses them (``lists.bad_words@1``).

Counts the page's words and phrases that are on the list of its language (``doc.lang``, from
``langid``; ``default_language`` when unknown) and records the count and their share of the page's
words. It drops nothing by default: ``max_ratio`` drops pages over a share of bad words (the BLOOM /
data-juicer signal), ``drop_any`` any page with one (C4's rule, which datatrove's ``C4BadWordsFilter``
applies; it is known to remove medical and LGBTQ pages, and the English list flags German "dick",
thick). Words are matched whole, lower-cased; in Chinese, Japanese and Thai, which do not separate
words, as substrings, without the few entries that are common parts of ordinary words there
(datatrove's allowlist). Languages without a list are annotated ``no_list`` and pass.

>>> from websieve.steps.base import StepContext
>>> doc = Document(id="1", text="What a hardcore shitshow of a meeting.", lang="en")
>>> BadWords().apply(doc, StepContext.standalone()).annotations["lists.bad_words@1"]
{'bad_words': 1, 'bad_word_ratio': 0.1429}
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from websieve.config import StepConfig
from websieve.document import Document, Field
from websieve.errors import ConfigError
from websieve.steps.base import Step, StepContext

__all__ = ["LANGUAGES", "BadWordRule", "BadWords", "BadWordsConfig"]

_DIR = Path(__file__).with_name("data") / "ldnoobw"
LANGUAGES = frozenset(
    ["ar", "cs", "da", "de", "en", "eo", "es", "fa", "fi", "fil", "fr", "fr-CA-u-sd-caqc", "hi", "hu", "it",
     "ja", "kab", "ko", "nl", "no", "pl", "pt", "ru", "sv", "th", "tlh", "tr", "zh"]
)  # fmt: skip
"""The languages with a list (file names of the LDNOOBW repository)."""
_UNSPACED = frozenset({"ja", "th", "zh"})
_ALLOWED = frozenset({"sm", "グロ", "女の子", "性"})
"""Common parts of ordinary words in languages without spaces (datatrove's allowlist)."""
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True, kw_only=True, slots=True)
class BadWordsConfig(StepConfig):
    default_language: str | None = "en"
    """The list for pages whose language is unknown (``None``: they pass, annotated ``no_list``)."""
    max_ratio: float | None = None
    """Drop pages where bad words are more than this share of the words (``None``: record only)."""
    drop_any: bool = False
    """Drop every page with a bad word (C4)."""

    def __post_init__(self) -> None:
        if self.max_ratio is not None and not 0 <= self.max_ratio <= 1:
            raise ConfigError(f"lists.bad_words: max_ratio must be between 0 and 1, got {self.max_ratio}")


class BadWordRule(enum.Enum):
    ANY = "bad_word"
    RATIO = "bad_word_ratio"


@cache
def _pattern(lang: str) -> re.Pattern[str]:
    words = {w.strip() for w in (_DIR / lang).read_text(encoding="utf-8").splitlines() if w.strip()}
    alternatives = "|".join(re.escape(w) for w in sorted(words - _ALLOWED, key=len, reverse=True))
    return re.compile(alternatives if lang in _UNSPACED else rf"(?<!\w)(?:{alternatives})(?!\w)")


def _list_for(lang: str | None) -> str | None:
    if lang in LANGUAGES:
        return lang
    base = (lang or "").split("-")[0].split("_")[0]
    return base if base in LANGUAGES else None


class BadWords(Step[BadWordsConfig]):
    step_id = "lists.bad_words@1"
    config_cls = BadWordsConfig
    requires = frozenset({Field.TEXT})

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        cfg = self.config
        lang = _list_for(doc.lang)
        if lang is None and doc.lang in (None, "und"):
            lang = _list_for(cfg.default_language)
        if lang is None:
            doc.annotate(self.step_id, no_list=doc.lang or "unknown")
            return doc
        text = (doc.text or "").lower()
        found = len(_pattern(lang).findall(text))
        ratio = found / (len(_WORDS.findall(text)) or 1)
        doc.annotate(self.step_id, bad_words=found, bad_word_ratio=round(ratio, 4))
        failed: list[tuple[BadWordRule, float, float]] = []
        if cfg.drop_any and found:
            failed.append((BadWordRule.ANY, found, 0))
        if cfg.max_ratio is not None and ratio > cfg.max_ratio:
            failed.append((BadWordRule.RATIO, round(ratio, 4), cfg.max_ratio))
        return None if ctx.drop_first(doc, step=self.step_id, failed=failed) else doc
