"""Metadata of an HTML page: title, author, date, site, description, categories, tags, language, licence.

Read from a parsed resiliparse tree, most trusted source first: JSON-LD (schema.org, ``@graph`` and
``@id`` references included), Open Graph and Twitter ``<meta>``, the standard ``<meta>`` names (Dublin
Core, ``citation_*``, Parse.ly, Sailthru...), microdata (``itemprop``), ``<time datetime>``, ``rel=author``,
bylines, the URL (``/2019/11/19/``) and last the short texts of the page. The order of the date sources
follows htmldate's (the URL's full date wins); the title prefers the headline as displayed when another
source confirms it. Every read is bounded (elements inspected, characters read, JSON-LD size), so a hostile
page costs little; malformed input gives ``None`` fields, never an exception.

>>> from resiliparse.parse.html import HTMLTree
>>> tree = HTMLTree.parse(
...     '<html lang="en"><head><title>Rain in Paris | The Daily</title>'
...     '<meta name="author" content="By Jane Doe"></head>'
...     '<body><h1>Rain in Paris</h1><time datetime="2019-11-19T08:00:00+01:00">Nov 19</time></body></html>')
>>> meta = read_metadata(tree, url="https://example.org/news/rain")
>>> meta.title, meta.author, meta.date, meta.declared_lang
('Rain in Paris', 'Jane Doe', '2019-11-19', 'en')
"""

from __future__ import annotations

import datetime
import html
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import regex

from websieve.steps.clean.metadata import MONTHS
from websieve.steps.extract.dom import unmark

__all__ = ["HtmlMetadata", "clean_author", "parse_date", "read_metadata", "text_date"]

# --- bounds: what a hostile page can make us do ------------------------------------------------------------
_MAX_META = 2000
"""``<meta>`` elements read (real pages have < 100; some have 100k)."""
_MAX_SCRIPTS = 40
_MAX_JSON_CHARS = 200_000
"""A script longer than this is skipped unparsed."""
_MAX_JSON_NODES = 5000
_MAX_DEPTH = 12
_MAX_ELEMENTS = 60
"""Elements inspected per selector (bylines, ``<time>``, links), unless a step says otherwise."""
_MAX_CHILDREN = 40
"""An element with more children than this is a container, not a byline: its text is not read."""
_MAX_TEXT = 4_000_000
"""Characters of element text read per page, all selectors together (nested bylines repeat a page's text);
as many again of scripts."""
_MAX_VALUE = 2000
_MIN_DATE = datetime.date(1995, 1, 1)
# Every element text read is `_unmark`ed: the HTML extractor reads metadata from a tree whose body carries
# its region markers, noncharacters in U+FDD0..U+FDEF (`websieve.steps.extract.dom`).


@dataclass(frozen=True, slots=True, kw_only=True)
class HtmlMetadata:
    """What a page says about itself; ``None`` (or ``()``) where it says nothing readable.

    >>> HtmlMetadata(title="T", tags=("a", "b")).tags
    ('a', 'b')
    """

    title: str | None = None
    author: str | None = None
    """Names joined by ``"; "``, cleaned of "By", e-mail addresses and trailing dates."""
    date: str | None = None
    """Publication date, ISO ``YYYY-MM-DD`` (the modification date only when nothing else is given)."""
    site: str | None = None
    description: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    declared_lang: str | None = None
    """As the page writes it (``<html lang>``, ``content-language``, ``og:locale``): ``de-DE``, ``en_US``."""
    license: str | None = None
    """``CC BY-SA 4.0`` for a Creative Commons link, else the text of a ``rel=license`` link."""


# --- dates -------------------------------------------------------------------------------------------------
# the line cleaner's month names, and the abbreviations page markup also uses (Italian "gen", "mag",
# Spanish "ene", "dic", Portuguese "out", "dez"...)
_MORE_MONTHS = {
    1: "ene gen jaenner",
    2: "fev fevr",
    3: "maerz marco marz",
    4: "abr avr",
    5: "mag",
    6: "giu",
    7: "lug",
    8: "ago",
    9: "set setiembre",
    10: "ott out",
    11: "",
    12: "dez dic déc",
}
_MONTHS = {num: f"{MONTHS[num]} {_MORE_MONTHS[num]}" for num in MONTHS}
_MONTH_OF = {name: num for num, names in _MONTHS.items() for name in names.split()}
_MONTH = "|".join(sorted((regex.escape(m) for m in _MONTH_OF), key=len, reverse=True))
_DATE_PATTERNS = [
    # 2019-11-19, 2019/11/19, 2019.11.19 (with any time and zone after: the date as written, not UTC's)
    ("ymd", regex.compile(
        r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<s>[-/.])(?P<m>[01]?\d)(?P=s)(?P<d>[0-3]?\d)(?!\d)"
    )),
    ("ymd", regex.compile(r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>[01]?\d)\s*月\s*(?P<d>[0-3]?\d)\s*日")),
    # 19.11.2019, 19/11/2019, 11/19/2019 (day first unless it cannot be)
    ("dmy", regex.compile(
        r"(?<!\d)(?P<d>[0-3]?\d)(?P<s>[-/.])\s?(?P<m>[01]?\d)(?P=s)\s?(?P<y>(?:19|20)\d\d)(?!\d)"
    )),
    # 19 novembre 2019, 19. November 2019, 19 de noviembre de 2019, 1st Nov. 2019
    ("dmy", regex.compile(
        rf"(?i)(?<!\w)(?P<d>[0-3]?\d)(?:\.|er|st|nd|rd|th|º)?\s*(?:de\s+)?(?P<m>{_MONTH})\.?,?\s*(?:de\s+)?"
        r"(?P<y>(?:19|20)\d\d)(?!\d)"
    )),
    # 19.11.19 (two-digit year: dots and two-digit day and month only)
    ("dmy", regex.compile(r"(?<![\d.])(?P<d>[0-3]\d)\.(?P<m>[01]\d)\.(?P<y>\d\d)(?![\d.])")),
    # November 19, 2019; Nov. 19th 2019
    ("mdy", regex.compile(
        rf"(?i)(?<!\w)(?P<m>{_MONTH})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)(?!\d)"
    )),
]  # fmt: skip
_URL_DATE = regex.compile(
    r"/(?P<y>(?:19|20)\d\d)[/_-](?P<m>[01]?\d)[/_-](?P<d>[0-3]?\d)(?:[/_.-]|$)"
    r"|/(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?:[/_.-]|$)"
    r"|[/_-](?P<d>[0-3]\d)[_-](?P<m>[01]\d)[_-](?P<y>(?:19|20)\d\d)(?:[/_.-]|$)"
)


