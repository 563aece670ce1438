"""Recover the article from already-extracted text, line by line (``clean.lines@2``).

Every non-blank line is scored by the shipped line model (`model.LineModel`: line shape, stop words of the
document's language, interface vocabulary, icon ligatures, repetition, position and neighbourhood, then a
second pass over the neighbours' scores). Lines below the threshold are removed; so are later copies of a
kept line. Title, category, byline, date and source lines around the article are moved into ``title`` and
``meta`` (`metadata.find_metadata`). Kept lines are never edited: the text is the kept lines, verbatim, in
order, with paragraph breaks where the page had them. Every removed line goes to the ledger with its reason
and, for the model's decisions, the score and threshold.

>>> from websieve.document import Document
>>> from websieve.steps.base import StepContext
>>> step = CleanLines()
>>> step.setup()
>>> ctx = StepContext.standalone()
>>> page = "\\n".join([
...     "Skip to content", "Home", "World", "Business", "Sport", "", "Rain in Paris", "",
...     "It rained all day in Paris on Monday, and the Seine rose by almost a metre before the evening.",
...     "The river police closed the lower quays and asked boats to stay moored until Wednesday.",
...     "Forecasters expect the rain to ease on Thursday, when a drier wind arrives from the north-east.",
...     "", "Share on Facebook", "Related articles", "© 2024 Example News"])
>>> doc = step.apply(Document(id="1", text=page, lang="en"), ctx)
>>> doc.title, len(doc.text.splitlines())
('Rain in Paris', 3)
>>> sorted({r.reason for r in ctx.ledger.removed})
['boilerplate', 'meta.title']
"""

from __future__ import annotations

import enum
import itertools
import math
from dataclasses import dataclass

import numpy as np

from websieve.config import StepConfig
from websieve.document import Document, Field
from websieve.errors import ConfigError
from websieve.steps.base import Step, StepContext
from websieve.steps.clean.features import FEATURE_NAMES, Line, guess_lang, line_features, split_lines
from websieve.steps.clean.metadata import PageMetadata, find_metadata
from websieve.steps.clean.model import LineModel
from websieve.steps.clean.vocab import find_ligatures

__all__ = ["CleanLines", "CleanLinesConfig", "LineReason"]


class LineReason(enum.Enum):
    """Why a line left the text."""

    BOILERPLATE = "boilerplate"
    """The line model scored it below the threshold."""
    DUPLICATE = "duplicate"
    """An identical line was kept earlier in the page."""
    INTERFACE = "interface"
    """The whole line is a known interface label ("Share", "Lire la suite", "Kommentar verfassen")."""
    ICON_LABEL = "icon_label"
    """The line carries an icon-font ligature ("starAJOUTER AUX FAVORIS"): a widget's label."""
    TITLE = "meta.title"
    CATEGORY = "meta.category"
    AUTHOR = "meta.author"
    DATE = "meta.date"
    SOURCE = "meta.source"


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanLinesConfig(StepConfig):
    threshold: float | None = None
    """Article probability a line needs to stay; ``None``: the model's cross-validated threshold."""
    model: str | None = None
    """Path of a line model trained by ``tools/train_line_model.py``; ``None``: the shipped one."""
    metadata: bool = True
    """Move title, category, byline, date and source lines into ``title``/``meta``."""
    skip_extracted: bool = True
    """Pass through documents whose text an ``extract.*`` step of this run made from HTML: the extractor
    already removed the page's boilerplate with the DOM in hand, and the line model was trained on
    scraper-shaped text, not on extractor output."""
    max_lines: int = 20_000
    """Pages with more lines are scored on their first ``max_lines``; later lines are kept as they are
    (the annotation ``unscored_lines`` counts them), which bounds the time one hostile page can take."""

    def __post_init__(self) -> None:
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"clean.lines: threshold must be between 0 and 1, got {self.threshold}")
        if self.max_lines < 1:
            raise ConfigError(f"clean.lines: max_lines must be at least 1, got {self.max_lines}")


