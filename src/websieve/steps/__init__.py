"""The steps websieve ships, in the canonical order of the data flow.

Folders sort alphabetically; the flow does not. This table is the order (and the registry: see
`websieve.registry`). Readers (``steps/read``) and the writer (``steps/write``) frame every run and are
configured by the ``read:`` and ``write:`` sections of a config rather than listed as steps.
"""

from __future__ import annotations

__all__ = ["CANONICAL_ORDER", "STEP_TABLE"]

#: registry name -> "module:Class"; imported only when a run needs it (no work at import time).
STEP_TABLE: dict[str, str] = {
    "extract.html": "websieve.steps.extract.html:ExtractHtml",
    "extract.resiliparse": "websieve.steps.extract.resiliparse:ResiliparseExtract",
    "normalize.unicode": "websieve.steps.normalize.unicode:NormalizeUnicode",
    "langid.fasttext": "websieve.steps.langid.fasttext:FastTextLangId",
    "clean.lines": "websieve.steps.clean.lines:CleanLines",
    "clean.boilerplate": "websieve.steps.clean.boilerplate:CrossPageBoilerplate",
    "quality.gopher_repetition": "websieve.steps.quality.gopher_repetition:GopherRepetition",
    "quality.gopher_quality": "websieve.steps.quality.gopher_quality:GopherQuality",
    "quality.c4": "websieve.steps.quality.c4:C4Quality",
    "quality.fineweb": "websieve.steps.quality.fineweb:FineWebQuality",
    "lists.bad_words": "websieve.steps.lists.bad_words:BadWords",
    "lists.url_filter": "websieve.steps.lists.url_filter:UrlFilter",
    "dedup.url": "websieve.steps.dedup.url:UrlDedup",
    "dedup.exact": "websieve.steps.dedup.exact:ExactDedup",
    "dedup.paragraphs": "websieve.steps.dedup.paragraphs:ParagraphDedup",
    "dedup.minhash": "websieve.steps.dedup.minhash:MinHashDedup",
    "pii.redact": "websieve.steps.pii.redact:PiiRedact",
}

#: areas of the flow, in order; a step's name starts with its area.
CANONICAL_ORDER: tuple[str, ...] = (
    "read",
    "extract",
    "normalize",
    "langid",
    "clean",
    "quality",
    "lists",
    "dedup",
    "pii",
    "write",
)