def _make_date(y: str, m: str, d: str, max_date: datetime.date) -> str | None:
    month = int(m) if m.isdigit() else _MONTH_OF.get(m.lower().rstrip("."), 0)
    if len(y) == 2:
        y = f"19{y}" if int(y) > 90 else f"20{y}"
    try:
        day = datetime.date(int(y), month, int(d))
    except ValueError:  # 31 February, month 13: written, but no date
        return None
    return day.isoformat() if _MIN_DATE <= day <= max_date else None


def parse_date(text: str, *, max_date: datetime.date | None = None) -> str | None:
    """The first full date written in ``text``, as ISO ``YYYY-MM-DD``; ``None`` if there is none, or if
    it is before 1995 or after ``max_date`` (default: today).

    >>> parse_date("2019-11-19T23:30:00-05:00"), parse_date("November 19, 2019")
    ('2019-11-19', '2019-11-19')
    >>> parse_date("Publié le 19 novembre 2019"), parse_date("19.11.2019"), parse_date("11/19/2019")
    ('2019-11-19', '2019-11-19', '2019-11-19')
    >>> parse_date("1. März 2030", max_date=datetime.date(2025, 1, 1)) is None
    True
    """
    text = text[:300]
    limit = max_date or datetime.date.today()
    best: tuple[int, str] | None = None
    for order, pattern in _DATE_PATTERNS:
        for found in pattern.finditer(text):
            if best is not None and found.start() >= best[0]:
                break
            y, m, d = found["y"], found["m"], found["d"]
            if order == "dmy" and m.isdigit() and int(m) > 12:  # 11/19/2019: month first
                m, d = d, m
            if date := _make_date(y, m, d, limit):
                best = (found.start(), date)
                break
    return best[1] if best else None


# --- text and authors --------------------------------------------------------------------------------------
_SPACE = regex.compile(r"\s+")
_TAGS = regex.compile(r"<[^>]{0,500}>")


def _clean(value: Any, limit: int = _MAX_VALUE) -> str | None:
    """A string squeezed of HTML tags, entities and runs of whitespace; ``None`` for anything else."""
    if not isinstance(value, str):
        return None
    value = value[: limit * 2]
    if "<" in value:
        value = _TAGS.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    return _SPACE.sub(" ", value).strip()[:limit] or None


