"""Document language and confidence with the bundled fastText lid.176 model.

Records ``lang`` and ``score`` under ``annotations["langid.fasttext@1"]`` and sets ``doc.lang``. Drops
nothing unless ``languages`` or ``min_score`` is set.

Where fastText is unsure (top score below ``fallback_below``), py3langid (BSD, bundled model) decides:
on the Leipzig test sentences this lifts accuracy from 90.9% to 96.8% at ~31k sentences/s (see
``benchmarks/langid.py``). ``score`` stays fastText's confidence; ``decided_by`` says which model chose.

>>> from websieve.steps.base import StepContext
>>> step = FastTextLangId()
>>> step.setup()
>>> step.apply(Document(id="1", text="Das ist ein kurzer deutscher Satz."), StepContext.standalone()).lang
'de'
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from websieve.config import StepConfig
from websieve.document import Document, Field
from websieve.steps.base import Step, StepContext
from websieve.steps.langid.model import LidModel

__all__ = ["FastTextLangId", "FastTextLangIdConfig"]


@dataclass(frozen=True, kw_only=True, slots=True)
class FastTextLangIdConfig(StepConfig):
    languages: tuple[str, ...] | None = None
    """Keep only these languages (lid.176 codes: ``en``, ``fr``…); ``None`` keeps all."""
    min_score: float | None = None
    """Drop documents whose top language scores below this; ``None`` keeps all."""
    min_chars: int = 1
    """Texts shorter than this get ``und`` (undetermined) with score 0."""
    max_chars: int | None = 100_000
    """Classify only the first N characters of huge documents (``None``: whole text)."""
    fallback_below: float | None = 0.7
    """Ask py3langid when fastText's top score is below this (``None``: fastText alone, as FineWeb)."""


# py3langid's labels that lid.176 spells differently
_PY3LANGID_TO_LID176 = {"nb": "no"}


class LangIdRule(enum.Enum):
    LANGUAGE = "language_not_wanted"
    LOW_SCORE = "language_score_below_threshold"


class FastTextLangId(Step[FastTextLangIdConfig]):
    step_id = "langid.fasttext@1"
    config_cls = FastTextLangIdConfig
    requires = frozenset({Field.TEXT})
    produces = frozenset({Field.LANG})

    def setup(self) -> None:
        self._model = LidModel.load()
        self._fallback = None
        if self.config.fallback_below is not None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            self._fallback = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        cfg = self.config
        text = doc.text or ""
        if cfg.max_chars is not None:
            text = text[: cfg.max_chars]
        lang, score = self._model.predict(text) if len(text.strip()) >= cfg.min_chars else ("und", 0.0)
        decided_by = "fasttext"
        if self._fallback is not None and lang != "und" and score < (cfg.fallback_below or 0.0):
            other = str(self._fallback.classify(text)[0])
            lang, decided_by = _PY3LANGID_TO_LID176.get(other, other), "py3langid"
        doc.lang = lang
        doc.annotate(self.step_id, lang=lang, score=round(score, 4), decided_by=decided_by)
        if (
            cfg.languages is not None
            and lang not in cfg.languages
            and ctx.drop(
                doc,
                step=self.step_id,
                rule=LangIdRule.LANGUAGE,
                value=lang,
                threshold=",".join(cfg.languages),
            )
        ):
            return None
        if (
            cfg.min_score is not None
            and score < cfg.min_score
            and ctx.drop(
                doc,
                step=self.step_id,
                rule=LangIdRule.LOW_SCORE,
                value=round(score, 4),
                threshold=cfg.min_score,
            )
        ):
            return None
        return doc
