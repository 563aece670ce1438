"""C4's rules (Raffel et al. 2020), as the FineWeb recipe runs them (``quality.c4@1``).

**Line rules** remove lines: with a word over ``max_word_length`` characters, with fewer than
``min_words_per_line`` words, mentioning "javascript", or a cookie or terms-of-use notice, and (off in
FineWeb) lines without terminal punctuation; Wikipedia-style citations (``[1]``, ``[edit]``) are cut
from the lines kept. Every removed line goes to the ledger with its reason. **Document rules** drop the
page: "lorem ipsum", a curly bracket, or fewer than ``min_num_sentences`` sentences in the lines kept
(sentences as spaCy's sentencizer splits them). Each rule is switchable; the text becomes the kept
lines, one per line, as datatrove writes it.

>>> from websieve.steps.base import StepContext
>>> ctx = StepContext.standalone()
>>> text = ("This site uses cookies to improve your experience.\\nMenu\\n"
...         "The council met on Monday. It approved the budget. Taxes stay the same.[1]\\n"
...         "The mayor spoke first. Then the opposition replied. The vote was close.")
>>> doc = C4Quality().apply(Document(id="1", text=text), ctx)
>>> print(doc.text)
The council met on Monday. It approved the budget. Taxes stay the same.
The mayor spoke first. Then the opposition replied. The vote was close.
>>> [(r.line_no, r.reason) for r in ctx.ledger.removed]
[(0, 'c4_policy'), (1, 'c4_too_few_words')]
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from websieve.config import StepConfig
from websieve.document import Document, Field
from websieve.errors import ConfigError
from websieve.steps.base import Step, StepContext
from websieve.steps.quality.terminal import SENTENCE_PUNCTUATION
from websieve.steps.quality.words import split_words

__all__ = ["C4LineReason", "C4Quality", "C4QualityConfig", "C4Rule", "count_sentences"]

_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
_END_PUNCTUATION = (".", "?", "!", '"', "'")
_POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")


@dataclass(frozen=True, kw_only=True, slots=True)
class C4QualityConfig(StepConfig):
    remove_citations: bool = True
    filter_no_terminal_punct: bool = False
    """Remove lines that do not end in ``. ? ! " '`` (C4 does; FineWeb does not: the default here)."""
    min_num_sentences: int | None = 5
    """``None`` turns a rule off, here and below."""
    min_words_per_line: int | None = 3
    max_word_length: int | None = 1000
    filter_lorem_ipsum: bool = True
    filter_javascript: bool = True
    filter_curly_bracket: bool = True
    filter_policy: bool = True

    def __post_init__(self) -> None:
        for name in ("min_num_sentences", "min_words_per_line", "max_word_length"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ConfigError(f"quality.c4: {name} must be at least 0 (or null: off), got {value}")


class C4Rule(enum.Enum):
    LOREM_IPSUM = "lorem_ipsum"
    CURLY_BRACKET = "curly_bracket"
    TOO_FEW_SENTENCES = "too_few_sentences"


class C4LineReason(enum.Enum):
    LONG_WORD = "c4_too_long_word"
    NO_TERMINAL_PUNCT = "c4_no_terminal_punct"
    FEW_WORDS = "c4_too_few_words"
    JAVASCRIPT = "c4_javascript"
    POLICY = "c4_policy"


@lru_cache(maxsize=4096)
def _is_punct(token: str) -> bool:
    return all(unicodedata.category(c).startswith("P") for c in token)


def count_sentences(line: str) -> int:
    """Sentences in ``line`` as spaCy's sentencizer splits them: a new one starts at the first token that is
    not punctuation after a token that is a sentence mark (``.``, ``!``, ``?``, ``。``...).

    >>> count_sentences("Dr. Smith arrived. He sat down!"), count_sentences("Wait... what?!")
    (2, 1)
    """
    sentences, seen_mark = 1, False
    for token in split_words(line):
        if token in SENTENCE_PUNCTUATION:
            seen_mark = True
        elif seen_mark and not _is_punct(token):
            sentences += 1
            seen_mark = False
    return sentences


class C4Quality(Step[C4QualityConfig]):
    step_id = "quality.c4@1"
    config_cls = C4QualityConfig
    requires = frozenset({Field.TEXT})
    produces = frozenset({Field.TEXT})

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        cfg = self.config
        kept: list[str] = []
        removed: list[tuple[int, str, str, float | None, float | None]] = []
        sentences = citations = 0
        for line_no, raw in enumerate((doc.text or "").splitlines()):
            line = raw.strip()
            words = line.split()
            reason = None
            if cfg.max_word_length is not None and any(len(w) > cfg.max_word_length for w in words):
                reason = C4LineReason.LONG_WORD
            else:
                if cfg.remove_citations:
                    line, cut = _CITATION.subn("", line)
                    citations += cut
                lower = line.lower()
                if cfg.filter_no_terminal_punct and (
                    not line.endswith(_END_PUNCTUATION) or line.endswith("...")
                ):
                    reason = C4LineReason.NO_TERMINAL_PUNCT
                elif cfg.min_words_per_line is not None and len(words) < cfg.min_words_per_line:
                    reason = C4LineReason.FEW_WORDS
                elif cfg.filter_lorem_ipsum and "lorem ipsum" in lower:
                    return self._drop(doc, ctx, C4Rule.LOREM_IPSUM)
                elif cfg.filter_javascript and "javascript" in lower:
                    reason = C4LineReason.JAVASCRIPT
                elif cfg.filter_curly_bracket and "{" in line:
                    return self._drop(doc, ctx, C4Rule.CURLY_BRACKET)
                elif cfg.filter_policy and any(p in lower for p in _POLICY):
                    reason = C4LineReason.POLICY
            if reason is not None:
                if raw.strip():
                    removed.append((line_no, raw, reason.value, None, None))
                continue
            if cfg.min_num_sentences is not None:
                sentences += count_sentences(line)
            kept.append(line)
        doc.annotate(
            self.step_id, lines_removed=len(removed), citations_removed=citations, sentences=sentences
        )
        if cfg.min_num_sentences is not None and sentences < cfg.min_num_sentences:
            return self._drop(doc, ctx, C4Rule.TOO_FEW_SENTENCES, sentences, cfg.min_num_sentences)
        ctx.ledger.remove_lines(doc, step=self.step_id, lines=removed)
        doc.text = "\n".join(kept).strip()
        return doc

    def _drop(
        self,
        doc: Document,
        ctx: StepContext,
        rule: C4Rule,
        value: int | None = None,
        threshold: int | None = None,
    ) -> Document | None:
        """A document rule failed: the whole page goes; in annotate-only mode it stays, whole (its lines
        are removed only from pages that pass)."""
        if ctx.drop(doc, step=self.step_id, rule=rule, value=value, threshold=threshold):
            return None
        return doc