_BY = regex.compile(
    r"(?i)^(?:©\s*|~\s*)?(?:(?:post|written|posted|published|reported|story|text|photos?|fotos?|interview|"
    r"erstellt|eingestellt|geschrieben|verfasst|veröffentlicht|publiziert|gepostet|artikel|beitrag|"
    r"pressemitteilung|ein\s+beitrag|article|publié|écrit|escrito|publicado|(?:(?:zeige|view|see)\s+)?"
    r"(?:alle|all)\s+(?:beiträge|artikel|posts|articles)|more\s+from|mehr\s+von)\s*:?\s*)?"
    r"(?:by|von|vom|par|por|door|przez|av|af|from|autor(?:in)?|author|auteur|autore|texte?|"
    r"redakteur(?:in)?)?\b\s*:?\s*"
)
# "AuthorJane Doe": a label glued to the name by the page's markup
_GLUED = regex.compile(r"^(?:[Aa]uthor|[Aa]utor(?:in)?|[Aa]uteur|[Bb]y|[Vv]on|[Pp]ar|[Pp]or)(?=\p{Lu}\p{Ll})")
_EMAIL = regex.compile(r"[^\s@]+@[^\s@]+\.\w+")  # no backtracking on "@@@@..." (a hostile byline)
_HANDLE = regex.compile(r"(?<!\w)@\w*")
_URLISH = regex.compile(r"(?i)https?://\S*|www\.\S+")
_WEEKDAY = (
    "mo|di|mi|do|fr|sa|so|mon|tue|wed|thu|fri|sat|sun|lun|mer|jeu|ven|sam|dim|montag|dienstag|mittwoch|"
    "donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|"
    "mercredi|jeudi|vendredi|samedi|dimanche"
)
# what follows a name in a byline: "on 19 May", "| Updated", a date, "Chefredakteur", "Fr,"
_AUTHOR_TAIL = regex.compile(
    rf"(?i)\s*(?:[|–—•·,]\s*)?(?:\b(?:am|on|le|el|il|den)\s+(?:\d|(?:{_MONTH}|{_WEEKDAY})\b|$)|"
    r"\b(?:updated|aktualisiert|publié|veröffentlicht|publicado|posted|published|publiziert|erschienen|stand|"
    rf"alle\s+(?:artikel|beiträge))\b|\b(?:{_MONTH})\.?\s+\d|(?<!\w)\d).*$"
    r"|,?\s+(?:chefredakteur(?:in)?|redakteur(?:in)?|ph\.?d\.?|m\.?d\.|mba|msc|rdn?)\.?$"
    rf"|\s+(?:{_WEEKDAY})\.?,?$"
)
_AUTHOR_SPLIT = regex.compile(r"\s*(?:;|\||/|&|\s(?:(?i:and|und)|et|y|e|i)\s)\s*")
_NOT_NAME = regex.compile(r"[{}<>=\[\]#*+]|\d{3}")
_NOT_AUTHOR = frozenset(
    ["admin", "administrator", "wordpressadmin", "webmaster", "follow", "folgen", "publiziert", "datum",
     "author", "autor", "by", "von", "par", "por", "am", "um", "on", "at", "le", "la", "el", "il", "den",
     "der", "die", "das", "the", "user", "no author", "alle beiträge", "alle artikel", "mehr artikel",
     "read more", "weiterlesen", "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag",
     "sonntag", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)  # fmt: skip
_JOINED_NAME = regex.compile(r"^\p{Ll}+[._](?!(?:com|net|org|info)$)\p{Ll}{3,}$")
_NAME_EDGES = regex.compile(r"^[^\w\"'„“(]+|[^\w.)\"'”“]+$")
_PUNCT = " ,;:|-–—·•\"'()"


def clean_author(text: str) -> str | None:
    """Author names from a byline or a ``<meta>`` value: "By" and friends, e-mail addresses, handles, URLs
    and trailing dates removed; several names joined by ``"; "``; ``None`` if no name is left.

    >>> clean_author("By Jane Doe and John Smith, 19 November 2019")
    'Jane Doe; John Smith'
    >>> clean_author("Von Max Mustermann | max@example.org")
    'Max Mustermann'
    >>> clean_author("https://www.facebook.com/someone") is None
    True
    """
    text = _clean(text, 300) or ""
    text = _HANDLE.sub(" ", _URLISH.sub(" ", _EMAIL.sub(" ", text))).strip(_PUNCT)
    text = _GLUED.sub("", _BY.sub("", _GLUED.sub("", text))).strip()
    for _ in range(3):  # "Jane Doe Fr, 11. Oktober": the date, then the weekday
        text, cut = _AUTHOR_TAIL.subn("", text)
        text = text.strip(_PUNCT)
        if not cut:
            break
    names: list[str] = []
    for part in _AUTHOR_SPLIT.split(text):
        name = _NAME_EDGES.sub("", _BY.sub("", part).strip(_PUNCT))
        if _JOINED_NAME.match(name):  # "robert.stitz"
            name = regex.sub(r"[._]", " ", name).title()
        if len(name) < 2 or len(name) > 60 or len(name.split()) > 5 or _NOT_NAME.search(name):
            continue
        if name.casefold() not in _NOT_AUTHOR and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return "; ".join(names[:10]) or None


def _join_authors(values: Iterable[str]) -> str | None:
    names: list[str] = []
    for value in values:
        for name in (clean_author(value) or "").split("; "):
            if name and name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
    return "; ".join(names[:10]) or None


# --- JSON-LD -----------------------------------------------------------------------------------------------
_ARTICLE_TYPES = frozenset(
    ["article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
     "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "techarticle", "scholarlyarticle",
     "medicalscholarlyarticle", "socialmediaposting", "liveblogposting", "discussionforumposting", "report",
     "satiricalarticle", "advertisercontentarticle", "askpublicnewsarticle", "review", "recipe",
     "videoobject", "podcastepisode"]
)  # fmt: skip
_PAGE_TYPES = frozenset(
    ["webpage", "itempage", "aboutpage", "collectionpage", "profilepage", "qapage", "faqpage"]
)
_ORG_TYPES = frozenset(["organization", "newsmediaorganization", "corporation", "website"])
_NOT_MAIN = _PAGE_TYPES | _ORG_TYPES | {"imageobject", "person", "breadcrumblist", "listitem", "comment"}
_JSON_JUNK = regex.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$")
_TRAILING_COMMA = regex.compile(r",\s*([}\]])")
_JSON_STRING = regex.compile(
    r'"(headline|datePublished|dateCreated|dateModified|articleSection|name|@type)"\s*:\s*"((?:[^"\\]|\\.){1,500})"'
)


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1].lower() for v in values[:10] if isinstance(v, str)}


def _load_json(text: str) -> Any:
    for attempt in range(3):
        try:
            return json.loads(text, strict=False)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested past the parser's stack
            if attempt == 0:
                text = _JSON_JUNK.sub("", text.strip())
            elif attempt == 1:
                text = _TRAILING_COMMA.sub(r"\1", text)
    # beyond repair: the plain string fields, read one by one (the first of each key wins)
    fields: dict[str, Any] = {}
    for key, value in _JSON_STRING.findall(text):
        if key not in fields:
            try:
                fields[key] = json.loads(f'"{value}"', strict=False)
            except ValueError:
                fields[key] = value
    if "@type" not in fields:
        fields.pop("name", None)
    return fields or None


