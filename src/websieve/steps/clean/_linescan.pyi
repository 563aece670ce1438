"""Per-line character counts for the line features, in one pass (C; see _linescan.c)."""

from collections.abc import Callable

def scan(
    lines: list[str], table: bytes, sample: int, astral: Callable[[int], int], /
) -> tuple[bytes, str, str]: ...
