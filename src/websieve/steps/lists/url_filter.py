"""URL blocklists and URL words, as FineWeb (and on request RefinedWeb) filter pages (``lists.url_filter@1``).

A page is dropped when its URL's host, or a domain above it, is on one of the compiled domain lists
(``lists``: FineWeb's 4.6 million adult domains, UT1 categories, your own; ``websieve lists build`` compiles
them, as their CC BY-SA licence keeps them out of the package), when the URL is on the lists' URLs,
when one of FineWeb's banned words is one of the URL's words, when two of its soft words are, or when
one of its banned subwords occurs in the URL (datatrove's ``URLFilter`` with FineWeb's settings; the word
lists ship with websieve). ``refinedweb_words`` adds RefinedWeb's URL words as DCLM applies them.

``match: datatrove`` applies datatrove's exact domain rule (the registered domain or the host is listed);
the default also blocks subdomains of any listed domain, and the listed top-level domains (``.xxx``,
``.sex``, ``.porn``, ``.adult``) and suffixes (``sex.pl``), which datatrove never matches.

The step records what matched (the listed domain and its categories, the words) and drops on the first
rule in the order above; the ledger row gives the rule, the domain or word (``value``) and the list
categories or the soft-word threshold (``threshold``). Pages without a URL pass, annotated ``no_url``. It
can run before extraction: it only reads the URL.

>>> from websieve.steps.base import StepContext
>>> step = UrlFilter(UrlFilterConfig(lists=()))  # no compiled list: the word rules only
>>> step.setup()
>>> ctx = StepContext.standalone()
>>> doc = Document(id="1", text="...", url="https://example.com/nude-webcam-porn")
>>> step.apply(doc, ctx) is None, ctx.ledger.rows[-1].rule, ctx.ledger.rows[-1].value
(True, 'banned_word', 'porn')
>>> doc.annotations["lists.url_filter@1"]
{'banned_word': 'porn', 'soft_words': 2, 'soft_words_matched': 'nude,webcam'}
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from websieve.config import StepConfig
from websieve.document import Document, Signal
from websieve.errors import ConfigError, ListFileError
from websieve.steps.base import Step, StepContext
from websieve.steps.lists.domain_list import list_checksum, merge_lists, read_list, resolve_list
from websieve.steps.lists.matcher import DomainMatch, Match, Matcher, make_matcher
from websieve.steps.lists.suffixes import psl_version
from websieve.steps.lists.url_words import WordLists

__all__ = ["DATATROVE_REASONS", "DomainMatch", "UrlFilter", "UrlFilterConfig", "UrlRule"]


@dataclass(frozen=True, kw_only=True, slots=True)
class UrlFilterConfig(StepConfig):
    lists: tuple[str, ...] = ("fineweb",)
    """Compiled lists: names of files in the lists folder (``$WEBSIEVE_LISTS``, else
    ``~/.local/share/websieve/lists``; ``fineweb`` is ``fineweb.wsbl`` there, built by ``websieve lists
    build fineweb --fineweb DIR``) or paths to ``.wsbl`` files. ``[]``: the word rules only."""
    categories: tuple[str, ...] | None = None
    """The lists' categories that block (``None``: all; ``websieve lists show NAME`` lists them)."""
    match: DomainMatch = DomainMatch.SUBDOMAINS
    """``subdomains``: a listed domain blocks its subdomains; ``datatrove``: datatrove's exact rules."""
    banned_words: bool = True
    """FineWeb's banned words (one of the URL's words)."""
    soft_words: int | None = 2
    """Drop at this many of FineWeb's soft words among the URL's words (``None``: not counted)."""
    banned_subwords: bool = True
    """FineWeb's banned subwords (anywhere in the URL's letters and digits)."""
    refinedweb_words: bool = False
    """RefinedWeb's URL words as DCLM applies them (strict, hard, and soft words)."""
    refinedweb_soft_words: int = 2
    """Drop at this many of RefinedWeb's soft words (when ``refinedweb_words``)."""

    def __post_init__(self) -> None:
        for name in ("soft_words", "refinedweb_soft_words"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"lists.url_filter: {name} must be at least 1 (or null: off), got {value}")
        if self.categories is not None and not self.categories:
            raise ConfigError("lists.url_filter: categories is empty; give some, or null for all of them")


class UrlRule(enum.Enum):
    """Why a page was dropped, in the order the step checks."""

    DOMAIN = "domain"
    URL = "url"
    BANNED_WORD = "banned_word"
    SOFT_WORDS = "soft_words"
    BANNED_SUBWORD = "banned_subword"
    REFINEDWEB_STRICT = "refinedweb_strict"
    REFINEDWEB_HARD = "refinedweb_hard"
    REFINEDWEB_SOFT = "refinedweb_soft"