class CleanLines(Step[CleanLinesConfig]):
    step_id = "clean.lines@2"
    config_cls = CleanLinesConfig
    requires = frozenset({Field.TEXT})
    produces = frozenset({Field.TEXT, Field.TITLE})

    _model: LineModel | None = None

    def setup(self) -> None:
        self._model = LineModel.load(self.config.model)

    @property
    def model(self) -> LineModel:
        if self._model is None:
            self.setup()
        assert self._model is not None
        return self._model

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        if self.config.skip_extracted and any(k.startswith("extract.") for k in doc.annotations):
            doc.annotate(self.step_id, skipped="extracted from HTML")
            return doc
        return self.clean(doc, ctx)

    def clean(
        self,
        doc: Document,
        ctx: StepContext,
        *,
        regions: np.ndarray | None = None,
        step_id: str | None = None,
    ) -> Document:
        """Clean ``doc.text`` in place (what `apply` does once it decided to).

        ``regions``: extra feature columns for a model trained with them, one row per line of
        ``doc.text.split("\\n")`` (the HTML extractor's DOM regions, `websieve.steps.extract.dom`).
        ``step_id``: the step the ledger rows and annotations are filed under (default: this one).
        """
        step_id = step_id or self.step_id
        text = doc.text or ""
        lines = split_lines(text)
        if not lines:
            doc.annotate(step_id, lines=0, kept_lines=0)
            return doc
        scored, rest = lines[: self.config.max_lines], lines[self.config.max_lines :]
        model = self.model
        threshold = model.threshold if self.config.threshold is None else self.config.threshold
        # an untagged page gets the language its stop words say: the model was trained on tagged pages
        lang = doc.lang or guess_lang(scored)
        features = line_features(scored, lang, doc.url)
        if regions is not None:
            features = np.concatenate([features, regions[[line.line_no for line in scored]]], axis=1)
        p = model.score(features)
        keep = p >= threshold
        rescued = _rescue(features, p, keep, threshold)
        rules = _chrome_rules(scored, features, keep)
        keep[list(rules)] = False
        keep = np.concatenate([keep, np.ones(len(rest), dtype=bool)])
        probs = np.concatenate([p, np.ones(len(rest), dtype=np.float32)])
        reasons: dict[int, LineReason] = {}
        if self.config.metadata:
            found = find_metadata(
                lines, body=[int(k) for k in np.flatnonzero(keep)], url=doc.url, known_title=doc.title
            )
            for at, kind in found.lines.items():
                reasons[at] = LineReason(f"meta.{kind.value}")
            _fill_meta(doc, found)
        # (rescued_lines counts both rescues: next to a kept line, and the lede above the metadata)
        rescued += _rescue_lede(features, p, keep, {**rules, **reasons}, threshold)
        fallback = False
        article = keep.copy()
        article[list(reasons)] = False
        if not article.any():
            # nothing looks like an article: keep the best-scored lines (that are not metadata) rather
            # than return an empty page
            free = [i for i in range(len(scored)) if i not in reasons]
            if free:
                best = max(float(p[i]) for i in free)
                for i in free:
                    if p[i] >= best * 0.5:
                        keep[i] = True
                        rules.pop(i, None)
                fallback = True
        # the decisions, then one ledger call: a page removes hundreds of lines
        seen: set[str] = set()
        out: list[int] = []  # positions in `lines` of the kept lines
        removed: list[tuple[int, str, str, float | None, float | None]] = []
        kept, scores = keep.tolist(), probs.tolist()  # Python values: per-line numpy indexing is slow
        decided = {**rules, **reasons}  # metadata first, then the chrome rules
        boilerplate = LineReason.BOILERPLATE.value
        for i, line in enumerate(lines):
            reason = decided.get(i)
            if reason is None:
                if not kept[i]:
                    removed.append((line.line_no, line.text, boilerplate, scores[i], threshold))
                    continue
                key = line.stripped
                if key not in seen:
                    seen.add(key)
                    out.append(i)
                    continue
                reason = LineReason.DUPLICATE
            removed.append((line.line_no, line.text, reason.value, scores[i], None))
        ctx.ledger.remove_lines(doc, step=step_id, lines=removed)
        if ctx.annotate_only:
            # --annotate-only: every decision is in the ledger (and the title/meta found are set), the
            # text stays whole, so thresholds can be tuned on one run
            doc.annotate(step_id, applied=False)
        else:
            doc.text = _join(out, lines)
        doc.annotate(
            step_id,
            lines=len(lines),
            kept_lines=len(out),
            kept_chars=sum(len(lines[i].text) for i in out) / max(len(text), 1),
            mean_score=round(float(p.mean()), 4),
            unscored_lines=len(rest),
            fallback=fallback,
            rescued_lines=rescued,
            doubtful_chars=_doubtful_chars(scored, p, threshold),
        )
        return doc


DOUBT_MARGIN = 0.2


def _doubtful_chars(lines: list[Line], p: np.ndarray, threshold: float) -> float:
    """Share of the scored characters on lines the model placed within `DOUBT_MARGIN` of the threshold:
    how unsure it was about this page (the HTML extractor's cascade asks a second extractor then)."""
    chars = np.fromiter((len(line.stripped) for line in lines), dtype=np.float64, count=len(lines))
    total = chars.sum()
    if not total:
        return 0.0
    return round(float(chars[np.abs(p - threshold) < DOUBT_MARGIN].sum() / total), 4)


def _fill_meta(doc: Document, found: PageMetadata) -> None:
    """What the page's text says of itself, where the document does not know it already."""
    if found.title and not doc.title:
        doc.title = found.title
    meta = doc.meta
    if found.categories and not meta.categories:
        meta.categories = found.categories
    meta.author = meta.author or found.author
    meta.date = meta.date or found.date
    meta.date_text = meta.date_text or found.date_text
    meta.attribution = meta.attribution or found.attribution


