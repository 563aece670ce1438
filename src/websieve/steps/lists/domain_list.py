"""Compiled domain and URL lists: a small binary file of sorted 64-bit keys, loaded by mapping it.

A ``.wsbl`` file holds, after a JSON header (format, categories, sources with their licence and counts,
a checksum), the sorted keys of the listed domains (`websieve.steps.lists.urls.domain_key`), the sorted
keys of the listed URLs (`url_key` of their `url_list_text`, and `written_key` of the line as written),
and for each key the combination of
categories that list it (an index into the header's ``combos``). FineWeb's 4.56 million domains take 44 MB
(the text takes 124 MB) and load in milliseconds: the arrays are mapped, not parsed; only a bucket index
of the keys' top bits is computed (`Table.index`).

Lists are compiled by `websieve.steps.lists.sources` (``websieve lists build``) and found by name in the
lists folder (`lists_dir`).

>>> import tempfile
>>> from websieve.steps.lists.urls import domain_key
>>> table = Table.from_keys([domain_key("example.com")], [0])
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = write_list(Path(tmp) / "x.wsbl", domains=table, urls=Table.empty(), categories=["test"],
...                       combos=[(0,)], sources=[])
...     read_list(path).header["domain_keys"]
1
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import xxhash

from websieve._version import __version__
from websieve.errors import ListFileError

__all__ = [
    "FORMAT_VERSION",
    "SUFFIX",
    "CompiledList",
    "Table",
    "list_checksum",
    "lists_dir",
    "merge_lists",
    "read_list",
    "resolve_list",
    "write_list",
]

MAGIC = b"WSBLIST\x00"
FORMAT_VERSION = 1
SUFFIX = ".wsbl"
HASH = "fnv1a64+fmix64"
"""How keys are made (`websieve.steps.lists.urls`); a file with another scheme is refused."""
_ALIGN = 8


def lists_dir() -> Path:
    """Where lists are found by name: ``$WEBSIEVE_LISTS``, else ``$XDG_DATA_HOME/websieve/lists``
    (``~/.local/share/websieve/lists``)."""
    env = os.environ.get("WEBSIEVE_LISTS")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "websieve" / "lists"


def resolve_list(name_or_path: str) -> Path:
    """A path (with a ``/`` or ending in ``.wsbl``) as given; a bare name as ``lists_dir()/NAME.wsbl``."""
    if "/" in name_or_path or os.sep in name_or_path or name_or_path.endswith(SUFFIX):
        return Path(name_or_path)
    return lists_dir() / f"{name_or_path}{SUFFIX}"


@dataclass(frozen=True, slots=True)
class Table:
    """Sorted unique keys and, for each, its combination of categories."""

    keys: np.ndarray
    combos: np.ndarray

    @classmethod
    def empty(cls) -> Table:
        return cls(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint16))

    @classmethod
    def from_keys(cls, keys: Sequence[int] | np.ndarray, combos: Sequence[int] | np.ndarray) -> Table:
        """From unsorted keys (duplicates must have the same combination)."""
        k = np.asarray(keys, dtype=np.uint64)
        c = np.asarray(combos, dtype=np.uint16)
        order = np.argsort(k, kind="stable")
        k, c = k[order], c[order]
        first = np.ones(len(k), dtype=bool)
        first[1:] = k[1:] != k[:-1]
        return cls(k[first], c[first])

    def __len__(self) -> int:
        return len(self.keys)

    def index(self) -> np.ndarray:
        """``index[b]``: the first key whose top bits are ``b`` (``len(index) == 2**bits + 1``), so a
        lookup reads one short run of keys (about two) instead of searching them all."""
        bits = max(1, len(self.keys).bit_length() - 2)
        index = np.zeros((1 << bits) + 1, dtype=np.uint32)
        if len(self.keys):
            top = (self.keys >> np.uint64(64 - bits)).astype(np.intp)
            np.cumsum(np.bincount(top, minlength=1 << bits), out=index[1:])
        return index


@dataclass(frozen=True, slots=True)
class CompiledList:
    """A list file read back: its header, its domain and URL tables."""

    path: Path | None
    header: dict[str, Any]
    domains: Table
    urls: Table

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.header["categories"])

    @property
    def combos(self) -> tuple[tuple[str, ...], ...]:
        """Each combination of categories, by name."""
        names = self.categories
        return tuple(tuple(names[i] for i in combo) for combo in self.header["combos"])


def _padded(n: int) -> int:
    return -n % _ALIGN


def write_list(
    path: Path,
    *,
    domains: Table,
    urls: Table,
    categories: Sequence[str],
    combos: Sequence[Sequence[int]],
    sources: Sequence[dict[str, Any]],
    counts: dict[str, dict[str, int]] | None = None,
) -> Path:
    """Write a list file (atomically: a temporary file renamed into place)."""
    arrays = [
        domains.keys.astype("<u8"),
        urls.keys.astype("<u8"),
        domains.combos.astype("<u2"),
        urls.combos.astype("<u2"),
    ]
    data = b"".join(a.tobytes() for a in arrays)
    data += b"\0" * _padded(len(data))
    header = {
        "format": "websieve-list",
        "version": FORMAT_VERSION,
        "hash": HASH,
        "websieve": __version__,
        "categories": list(categories),
        "combos": [list(c) for c in combos],
        "domain_keys": len(domains),
        "url_keys": len(urls),
        "counts": counts or {},
        "sources": list(sources),
        "checksum": xxhash.xxh3_64_hexdigest(data),
    }
    head = orjson.dumps(header, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    head += b" " * _padded(len(head))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(MAGIC + len(head).to_bytes(8, "little") + head + data)
    tmp.replace(path)
    return path


def _bad(path: Path, why: str) -> ListFileError:
    return ListFileError(
        f"{path}: {why}; rebuild it with `websieve lists build` (`websieve lists build --help` shows how)"
    )


def list_checksum(path: Path) -> str:
    """The checksum a list file's header records (``missing`` without the file, ``unreadable`` when its
    header is not a list's): what a run's fingerprint keeps of it, read without mapping the file."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
            if len(head) < 16 or head[:8] != MAGIC:
                return "unreadable"
            header = orjson.loads(fh.read(int.from_bytes(head[8:16], "little")))
        return str(header["checksum"])
    except FileNotFoundError:
        return "missing"
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return "unreadable"