class _JsonLd:
    """The schema.org nodes of a page's JSON-LD blocks: the article, the page, organisations, people."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.ids: dict[str, dict[str, Any]] = {}
        for text in texts:
            self._walk(_load_json(text))
        typed = [(n, _types(n)) for n in self.nodes if "@type" in n]
        # a HowTo, an Event...: the first node with a headline or a date, when no article says more
        self.article = next((n for n, t in typed if t & _ARTICLE_TYPES), None) or next(
            (n for n, t in typed if ("headline" in n or "datePublished" in n) and not t & _NOT_MAIN), None
        )
        self.page = next((n for n, t in typed if t & _PAGE_TYPES), None)
        self.orgs = [n for n, t in typed if t & _ORG_TYPES]
        self.people = [n for n, t in typed if "person" in t]

    def _walk(self, data: Any) -> None:
        """Every dict of ``data``, breadth first (top-level nodes before nested ones), within the bounds."""
        queue: deque[tuple[Any, int]] = deque([(data, 0)])
        seen = 0
        while queue and seen < _MAX_JSON_NODES:
            value, depth = queue.popleft()
            seen += 1
            if depth > _MAX_DEPTH:
                continue
            children = value if isinstance(value, list) else value.values() if isinstance(value, dict) else ()
            if isinstance(value, dict):
                self.nodes.append(value)
                node_id = value.get("@id")
                if isinstance(node_id, str) and len(value) > 1:
                    self.ids.setdefault(node_id, value)
            for child in children:
                if isinstance(child, (dict, list)) and len(queue) < _MAX_JSON_NODES:
                    queue.append((child, depth + 1))

    def resolve(self, value: Any) -> Any:
        """The node an ``{"@id": ...}`` reference points to."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and isinstance(value.get("@id"), str):
            return self.ids.get(value["@id"], value)
        return value

    def names(self, value: Any, *, people_only: bool = False, depth: int = 0) -> list[str]:
        """Names in a schema.org author/publisher value: a string, a Person, a list of either."""
        out: list[str] = []
        for item in (value if isinstance(value, list) else [value])[:20]:
            item = self.resolve(item)
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, list) and depth < 3:  # [[{"name": ...}]]
                out.extend(self.names(item, people_only=people_only, depth=depth + 1))
            elif isinstance(item, dict):
                if people_only and _types(item) & _ORG_TYPES and "person" not in _types(item):
                    continue
                name = item.get("name")
                if isinstance(name, list):
                    out.extend(n for n in name[:10] if isinstance(n, str))
                elif isinstance(name, str):
                    out.append(name)
                elif isinstance(item.get("familyName"), str):
                    given = item.get("givenName")
                    out.append(f"{given if isinstance(given, str) else ''} {item['familyName']}".strip())
        return out

    def get(self, key: str, *, main_only: bool = False) -> Any:
        """``key`` of the article node, else of the page node (unless ``main_only``)."""
        for node in (self.article,) if main_only else (self.article, self.page):
            if node is not None and node.get(key) not in (None, "", []):
                return node[key]
        return None


def _strings(value: Any, *, split: bool = False) -> list[str]:
    out: list[str] = []
    for v in (value if isinstance(value, list) else [value])[:100]:
        text = _clean(v.get("name") if isinstance(v, dict) else v, 200)
        if text:
            out.extend((p.strip() for p in text.split(",")) if split else [text])
    return [v for v in out if v]


# --- <meta> names ------------------------------------------------------------------------------------------
_AUTHOR_META = (
    "author", "article:author", "og:article:author", "dc.creator", "dc:creator", "dcterms.creator",
    "citation_author", "parsely-author", "sailthru.author", "byl", "authors", "creator", "dc.creator.aut",
    "dcsext.author", "rbauthors", "shareaholic:article_author_name", "atc-metaauthor", "twitter:creator",
)  # fmt: skip
_PUBLISHED_META = frozenset((
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "citation_publication_date", "citation_date", "citation_online_date", "dc.date.issued", "dcterms.issued",
    "dc.date", "dc:date", "dcterms.date", "dc.date.created", "dcterms.created", "date", "parsely-pub-date",
    "sailthru.date", "publish-date", "publish_date", "publishdate", "published_date", "publication_date",
    "pubdate", "date_published", "article.published", "article_date_original", "originalpublicationdate",
    "og:pubdate", "article:post_date", "created", "dc.created", "date.available", "release_date",
    "displaydate", "article:published", "article:published_date", "article:publicationdate",
    "article.created", "bt:pubdate",
    "content_create_date", "date_created", "datecreated", "dateposted", "dc.date.publication",
    "dcsext.articlefirstpublished", "dc:created", "doc_date", "og:article:published", "og:datepublished",
    "og:publish_date", "publish_time", "published-date", "published_time", "publisheddate", "rbpubdate",
    "rnews:datepublished", "shareaholic:article_published_time", "cxenseparse:recs:publishtime",
    "cxenseparse:publishtime", "vr:published_time", "mediator_published_time",
))  # fmt: skip
_MODIFIED_META = (
    "article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "dc.date.modified",
    "last-modified", "lastmod", "modified", "revised",
)  # fmt: skip
_TITLE_META = ("og:title", "twitter:title", "citation_title", "dc.title", "dcterms.title", "parsely-title",
               "sailthru.title", "headline")  # fmt: skip
_SITE_META = ("og:site_name", "application-name", "publisher", "dc.publisher", "dcterms.publisher",
              "citation_journal_title", "twitter:site")  # fmt: skip