_LOG_CHARS = FEATURE_NAMES.index("log_chars")
_UI_PHRASE = FEATURE_NAMES.index("ui_phrase")
_LIGATURE = FEATURE_NAMES.index("ligature")
_END_SENTENCE = FEATURE_NAMES.index("end_sentence")
_RESCUE_MIN_CHARS = math.log1p(80)


def _full_sentences(features: np.ndarray) -> np.ndarray:
    """Lines of 80+ characters that end like a sentence: what the rescue rules may bring back."""
    out: np.ndarray = (features[:, _LOG_CHARS] >= _RESCUE_MIN_CHARS) & (features[:, _END_SENTENCE] > 0)
    return out


def _rescue(features: np.ndarray, p: np.ndarray, keep: np.ndarray, threshold: float) -> int:
    """Keep (in place) a full sentence the model doubted when an article line stands right next to it.

    A long line ending like a sentence, scored above 0.3 × threshold, within two lines of a kept line: the
    lede under a headline, a paragraph between two images. Cross-validated on noisy-dev this adds 0.6 and
    0.9 points of F1. Returns how many lines it kept.
    """
    sentence = _full_sentences(features)
    candidates = np.flatnonzero(sentence & ~keep & (p >= 0.3 * threshold))
    n = len(p)
    rescued = [i for i in candidates if keep[max(0, i - 2) : min(n, i + 3)].any()]
    keep[rescued] = True
    return len(rescued)


_LEDE_MIN_SCORE = 0.2  # × threshold
_LEDE_LOOK = 8  # lines
_SHORT_LINE = math.log1p(40)


def _rescue_lede(
    features: np.ndarray, p: np.ndarray, keep: np.ndarray, decided: dict[int, LineReason], threshold: float
) -> int:
    """Keep (in place) the lede the model doubted: a full sentence followed, within a few lines, by the
    article's first long kept line, with only metadata (byline, date) or short lines (photo credit) in
    between. ``decided``: the lines metadata or chrome rules already took, which are never rescued nor
    count as the article. Cross-validated on noisy-dev it trades 0.001 of precision for 0.001 of recall
    on the trafilatura pages with the shipped model (which learned most ledes itself; with the previous
    model it added 0.1 point of F1). Returns how many lines it kept."""
    n = len(p)
    sentence = _full_sentences(features)
    long_kept = (keep[:n] & (features[:, _LOG_CHARS] >= _RESCUE_MIN_CHARS)).tolist()
    short = (features[:, _LOG_CHARS] <= _SHORT_LINE).tolist()
    rescued = 0
    for i in np.flatnonzero(sentence & ~keep[:n] & (p >= _LEDE_MIN_SCORE * threshold)).tolist():
        if i in decided:
            continue
        for j in range(i + 1, min(n, i + 1 + _LEDE_LOOK)):
            if j in decided:  # a byline, a date, a share button between the lede and the article
                if decided[j].value.startswith("meta.") or short[j]:
                    continue
                break
            if long_kept[j]:
                keep[i] = True
                rescued += 1
                break
            if not short[j]:
                break
    return rescued


def _chrome_rules(lines: list[Line], features: np.ndarray, keep: np.ndarray) -> dict[int, LineReason]:
    """Kept lines that are interface chrome whatever the model thinks (small pages are where it hesitates).

    - a line that *starts* with an icon-font ligature glued to its label ("starAJOUTER AUX FAVORIS");
    - a whole-line interface label ("Share", "Lire la suite") that is not inside the article's flow
      (a kept line on both sides means a heading or a line of dialogue, which stays).
    """
    rules: dict[int, LineReason] = {}
    n = len(lines)
    for hit in np.flatnonzero(keep & (features[:, _LIGATURE] > 0)):
        i = int(hit)
        ligatures = find_ligatures(lines[i].stripped)
        if ligatures and ligatures[0].start == 0:
            rules[i] = LineReason.ICON_LABEL
    for hit in np.flatnonzero(keep & (features[:, _UI_PHRASE] > 0)):
        i = int(hit)
        inside = 0 < i < n - 1 and bool(keep[i - 1]) and bool(keep[i + 1])
        if not inside and i not in rules:
            rules[i] = LineReason.INTERFACE
    return rules


def _join(kept: list[int], lines: list[Line]) -> str:
    """The kept lines (positions in ``lines``, in order) with a paragraph break wherever the page had a
    blank line between two of them (also when the lines in between were removed), a line break otherwise.
    """
    block = list(itertools.accumulate(line.block_start for line in lines))  # each line's paragraph number
    parts: list[str] = []
    previous = -1
    for i in kept:
        if previous >= 0:
            parts.append("\n\n" if block[i] != block[previous] else "\n")
        parts.append(lines[i].text)
        previous = i
    return "".join(parts)
