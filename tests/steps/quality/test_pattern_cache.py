"""Patterns built from the machine's cache are the patterns `re.compile` builds: the same words for every
language's rules, in a process that compiled them and in a fresh one that only read the cache."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA
from websieve.steps.quality.pattern_cache import CACHE_ENV, compile_cached

#: spaCy languages whose rules the sample covers (French: the 1.4 MB token matcher, split by letter)
LANGS = ("fr", "en", "de", "ru", "pt", "pl", "tr", "es", "it", "nl")

SPLIT = """
import sys, orjson
from websieve.steps.quality.words import word_splitter
rows = [line.split("\\t", 1) for line in open(sys.argv[1], encoding="utf-8").read().splitlines()]
langs = sys.argv[2].split(",")
# every sentence through every language's rules: many expressions, many kinds of text
words = {lang: [word_splitter(lang).split(text) for _, text in rows] for lang in langs}
sys.stdout.buffer.write(orjson.dumps(words))
"""


def _split_in_fresh_process(cache: str) -> bytes:
    env = {**os.environ, CACHE_ENV: cache}
    done = subprocess.run(
        [sys.executable, "-c", SPLIT, str(DATA / "langid-sentences.tsv"), ",".join(LANGS)],
        env=env,
        capture_output=True,
        check=True,
    )
    return done.stdout


def test_words_are_the_same_with_a_cold_cache_a_warm_cache_and_none(tmp_path: Path) -> None:
    plain = _split_in_fresh_process("")  # no cache: re.compile
    cold = _split_in_fresh_process(str(tmp_path))  # compiles, stores the code
    stored = sorted((tmp_path / "re").glob("*.re"))
    assert len(stored) >= 10, "the large expressions were not stored"
    mtimes = [p.stat().st_mtime_ns for p in stored]
    warm = _split_in_fresh_process(str(tmp_path))  # builds every large pattern from the files
    assert [p.stat().st_mtime_ns for p in stored] == mtimes  # read, not written again
    assert plain == cold == warm and len(plain) > 10_000


def test_a_pattern_from_the_cache_is_the_compiled_one(tmp_path: Path) -> None:
    words = "|".join(f"(?:mot{i}|wort{i}[äöü]?)" for i in range(300))  # long enough to be cached
    pattern = rf"(?P<word>{words})|(?P<number>\d+(?:[.,]\d+)*)|(?P<other>[^\W\d_]+(?:['’-][^\W\d_]+)*)"
    direct = re.compile(pattern, re.IGNORECASE)
    compile_cached(pattern, re.IGNORECASE, folder=tmp_path)
    (stored,) = tmp_path.glob("*.re")
    written = stored.stat().st_mtime_ns
    built = compile_cached(pattern, re.IGNORECASE, folder=tmp_path)
    assert stored.stat().st_mtime_ns == written  # built from the file
    assert built is not direct and built.pattern == direct.pattern and built.flags == direct.flags
    assert built.groups == direct.groups and built.groupindex == direct.groupindex
    for text in ("L’été-là 3,14 mot7 !7", "ÉCOLE d'été 12.5.2024 WORT299Ü ?", "x" * 50 + "59"):
        assert [m.groupdict() for m in built.finditer(text)] == [m.groupdict() for m in direct.finditer(text)]


@pytest.mark.parametrize("damage", [b"", b"not json\n1234", b'{"flags": 32, "length": 5}\n\x01\x02'])
def test_a_damaged_file_is_compiled_again_and_replaced(tmp_path: Path, damage: bytes) -> None:
    pattern = "(?:" + "|".join(f"word{i}" for i in range(500)) + ")"
    compile_cached(pattern, folder=tmp_path)
    (stored,) = tmp_path.glob("*.re")
    good = stored.read_bytes()
    stored.write_bytes(damage)
    assert compile_cached(pattern, folder=tmp_path).match("word499")
    assert stored.read_bytes() == good


def test_short_patterns_and_an_unwritable_folder_are_compiled_as_usual(tmp_path: Path) -> None:
    assert compile_cached(r"\w+", folder=tmp_path).match("abc") and not list(tmp_path.iterdir())
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    pattern = "(?:" + "|".join(f"w{i}" for i in range(900)) + ")"
    assert compile_cached(pattern, folder=blocked / "re").fullmatch("w899")


def test_no_home_folder_means_no_cache_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A container's anonymous user has no home: `Path.home` raises, the cache is off."""
    from websieve.steps.quality import pattern_cache

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    monkeypatch.setattr(pattern_cache, "_folder", pattern_cache._UNSET)
    assert pattern_cache.cache_folder() is None
    pattern = "(?:" + "|".join(f"w{i}" for i in range(900)) + ")"
    assert compile_cached(pattern).fullmatch("w5")
