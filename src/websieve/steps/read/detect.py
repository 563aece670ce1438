"""Find the input files behind the paths a user gives, detect their kind, cut them into shards.

>>> kind_of_name("CC-MAIN-2024-22.warc.wet.gz")
<InputKind.WARC: 'warc'>
>>> kind_of_name("docs.jsonl.zst")
<InputKind.JSONL: 'jsonl'>
"""

from __future__ import annotations

import enum
import glob
import gzip
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from websieve.errors import InputError

__all__ = ["InputFile", "InputKind", "InputListing", "Shard", "kind_of_name", "list_inputs", "plan_shards"]


class InputKind(enum.Enum):
    WARC = "warc"
    """WARC, WET and WAT files, plain or gzip/zstd-compressed (FastWARC)."""
    ARC = "arc"
    """Legacy ARC files, plain or gzip-compressed (warcio)."""
    JSONL = "jsonl"
    """One JSON object per line with a ``text`` or ``html`` field; plain, .gz or .zst."""
    PARQUET = "parquet"
    """Parquet with a ``text`` or ``html`` column."""
    HTML = "html"
    """One page per ``.html``/``.htm`` file."""
    TEXT = "text"
    """One already-extracted page per ``.txt`` file."""


_COMPRESSION = {"gz", "zst", "zstd", "bz2", "xz", "lz4"}
_NAME_KINDS = {
    "warc": InputKind.WARC,
    "wet": InputKind.WARC,
    "wat": InputKind.WARC,
    "arc": InputKind.ARC,
    "jsonl": InputKind.JSONL,
    "ndjson": InputKind.JSONL,
    "json": InputKind.JSONL,
    "parquet": InputKind.PARQUET,
    "html": InputKind.HTML,
    "htm": InputKind.HTML,
    "txt": InputKind.TEXT,
}


@dataclass(frozen=True, slots=True)
class InputFile:
    path: str
    kind: InputKind
    size: int


@dataclass(frozen=True, slots=True)
class Shard:
    """A unit of work: one output part, one ledger part, one completion marker."""

    index: int
    kind: InputKind
    files: tuple[InputFile, ...]

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}"


@dataclass(frozen=True, slots=True)
class InputListing:
    files: tuple[InputFile, ...]
    ignored: tuple[str, ...] = ()
    """Files inside input folders whose kind could not be told from their name."""

    def kinds(self) -> set[InputKind]:
        return {f.kind for f in self.files}


def kind_of_name(name: str) -> InputKind | None:
    """The input kind a file name announces, or ``None``."""
    parts = Path(name).name.lower().split(".")[1:]
    while parts and parts[-1] in _COMPRESSION:
        parts.pop()
    for part in reversed(parts):
        if part in _NAME_KINDS:
            return _NAME_KINDS[part]
    return None


def _sniff(path: str) -> InputKind | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as gz:
                head = gz.read(512)
    except (OSError, EOFError):
        return None
    if head.startswith(b"WARC/"):
        return InputKind.WARC
    if head.startswith(b"filedesc://"):
        return InputKind.ARC
    if head.lstrip().startswith(b"{"):
        return InputKind.JSONL
    if head.startswith(b"PAR1"):
        return InputKind.PARQUET
    return None


def _expand(arg: str) -> tuple[list[str], list[str]]:
    """Files named by one argument, and files of unknown kind found inside a folder."""
    if os.path.isdir(arg):
        found: list[str] = []
        ignored: list[str] = []
        for root, dirs, names in os.walk(arg):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith(".") or name.upper() in {"SOURCE.MD", "README.MD", "LICENSE"}:
                    continue
                path = os.path.join(root, name)
                (found if kind_of_name(name) else ignored).append(path)
        return found, ignored
    if any(ch in arg for ch in "*?["):
        matches = sorted(p for p in glob.glob(arg, recursive=True) if os.path.isfile(p))
        if not matches:
            raise InputError(f"input pattern {arg!r} matches no file")
        return matches, []
    if os.path.isfile(arg):
        return [arg], []
    raise InputError(f"input {arg!r} does not exist (give a file, a folder or a quoted glob pattern)")


def list_inputs(paths: Sequence[str]) -> InputListing:
    """Expand files, folders and globs into a sorted, de-duplicated listing of input files."""
    if not paths:
        raise InputError("no input given: pass --input PATH (a WARC/JSONL/Parquet file, a folder or a glob)")
    seen: dict[str, InputFile] = {}
    ignored: list[str] = []
    for arg in paths:
        files, skipped = _expand(os.path.normpath(arg) if "://" not in arg else arg)
        ignored.extend(skipped)
        for path in files:
            kind = kind_of_name(path) or _sniff(path)
            if kind is None:
                raise InputError(
                    f"cannot tell what kind of input {path!r} is; name it .warc(.gz), .arc(.gz), "
                    ".jsonl(.gz|.zst), .parquet, .html or .txt"
                )
            seen.setdefault(path, InputFile(path=path, kind=kind, size=os.path.getsize(path)))
    if not seen:
        raise InputError(f"no readable input file found under {', '.join(paths)}")
    return InputListing(files=tuple(sorted(seen.values(), key=lambda f: f.path)), ignored=tuple(ignored))


def plan_shards(listing: InputListing, *, files_per_shard: int) -> list[Shard]:
    """One shard per container file; loose pages grouped ``files_per_shard`` at a time, per kind."""
    shards: list[Shard] = []
    loose: dict[InputKind, list[InputFile]] = {}
    for f in listing.files:
        if f.kind in (InputKind.HTML, InputKind.TEXT):
            loose.setdefault(f.kind, []).append(f)
        else:
            shards.append(Shard(index=len(shards), kind=f.kind, files=(f,)))
    for kind, files in loose.items():
        for start in range(0, len(files), files_per_shard):
            group = tuple(files[start : start + files_per_shard])
            shards.append(Shard(index=len(shards), kind=kind, files=group))
    return shards


def total_bytes(files: Iterable[InputFile]) -> int:
    return sum(f.size for f in files)