_DESCRIPTION_META = ("description", "og:description", "twitter:description", "dc.description",
                     "dcterms.description", "dcterms.abstract")  # fmt: skip
_TAG_META = ("article:tag", "parsely-tags", "news_keywords")
_SECTION_META = ("article:section", "parsely-section", "section", "category", "dc.subject")
_WRITTEN_BY = regex.compile(r"(?i)written|verfasst|geschrieben|autor|author|auteur|écrit|escrito|scritto")
_COMMENT = regex.compile(r"(?i)comment|kommentar|disqus")


class _Page:
    """A parsed page, its ``<meta>`` values and JSON-LD nodes, and what is left of its reading budget."""

    def __init__(self, tree: Any, url: str | None, *, head: bool = True) -> None:
        """``head=False``: the body's elements only (no ``<meta>``, JSON-LD or title read)."""
        self.tree = tree
        self.document = tree.document
        self.url = url
        self.budget = self.script_budget = _MAX_TEXT
        self.meta = self._read_meta() if head else {}
        scripts = self.elements('script[type*="ld+json" i]', _MAX_SCRIPTS) if head else iter(())
        self.ld = _JsonLd(t for el in scripts if (t := self.script(el)))
        self.title = _clean(getattr(tree, "title", None), 500) if head else None

    def elements(self, selector: str, limit: int = _MAX_ELEMENTS, root: Any = None) -> Iterator[Any]:
        """The first ``limit`` elements matching ``selector``, in document order."""
        found = (root or self.document).query_selector_all(selector)
        # item(i), not iteration: ElementNodeList.__getitem__ costs milliseconds on a large page
        for i in range(min(len(found), limit)):
            yield found.item(i)

    def text(self, el: Any, limit: int = 200) -> str | None:
        """``el``'s text, whitespace squeezed, if it has at most ``limit`` characters."""
        if el.child_element_count > _MAX_CHILDREN or self.budget <= 0:
            return None
        raw = unmark(el.text or "")
        self.budget -= len(raw)
        text = _clean(raw, limit + 1)
        return text if text and len(text) <= limit else None

    def script(self, el: Any) -> str | None:
        """A script's source, unless it is longer than `_MAX_JSON_CHARS`."""
        if self.script_budget <= 0:
            return None
        text = unmark(el.text or "")
        self.script_budget -= len(text)
        return text if len(text) <= _MAX_JSON_CHARS else None

    def first(self, keys: Iterable[str]) -> Iterator[str]:
        """The values of these ``<meta>`` names, in the order of ``keys``."""
        for key in keys:
            yield from self.meta.get(key, ())

    def _read_meta(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for el in self.elements("meta[content]", _MAX_META):
            if not (content := _clean(el.getattr("content"))):
                continue
            for attr in ("property", "name", "itemprop", "http-equiv"):
                key = el.getattr(attr)
                if key and len(key) < 80 and len(values := out.setdefault(key.strip().lower(), [])) < 50:
                    values.append(content)
        return out


def _aside(el: Any) -> bool:
    """Whether ``el`` sits in comments, a sidebar or navigation (looking a few levels up only: the page's
    ``<body>`` often has classes like ``comments-open``)."""
    for _ in range(8):
        el = el.parent
        if el is None or el.tag in ("body", "html", "#document"):
            return False
        if el.tag in ("aside", "nav") or _COMMENT.search(f"{el.getattr('class')} {el.getattr('id')}"):
            return True
    return False


# --- site and title ----------------------------------------------------------------------------------------
_TITLE_SEPARATORS = regex.compile(r"\s+[|–—•·»«:/~-]\s+|\s*[|•·»«]\s*|\s+(?:::|//)\s+")
_SEPARATORS = " |–—•·»«:/~-"
_WORD = regex.compile(r"\w")
_NON_WORD = regex.compile(r"[\W_]+")
_BLOG_HOSTS = frozenset({"wordpress", "blogspot", "hypotheses", "wixsite", "tumblr"})


def _squeeze(text: str) -> str:
    return str(_NON_WORD.sub("", text.casefold()))


class _Site:
    """Tells a site's name (as given, or as its host name says) from a page's headline."""

    def __init__(self, site: str | None, host: str | None) -> None:
        self.site = _squeeze(site or "")
        self.host = _squeeze(host or "")
        # "www.finanztip.de" -> "finanztip"; "name.wordpress.com" -> "name"
        labels = (host or "").split(".")
        self.label = _squeeze(labels[-2] if len(labels) >= 2 else host or "")
        if self.label in _BLOG_HOSTS and len(labels) > 2:
            self.label = _squeeze(labels[-3])

    def named(self, text: str) -> bool:
        t = _squeeze(text)
        if len(t) < 2:
            return False
        if self.site and (t == self.site or (len(t) >= 4 and t in self.site)):
            return True
        if len(self.site) >= 4 and self.site in t and len(t) < len(self.site) + 16:
            return True
        if not self.host:
            return False
        return t in self.host or (len(self.label) >= 4 and self.label in t and len(t) < len(self.label) + 16)

    def strip(self, title: str, *, guess: bool = False) -> str:
        """``title`` without the site's name (and what follows it) after a separator, or before one; with
        ``guess``, a short last part goes too even if it names no known site.

        >>> _Site("The Daily", None).strip("Rain in Paris - The Daily - News from France")
        'Rain in Paris'
        """
        seps = list(_TITLE_SEPARATORS.finditer(title))[:20]
        if not seps:
            return title
        for i, sep in enumerate(seps):
            end = seps[i + 1].start() if i + 1 < len(seps) else len(title)
            head = title[: sep.start()].strip(_SEPARATORS)
            if head and _WORD.search(head) and self.named(title[sep.end() : end]):
                return head
        lead, rest = title[: seps[0].start()], title[seps[0].end() :].strip(_SEPARATORS)
        if rest and self.named(lead):
            return rest
        head, tail = title[: seps[-1].start()].strip(_SEPARATORS), title[seps[-1].end() :]
        if head and not _WORD.search(tail):  # "Title » ☆☆☆☆☆"
            return self.strip(head, guess=guess)
        if head and guess and len(tail.split()) <= 4 and len(tail) < len(head):
            return head
        return title


def _pick_site(page: _Page, host: str | None) -> str | None:
    """The first candidate that the host name or the ``<title>`` confirms, else the first."""
    ld = page.ld
    candidates: list[Any] = list(page.first(_SITE_META[:1]))
    if ld.article is not None:
        candidates += ld.names(ld.article.get("publisher"))
    candidates += [node.get("name") for node in ld.orgs]
    candidates += [v.lstrip("@") for v in page.first(_SITE_META[1:])]
    names = [c for v in candidates[:20] if (c := _clean(v, 200)) and not c.startswith("http")]
    by_host = _Site(None, host)
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(page.title or "") if p.strip()]
    ends = [parts[0], parts[-1]] if len(parts) > 1 else []
    for name in names:
        if by_host.named(name) or any(_squeeze(name) == _squeeze(end) for end in ends):
            return name
    if names:
        return names[0]
    return next((end for end in ends[::-1] if by_host.named(end)), None)


