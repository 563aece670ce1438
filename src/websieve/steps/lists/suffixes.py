"""The public suffix list, for datatrove's domain rule: the registered domain is the host's public suffix
and the label before it (``bbc.co.uk`` for ``forums.bbc.co.uk``).

datatrove finds it with tldextract, which walks a trie of the list's ICANN section from the right
(private suffixes such as ``blogspot.com`` are not suffixes by default). Here the trie's nodes are 64-bit
keys (`websieve.steps.lists.urls.domain_key`) with flags, so the C matcher walks it with the keys it
already computes for the host's parent domains. The list is the one the ``publicsuffixlist`` package ships
(MPL-2.0, updated weekly; no network). Rules in Unicode are also keyed in their punycode form, as
tldextract decodes punycode labels before it looks them up.

>>> registered_domain("forums.bbc.co.uk"), registered_domain("localhost"), registered_domain("1.2.3.4")
('bbc.co.uk', None, None)
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import numpy as np

from websieve.steps.lists.urls import domain_key, suffix_keys

__all__ = ["END", "EXCEPTION", "NODE", "WILDCARD", "psl_table", "psl_version", "registered_domain"]

NODE = 1
"""A suffix of a rule, starting at a label: the walk goes on through it."""
END = 2
"""A rule: a public suffix."""
WILDCARD = 4
"""Any label under this node is a public suffix too (``*.ck``)."""
EXCEPTION = 8
"""Not a public suffix, though a wildcard says so (``!www.ck``)."""

_RULE = re.compile(r"^(?P<suffix>[.*!]*\w[\S]*)", re.UNICODE | re.MULTILINE)
"""tldextract's reading of a rule line."""


def psl_version() -> str:
    from importlib.metadata import version

    return f"publicsuffixlist {version('publicsuffixlist')}"


def _puny(label: str) -> str:
    return label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")


@cache
def _flags() -> dict[str, int]:
    text = (resources.files("publicsuffixlist") / "public_suffix_list.dat").read_text(encoding="utf-8")
    icann = text.partition("// ===BEGIN PRIVATE DOMAINS===")[0]
    flags: dict[str, int] = {}
    for rule in (m.group("suffix").lower() for m in _RULE.finditer(icann)):
        for form in {rule, ".".join(_puny(label) for label in rule.split("."))}:
            if form.startswith("!"):
                flags[form[1:]] = flags.get(form[1:], 0) | EXCEPTION
                continue
            labels = form.split(".")
            for k in range(1, len(labels) + 1):
                node = ".".join(labels[-k:])
                flags[node] = flags.get(node, 0) | NODE
            flags[form] |= END
            if labels[0] == "*" and len(labels) > 1:
                parent = ".".join(labels[1:])
                flags[parent] |= WILDCARD
    return flags


@cache
def psl_table() -> tuple[np.ndarray, np.ndarray]:
    """The trie as sorted keys and their flags (uint16)."""
    items = sorted((domain_key(node), f) for node, f in _flags().items())
    return np.array([k for k, _ in items], dtype=np.uint64), np.array([f for _, f in items], dtype=np.uint16)


def public_suffix_start(suffixes: list[tuple[str, int]], flag_of: dict[int, int]) -> str | None:
    """tldextract's walk over ``suffixes`` (`suffix_keys` of a host, shortest first): the public suffix,
    or ``None`` when the host has none."""
    suffix = None
    node, node_flags = "", 0
    for text, key in suffixes:
        f = flag_of.get(key, 0)
        if f & NODE:
            node, node_flags = text, f
            if f & END:
                suffix = text
            continue
        if node_flags & WILDCARD:
            suffix = node if f & EXCEPTION else text
        break
    return suffix


def registered_domain(host: str) -> str | None:
    """The registered domain of a lower-cased host (tldextract's ``top_domain_under_public_suffix``),
    ``None`` when it has none (no public suffix, or nothing before it)."""
    flags = _flag_by_key()
    suffixes = suffix_keys(host)
    suffix = public_suffix_start(suffixes, flags)
    if not suffix or len(suffix) == len(host):
        return None
    label = host[: len(host) - len(suffix) - 1].rpartition(".")[2]
    return f"{label}.{suffix}" if label else None


@cache
def _flag_by_key() -> dict[int, int]:
    keys, flags = psl_table()
    return dict(zip(keys.tolist(), flags.tolist(), strict=True))
