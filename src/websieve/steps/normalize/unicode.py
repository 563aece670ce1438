"""Unicode and whitespace normalization: NFC, one kind of space, one kind of line break.

ftfy repairs mojibake only where `ftfy.is_bad` detects it: it is slow and its defaults change clean text
(curly quotes, full-width characters). The step is idempotent: normalizing twice changes nothing.

>>> from websieve.steps.base import StepContext
>>> step = NormalizeUnicode()
>>> step.setup()
>>> doc = Document(id="1", text="Caf\\u0065\\u0301\\u00a0 au  lait\\r\\n\\n\\n\\nFin ")
>>> step.apply(doc, StepContext.standalone()).text
'Café au lait\\n\\nFin'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from websieve.config import StepConfig
from websieve.document import Document, Field
from websieve.steps.base import Step, StepContext

__all__ = ["NormalizeUnicode", "NormalizeUnicodeConfig", "normalize_text"]


@dataclass(frozen=True, kw_only=True, slots=True)
class NormalizeUnicodeConfig(StepConfig):
    form: str = "NFC"
    """Unicode normalization form: NFC (default), NFKC, NFD, NFKD."""
    fix_mojibake: bool = True
    """Run ftfy on documents where it detects mojibake."""
    max_blank_lines: int = 1
    """Runs of blank lines are cut to this many."""


# Control characters except tab and newline; invisible characters that carry no meaning in running text.
_DROP = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u2060\ufeff\u00ad]")
_BREAKS = re.compile(r"\r\n?|[\x85\u2028\u2029\x0b\x0c]")
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace except newline (tab, NBSP, thin space…)
_EDGE_SPACE = re.compile(r" *\n *")


def _once(text: str, cfg: NormalizeUnicodeConfig, fixer: object | None) -> str:
    if fixer is not None:
        import ftfy
        import ftfy.badness

        # mojibake is made of non-ASCII characters: pure ASCII skips ftfy's (slow) detector
        if not text.isascii() and ftfy.badness.is_bad(text):
            text = ftfy.fix_text(text, fixer)  # type: ignore[arg-type]
    text = _BREAKS.sub("\n", text)
    text = _DROP.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _EDGE_SPACE.sub("\n", text).strip()
    limit = "\n" * (cfg.max_blank_lines + 2)
    if limit in text:
        text = re.sub(f"\n{{{cfg.max_blank_lines + 2},}}", "\n" * (cfg.max_blank_lines + 1), text)
    return unicodedata.normalize(cfg.form, text)  # type: ignore[arg-type]


def normalize_text(text: str, cfg: NormalizeUnicodeConfig | None = None, fixer: object | None = None) -> str:
    """Normalize one text. Repeats (at most 3 times) until nothing changes, so the result is stable."""
    cfg = cfg or NormalizeUnicodeConfig()
    for _ in range(3):
        new = _once(text, cfg, fixer)
        if new == text:
            break
        text = new
    return text


class NormalizeUnicode(Step[NormalizeUnicodeConfig]):
    step_id = "normalize.unicode@1"
    config_cls = NormalizeUnicodeConfig
    requires = frozenset({Field.TEXT})
    produces = frozenset({Field.TEXT})

    def setup(self) -> None:
        if self.config.form not in ("NFC", "NFKC", "NFD", "NFKD"):
            from websieve.errors import ConfigError

            raise ConfigError(
                f"normalize.unicode.form must be NFC, NFKC, NFD or NFKD, not {self.config.form!r}"
            )
        self._fixer: object | None = None
        if self.config.fix_mojibake:
            import ftfy

            self._fixer = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, explain=False)

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        assert doc.text is not None  # guaranteed by requires={TEXT}
        before = len(doc.text)
        doc.text = normalize_text(doc.text, self.config, self._fixer)
        doc.annotate(self.step_id, chars_removed=before - len(doc.text))
        if doc.title:
            doc.title = normalize_text(doc.title, self.config, self._fixer).replace("\n", " ")
        return doc
