"""HTML → main text, title and metadata with resiliparse (lexbor).

>>> from websieve.steps.base import StepContext
>>> step = ResiliparseExtract()
>>> step.setup()
>>> html = ("<html><head><title>T</title></head><body><article>"
...         "<p>Hello, world, how are you?</p></article></body></html>")
>>> doc = step.apply(Document(id="1", html=html), StepContext.standalone())
>>> doc.title, doc.text
('T', 'Hello, world, how are you?')

Documents that already have text (WET records, ``.txt`` files, JSONL ``text``) pass through untouched.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from websieve.config import StepConfig
from websieve.document import Document, Field
from websieve.steps.base import Step, StepContext

__all__ = ["ResiliparseExtract", "ResiliparseExtractConfig"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ResiliparseExtractConfig(StepConfig):
    main_content: bool = True
    """Keep only main-content elements (drops navigation, footers, sidebars)."""
    preserve_formatting: bool = True
    """Keep paragraph and line breaks (later line-level steps need them)."""
    alt_texts: bool = False
    list_bullets: bool = True
    min_chars: int | None = 1
    """Drop documents whose extracted text is shorter than this (``None``: keep empty ones)."""


class ExtractRule(enum.Enum):
    EMPTY = "empty_text"
    """Extraction found (almost) no text: a redirect, an empty page, a page of scripts."""


_META_NAMES = {
    "author": "author",
    "article:author": "author",
    "description": "description",
    "og:description": "description",
    "og:site_name": "site",
    "article:published_time": "date",
    "date": "date",
    "dc.date": "date",
    "article:section": "categories",
}


class ResiliparseExtract(Step[ResiliparseExtractConfig]):
    step_id = "extract.resiliparse@1"
    config_cls = ResiliparseExtractConfig
    requires = frozenset[Field]()
    produces = frozenset({Field.TEXT, Field.TITLE, Field.META})

    def setup(self) -> None:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        self._extract = extract_plain_text
        self._parse = HTMLTree.parse

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        if doc.text is not None or doc.html is None:
            return doc
        cfg = self.config
        tree = self._parse(doc.html)
        text = self._extract(
            tree,
            main_content=cfg.main_content,
            preserve_formatting=cfg.preserve_formatting,
            alt_texts=cfg.alt_texts,
            list_bullets=cfg.list_bullets,
        )
        title = (tree.title or "").strip() or None
        _read_meta(tree, doc)
        doc.annotate(self.step_id, html_chars=len(doc.html), text_chars=len(text))
        doc.text, doc.html = text, None
        if title and not doc.title:
            doc.title = title
        if (
            cfg.min_chars is not None
            and len(text.strip()) < cfg.min_chars
            and ctx.drop(
                doc,
                step=self.step_id,
                rule=ExtractRule.EMPTY,
                value=len(text.strip()),
                threshold=cfg.min_chars,
            )
        ):
            return None
        return doc


def _read_meta(tree: Any, doc: Document) -> None:
    head = tree.head
    if head is None:
        return
    for el in head.query_selector_all("meta"):
        key = (el.getattr("name") or el.getattr("property") or "").strip().lower()
        field = _META_NAMES.get(key)
        value = (el.getattr("content") or "").strip()
        if not field or not value:
            continue
        if field == "categories":
            if value not in doc.meta.categories:
                doc.meta.categories.append(value)
        elif getattr(doc.meta, field) is None:
            setattr(doc.meta, field, value[:1000])
    html_el = tree.document.query_selector("html")
    lang = html_el.getattr("lang") if html_el is not None else None
    if lang:
        doc.meta.source.setdefault("html_lang", lang.strip()[:35])
