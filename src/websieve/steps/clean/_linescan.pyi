"""A page split into lines, and per-line character counts for the line features (C; see _linescan.c)."""

from collections.abc import Callable
from typing import Any

def scan(
    lines: list[str], table: bytes, sample: int, astral: Callable[[int], int], /
) -> tuple[bytes, str, str]: ...
def split(text: str, line_type: type[Any], /) -> list[Any]: ...
def words(
    low_words: str,
    low_letters: str,
    lines: list[str],
    stops: bytes,
    label_limit: int,
    short_limit: int,
    firsts: bytes,
    cues: bytes,
    slug: bytes,
    wanted: bytes,
    /,
) -> tuple[bytes, bytes, bytes, list[list[str]]]: ...
def context(q: bytes, n: int, k: int, /) -> bytes: ...
