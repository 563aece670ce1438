"""HTML → article text and metadata (``extract.html@1``): websieve's extractor, with trafilatura behind it.

**Fast path** (``method: fast``, the default). The page is rendered to text lines, each line carrying the
DOM regions it stood in (`websieve.steps.extract.dom`: navigation, links, comments, article containers,
resiliparse's main content...). The line model of ``clean.lines``, trained for this with those region
features (``tools/train_line_model.py --html``), keeps the article's lines; title, byline and date lines
go to ``title``/``meta``; every removed line goes to the ledger with its score. Metadata comes from the
page's head (`websieve.steps.extract.metadata`: JSON-LD, Open Graph, meta tags) first, then from its text.

**Precise path** (``method: precise``): trafilatura, in a sandboxed child process with a time and memory
cap per page (`websieve.steps.extract.sandbox`; ``pip install 'websieve[precise]'``).

**Cascade** (``method: cascade``): the fast path, and trafilatura only for the pages where the line model
was unsure (``doubtful_chars`` above ``cascade_doubt``), keeping trafilatura's text when it found one.
**Union** (``method: union``): both, trafilatura's paragraphs that the fast path left out appended
(recall-oriented corpora). ``meta.extractor`` says which extractor produced each text.

Hostile pages are refused before a parser sees them (an error row in the ledger; the run goes on): more
than ``max_html_chars`` characters, elements nested deeper than ``max_depth`` or a tag with more than
``max_attributes`` attributes (`DocumentTooLarge`), binary content (`DecodeError`).

>>> from websieve.steps.base import StepContext
>>> step = ExtractHtml()
>>> step.setup()
>>> html = ("<html><head><title>Rain in Paris | Example News</title></head><body>"
...         "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><h1>Rain in Paris</h1>"
...         "<p>It rained all day in Paris on Monday, and the Seine rose by almost a metre.</p>"
...         "<p>The river police closed the lower quays and asked boats to stay moored.</p>"
...         "</article><footer>© 2024 Example News</footer></body></html>")
>>> doc = step.apply(Document(id="1", html=html), StepContext.standalone())
>>> doc.title, doc.meta.extractor
('Rain in Paris', 'websieve')
>>> print(doc.text)
It rained all day in Paris on Monday, and the Seine rose by almost a metre.
<BLANKLINE>
The river police closed the lower quays and asked boats to stay moored.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from websieve.config import StepConfig
from websieve.document import Document, Field
from websieve.errors import ConfigError, DecodeError, DocumentTooLarge, WorkerError
from websieve.steps.base import Step, StepContext
from websieve.steps.extract.guard import scan_tags
from websieve.steps.extract.resiliparse import ExtractRule
from websieve.steps.read.decode import looks_binary

if TYPE_CHECKING:
    from websieve.steps.clean.lines import CleanLines
    from websieve.steps.clean.model import LineModel
    from websieve.steps.extract.dom import RenderedPage
    from websieve.steps.extract.metadata import HtmlMetadata
    from websieve.steps.extract.sandbox import TrafilaturaSandbox
    from websieve.steps.langid.fasttext import FastTextLangId

__all__ = [
    "ExtractHtml",
    "ExtractHtmlConfig",
    "ExtractMethod",
    "ExtractRule",
    "Extractor",
    "page_language",
    "union_text",
]


class ExtractMethod(enum.Enum):
    FAST = "fast"
    """websieve's extractor only."""
    PRECISE = "precise"
    """trafilatura only (sandboxed)."""
    CASCADE = "cascade"
    """websieve's extractor, trafilatura where it was unsure."""
    UNION = "union"
    """Both; trafilatura's paragraphs that websieve's extractor left out are appended."""


class Extractor(enum.Enum):
    """Which extractor produced a document's text (``meta.extractor``)."""

    WEBSIEVE = "websieve"
    TRAFILATURA = "trafilatura"
    UNION = "union"


def _bundled_model() -> Path:
    return Path(__file__).with_name("data") / "html_line_model.npz"


