"""Metadata written in a page's text: title, category, byline, source attribution, date.

Scrapers leave them as lines around the article: the headline (often two or three times), a
"folder_openMoyen Orient access_time depuis 6 années" line, "By Jane Doe", "Source: AFP". `find_metadata`
reads them from the lines *around* the article (before its first paragraph, or short lines after its last)
and says which lines they came from, so the cleaner can move them from the text into ``meta``.

>>> from websieve.steps.clean.features import split_lines
>>> lines = split_lines("Rain in Paris\\nBy Jane Doe\\nIt rained all day in Paris on Monday, and on Tuesday.")
>>> found = find_metadata(lines, body=[2], url=None, known_title=None)
>>> found.title, found.author, sorted(found.lines)
('Rain in Paris', 'Jane Doe', [0, 1])
"""

from __future__ import annotations

import datetime
import enum
import re
from collections import Counter
from dataclasses import dataclass, field

import regex

from websieve.steps.clean.features import Line, slug_words
from websieve.steps.clean.vocab import IconKind, find_ligatures, ui_phrase

__all__ = ["MetaKind", "PageMetadata", "find_date", "find_metadata"]


class MetaKind(enum.Enum):
    """Which metadata a line was moved into (the removal reason in the ledger is ``meta.<kind>``)."""

    TITLE = "title"
    CATEGORY = "category"
    AUTHOR = "author"
    DATE = "date"
    SOURCE = "source"


@dataclass(slots=True)
class PageMetadata:
    title: str | None = None
    categories: list[str] = field(default_factory=list)
    author: str | None = None
    date: str | None = None
    """ISO date, when the text gives an absolute one."""
    date_text: str | None = None
    attribution: str | None = None
    lines: dict[int, MetaKind] = field(default_factory=dict)
    """Position (in the list of non-blank lines) -> what was read from that line."""


_WORD = regex.compile(r"[\w\p{M}]+")

# --- dates -------------------------------------------------------------------------------------------------
MONTHS = {
    # en, fr, de, es, it, pt, nl, pl (genitive forms included)
    1: "january jan janvier janv januar jänner enero gennaio janeiro januari stycznia styczeń sty",
    2: "february feb février févr fevrier februar febrero febbraio fevereiro februari lutego luty lut",
    3: "march mar mars märz marzo março maart marca marzec",
    4: "april apr avril abril aprile kwietnia kwiecień kwi",
    5: "may mai mayo maggio maio mei maja maj",
    6: "june jun juin juni junio giugno junho czerwca czerwiec cze",
    7: "july jul juillet juil juli julio luglio julho lipca lipiec lip",
    8: "august aug août aout agosto augustus sierpnia sierpień sie",
    9: "september sep sept septembre septiembre settembre setembro września wrzesień wrz",
    10: "october oct octobre oktober octubre ottobre outubro oktober października październik paź",
    11: "november nov novembre noviembre novembro listopada listopad lis",
    12: "december dec décembre decembre dezember diciembre dicembre dezembro grudnia grudzień gru",
}
"""Month names written in dates, by number (space-separated); ``extract.metadata`` adds its abbreviations."""
_MONTH_OF = {name: num for num, names in MONTHS.items() for name in names.split()}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTH_OF), key=len, reverse=True))
_DAY_MONTH_YEAR = regex.compile(
    rf"(?i)\b(?P<d>[0-3]?\d)(?:er|st|nd|rd|th)?\.?\s+(?:de\s+)?(?P<m>{_MONTH_RE})\.?,?\s+(?:de\s+)?(?P<y>(?:19|20)\d\d)\b"
)
_MONTH_DAY_YEAR = regex.compile(
    rf"(?i)\b(?P<m>{_MONTH_RE})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b"
)
_ISO = regex.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")
_NUMERIC = regex.compile(r"\b(?P<d>[0-3]?\d)[./](?P<m>[01]?\d)[./](?P<y>(?:19|20)\d\d)\b")
_RELATIVE = regex.compile(
    r"(?i)\b(?:il y a|depuis|vor|hace|há|fa|temu|sedan|geleden)?\s*"
    r"(?:\d+|un|une|one|a|an|ein|eine|einem|einer|un|una)\s+"
    r"(?:secondes?|seconds?|sekunden?|segundos?|minutes?|minuten?|minutos?|mins?|heures?|hours?|hrs?|"
    r"stunden?|horas?|jours?|days?|tagen?|días?|dias?|semaines?|weeks?|wochen?|semanas?|mois|months?|"
    r"monaten?|meses|ans|années?|years?|jahren?|años?|anos|godzin[ya]?|dni|lat)\b(?:\s+(?:ago|temu|geleden))?"
)


def _iso(y: str, m: int, d: str) -> str | None:
    try:
        return datetime.date(int(y), m, int(d)).isoformat()
    except ValueError:  # "31 February 2020" is written, but it is no date
        return None


