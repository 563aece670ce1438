"""Clean one page (HTML or already-extracted text) without a run folder.

>>> page = "<html><head><title>Hi</title></head><body><p>Le chat dort sur la table du salon.</p></body>"
>>> result = clean(page)
>>> result.title, result.lang
('Hi', 'fr')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websieve.config import OnError, RunConfig, load_preset
from websieve.document import Document, Field
from websieve.ledger.records import Fate
from websieve.pipeline import Pipeline
from websieve.steps.base import StepContext
from websieve.steps.read.decode import decode_page
from websieve.steps.read.detect import InputKind, kind_of_name
from websieve.steps.write.shards import document_row

__all__ = ["CleanResult", "clean", "clean_file", "looks_like_html"]

_HTML_HINT = re.compile(r"<(!doctype|html|head|body|div|p|meta|title|article|span|br)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CleanResult:
    """The clean article and everything websieve learned or removed on the way."""

    text: str | None
    lang: str | None
    title: str | None
    meta: dict[str, Any]
    removed: list[dict[str, Any]] = field(default_factory=list)
    dropped: dict[str, Any] | None = None
    """Set when a step rejected the page: ``{"step", "rule", "value", "threshold"}`` or an error message."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "lang": self.lang,
            "title": self.title,
            "meta": self.meta,
            "removed": self.removed,
        }
        if self.dropped is not None:
            out["dropped"] = self.dropped
        return out


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:4096]))


_PIPELINES: dict[RunConfig, Pipeline] = {}


def clean(
    content: str | bytes,
    *,
    url: str | None = None,
    html: bool | None = None,
    config: RunConfig | None = None,
    doc_id: str = "page",
) -> CleanResult:
    """Run the ``clean-text`` preset (or ``config``) over one page. ``html=None`` detects HTML."""
    if isinstance(content, bytes):
        content = decode_page(content, http_charset=None, html=html is not False)[0]
    is_html = looks_like_html(content) if html is None else html
    cfg = config or load_preset("clean-text")
    # one set-up pipeline per config (configs are frozen, so equal configs share it): models load once,
    # not once per page
    pipe = _PIPELINES.get(cfg)
    if pipe is None:
        _PIPELINES.clear()
        pipe = _PIPELINES[cfg] = Pipeline(cfg)
    pipe.check({Field.HTML} if is_html else {Field.TEXT})
    doc = Document(id=doc_id, url=url, html=content if is_html else None, text=None if is_html else content)
    ctx = StepContext.standalone(on_error=OnError.SKIP)
    kept = list(pipe.process(iter([doc]), ctx))
    removed = [
        {
            k: v
            for k, v in (
                ("line", r.line),
                ("reason", r.reason),
                ("step", r.step),
                ("score", None if r.score is None else round(r.score, 3)),
                ("threshold", r.threshold),
            )
            if v is not None
        }
        for r in ctx.ledger.removed
    ]
    dropped = None
    for row in ctx.ledger.rows:
        if row.fate is not Fate.KEPT:
            dropped = {
                k: v
                for k, v in (
                    ("step", row.step),
                    ("rule", row.rule),
                    ("value", row.value),
                    ("threshold", row.threshold),
                    ("message", row.message),
                )
                if v
            }
    final = kept[0] if kept else doc
    out_row = document_row(final)
    return CleanResult(
        text=final.text,
        lang=final.lang,
        title=final.title,
        meta=out_row["meta"],
        removed=removed,
        dropped=dropped,
    )


def clean_file(path: str | Path, *, config: RunConfig | None = None) -> CleanResult:
    """`clean` a file; ``.html``/``.htm`` is HTML, ``.txt`` is text, anything else is detected."""
    p = Path(path)
    data = p.read_bytes()
    kind = kind_of_name(p.name)
    html = True if kind is InputKind.HTML else False if kind is InputKind.TEXT else None
    return clean(data, html=html, config=config, doc_id=p.name)
