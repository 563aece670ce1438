"""Replace e-mail addresses, IP addresses and phone numbers by typed placeholders (``pii.redact@1``).

``jane.doe@example.org`` becomes ``<EMAIL>``, ``192.168.1.20`` ``<IPV4>``, ``2001:db8::1`` ``<IPV6>``,
``+49 30 1234567`` or ``(555) 123-4567`` ``<PHONE>``; how many of each is recorded in the annotations.
Nothing is dropped. The patterns are written against what web text holds that looks alike, measured on
real pages (``tests/steps/pii``): version numbers (``Firefox 2.0.0.16`` is not an address), dates and
times (``28.01.2020-15:49``, ``2019-03-02T06:22:28``), prices and amounts (``1.234,56 €``), DOIs and
decimal numbers. A phone number needs a ``+`` country code, a leading trunk ``0``, or the North American
``(555) 123-4567`` / ``555-123-4567`` shape, and 8 to 15 digits.

>>> from websieve.steps.base import StepContext
>>> doc = Document(id="1", text="Mail info@example.org or call +49 30 1234567. Firefox 2.0.0.16, 12.05.2019.")
>>> PiiRedact().apply(doc, StepContext.standalone()).text
'Mail <EMAIL> or call <PHONE>. Firefox 2.0.0.16, 12.05.2019.'
>>> doc.annotations["pii.redact@1"]
{'email': 1, 'ipv4': 0, 'ipv6': 0, 'phone': 1}
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from websieve.config import StepConfig
from websieve.document import Document, Field
from websieve.steps.base import Step, StepContext

__all__ = ["PiiRedact", "PiiRedactConfig", "redact"]


@dataclass(frozen=True, kw_only=True, slots=True)
class PiiRedactConfig(StepConfig):
    emails: bool = True
    ip_addresses: bool = True
    phones: bool = True
    email_placeholder: str = "<EMAIL>"
    ipv4_placeholder: str = "<IPV4>"
    ipv6_placeholder: str = "<IPV6>"
    phone_placeholder: str = "<PHONE>"


# bounded repetitions everywhere: no backtracking blow-up on "@@@@..." or "1.1.1.1.1..." (hostile text)
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w+-](?:[\w.+-]{0,62}[\w+-])?@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,8}[^\W\d_]{2,24}(?![\w-])"
)
# Each pattern starts by consuming a character and then looks behind it (not the other way round): the
# regex engine then skips to the candidate characters instead of trying the look-behind at every position
# (3x faster over page text; the same matches).
_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![\w:])"
)
_NOT_AFTER = r"(?<![\w+/.,-]{c})(?<!\d {c})"
"""Not the tail of a longer number (an IBAN's groups): what may not come before the first character {c}."""
_PHONE = re.compile(
    r"(?:\+"
    + _NOT_AFTER.format(c=r"\+")
    + r"[1-9]\d{0,2}[ .-]?(?:\(0\)[ .-]?)?(?:\(\d{1,4}\)|\d{1,4})(?:[ ./-]{1,3}\d{1,8}){1,5}"  # +49 (0) 30
    + r"|0"
    + _NOT_AFTER.format(c="0")
    + r"\d{1,5}(?: ?/ ?| - |[ -])\d{2,8}(?:[ -]\d{2,8}){0,4}(?:-\d{1,5})?"  # 0731 / 153 87-0
    + r"|\("
    + _NOT_AFTER.format(c=r"\(")
    + r"\d{3}\) ?\d{3}[ .-]\d{4}"  # (555) 123-4567
    + r"|\d"
    + _NOT_AFTER.format(c=r"\d")
    + r"\d{2}[.-]\d{3}[.-]\d{4})"  # 555-123-4567
    + r"(?![\w,]|[./-]\d)"
)
_VERSION_CUE = re.compile(r"(?i)(?:version|ver\.?|v|release|build|update|firmware|\w*\d\w*)\s*$")
_DIGITS = re.compile(r"\d")


def _ipv4_ok(text: str, match: re.Match[str]) -> bool:
    try:
        address = ipaddress.IPv4Address(match.group())
    except ValueError:  # an octet over 255, or a leading zero: a version or a decimal
        return False
    if address.packed[0] == 0:
        return False
    # "Firefox 2.0.0.16", "Stinger 12.2.0.79": software names a version; addresses come with other words
    before = text[max(0, match.start() - 24) : match.start()]
    word = before.rsplit(None, 1)[-1] if before.strip() else ""
    return not (
        _VERSION_CUE.search(before) or (word[:1].isupper() and word.isalpha() and word.lower() != "ip")
    )


def _ipv6_ok(match: re.Match[str]) -> bool:
    value = match.group()
    if value.count(":") < 2 or not _DIGITS.search(value):  # "a::b" is C++, "12:30:45" has no "::" below
        return False
    if "::" not in value and value.count(":") != 7:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


_NOT_PHONE = re.compile(r"\d{1,2}([-./])\d{1,2}\1\d{2,4}|\d{4}-\d{3}[\dX]")
"""Dates (07-30-2008, 03.10.2004) and ISSNs (0003-4819) have a phone number's shape."""


def _phone_ok(match: re.Match[str]) -> bool:
    value = match.group()
    return 8 <= len(_DIGITS.findall(value)) <= 15 and not _NOT_PHONE.fullmatch(value)


def _replace_emails(text: str, placeholder: str) -> tuple[str, int]:
    """The addresses around each "@" (the regex runs on a window there, not over the whole text: pages have
    few "@" and many words)."""
    pieces: list[str] = []
    done = count = 0
    at = text.find("@")
    while at >= 0:
        found = _EMAIL.search(text, max(done, at - 65), at + 600)
        if found is None or found.start() > at:
            at = text.find("@", at + 1)
            continue
        pieces += (text[done : found.start()], placeholder)
        done = found.end()
        count += 1
        at = text.find("@", done)
    if not count:
        return text, 0
    pieces.append(text[done:])
    return "".join(pieces), count


def _replace(
    pattern: re.Pattern[str],
    text: str,
    accept: Callable[[re.Match[str]], bool],
    placeholder: str,
    counts: dict[str, int],
    kind: str,
) -> str:
    """``text`` with the matches of ``pattern`` that ``accept`` takes replaced, counted under ``kind``."""

    def replace(match: re.Match[str]) -> str:
        if not accept(match):
            return match.group()
        counts[kind] += 1
        return placeholder

    return pattern.sub(replace, text)


def redact(text: str, cfg: PiiRedactConfig | None = None) -> tuple[str, dict[str, int]]:
    """``text`` with its personal data replaced, and how many of each kind (see the module docstring)."""
    cfg = cfg or PiiRedactConfig()
    counts = {"email": 0, "ipv4": 0, "ipv6": 0, "phone": 0}
    if cfg.emails and "@" in text:
        text, counts["email"] = _replace_emails(text, cfg.email_placeholder)
    if cfg.ip_addresses and "." in text:
        source = text
        text = _replace(_IPV4, text, lambda m: _ipv4_ok(source, m), cfg.ipv4_placeholder, counts, "ipv4")
    if cfg.ip_addresses and ("::" in text or text.count(":") >= 7):
        text = _replace(_IPV6, text, _ipv6_ok, cfg.ipv6_placeholder, counts, "ipv6")
    if cfg.phones:
        text = _replace(_PHONE, text, _phone_ok, cfg.phone_placeholder, counts, "phone")
    return text, counts


class PiiRedact(Step[PiiRedactConfig]):
    step_id = "pii.redact@1"
    config_cls = PiiRedactConfig
    requires = frozenset({Field.TEXT})
    produces = frozenset({Field.TEXT})

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        text, counts = redact(doc.text or "", self.config)
        doc.text = text
        doc.annotate(self.step_id, **counts)
        return doc