_TITLE_CLASSES = (
    "h1[class*=title i], h2[class*=title i], h1[class*=headline i], h2[class*=headline i], "
    "[itemprop=headline], .entry-title, .post-title, .article-title"
)
_KICKER = regex.compile(
    r"(?i)kicker|overline|dachzeile|roofline|topline|eyebrow|titleheader|pretitle|spitzmarke|hidden|sr-only"
)


def _heading(page: _Page, el: Any) -> tuple[str, str] | None:
    """A heading's text, and the same without its kicker (``<span class="kicker">Klimaschutz</span>``)."""
    full = page.text(el, 500)
    if not full or not 1 < el.child_element_count <= 8:
        return (full, full) if full else None
    nodes = el.child_nodes
    kept: list[str] = []
    for i in range(min(len(nodes), 20)):
        node = nodes.item(i)
        tag = node.tag or "#"
        if tag == "#text" or (
            not tag.startswith("#")  # comments
            and not _KICKER.search(node.getattr("class") or "")
            and not node.hasattr("aria-hidden")
        ):
            kept.append(unmark(node.text or ""))
    clean = (_clean(" ".join(kept), 500) or "").strip(_SEPARATORS)
    return (full, clean or full)


def _pick_title(page: _Page, site: _Site) -> str | None:
    og = next(page.first(_TITLE_META), None)
    headline = _clean(page.ld.get("headline") or page.ld.get("name", main_only=True), 500)
    h1s = [h for el in page.elements("h1", 5) if (h := _heading(page, el)) and not site.named(h[0])]
    headings = [h for el in page.elements(_TITLE_CLASSES, 5) if (h := _heading(page, el))]
    # the headline as displayed, when another source says the same
    for other in (o for o in (og, headline, page.title) if o):
        for full, clean in h1s[:3] + headings:
            if _squeeze(full) in (_squeeze(other), _squeeze(site.strip(other, guess=True))):
                return clean
            if _squeeze(clean) == _squeeze(other) or (clean != full and clean.casefold() in other.casefold()):
                return clean
    if og or headline:
        return site.strip(og or headline or "")
    if len(h1s) == 1:
        return h1s[0][1]
    if headings:
        return headings[0][1]
    if page.title:
        return site.strip(page.title, guess=True)
    return h1s[0][1] if h1s else None


# --- author, date, categories, tags, licence, language -----------------------------------------------------
_BYLINES = (
    "[itemprop~=author] [itemprop=name], [itemprop~=author][content]",
    "[itemprop~=author], a[rel~=author], address.author",
    ".author, .byline, [class*=author-name i], [class*=authorname i], [class*=byline i], "
    "[id*=author i], [class*=author i], [class*=autor i]",
)


def _pick_author(page: _Page, site: _Site) -> str | None:
    ld, meta = page.ld, page.meta

    def bylines() -> Iterator[str]:
        for selector in _BYLINES:
            for el in page.elements(selector):
                text = None if _aside(el) else el.getattr("content") or page.text(el, 120)
                if text and (found := clean_author(text)):
                    yield found

    found = _join_authors(ld.names(ld.article.get("author"), people_only=True)) if ld.article else None
    for key in _AUTHOR_META:
        found = found or _join_authors(v for v in meta.get(key, ()) if not v.startswith("http"))
    # Yoast's "twitter:label1 = Written by", "twitter:data1 = Jane Doe"
    labels, data = meta.get("twitter:label1", []), meta.get("twitter:data1", [])
    if not found and labels and data and _WRITTEN_BY.search(labels[0]):
        found = clean_author(data[0])
    if not found and ld.people:
        found = _join_authors(ld.names(ld.people[:1]))
    if not found:
        return next(bylines(), None)
    if site.named(found):  # the site's own name ("LAOLA1.at"): a byline may name a person
        return next((f for f in bylines() if not site.named(f)), found)
    if " " not in found:  # a first name alone ("Todd"): the byline may say more ("By Todd Bates")
        return next((f for f in bylines() if f.startswith(f"{found} ")), found)
    return found