def find_date(text: str) -> tuple[str, str | None] | None:
    """The first date written in ``text``: (as written, ISO date or ``None`` for a relative date).

    >>> find_date("Publié le 15 septembre 2009 à 10h")
    ('15 septembre 2009', '2009-09-15')
    >>> find_date("access_time depuis 6 années")
    ('depuis 6 années', None)
    >>> find_date("Updated 2 hours ago")
    ('2 hours ago', None)
    """
    if _DATE_HINT.search(text) is None:
        return None
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        m = pattern.search(text)
        if m:
            return m.group(0), _iso(m["y"], _MONTH_OF[m["m"].lower().rstrip(".")], m["d"])
    m = _ISO.search(text)
    if m:
        return m.group(0), _iso(m["y"], int(m["m"]), m["d"])
    m = _NUMERIC.search(text)
    if m:
        return m.group(0), _iso(m["y"], int(m["m"]), m["d"])
    m = _RELATIVE.search(text)
    if m and (m.group(0).split()[0].lower() in _RELATIVE_LEADS or m.group(0).lower().endswith(_AGO)):
        return m.group(0).strip(), None
    return None


# every date above has a digit or a relative-date word: a cheap test first
_DATE_HINT = regex.compile(r"(?i)\d|\b(?:il y a|depuis|vor|hace|há|fa|temu|sedan|geleden|ago)\b")
_RELATIVE_LEADS = frozenset(["il", "depuis", "vor", "hace", "há", "fa"])
_AGO = ("ago", "temu", "geleden", "sedan")

# --- bylines, categories, sources ---------------------------------------------------------------------------
_BYLINE = regex.compile(
    r"(?i)^(?:(?:written|posted|published|reported)\s+)?(?:by|par|von|por|di|door|przez|av|af|autor(?:in)?|"
    r"author|auteur|autore|written by)\s*:?\s+"
    # a name: one to four capitalised words (case-sensitive even under (?i))
    r"(?P<name>(?-i:\p{Lu})[\w\p{M}.'’-]*(?:\s+(?-i:\p{Lu})[\w\p{M}.'’-]*){0,3})\s*(?:[|,–—-].*)?$"
)
_STAFF = regex.compile(
    r"(?i)^(?:l['’]|la\s+|the\s+|die\s+|el\s+|la\s+)?(?:équipe|rédaction|redaktion|staff|editors?|editorial|"
    r"redacción|redazione|redakcja|redactie|newsroom)\b"
)
_CATEGORY = regex.compile(
    r"(?i)^(?:cat[ée]gor(?:y|ies|ie|ía|ia)|kategorie|rubrique|rubrik|section|sección|sezione|dział|"
    r"posted in|filed under|publié dans|veröffentlicht in|publicado en)\s*:?\s+(?P<value>.{2,80})$"
)
_SOURCE = regex.compile(
    r"(?i)^\(?(?:sources?|quelle|quellen|fuente|fuentes|fonte|fonti|źródło|bron|kilde|källa)\s*:\s*(?P<value>.{2,120}?)\)?$"
)
_HOME_WORDS = frozenset(
    ["home", "homepage", "home page", "start", "startseite", "accueil", "inicio", "portada", "strona główna",
     "início", "pagina iniziale", "hem", "forside", "etusivu"]
)  # fmt: skip
_BREADCRUMB = regex.compile(r"\s(?:>|›|»|/|\|)\s")


def _tokens(text: str) -> set[str]:
    return _word_set(_WORD.findall(text))


def _word_set(words: list[str]) -> set[str]:
    """The words (``_WORD`` matches) longer than two characters, lower-cased."""
    return {w.lower() for w in set(words) if len(w) > 2}


def _title_score(words: set[str], copies: int, slug: set[str], body: set[str], distance: int) -> float:
    """How much a line (its `_word_set`) looks like the page's headline."""
    if not words:
        return 0.0
    score = 0.0
    if copies >= 2:
        score += 2.0
    if slug:
        score += 3.0 * len(words & slug) / len(words)
    if body:
        score += 1.0 * len(words & body) / len(words)
    score += max(0.0, 1.0 - distance / 8)
    return score


def _segments(line: str) -> list[tuple[IconKind | None, str]]:
    """Split a line at its icon ligatures: [(kind of the icon before, label)]."""
    ligatures = find_ligatures(line)
    if not ligatures:
        return [(None, line.strip())]
    out: list[tuple[IconKind | None, str]] = []
    if ligatures[0].start > 0 and line[: ligatures[0].start].strip():
        out.append((None, line[: ligatures[0].start].strip()))
    for lig, nxt in zip(ligatures, [*ligatures[1:], None], strict=True):
        label = line[lig.end : nxt.start if nxt else len(line)].strip()
        out.append((lig.kind, label))
    return out


