"""Bytes to text: HTTP charset > ``<meta charset>`` > UTF-8 > cp1252, never raising on bad bytes.

>>> decode_page(b"<meta charset='iso-8859-1'><p>caf\\xe9</p>", http_charset=None)
("<meta charset='iso-8859-1'><p>café</p>", 'cp1252')
>>> decode_page("café".encode(), http_charset=None)[1]
'utf-8'
"""

from __future__ import annotations

import codecs
import re

from websieve.errors import DecodeError

__all__ = ["decode_page", "looks_binary", "sniff_meta_charset"]

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""",
    re.IGNORECASE,
)
# WHATWG: these labels mean windows-1252 on the web, whatever the page claims.
_WEB_ALIASES = {"iso8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252", "latin1": "cp1252"}
_MAX_REPLACEMENT_RATIO = 0.01


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _WEB_ALIASES.get(name, name)


def sniff_meta_charset(head: bytes) -> str | None:
    """The charset a page declares in its first ``<meta>`` tags, as a Python codec name."""
    match = _META_CHARSET.search(head[:4096])
    return _codec(match.group(1).decode("ascii", "replace")) if match else None


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def looks_binary(data: bytes) -> bool:
    """True for content that is not text at all (images, archives, executables): >2% control bytes."""
    head = data[:8192]
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) // 50


def decode_page(data: bytes, *, http_charset: str | None, html: bool = True) -> tuple[str, str]:
    """Decode a page; returns ``(text, codec)``. Raises `DecodeError` only for binary content."""
    if looks_binary(data):
        raise DecodeError("binary content (many control bytes in the first 8 KiB), not a page")
    tried: list[str] = []
    for source in ("http", "meta", "utf-8"):
        # the <meta> scan only runs when the HTTP charset is missing or wrong
        if source == "http":
            codec = _codec(http_charset)
        elif source == "meta":
            codec = sniff_meta_charset(data) if html else None
        else:
            codec = "utf-8"
        if codec is None or codec in tried:
            continue
        tried.append(codec)
        try:
            return data.decode("utf-8-sig" if codec == "utf-8" else codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    # Nothing decodes cleanly: keep the declared charset if only a few bytes are broken, else cp1252.
    first = tried[0]
    text = data.decode(first, "replace")
    if first != "utf-8" or text.count("\ufffd") <= max(1, int(len(text) * _MAX_REPLACEMENT_RATIO)):
        return text, first
    return data.decode("cp1252", "replace"), "cp1252"