_DATE_CUES = (
    "[class*=date i], [id*=date i], [class*=datum i], [itemprop*=date i], [class*=time i], [id*=time i], "
    "[class*=publish i], [class*=meta i], [id*=meta i], [class*=info i], [class*=byline i], "
    "[class*=subline i], [class*=posted i], [class*=submitted i], [class*=author i], [class*=autor i], "
    "[class*=fecha i], "
    "[id*=footer i], [class*=footer i], footer, small"
)
_SCRIPT_DATE = regex.compile(
    r'(?i)(?:"|&quot;)(?:date_?published|published_?(?:at|date|time|on)?|publish_?(?:date|time)|'
    r'first_?publish(?:ed)?_?(?:date|time|at)|date_?created|created_?(?:at|date|time))(?:"|&quot;)\s*:\s*'
    r'(?:"|&quot;)([^"&]{6,40})'
)
_TEXT_TAGS = (
    "p, span, div, li, td, small, em, strong, b, i, font, dd, dt, h2, h3, h4, h5, h6, a, time, header"
)


def _pick_date(page: _Page, max_date: datetime.date, *, text_dates: bool = True) -> str | None:
    """htmldate's order: the URL, published dates in ``<meta>`` and JSON-LD, microdata, modified dates,
    elements whose class says "date", ``<time>``, the title, scripts, then the oldest date in a short text."""

    def parse(value: Any) -> str | None:
        return parse_date(value, max_date=max_date) if isinstance(value, str) else None

    found = _URL_DATE.search((page.url or "")[:500])
    if found and (date := _make_date(found["y"], found["m"], found["d"], max_date)):
        return date
    ld, meta = page.ld, page.meta
    published = [v for k, values in meta.items() if k in _PUBLISHED_META for v in values]
    for value in (*published, ld.get("datePublished")):
        if date := parse(value):
            return date
    for el in page.elements(
        "[itemprop=datePublished], [itemprop=dateCreated], time[pubdate], "
        "[property$=datePublished i][content], [property$=dateCreated i][content]",
    ):
        if date := parse(el.getattr("content") or el.getattr("datetime") or page.text(el)):
            return date
    for value in (ld.get("dateCreated"), ld.get("dateModified"), *page.first(_MODIFIED_META)):
        if date := parse(value):
            return date
    for el in page.elements(_DATE_CUES, 400):
        # the start of the text only: "Diese Seite wurde zuletzt am 29. Januar 2020 ..." (htmldate: 52)
        if (text := page.text(el, 10_000)) and len(text) > 6 and (date := parse(text[:52])):
            return date
        if date := parse(el.getattr("title")):
            return date
    for el in page.elements("abbr[title], time[datetime]"):
        if not _aside(el) and (date := parse(el.getattr("datetime") or el.getattr("title"))):
            return date
    for el in page.elements("title, h1", 5):
        if date := parse(page.text(el, 500)):
            return date
    for el in page.elements("script:not([src])", _MAX_SCRIPTS):  # {"published_at": "2019-03-02T06:22:28"}
        if (text := page.script(el)) and (key := _SCRIPT_DATE.search(text)) and (date := parse(key[1])):
            return date
    return _oldest_text_date(page, max_date) if text_dates else None


_MAYBE_DATE = re.compile(r"[0-9&]")
"""Every date `parse_date` reads has an ASCII digit (a year's "19" or "20", a day's first digit); an entity
may decode to one."""


def _oldest_text_date(page: _Page, max_date: datetime.date) -> str | None:
    oldest = None
    for el in page.elements(_TEXT_TAGS, 3000):
        if el.child_element_count > 3 or page.budget <= 0:
            continue
        raw = el.text or ""
        if not _MAYBE_DATE.search(raw):  # most texts: no date, and no need to clean them
            page.budget -= len(raw)
            continue
        text = page.text(el, 10_000)
        date = parse_date(text[:60], max_date=max_date) if text and len(text) > 6 else None
        if date and (oldest is None or date < oldest):
            oldest = date
    return oldest


def text_date(text: str, *, max_date: datetime.date | None = None) -> str | None:
    """The last resort for a page's date when its markup gives none: the oldest date written at the start
    (60 characters) of a line of its rendered ``text``. The HTML extractor calls it after its line
    cleaner; `read_metadata`'s ``text_dates`` does the same on the page's elements, when no rendered text
    is at hand (same date accuracy on trafilatura-eval, 11x slower).

    >>> text_date("\\n".join(["Updated 3 May 2021", "Posted 2 May 2021", "Long prose " * 6 + "1 May 2021"]))
    '2021-05-02'
    """
    limit = max_date or datetime.date.today()
    oldest = None
    budget = _MAX_DATE_LINES
    for line in text.split("\n"):
        start = line.strip()[:60]
        if len(start) > 6 and _MAYBE_DATE.search(start):
            if (date := parse_date(start, max_date=limit)) and (oldest is None or date < oldest):
                oldest = date
            budget -= 1
            if not budget:
                break
    return oldest


_MAX_DATE_LINES = 3_000
"""`text_date` reads the first this many lines with a digit (a page of 200,000 numbered lines would take
seconds)."""