DATATROVE_REASONS: dict[str, UrlRule] = {
    "domain": UrlRule.DOMAIN,
    "subdomain": UrlRule.DOMAIN,  # datatrove's name for a listed host (fqdn)
    "url": UrlRule.URL,
    "hard_blacklisted": UrlRule.BANNED_WORD,
    "soft_blacklisted": UrlRule.SOFT_WORDS,
    "blacklisted_subword": UrlRule.BANNED_SUBWORD,
}
"""datatrove's ``URLFilter`` exclusion reasons, as this step's rules (for comparing the two)."""


Failures = list[tuple[enum.Enum, Signal, Signal]]
_NOTHING = Match(None, -1, None, -1, None, (), None, None, None, ())


class UrlFilter(Step[UrlFilterConfig]):
    step_id = "lists.url_filter@1"
    config_cls = UrlFilterConfig

    _matcher: Matcher | None = None
    _combos: tuple[str, ...] = ()

    def setup(self) -> None:
        self._ready()

    def external(self) -> dict[str, str]:
        """Each list's checksum and, for ``match: datatrove``, the public suffix list's version. A list that
        is missing or unreadable stops the run here, before it starts, with what to do."""
        out = {f"list {name}": list_checksum(resolve_list(name)) for name in self.config.lists}
        if any(value in ("missing", "unreadable") for value in out.values()):
            self._ready()  # says which list and how to build it, before the run starts
        if self.config.match is DomainMatch.DATATROVE:
            out["publicsuffixlist"] = psl_version()
        return out

    def _ready(self) -> Matcher:
        if self._matcher is None:
            cfg = self.config
            try:
                merged = merge_lists([read_list(resolve_list(name)) for name in cfg.lists])
            except ListFileError as exc:
                raise ListFileError(
                    f"{self.name}: {exc} (or --set {self.name}.lists=[] for the word rules only)"
                ) from None
            words = WordLists.load(
                banned=cfg.banned_words,
                soft=cfg.soft_words is not None,
                subwords=cfg.banned_subwords,
                refinedweb=cfg.refinedweb_words,
            )
            self._matcher = make_matcher(merged, words=words, categories=cfg.categories, mode=cfg.match)
            self._combos = tuple(",".join(combo) for combo in merged.combos)
        return self._matcher

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        matcher = self._ready()
        cfg = self.config
        if not doc.url:
            doc.annotate(self.step_id, no_url=True)
            return doc
        raw = matcher.check(doc.url)
        m = _NOTHING if raw is None else Match(*raw)
        signals: dict[str, Signal] = {}
        failed: Failures = []
        if m.domain is not None:
            cats = self._combos[m.domain_combo]
            signals.update(domain=m.domain, domain_categories=cats)
            failed.append((UrlRule.DOMAIN, m.domain, cats))
        if m.url is not None:
            cats = self._combos[m.url_combo]
            signals.update(listed_url=m.url, url_categories=cats)
            failed.append((UrlRule.URL, m.url, cats))
        _word(UrlRule.BANNED_WORD, m.banned_word, signals, failed)
        _soft(UrlRule.SOFT_WORDS, cfg.soft_words, m.soft_words, signals, failed)
        _word(UrlRule.BANNED_SUBWORD, m.banned_subword, signals, failed)
        if cfg.refinedweb_words:
            _word(UrlRule.REFINEDWEB_STRICT, m.refinedweb_strict, signals, failed)
            _word(UrlRule.REFINEDWEB_HARD, m.refinedweb_hard, signals, failed)
            _soft(UrlRule.REFINEDWEB_SOFT, cfg.refinedweb_soft_words, m.refinedweb_soft, signals, failed)
        doc.annotate(self.step_id, **signals)
        return None if ctx.drop_first(doc, step=self.step_id, failed=failed) else doc


def _word(rule: UrlRule, word: str | None, signals: dict[str, Signal], failed: Failures) -> None:
    if word is not None:
        signals[rule.value] = word
        failed.append((rule, word, None))


def _soft(
    rule: UrlRule, threshold: int | None, found: tuple[str, ...], signals: dict[str, Signal], failed: Failures
) -> None:
    """The count of soft words (the signal a threshold applies to), which they are, the verdict."""
    if threshold is None:
        return
    signals[rule.value] = len(found)
    if found:
        signals[f"{rule.value}_matched"] = ",".join(found)
    if len(found) >= threshold:
        failed.append((rule, len(found), threshold))