def _paragraph_like(text: str) -> bool:
    return len(text) >= 140 or (
        text.rstrip("\"'”»)").endswith((".", "!", "?")) and len(_WORD.findall(text)) >= 6
    )


def find_metadata(
    lines: list[Line], *, body: list[int], url: str | None, known_title: str | None
) -> PageMetadata:
    """Read metadata from the lines around ``body`` (the positions of the lines kept as article)."""
    found = PageMetadata()
    if not lines:
        return found
    stripped = [line.stripped for line in lines]
    # the article starts at its first paragraph-like line (a kept headline or dateline comes before it)
    first = next((i for i in body if _paragraph_like(stripped[i])), body[0] if body else len(lines))
    last = body[-1] if body else -1
    body_set = set(body)
    header = [i for i in range(max(0, first - 15), first)]
    # short lines inside the article's span that the model kept may still be bylines or dates
    header += [i for i in body[:4] if i > first and len(stripped[i]) < 80]
    footer = [i for i in range(last + 1, min(len(lines), last + 8))]
    footer += [i for i in body[-3:] if len(stripped[i]) < 120]

    # title: what the page repeats, what the URL says, what the article talks about, just above it.
    # Copies are compared lower-cased; lower-casing never shortens a line (and at most doubles it), so a
    # line longer than a lower-cased candidate (at most 2 × 250 characters) is never one of its copies.
    if known_title:
        found.title = known_title.strip()
    else:
        counts = Counter(s.lower() for s in stripped if len(s) <= 500)
        slug = slug_words(url)
        body_words: set[str] = set()
        for i in [i for i in body if i >= first][:3]:
            body_words |= _tokens(stripped[i])
        best = (0.0, -1)
        for i in range(max(0, first - 40), min(first, len(lines))):
            s = stripped[i]
            if not 8 <= len(s) <= 250 or s.endswith((".", ":", ",")):
                continue
            words = _WORD.findall(s)
            if not 2 <= len(words) <= 30 or ui_phrase(s) or find_ligatures(s):
                continue
            score = _title_score(_word_set(words), counts[s.lower()], slug, body_words, first - i)
            if score > best[0]:
                best = (score, i)
        if best[0] >= 1.2:
            found.title = stripped[best[1]]
    if found.title:
        key = found.title.lower()
        found.lines.update(
            (i, MetaKind.TITLE) for i, s in enumerate(stripped) if len(s) <= len(key) and s.lower() == key
        )

    for i in header:
        if i in found.lines:
            continue
        s = stripped[i]
        if len(s) > 160:
            continue
        segments = _segments(s)
        took: MetaKind | None = None  # what the line is recorded as: the first thing read from it
        for kind, label in segments:
            if not label:
                continue
            if kind is IconKind.CATEGORY and not found.categories:
                found.categories = [label]
                took = took or MetaKind.CATEGORY
            elif kind is IconKind.AUTHOR and not found.author:
                found.author = label
                took = took or MetaKind.AUTHOR
            elif kind is IconKind.DATE or (kind is None and len(segments) > 1):
                date = find_date(label)
                if date and not found.date_text:
                    found.date_text, found.date = date
                    took = took or MetaKind.DATE
        if took is not None:
            found.lines[i] = took
            continue
        n_words = len(_WORD.findall(s))
        m = _BYLINE.match(s)
        if m and not found.author and n_words <= 8 and not _paragraph_like(s):
            found.author = m["name"].strip()
            found.lines[i] = MetaKind.AUTHOR
            continue
        if _STAFF.match(s) and not found.author and n_words <= 6:
            found.author = s
            found.lines[i] = MetaKind.AUTHOR
            continue
        m = _CATEGORY.match(s)
        if m and not found.categories:
            found.categories = [c.strip() for c in regex.split(r"[,|/]", m["value"]) if c.strip()]
            found.lines[i] = MetaKind.CATEGORY
            continue
        if i not in body_set and not found.categories and len(_BREADCRUMB.findall(s)) >= 1 and n_words <= 12:
            parts = [p.strip() for p in _BREADCRUMB.split(s) if p.strip()]
            if len(parts) >= 2 and parts[0].lower() in _HOME_WORDS:
                cats = [p for p in parts[1:] if not found.title or p.lower() != found.title.lower()]
                if cats:
                    found.categories = cats
                    found.lines[i] = MetaKind.CATEGORY
                    continue
        if n_words <= 12 and not found.date_text:
            date = find_date(s)
            if date and len(date[0]) >= len(s) * 0.4:
                found.date_text, found.date = date
                found.lines[i] = MetaKind.DATE

    for i in footer:
        if i in found.lines or found.attribution:
            continue
        m = _SOURCE.match(stripped[i])
        if m and len(_WORD.findall(stripped[i])) <= 16:
            found.attribution = m["value"].strip()
            found.lines[i] = MetaKind.SOURCE
    return found
