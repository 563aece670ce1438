"""The parts of a URL the URL filter looks up, and the 64-bit keys it looks them up by.

The host is read as datatrove's URL filter reads it (tldextract's lenient parser: any scheme, user info,
port and a trailing dot dropped, nothing decoded), then lower-cased. A domain's key is a 64-bit hash of its
bytes read from the right, so one pass from the end of a host gives the keys of all its parent domains
(``www.example.co.uk``, ``example.co.uk``, ``co.uk``, ``uk``); a URL's key is the hash read from the left,
so one pass gives the keys of all its path prefixes. The hash is FNV-1a over UTF-8 bytes, finished by
MurmurHash3's 64-bit mixer (its top bits pick a bucket). The C extension (``_urlscan.c``) computes the
same keys; `bulk_keys` computes them for millions of list entries at once with numpy.

>>> url_parts("https://User@WWW.Example.co.uk.:8080/a/b?q#f")
UrlParts(host='www.example.co.uk', path='/a/b')
>>> [host for host, _ in suffix_keys("www.example.co.uk")]
['uk', 'co.uk', 'example.co.uk', 'www.example.co.uk']
>>> domain_key("example.co.uk") == int(bulk_keys([b"example.co.uk"], reverse=True)[0])
True
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np

__all__ = [
    "UrlParts",
    "bulk_keys",
    "domain_key",
    "fnv",
    "mix",
    "path_prefix_keys",
    "prefix_text",
    "span_keys",
    "suffix_keys",
    "url_key",
    "url_list_text",
    "url_parts",
    "written_key",
]

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
_M64 = (1 << 64) - 1
_SCHEME_CHARS = frozenset(string.ascii_letters + string.digits + "+-.")
_OTHER_DOTS = "\u3002\uff0e\uff61"
"""Full stops of other scripts that tldextract reads as dots (only in non-ASCII hosts)."""


class UrlParts(NamedTuple):
    host: str
    """Lower-cased host: no scheme, user info, port or trailing dot; IPv6 hosts keep their brackets."""
    path: str
    """What follows the host up to the query or fragment (``""`` or starting with ``/``)."""


def url_parts(url: str) -> UrlParts:
    """The host and path of ``url``, read leniently like tldextract (``lenient_netloc``)."""
    dss = url.find("//")
    if dss == 0:
        rest = url[2:]
    elif dss < 2 or url[dss - 1] != ":" or not set(url[: dss - 1]) <= _SCHEME_CHARS:
        rest = url
    else:
        rest = url[dss + 2 :]
    end = len(rest)
    for sep in "/?#":
        at = rest.find(sep, 0, end)
        if at >= 0:
            end = at
    after_user = rest[:end].rpartition("@")[2]
    host = None
    if after_user.startswith("["):
        inside, bracket, _ = after_user.partition("]")
        if bracket:
            host = inside + "]"
    if host is None:
        host = after_user.partition(":")[0].strip().rstrip("." + _OTHER_DOTS)
    if not host.isascii():
        for dot in _OTHER_DOTS:
            host = host.replace(dot, ".")
    path = rest[end:]
    if not path.startswith("/"):
        path = ""
    for sep in "?#":
        path = path.partition(sep)[0]
    return UrlParts(host.lower(), path)


def fnv(data: bytes, h: int = FNV_OFFSET) -> int:
    """FNV-1a over ``data``, continuing from ``h``."""
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & _M64
    return h


def mix(h: int) -> int:
    """MurmurHash3's 64-bit finaliser: every input bit moves the top bits (which pick the bucket)."""
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _M64
    return h ^ (h >> 33)


def domain_key(domain: str) -> int:
    """The key of a domain (or public suffix rule): its UTF-8 bytes hashed from the right."""
    return mix(fnv(domain.encode("utf-8", "surrogatepass")[::-1]))