_META_BOXES = (
    "[class*=categor i], [class*=cat-links i], [class*=tags i], [class*=tag-links i], [class*=entry-meta i], "
    "[class*=post-meta i], [class*=postmeta i], [class*=entry-footer i], [class*=entry-utility i], "
    "[class*=post-info i], [class*=postinfo i], [class*=article-meta i], [class*=keywords i], "
    "[class*=topics i], [class*=schlagw i], [id*=categor i], [id*=tags i]"
)
_CATEGORY_HREF = regex.compile(r"(?i)/(?:categor(?:y|ies|ie|ia|ía)|kategorien?|rubri(?:k|que)|section)/")
_CATEGORY_LINKS = (
    "a[href*=categor i], a[href*=kategorie i], a[href*=rubri i], a[href*=section i], a[rel~=category]"
)
"""Every link `_category_link` can accept (and a few more)."""


def _category_link(a: Any) -> bool:
    return bool(_CATEGORY_HREF.search(a.getattr("href") or "")) or "category" in str(a.getattr("rel")).split()


def _dedupe(values: Iterable[str], limit: int = 50) -> tuple[str, ...]:
    out: dict[str, str] = {}
    for value in values:
        v = value.strip(" \"'„“”«»")
        if v and len(v) <= 100:
            out.setdefault(v.casefold(), v)
    return tuple(out.values())[:limit]


def _pick_categories(page: _Page) -> tuple[str, ...]:
    """Links to category pages in the first meta box (``entry-meta``, ``cat-links``), else the sections
    that JSON-LD and ``<meta>`` give, else any ``rel=category`` link."""
    # the boxes are 17 substring selectors (a third of the metadata's time): looked for only when the
    # page links to a category at all
    if any(map(_category_link, page.elements(_CATEGORY_LINKS, 10_000))):
        for box in page.elements(_META_BOXES, 40):
            if _aside(box):
                continue
            found = [
                text
                for a in page.elements("a[href]", 40, root=box)
                if _category_link(a) and (text := page.text(a, 100))
            ]
            if found:
                return _dedupe(found)
    found = _strings(page.ld.get("articleSection", main_only=True)) or list(page.first(_SECTION_META))
    if not found:
        links = page.elements("a[rel~=category]")
        found = [t for el in links if not _aside(el) and (t := page.text(el, 100))]
    return _dedupe(found)


def _pick_tags(page: _Page) -> tuple[str, ...]:
    found = _strings(page.ld.get("keywords", main_only=True), split=True)
    found = found or [p.strip() for v in page.first(_TAG_META) for p in v.split(",")]
    if not found:
        found = [t for el in page.elements("a[rel~=tag]:not([rel~=category])") if (t := page.text(el, 100))]
    return _dedupe(found)


_CC = regex.compile(r"(?i)/licenses/(by(?:-nc)?(?:-nd|-sa)?|zero|publicdomain)/(\d\.\d)")


def _pick_license(page: _Page) -> str | None:
    for el in page.elements("a[rel~=license], link[rel~=license]"):
        if found := _CC.search(el.getattr("href") or ""):
            return f"CC {found[1].upper()} {found[2]}"
        if text := page.text(el, 100):
            return text
    return None


def _pick_lang(page: _Page) -> str | None:
    root = page.document.query_selector("html")
    candidates = [root.getattr("lang") or root.getattr("xml:lang")] if root is not None else []
    candidates += [*page.first(("content-language", "og:locale")), page.ld.get("inLanguage")]
    return next((v.strip()[:35] for v in candidates if isinstance(v, str) and v.strip()), None)


_HOST = regex.compile(r"(?i)^[a-z][a-z0-9+.-]*://(?:www\d?\.)?([^/:?#]+)")


def read_metadata(
    tree: Any, *, url: str | None = None, max_date: datetime.date | None = None, text_dates: bool = True
) -> HtmlMetadata:
    """The metadata of a page parsed with ``HTMLTree.parse``; ``url`` adds the date and the site's name
    written in it. Dates before 1995 or after ``max_date`` (default: today) are ignored. ``text_dates``:
    as a last resort, the oldest date written in a short text of the page (the HTML extractor leaves that
    to its line cleaner, which reads the dates in the page's text lines anyway).

    >>> from resiliparse.parse.html import HTMLTree
    >>> page = ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
    ...         '{"@type": "NewsArticle", "headline": "Budget passed", "author": {"@id": "#p1"},'
    ...         ' "datePublished": "2021-03-04T10:00:00Z", "keywords": "budget, parliament"},'
    ...         '{"@type": "Person", "@id": "#p1", "name": "Ann Lee"}]}</script>')
    >>> meta = read_metadata(HTMLTree.parse(page))
    >>> meta.title, meta.author, meta.date, meta.tags
    ('Budget passed', 'Ann Lee', '2021-03-04', ('budget', 'parliament'))
    >>> read_metadata(HTMLTree.parse("<p>nothing here</p>")).title is None
    True
    """
    if getattr(tree, "document", None) is None:
        return HtmlMetadata()
    page = _Page(tree, url)
    host_match = _HOST.match(url or "")
    site_name = _pick_site(page, host_match[1].lower() if host_match else None)
    site = _Site(site_name, host_match[1].lower() if host_match else None)
    description = next(page.first(_DESCRIPTION_META), None) or _clean(page.ld.get("description"))
    return HtmlMetadata(
        title=_pick_title(page, site),
        author=_pick_author(page, site),
        date=_pick_date(page, max_date or datetime.date.today(), text_dates=text_dates),
        site=site_name,
        description=description,
        categories=_pick_categories(page),
        tags=_pick_tags(page),
        declared_lang=_pick_lang(page),
        license=_pick_license(page),
    )
