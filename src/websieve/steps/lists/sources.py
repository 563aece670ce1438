"""What compiled lists are built from: FineWeb's blocklist, UT1's categories, or the user's own files.

The domain lists are CC BY-SA 4.0 (UT1's, and FineWeb's, which is UT1's adult category as of December
2024), so websieve ships none: `build_list` compiles the user's copy into a ``.wsbl`` file
(`websieve.steps.lists.domain_list`), whose header records each source's path, sha256, licence and counts.
Domains are lower-cased; a leading ``*.`` or ``.`` and a trailing ``.`` are dropped; lines that are empty,
comments (``#``) or not a domain (with a space, ``/``, ``:`` or ``@``) are skipped and counted. URLs are
kept as `websieve.steps.lists.urls.url_list_text` writes them (host without ``www.``, path, no query).

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     src = Path(tmp) / "mine.txt"
...     _ = src.write_text("# my list\\nExample.COM\\n*.casino.example\\nnot a domain\\n")
...     report = build_list([file_part("mine", domains=src)], Path(tmp) / "mine.wsbl")
...     report.counts, report.skipped
({'mine': (2, 0)}, 1)
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from websieve.errors import ListFileError
from websieve.steps.lists.domain_list import Table, write_list
from websieve.steps.lists.urls import WRITTEN, bulk_keys, span_keys, url_list_text, url_parts

__all__ = [
    "FINEWEB_TARBALL",
    "BuildReport",
    "Part",
    "build_list",
    "file_part",
    "fineweb_parts",
    "ut1_categories",
    "ut1_parts",
]

FINEWEB_TARBALL = "url_filterblacklistsv0_3_0.tar.gz"
"""datatrove's asset holding FineWeb's ``domains`` and ``urls`` (in its wheel: ``datatrove/assets``)."""
FINEWEB_LICENCE = (
    "CC BY-SA 4.0: UT1 blacklists (Université Toulouse Capitole), adult category of 2024-12-03, as datatrove "
    "0.10.1 ships it (datatrove: Apache-2.0)"
)
UT1_LICENCE = (
    "CC BY-SA 4.0: UT1 blacklists (Université Toulouse Capitole, https://dsi.ut-capitole.fr/blacklists/)"
)
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 11, 12, 13, 32]] = True
_NOT_IN_DOMAIN = np.zeros(256, dtype=bool)
_NOT_IN_DOMAIN[[9, 11, 12, 13, 32, ord("/"), ord(":"), ord("@")]] = True

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Part:
    """The domains and URLs one source gives one category."""

    category: str
    kind: str
    """``fineweb``, ``ut1`` or ``file``."""
    origin: str
    licence: str
    domains: bytes = b""
    urls: bytes = b""
    sha256: dict[str, str] = field(default_factory=dict)
    """Of each file read (name: digest)."""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What `build_list` wrote."""

    path: Path
    bytes: int
    seconds: float
    counts: dict[str, tuple[int, int]]
    """Per category: distinct domains, distinct URLs."""
    skipped: int
    """Lines that are not a domain or URL (comments and empty lines not counted)."""
    notes: tuple[str, ...]
    """Warnings worth reading (a category without a domain file...)."""


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.name.endswith(".gz") else data
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ListFileError(f"cannot read {path}: {exc}") from exc


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_part(
    category: str, *, domains: Path | None = None, urls: Path | None = None, licence: str = "unknown"
) -> Part:
    """A category from plain files (one domain or URL per line; ``.gz`` read as gzip)."""
    if domains is None and urls is None:
        raise ListFileError(f"category {category!r}: give a domains file, a URLs file or both")
    for p in (domains, urls):
        if p is not None and not p.is_file():
            raise ListFileError(f"category {category!r}: no such file: {p}")
    read = {p: _read(p) for p in (domains, urls) if p is not None}
    return Part(
        category=category,
        kind="file",
        origin=", ".join(str(p) for p in read),
        licence=licence,
        domains=read[domains] if domains is not None else b"",
        urls=read[urls] if urls is not None else b"",
        sha256={p.name: _digest(d) for p, d in read.items()},
    )


def fineweb_parts(path: Path, *, category: str = "adult") -> list[Part]:
    """FineWeb's lists from datatrove's tarball, a folder holding it, or a folder with it unpacked."""
    tarball = path if path.is_file() else path / FINEWEB_TARBALL
    if tarball.is_file():
        raw = tarball.read_bytes()
        texts = _untar(tarball, raw)
        digests = {tarball.name: _digest(raw)}
    elif (path / "domains").is_file():
        texts = {name: _read(path / name) for name in ("domains", "urls") if (path / name).is_file()}
        digests = {name: _digest(data) for name, data in texts.items()}
    else:
        raise ListFileError(
            f"{path}: neither datatrove's {FINEWEB_TARBALL} nor a folder with it (or with its unpacked "
            "'domains' and 'urls'); it is in datatrove's wheel (datatrove/assets) and in "
            "../shared/data/lists/fineweb-url-blocklist"
        )
    return [
        Part(
            category=category,
            kind="fineweb",
            origin=str(tarball if tarball.is_file() else path),
            licence=FINEWEB_LICENCE,
            domains=texts["domains"],
            urls=texts.get("urls", b""),
            sha256=digests,
        )
    ]


