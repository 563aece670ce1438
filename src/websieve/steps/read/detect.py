"""Find the input files behind the paths a user gives, detect their kind, cut them into shards.

Inputs are local paths or URLs of object stores (``s3://bucket/crawl/*.warc.gz``, see `location`); a URL
input keeps its URL as its path, and its size comes from the store.

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
from websieve.steps.read.location import expand_url, is_url, open_input

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
        with open_input(path) as fh:
            head = fh.read(512)
            if head[:2] == b"\x1f\x8b":
                fh.seek(0)
                with gzip.GzipFile(fileobj=fh) as gz:
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


def _not_input(name: str) -> bool:
    """Files inside an input folder that are never inputs: hidden files, provenance and licence notes."""
    return name.startswith(".") or name.upper() in {"SOURCE.MD", "README.MD", "LICENSE"}


def _expand(arg: str) -> tuple[list[str], list[str]]:
    """Files named by one argument, and files of unknown kind found inside a folder."""
    if os.path.isdir(arg):
        found: list[str] = []
        ignored: list[str] = []
        for root, dirs, names in os.walk(arg):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if _not_input(name):
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


def _expand_url(arg: str) -> tuple[dict[str, int], list[str]]:
    """`_expand` for a URL: the files (with their sizes in the store) and the ignored files of a folder."""
    expansion = expand_url(arg)
    if expansion.folder is None:
        return {f.url: f.size for f in expansion.files}, []
    found: dict[str, int] = {}
    ignored: list[str] = []
    for f in expansion.files:
        *dirs, name = f.url[len(expansion.folder) :].split("/")
        # hidden folders are skipped as in a local folder walk
        if any(d.startswith(".") for d in dirs) or _not_input(name):
            continue
        if kind_of_name(name):
            found[f.url] = f.size
        else:
            ignored.append(f.url)
    return found, ignored


def list_inputs(paths: Sequence[str]) -> InputListing:
    """Expand files, folders and globs (local, or URLs such as ``s3://bucket/crawl/``) into a sorted,
    de-duplicated listing of input files.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = Path(tmp)
    ...     _ = (folder / "a.jsonl").write_text('{"text": "hi"}\\n'), (folder / "notes.md").write_text("hi")
    ...     listing = list_inputs([str(folder)])
    >>> [(Path(f.path).name, f.kind.value, f.size) for f in listing.files]
    [('a.jsonl', 'jsonl', 15)]
    >>> [Path(p).name for p in listing.ignored]
    ['notes.md']
    """
    if not paths:
        raise InputError("no input given: pass --input PATH (a WARC/JSONL/Parquet file, a folder or a glob)")
    seen: dict[str, InputFile] = {}
    ignored: list[str] = []
    for arg in paths:
        sizes: dict[str, int] = {}
        if is_url(arg):
            sizes, skipped = _expand_url(arg)
            files = list(sizes)
        else:
            files, skipped = _expand(os.path.normpath(arg))
        ignored.extend(skipped)
        for path in files:
            kind = kind_of_name(path) or _sniff(path)
            if kind is None:
                raise InputError(
                    f"cannot tell what kind of input {path!r} is; name it .warc(.gz), .arc(.gz), "
                    ".jsonl(.gz|.zst), .parquet, .html or .txt"
                )
            size = sizes[path] if path in sizes else os.path.getsize(path)
            seen.setdefault(path, InputFile(path=path, kind=kind, size=size))
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
