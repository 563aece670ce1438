"""URL deduplication: one document per normalised URL, the latest crawl kept (``dedup.url@1``).

The same page crawled twice (two snapshots, ``http`` and ``https``, with and without ``www.``, with a
tracking parameter) should be in a corpus once, as its latest version. Two documents share a URL when
their URLs are equal once normalised (`normalise_url`): scheme left out (``http`` = ``https``), host
lower-cased without ``www.`` and its default port, fragment and trailing ``/`` dropped, tracking
parameters (``utm_*``, ``fbclid``, ``gclid``, ``mc_*``...) removed and the others sorted. Of each group
the latest ``meta.crawl_date`` survives, then the longest text, then the smallest id; the others go to the
ledger (rule ``url_duplicate``, ``value`` = the survivor's id). Documents without a URL are in no group.
A global step, as `websieve.steps.dedup.groups` describes.

>>> normalise_url("HTTPS://www.Example.org:443/news/1/?utm_source=x&b=2&a=1#top")
'example.org/news/1?a=1&b=2'
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import xxhash

from websieve.document import Document
from websieve.steps.dedup.groups import DedupConfig, DedupRule, GroupDedup, Survivor

__all__ = ["UrlDedup", "UrlDedupConfig", "normalise_url"]

_TRACKING = ("utm_", "mc_", "pk_", "_hs")
_TRACKING_NAMES = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref_src"})
_DEFAULT_PORTS = frozenset({"80", "443"})


@dataclass(frozen=True, kw_only=True, slots=True)
class UrlDedupConfig(DedupConfig):
    """Options of `UrlDedup` (``partitions`` does not change its decisions)."""

    survivor: Survivor = Survivor.LATEST
    """Which copy of a URL stays: its latest crawl, by default."""


def normalise_url(url: str) -> str | None:
    """``url`` as `UrlDedup` compares it (see the module docstring); ``None`` when it has no host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # an unclosed "[" or a port that is no number
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    if host.startswith("www."):
        host = host[4:]
    if port is not None and str(port) not in _DEFAULT_PORTS:
        host = f"{host}:{port}"
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not name.lower().startswith(_TRACKING) and name.lower() not in _TRACKING_NAMES
    )
    path = parts.path.rstrip("/")
    return host + path + ("?" + urlencode(query) if query else "")


class UrlDedup(GroupDedup[UrlDedupConfig]):
    step_id = "dedup.url@1"
    stage = "dedup-url"
    config_cls = UrlDedupConfig
    rule = DedupRule.URL

    def key(self, doc: Document) -> int | None:
        url = normalise_url(doc.url) if doc.url else None
        return None if url is None else xxhash.xxh3_64_intdigest(url.encode("utf-8", "surrogatepass"))
