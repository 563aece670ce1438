"""A URL against compiled lists and word lists in one pass (C; see _urlscan.c)."""

from collections.abc import Callable
from typing import Any

class Matcher:
    def __init__(
        self,
        domains: tuple[Any, Any, Any],
        urls: tuple[Any, Any, Any],
        psl: tuple[Any, Any, Any],
        selected: Any,
        automaton: tuple[Any, Any, Any, Any, tuple[int, int, int]],
        words: tuple[str, ...],
        mode: int,
        fallback: Callable[[str], tuple[object, ...] | None],
        /,
    ) -> None: ...
    def check(self, url: str, /) -> tuple[object, ...] | None: ...