def url_key(text: str) -> int:
    """The key of a URL-list entry or URL prefix: its UTF-8 bytes hashed from the left."""
    return mix(fnv(text.encode("utf-8", "surrogatepass")))


WRITTEN = b"\x00"
"""What the keys of URLs *as written* hash first: they never equal the key of a normalised URL."""


def written_key(url: str) -> int:
    """The key of a URL exactly as written (datatrove's URL rule): ``WRITTEN``, then its UTF-8 bytes."""
    return mix(fnv(url.encode("utf-8", "surrogatepass"), fnv(WRITTEN)))


def suffix_keys(host: str) -> list[tuple[str, int]]:
    """Every suffix of ``host`` that starts a label, shortest first, with its `domain_key`."""
    data = host.encode("utf-8", "surrogatepass")
    out = []
    h = FNV_OFFSET
    for i in range(len(data) - 1, -1, -1):
        h = ((h ^ data[i]) * FNV_PRIME) & _M64
        if i == 0 or data[i - 1] == 0x2E:  # "."
            out.append((data[i:].decode("utf-8", "surrogatepass"), mix(h)))
    return out


def url_list_text(parts: UrlParts) -> str:
    """A URL as the URL lists write their entries: host without ``www.``, then the path, no trailing ``/``."""
    host = parts.host[4:] if parts.host.startswith("www.") and len(parts.host) > 4 else parts.host
    return (host + parts.path).rstrip("/") if host else ""


def path_prefix_keys(text: str, host_len: int) -> Iterator[tuple[int, int]]:
    """The prefixes of a `url_list_text` a URL-list entry may equal (the host, then up to each ``/``, then
    the whole), as (its length in UTF-8 bytes, its `url_key`), shortest first, from
    one running hash (the prefixes of a long URL share their bytes: hashing each anew, or even cutting
    each out, would take the square of its length). `prefix_text` gives a prefix back."""
    data = text.encode("utf-8", "surrogatepass")
    start = len(text[:host_len].encode("utf-8", "surrogatepass"))
    h = FNV_OFFSET
    for i, byte in enumerate(data):
        if byte == 0x2F and i >= start:  # "/" is never part of a longer UTF-8 character
            yield i, mix(h)
        h = ((h ^ byte) * FNV_PRIME) & _M64
    if data:
        yield len(data), mix(h)


def prefix_text(text: str, length: int) -> str:
    """The prefix of ``text`` that is ``length`` UTF-8 bytes long (see `path_prefix_keys`)."""
    return text.encode("utf-8", "surrogatepass")[:length].decode("utf-8", "surrogatepass")


def bulk_keys(items: Sequence[bytes], *, reverse: bool) -> np.ndarray:
    """The keys of many byte strings at once (`domain_key` with ``reverse``, else `url_key`), as uint64."""
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    buf = np.frombuffer(b"".join(items), dtype=np.uint8)
    return span_keys(buf, np.cumsum(lengths) - lengths, lengths, reverse=reverse)


def span_keys(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray, *, reverse: bool) -> np.ndarray:
    """`bulk_keys` of the strings ``buf[starts[i] : starts[i] + lengths[i]]``.

    One numpy pass per byte position, over the strings still that long (longest first), so the cost is
    the total length, not the number of strings times the longest.
    """
    n = len(starts)
    order = np.argsort(-lengths, kind="stable")
    by_len = lengths[order]
    pos = (starts + lengths - 1)[order] if reverse else starts[order]
    step = -1 if reverse else 1
    h = np.full(n, FNV_OFFSET, dtype=np.uint64)
    prime = np.uint64(FNV_PRIME)
    longest = int(by_len[0]) if n else 0
    alive = np.searchsorted(-by_len, -np.arange(longest), side="left")  # how many are longer than j
    for j in range(longest):
        k = int(alive[j])
        h[:k] ^= buf[pos[:k] + step * j]
        h[:k] *= prime
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    out = np.empty(n, dtype=np.uint64)
    out[order] = h
    return out