def _untar(tarball: Path, raw: bytes) -> dict[str, bytes]:
    texts = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
            for member in tar.getmembers():
                name = member.name.removeprefix("./")
                fh = tar.extractfile(member) if name in ("domains", "urls") else None
                if fh is not None:
                    texts[name] = fh.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ListFileError(f"cannot read {tarball}: {exc}") from exc
    if "domains" not in texts:
        raise ListFileError(f"{tarball}: holds no 'domains' file; is it datatrove's {FINEWEB_TARBALL}?")
    return texts


def _ut1_root(path: Path) -> Path:
    return path / "blacklists" if (path / "blacklists").is_dir() else path


def _data_files(folder: Path, stem: str) -> list[Path]:
    pattern = re.compile(rf"^{stem}(\.\d+)?(\.gz)?$")
    return sorted(p for p in folder.iterdir() if pattern.match(p.name) and p.is_file())


def ut1_categories(path: Path) -> dict[str, str]:
    """UT1's categories in a checkout (``blacklists/`` or its parent), with their English description."""
    root = _ut1_root(path)
    if not root.is_dir():
        raise ListFileError(f"{path}: no such folder (expected a UT1 blacklists checkout)")
    names = sorted(
        d.name for d in root.iterdir() if d.is_dir() and (_data_files(d, "domains") or _data_files(d, "urls"))
    )
    if not names:
        raise ListFileError(f"{path}: no UT1 category folders (with a 'domains' or 'urls' file) in it")
    described: dict[str, str] = {}
    usage = root / "global_usage"
    if usage.is_file():
        name = None
        for line in usage.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("NAME:"):
                name = line.partition(":")[2].strip()
            elif line.startswith("DESC EN:") and name:
                described[name] = line.partition(":")[2].strip()
    return {n: described.get(n, "") for n in names}


def ut1_parts(path: Path, categories: Sequence[str]) -> list[Part]:
    """The chosen UT1 categories (every one with ``all``)."""
    known = ut1_categories(path)
    chosen = list(known) if list(categories) == ["all"] else list(dict.fromkeys(categories))
    unknown = [c for c in chosen if c not in known]
    if unknown or not chosen:
        raise ListFileError(
            f"unknown UT1 categor{'ies' if len(unknown) > 1 else 'y'}: {', '.join(unknown) or '(none given)'}"
            f"; {path} has: {', '.join(known)} (or 'all')"
        )
    parts = []
    root = _ut1_root(path)
    for name in chosen:
        folder = root / name
        texts = {}
        digests = {}
        for stem in ("domains", "urls"):
            chunks = []
            for f in _data_files(folder, stem):
                data = _read(f)
                digests[f.name] = _digest(data)
                chunks.append(data if data.endswith(b"\n") else data + b"\n")
            texts[stem] = b"".join(chunks)
        notes: tuple[str, ...] = ()
        if not texts["domains"]:
            notes = (f"UT1 category {name!r} has no domains file in {folder} (only its URLs are listed)",)
        parts.append(
            Part(
                category=name,
                kind="ut1",
                origin=str(folder),
                licence=UT1_LICENCE,
                domains=texts["domains"],
                urls=texts["urls"],
                sha256=digests,
                notes=notes,
            )
        )
    return parts