def read_list(path: Path) -> CompiledList:
    """Map a list file and check it (format, sizes, checksum)."""
    if not path.is_file():
        how = (
            "build it once with `websieve lists build fineweb --fineweb DIR`, DIR holding datatrove's "
            "url_filterblacklistsv0_3_0.tar.gz (e.g. ../shared/data/lists/fineweb-url-blocklist)"
            if path.stem == "fineweb"
            else f"build it with `websieve lists build {path.stem} ...` (see `websieve lists build --help`)"
        )
        raise ListFileError(
            f"no compiled list at {path}: {how}; names are looked up in {lists_dir()} "
            "(set $WEBSIEVE_LISTS to use another folder; `websieve lists show` lists what is there)"
        )
    raw = np.memmap(path, dtype=np.uint8, mode="r") if path.stat().st_size else np.zeros(0, np.uint8)
    if len(raw) < 16 or bytes(raw[:8]) != MAGIC:
        raise _bad(path, "not a websieve list file")
    size = int.from_bytes(bytes(raw[8:16]), "little")
    if 16 + size > len(raw):
        raise _bad(path, "truncated (its header is cut)")
    try:
        header = orjson.loads(bytes(raw[16 : 16 + size]))
        version, scheme = header["version"], header["hash"]
        nd, nu = int(header["domain_keys"]), int(header["url_keys"])
        n_combos = len(header["combos"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise _bad(path, f"unreadable header ({exc})") from None
    if version != FORMAT_VERSION or scheme != HASH:
        raise _bad(path, f"list format {version} ({scheme}), this websieve reads {FORMAT_VERSION} ({HASH})")
    start = 16 + size
    lengths = [8 * nd, 8 * nu, 2 * nd, 2 * nu]
    end = start + sum(lengths)
    if len(raw) != end + _padded(sum(lengths)):
        raise _bad(path, f"truncated or padded ({len(raw)} bytes, expected {end + _padded(sum(lengths))})")
    if xxhash.xxh3_64_hexdigest(np.ascontiguousarray(raw[start:]).data) != header["checksum"]:
        raise _bad(path, "corrupt (its checksum does not match)")
    offsets = np.cumsum([start, *lengths])
    dk, uk, dc, uc = (
        raw[offsets[i] : offsets[i + 1]].view(dtype) for i, dtype in enumerate(("<u8", "<u8", "<u2", "<u2"))
    )
    for combos in (dc, uc):
        if len(combos) and int(combos.max()) >= n_combos:
            raise _bad(path, "corrupt (a category combination out of range)")
    tables = [
        Table(np.asarray(k, dtype=np.uint64), np.asarray(c, dtype=np.uint16)) for k, c in ((dk, dc), (uk, uc))
    ]
    return CompiledList(path, header, tables[0], tables[1])


def merge_lists(lists: Sequence[CompiledList]) -> CompiledList:
    """One list of several (an empty one of none): categories of the same name are one category."""
    if len(lists) == 1:
        return lists[0]
    if not lists:
        empty: dict[str, Any] = {"categories": [], "combos": [], "sources": []}
        return CompiledList(None, empty, Table.empty(), Table.empty())
    names: list[str] = []
    for cl in lists:
        names += [c for c in cl.categories if c not in names]
    combos: list[tuple[int, ...]] = []
    combo_ids: dict[tuple[int, ...], int] = {}

    def combo_id(cats: tuple[int, ...]) -> int:
        if cats not in combo_ids:
            combo_ids[cats] = len(combos)
            combos.append(cats)
        return combo_ids[cats]

    def merged(attr: str) -> Table:
        keys, ids = [], []
        for cl in lists:
            table: Table = getattr(cl, attr)
            local = [combo_id(tuple(sorted(names.index(n) for n in combo))) for combo in cl.combos]
            keys.append(table.keys)
            ids.append(np.array(local or [0], dtype=np.int64)[table.combos.astype(np.intp)])
        k, g = np.concatenate(keys), np.concatenate(ids)
        order = np.argsort(k, kind="stable")
        k, g = k[order], g[order]
        first = np.ones(len(k), dtype=bool)
        first[1:] = k[1:] != k[:-1]
        starts = np.flatnonzero(first)
        out = g[starts]
        ends = np.append(starts[1:], len(k))
        for d in np.flatnonzero(ends - starts > 1).tolist():  # keys in several lists: few
            cats = {c for gid in g[starts[d] : ends[d]].tolist() for c in combos[gid]}
            out[d] = combo_id(tuple(sorted(cats)))
        return Table(k[starts], out.astype(np.uint16))

    domains, urls = merged("domains"), merged("urls")
    header = {
        "categories": names,
        "combos": [list(c) for c in combos],
        "domain_keys": len(domains),
        "url_keys": len(urls),
        "sources": [s for cl in lists for s in cl.header["sources"]],
        "merged_from": [str(cl.path) for cl in lists],
    }
    return CompiledList(None, header, domains, urls)
