"""The document that flows through every step.

>>> doc = Document(id="a1", text="Bonjour.", url="https://example.fr/")
>>> doc.annotations["langid.fasttext@1"] = {"lang": "fr", "score": 0.97}
>>> doc.content_field
<Field.TEXT: 'text'>
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Document", "Field", "Meta", "Origin"]

Signal = float | int | str | bool | None


class Field(enum.Enum):
    """Document fields a step can require or produce (checked by `Pipeline` before a run)."""

    HTML = "html"
    TEXT = "text"
    LANG = "lang"
    TITLE = "title"
    META = "meta"


@dataclass(slots=True)
class Meta:
    """What we know about a document beyond its text.

    Typed fields for what websieve itself fills in; ``source`` keeps the fields of the input record that
    websieve has no field for (e.g. extra JSONL keys), unchanged.
    """

    date: str | None = None
    """ISO 8601 date (``2009-09-15``) when known."""
    date_text: str | None = None
    """The date as the page wrote it, absolute or relative ("depuis 6 années", "2 hours ago")."""
    author: str | None = None
    attribution: str | None = None
    """Where the text says it comes from ("Source: agences et rédaction" gives "agences et rédaction")."""
    site: str | None = None
    description: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    """Keywords the page gives itself (``article:tag``, ``keywords``, JSON-LD ``keywords``)."""
    declared_lang: str | None = None
    """The language the page declares (``<html lang>``, ``content-language``, ``og:locale``), as written:
    often wrong or generic, so websieve's own ``lang`` never comes from it."""
    extractor: str | None = None
    """Which extractor produced ``text`` from HTML (``websieve``, ``trafilatura``, ``union``...)."""
    crawl_date: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None
    cluster_size: int | None = None
    """How many documents the run's deduplication found in this document's cluster, itself included
    (its copies, recrawls and near copies that were dropped for it); ``None``: not deduplicated.
    FineWeb-2 up-samples by it. With several dedup steps, a later step's cluster adds up the sizes of the
    clusters it merges."""
    source: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class Origin:
    """Where a document came from, precisely enough to find it again."""

    path: str
    """Input file, as listed in the run's input listing."""
    offset: int
    """Byte offset of the record (WARC/ARC) or record number (JSONL, Parquet, files in a folder)."""
    record: int
    """Running number of the record within its shard."""


@dataclass(slots=True)
class Document:
    """One web page on its way through the pipeline.

    Before extraction ``html`` holds the decoded page and ``text`` is ``None``; after it, ``text`` holds
    the article text. ``annotations`` holds every signal every step computed, keyed by the step id
    (``"langid.fasttext@1"``), so a decision can be explained and re-tuned without recomputing.
    """

    id: str
    text: str | None = None
    html: str | None = None
    url: str | None = None
    lang: str | None = None
    title: str | None = None
    meta: Meta = field(default_factory=Meta)
    annotations: dict[str, dict[str, Signal]] = field(default_factory=dict)
    origin: Origin | None = None

    @property
    def content_field(self) -> Field:
        """`Field.TEXT` when the document has text, else `Field.HTML`."""
        return Field.TEXT if self.text is not None else Field.HTML

    def annotate(self, step_id: str, **signals: Signal) -> None:
        """Record signals computed by ``step_id`` (merged into earlier ones of the same step)."""
        self.annotations.setdefault(step_id, {}).update(signals)