@dataclass(frozen=True, kw_only=True, slots=True)
class ExtractHtmlConfig(StepConfig):
    method: ExtractMethod = ExtractMethod.FAST
    """``fast`` (websieve's extractor), ``cascade`` (trafilatura where it was unsure), ``precise``
    (trafilatura only) or ``union``; all but ``fast`` need ``pip install 'websieve[precise]'``."""
    cascade_doubt: float = 0.35
    """``method: cascade`` asks trafilatura when more than this share of the page's characters were
    scored close to the threshold (the annotation ``doubtful_chars``)."""
    model: str | None = None
    """Line model trained with ``tools/train_line_model.py --html``; ``None``: the shipped one."""
    threshold: float | None = None
    """Article probability a line needs to stay; ``None``: the model's cross-validated threshold."""
    metadata: bool = True
    """Read title, author, date, site, categories and tags from the page's head and text."""
    min_chars: int | None = None
    """Drop documents whose text is shorter than this (``None``: keep empty ones too)."""
    max_html_chars: int = 8_000_000
    """Longer pages are refused (`DocumentTooLarge`): no article needs 8 million characters of HTML."""
    max_depth: int = 3_000
    """Pages whose elements nest deeper are refused: parsers and main-content heuristics slow down
    quadratically on them (100,000 nested ``<div>`` take minutes)."""
    max_attributes: int = 2_000
    """Pages with a tag of more attributes are refused: parsers check them pairwise (one tag of 100,000
    attributes takes 35 s)."""
    max_marks: int = 20_000
    """At most this many element regions are marked, in page order (`websieve.steps.extract.mark`)."""
    timeout_s: float = 5.0
    """trafilatura's time per page (precise, cascade, union); the page keeps the fast path's text, or
    goes to the ledger with the error under ``method: precise``."""
    memory_mb: int = 1024
    """trafilatura's address-space cap."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.cascade_doubt <= 1.0:
            raise ConfigError(
                f"extract.html: cascade_doubt must be between 0 and 1, got {self.cascade_doubt}"
            )
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"extract.html: threshold must be between 0 and 1, got {self.threshold}")
        for name in ("max_html_chars", "max_depth", "max_attributes", "max_marks", "memory_mb"):
            if getattr(self, name) < 1:
                raise ConfigError(f"extract.html: {name} must be at least 1, got {getattr(self, name)}")
        if self.timeout_s <= 0:
            raise ConfigError(f"extract.html: timeout_s must be positive, got {self.timeout_s}")


class ExtractHtml(Step[ExtractHtmlConfig]):
    step_id = "extract.html@1"
    config_cls = ExtractHtmlConfig
    requires = frozenset[Field]()
    produces = frozenset({Field.TEXT, Field.TITLE, Field.META})

    _lines: CleanLines | None = None
    _lid: FastTextLangId | None = None
    _sandbox: TrafilaturaSandbox | None = None
    _sandbox_broken: bool = False

    def setup(self) -> None:
        from websieve.steps.clean.lines import CleanLines, CleanLinesConfig
        from websieve.steps.langid.fasttext import FastTextLangId

        cfg = self.config
        self._lines = CleanLines(
            CleanLinesConfig(
                model=cfg.model or str(_bundled_model()),
                threshold=cfg.threshold,
                metadata=cfg.metadata,
                skip_extracted=False,
            )
        )
        self._lines.setup()
        _check_model(self._lines.model, cfg.model)
        self._lid = FastTextLangId()
        self._lid.setup()
        if cfg.method is not ExtractMethod.FAST:
            from websieve.steps.extract.sandbox import SandboxConfig, TrafilaturaSandbox

            self._sandbox = TrafilaturaSandbox(
                # trafilatura's text only: websieve reads the metadata itself (more accurately, measured
                # by benchmarks/extraction.py), and trafilatura runs 1.5x faster without it
                SandboxConfig(
                    timeout_s=cfg.timeout_s,
                    memory_mb=cfg.memory_mb,
                    max_html_chars=cfg.max_html_chars,
                    with_metadata=False,
                )
            )

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        if doc.text is not None or doc.html is None:
            return doc
        if self._lines is None:
            self.setup()
        cfg = self.config
        html = doc.html
        if len(html) > cfg.max_html_chars:
            raise DocumentTooLarge(
                f"{len(html):,} characters of HTML, over extract.html.max_html_chars={cfg.max_html_chars:,}"
            )
        if looks_binary(html[:8192].encode("utf-8", "replace")):
            raise DecodeError("binary content (many control characters in the first 8 KiB), not a page")
        tags = scan_tags(html, limit=cfg.max_depth)
        if tags.depth > cfg.max_depth:
            raise DocumentTooLarge(
                f"HTML elements nested more than {cfg.max_depth:,} deep (extract.html.max_depth): "
                "a generated or broken page, refused before parsing"
            )
        if tags.attributes > cfg.max_attributes:
            raise DocumentTooLarge(
                f"an HTML tag with {tags.attributes:,} attributes, over extract.html.max_attributes="
                f"{cfg.max_attributes:,}: a generated or broken page, refused before parsing"
            )
        if cfg.method is ExtractMethod.PRECISE:
            self._precise_only(doc, html)
        else:
            removed_from = len(ctx.ledger.removed)
            self._fast(doc, html, ctx, has_markers=tags.markers > 0)
            if cfg.method is not ExtractMethod.FAST:
                self._second_opinion(doc, html, ctx, removed_from)
        doc.html = None
        doc.annotate(self.step_id, html_chars=len(html), text_chars=len(doc.text or ""))
        text = (doc.text or "").strip()
        if (
            cfg.min_chars is not None
            and len(text) < cfg.min_chars
            and ctx.drop(
                doc, step=self.step_id, rule=ExtractRule.EMPTY, value=len(text), threshold=cfg.min_chars
            )
        ):
            return None
        return doc

    def _fast(self, doc: Document, html: str, ctx: StepContext, *, has_markers: bool) -> None:
        from websieve.steps.extract.dom import render_page

        assert self._lines is not None and self._lid is not None
        page = render_page(html, max_marks=self.config.max_marks, has_markers=has_markers)
        if self.config.metadata:
            _fill_head_metadata(doc, page.tree, page.title)
        elif page.title and not doc.title:
            doc.title = page.title
        doc.text = page.text
        saved_lang, doc.lang = doc.lang, doc.lang or page_language(self._lid, page)
        self._lines.clean(doc, ctx, regions=page.regions, step_id=self.step_id)
        doc.lang = saved_lang
        if self.config.metadata and doc.meta.date is None:
            # the last resort, after the dates the line cleaner read next to the headline (measured on
            # trafilatura-eval: date accuracy 0.871 -> 0.876, and 3% faster than before the cleaner)
            from websieve.steps.extract.metadata import text_date

            doc.meta.date = text_date(page.text, max_date=_crawl_day(doc))
        doc.meta.extractor = Extractor.WEBSIEVE.value

    def _precise_only(self, doc: Document, html: str) -> None:
        from websieve.errors import DocumentError

        assert self._sandbox is not None
        result = self._sandbox.extract(html, url=doc.url)
        if not result.ok:
            raise DocumentError(f"trafilatura {result.outcome.value}: {result.detail}")
        doc.text = result.text or ""
        if self.config.metadata:
            from resiliparse.parse.html import HTMLTree

            _fill_head_metadata(doc, HTMLTree.parse(html), None)
        doc.meta.extractor = Extractor.TRAFILATURA.value
        doc.annotate(self.step_id, trafilatura=result.outcome.value)

    def _second_opinion(self, doc: Document, html: str, ctx: StepContext, removed_from: int) -> None:
        """Cascade and union: ask trafilatura, and keep or merge its text.

        The fast path's text stays whenever trafilatura fails (time or memory cap, a crash, a sandbox that
        cannot start): a page never loses its text to the second opinion. When the cascade replaces the
        text, the lines the fast path removed (``ctx.ledger.removed`` from ``removed_from`` on) no longer
        describe the output and leave the ledger. No timing goes into the annotations: they must be the
        same on every run (a timeout itself depends on the machine's load, as any time cap does).
        """
        assert self._sandbox is not None
        cfg = self.config
        if cfg.method is ExtractMethod.CASCADE:
            doubt = doc.annotations.get(self.step_id, {}).get("doubtful_chars")
            if not isinstance(doubt, float | int) or doubt <= cfg.cascade_doubt:
                return
        if self._sandbox_broken:
            doc.annotate(self.step_id, trafilatura="unavailable")
            return
        try:
            result = self._sandbox.extract(html, url=_safe_text(doc.url) if doc.url else None)
        except WorkerError:
            self._sandbox_broken = True  # a child that cannot start will not start for the next page
            doc.annotate(self.step_id, trafilatura="unavailable")
            return
        doc.annotate(self.step_id, trafilatura=result.outcome.value)
        if not result.ok or not (result.text or "").strip():
            return
        if cfg.method is ExtractMethod.CASCADE:
            doc.text = result.text
            doc.meta.extractor = Extractor.TRAFILATURA.value
            del ctx.ledger.removed[removed_from:]
        else:
            doc.text = union_text(doc.text or "", result.text or "")
            doc.meta.extractor = Extractor.UNION.value


def _check_model(model: LineModel, path: str | None) -> None:
    """A model trained without the DOM region features (``clean.lines``'s) would fail on every page."""
    from websieve.steps.clean.features import FEATURE_NAMES
    from websieve.steps.extract.dom import DOM_FEATURE_NAMES

    want = len(FEATURE_NAMES) + len(DOM_FEATURE_NAMES)
    got = model.members[0].first.mean.shape[0]
    if got != want:
        raise ConfigError(
            f"extract.html.model={path}: the model reads {got} features per line, the HTML extractor gives "
            f"{want} (line features and DOM regions); train one with tools/train_line_model.py --html"
        )


LANG_SAMPLE_CHARS = 1000
"""fastText reads this much: 3000 characters give the same language on all 1,171 dev pages but one, at 3x the
time (the model's tables fall out of the cache between pages)."""


def page_language(lid: FastTextLangId, page: RenderedPage) -> str | None:
    """The language the line model's stop-word features read: fastText on the start of resiliparse's
    main content (the whole render when that is under 200 characters). The langid step decides again on
    the clean text; the model was trained with this same call (``tools/train_line_model.py --html``)."""
    sample = page.main if len(page.main.strip()) >= 200 else page.text
    found = lid.apply(Document(id="", text=sample[:LANG_SAMPLE_CHARS]), StepContext.standalone())
    return found.lang if found is not None and found.lang != "und" else None


def union_text(first: str, second: str) -> str:
    """``first``, then the paragraphs of ``second`` whose text ``first`` does not already contain.

    >>> union_text("A long paragraph.\\n\\nAnother one.", "Another one.\\n\\nA third.")
    'A long paragraph.\\n\\nAnother one.\\n\\nA third.'
    >>> union_text("", "A.\\nB.")
    'A.\\n\\nB.'
    """
    have = " ".join(first.split())
    extra = [p.strip() for p in second.split("\n") if p.strip() and " ".join(p.split()) not in have]
    if not extra:
        return first
    return "\n\n".join([first.rstrip(), *extra] if first.strip() else extra)


_NO_DATE_CAP = datetime.date(9999, 12, 31)


def _crawl_day(doc: Document) -> datetime.date:
    """The latest possible publication day: the day the page was fetched (WARC date) when known. Without
    one there is no cap, rather than today's date: the output must not depend on the day of the run."""
    try:
        return datetime.date.fromisoformat((doc.meta.crawl_date or "")[:10])
    except ValueError:
        return _NO_DATE_CAP


def _safe_text(value: str) -> str:
    """``value`` with lone surrogates (from a JSON ``\\ud800`` escape in the page) replaced by U+FFFD:
    the writers encode UTF-8 and would refuse the whole shard.

    >>> _safe_text("a\\ud800b")
    'a\ufffdb'
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def _fill_head_metadata(doc: Document, tree: Any, title: str | None) -> None:
    """What the page says of itself in its markup (JSON-LD, Open Graph, meta tags, bylines), where the
    document does not know it already."""
    from websieve.steps.extract.dom import unmark
    from websieve.steps.extract.metadata import read_metadata

    found: HtmlMetadata = read_metadata(tree, url=doc.url, max_date=_crawl_day(doc), text_dates=False)

    def clean(value: str | None) -> str | None:
        return (_safe_text(unmark(value)).strip() or None) if value else None

    doc.title = doc.title or clean(found.title) or title
    meta = doc.meta
    meta.author = meta.author or clean(found.author)
    meta.date = meta.date or found.date
    meta.site = meta.site or clean(found.site)
    meta.description = meta.description or clean(found.description)
    meta.declared_lang = meta.declared_lang or clean(found.declared_lang)
    if found.categories and not meta.categories:
        meta.categories = [c for c in map(clean, found.categories) if c]
    if found.tags and not meta.tags:
        meta.tags = [t for t in map(clean, found.tags) if t]
