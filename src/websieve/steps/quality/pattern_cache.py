"""Large regular expressions compiled once per machine, not once per worker process.

spaCy's tokenizer rules (`websieve.steps.quality.segment_spacy`) are large expressions: French's token
matcher alone is 1.4 MB, and character classes spell out thousands of Unicode ranges. Python compiles
each one again in every process that meets the language: on the scaling benchmark that was about 3 s of
every worker's start, paid once per worker, so it grew with the number of workers.

What `re` compiles is a list of integers that it hands to `_sre.compile`, with the pattern's final flags
and group tables. `compile_cached` keeps those in a file named by a hash of the pattern, its flags, the
Python version and the regular expression engine's version (`_sre.MAGIC`), and the next process builds
the pattern from that file in about a millisecond instead of compiling it. The pattern it returns is the
one `re.compile` returns: same code, same flags, same groups. A cache that cannot be read or written is
passed over (the pattern is compiled as usual), never an error.

The cache lives in ``$WEBSIEVE_CACHE_DIR/re`` (an empty value turns it off), else
``$XDG_CACHE_HOME/websieve/re``, else ``~/.cache/websieve/re`` (none without a home folder); it can be
deleted at any time. Whoever can write it decides how words are split, so it must be the user's own
folder, as the default is, not one shared with others.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> pattern = r"(?i)[a-zé]+-(?P<rest>\\w+)"
>>> first = compile_cached(pattern, folder=folder, min_length=0)  # compiled, and its code stored
>>> again = compile_cached(pattern, folder=folder, min_length=0)  # built from the stored code
>>> len(list(folder.glob("*.re")))
1
>>> again.match("Été-là")["rest"], again.flags == first.flags, again.groupindex == first.groupindex
('là', True, True)
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from array import array
from pathlib import Path

import orjson

try:  # CPython's regular expression engine, whose compiled code the cache keeps
    import _sre  # type: ignore[import-not-found]
except ImportError:  # another Python: every pattern is compiled the documented way
    _sre = None

__all__ = ["CACHE_ENV", "MIN_CACHED_LENGTH", "cache_folder", "compile_cached"]

CACHE_ENV = "WEBSIEVE_CACHE_DIR"
"""Where websieve keeps what it can rebuild (compiled patterns); empty: keep nothing."""

MIN_CACHED_LENGTH = 2_000
"""Shorter patterns compile in well under a millisecond: they are compiled, not cached."""

_UNSET = object()
_folder: object = _UNSET


def cache_folder() -> Path | None:
    """The folder of cached patterns on this machine, or None when caching is turned off."""
    global _folder
    if _folder is _UNSET:
        base = os.environ.get(CACHE_ENV)
        if base is None:
            xdg = os.environ.get("XDG_CACHE_HOME")
            try:
                base = str(Path(xdg) / "websieve") if xdg else str(Path.home() / ".cache" / "websieve")
            except (RuntimeError, KeyError, OSError):  # no home (a container's anonymous user): no cache
                base = ""
        _folder = Path(base) / "re" if base else None
    return _folder if isinstance(_folder, Path) else None


def _engine() -> tuple[int, int] | None:
    """The engine's version and code unit size, or None when this Python's engine is not the one the
    cache is written for (another implementation than CPython's `_sre`)."""
    if _sre is None:
        return None
    magic, size = getattr(_sre, "MAGIC", None), getattr(_sre, "CODESIZE", None)
    if not isinstance(magic, int) or size != 4 or not hasattr(_sre, "compile"):
        return None
    return magic, size


def _key(pattern: str, flags: int, engine: tuple[int, int]) -> str:
    version = ".".join(map(str, sys.version_info[:3]))
    text = f"{version}\0{engine[0]}\0{flags}\0{pattern}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _load(path: Path, pattern: str) -> re.Pattern[str] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        head, _, body = data.partition(b"\n")
        meta = orjson.loads(head)
        code = array("I")
        code.frombytes(body)
        if len(code) != meta["length"]:
            return None
        indexgroup = tuple(meta["indexgroup"])
        built: re.Pattern[str] = _sre.compile(
            pattern, meta["flags"], code.tolist(), meta["groups"], meta["groupindex"], indexgroup
        )
    except (ValueError, KeyError, TypeError, RuntimeError, orjson.JSONDecodeError):
        return None  # a damaged or foreign file: compiled again and rewritten
    return built


def _store(path: Path, pattern: str, flags: int) -> re.Pattern[str]:
    """Compile ``pattern`` as `re.compile` does, keeping the code for `_load`."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    final_flags = flags | parsed.state.flags
    groups = parsed.state.groups - 1
    compiled: re.Pattern[str] = _sre.compile(
        pattern, final_flags, code, groups, groupindex, tuple(indexgroup)
    )
    meta = {
        "flags": final_flags,
        "groups": groups,
        "groupindex": groupindex,
        "indexgroup": indexgroup,
        "length": len(code),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_bytes(orjson.dumps(meta) + b"\n" + array("I", code).tobytes())
        tmp.replace(path)  # whole or not at all: workers may write the same pattern at once
    except OSError:
        pass  # a read-only or full disk: the pattern is still compiled
    return compiled


def compile_cached(
    pattern: str, flags: int = 0, *, folder: Path | None = None, min_length: int = MIN_CACHED_LENGTH
) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from this machine's cache when another process compiled it before.

    ``folder`` overrides `cache_folder`. Patterns shorter than ``min_length`` characters, and every
    pattern on a Python whose engine the cache does not know, are compiled directly.
    """
    where = folder if folder is not None else cache_folder()
    engine = _engine()
    if where is None or engine is None or len(pattern) < min_length:
        return re.compile(pattern, flags)
    path = where / f"{_key(pattern, flags, engine)}.re"
    loaded = _load(path, pattern) if path.exists() else None
    if loaded is not None:
        return loaded
    try:
        return _store(path, pattern, flags)
    except Exception:  # the engine's internals changed (or a bad pattern): compile the documented way
        return re.compile(pattern, flags)