def _domain_keys(data: bytes) -> tuple[np.ndarray, int]:
    """Keys of the domains in a text, one per line, and how many lines were not domains."""
    if not data.strip():
        return np.zeros(0, dtype=np.uint64), 0
    low = data.lower() if data.isascii() else data.decode("utf-8", "replace").lower().encode("utf-8")
    buf = np.frombuffer(low, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    starts = np.concatenate(([0], newlines + 1)).astype(np.int64)
    ends = np.concatenate((newlines, [len(buf)])).astype(np.int64)
    last = len(buf) - 1

    def trim(chars: np.ndarray, *, left: bool) -> None:
        while True:
            alive = ends > starts
            at = np.minimum(starts if left else ends - 1, last)
            hit = alive & chars[buf[at]]
            if not hit.any():
                return
            if left:
                starts[hit] += 1
            else:
                ends[hit] -= 1

    dot = np.zeros(256, dtype=bool)
    dot[ord(".")] = True
    trim(_WHITESPACE, left=True)
    trim(_WHITESPACE, left=False)
    content = (ends > starts) & (buf[np.minimum(starts, last)] != ord("#"))
    star = content & (ends - starts >= 2) & (buf[np.minimum(starts, last)] == ord("*"))
    star &= buf[np.minimum(starts + 1, last)] == ord(".")
    starts[star] += 1
    trim(dot, left=True)
    trim(dot, left=False)
    bad = np.flatnonzero(_NOT_IN_DOMAIN[buf])  # few: a line is a domain when none falls inside it
    ok = content & (ends > starts) & (np.searchsorted(bad, starts) == np.searchsorted(bad, ends))
    skipped = int(content.sum() - ok.sum())
    return span_keys(buf, starts[ok], (ends - starts)[ok], reverse=True), skipped


def _url_keys(data: bytes) -> tuple[np.ndarray, int]:
    """Keys of the URLs in a text, one per line, normalised (`url_list_text`) and as written
    (`websieve.steps.lists.urls.written_key`, for datatrove's rule), alternately; and how many lines
    were not URLs."""
    texts, skipped = [], 0
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        text = url_list_text(url_parts(line))
        if text:
            texts += [text.encode("utf-8"), WRITTEN + line.encode("utf-8")]
        else:
            skipped += 1
    return bulk_keys(texts, reverse=False), skipped


def build_list(parts: Sequence[Part], output: Path, *, progress: Progress | None = None) -> BuildReport:
    """Compile ``parts`` into one list file at ``output``."""
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    if not parts:
        raise ListFileError("nothing to build: give a source (FineWeb's list, UT1 categories, a file)")
    categories = list(dict.fromkeys(p.category for p in parts))
    keys: dict[str, list[np.ndarray]] = {"domains": [], "urls": []}
    cats: dict[str, list[np.ndarray]] = {"domains": [], "urls": []}
    skipped = 0
    sources = []
    for part in parts:
        say(f"{part.category}: reading the domains and URLs of {part.origin}")
        dk, d_skip = _domain_keys(part.domains)
        uk, u_skip = _url_keys(part.urls)
        skipped += d_skip + u_skip
        cat = categories.index(part.category)
        for name, k in (("domains", dk), ("urls", uk)):
            keys[name].append(k)
            cats[name].append(np.full(len(k), cat, dtype=np.int64))
        sources.append(
            {
                "category": part.category,
                "kind": part.kind,
                "origin": part.origin,
                "licence": part.licence,
                "sha256": part.sha256,
                "domains": _distinct(dk),
                "urls": _distinct(uk[::2]),
                "skipped": d_skip + u_skip,
            }
        )
    say("sorting the keys")
    combos: list[tuple[int, ...]] = [(i,) for i in range(len(categories))]
    tables = {name: _table(np.concatenate(keys[name]), np.concatenate(cats[name]), combos) for name in keys}
    normalised = [k[::2] for k in keys["urls"]]  # for the counts: one key per listed URL
    tables["listed"] = _table(
        np.concatenate(normalised), np.concatenate([c[::2] for c in cats["urls"]]), combos
    )
    if len(combos) > np.iinfo(np.uint16).max:
        raise ListFileError(f"{len(combos)} category combinations: more than a file holds; build several")
    per_combo = {t: np.bincount(tables[t].combos, minlength=len(combos)) for t in ("domains", "listed")}
    counts = {
        name: (
            sum(int(per_combo["domains"][j]) for j, combo in enumerate(combos) if i in combo),
            sum(int(per_combo["listed"][j]) for j, combo in enumerate(combos) if i in combo),
        )
        for i, name in enumerate(categories)
    }
    say(f"writing {output}")
    write_list(
        output,
        domains=tables["domains"],
        urls=tables["urls"],
        categories=categories,
        combos=combos,
        sources=sources,
        counts={name: {"domains": d, "urls": u} for name, (d, u) in counts.items()},
    )
    return BuildReport(
        path=output,
        bytes=output.stat().st_size,
        seconds=time.perf_counter() - started,
        counts=counts,
        skipped=skipped,
        notes=tuple(n for p in parts for n in p.notes),
    )


def _distinct(keys: np.ndarray) -> int:
    s = np.sort(keys)
    return int(len(s) and 1 + np.count_nonzero(s[1:] != s[:-1]))


def _table(keys: np.ndarray, cats: np.ndarray, combos: list[tuple[int, ...]]) -> Table:
    """Sorted unique keys; a key several categories list gets the combination of them (added to
    ``combos``)."""
    order = np.argsort(keys, kind="stable")
    keys, cats = keys[order], cats[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(first)
    out = cats[starts].copy()
    ends = np.append(starts[1:], len(keys))
    index = {c: i for i, c in enumerate(combos)}
    for d in np.flatnonzero(ends - starts > 1).tolist():
        combo = tuple(sorted(set(cats[starts[d] : ends[d]].tolist())))
        if combo not in index:
            index[combo] = len(combos)
            combos.append(combo)
        out[d] = index[combo]
    return Table(keys[starts], out.astype(np.uint16))
