"""Words in URLs: FineWeb's banned words, soft words and subwords, and RefinedWeb's URL words.

FineWeb's lists (datatrove's ``URLFilter``, Apache-2.0) are matched as datatrove matches them: a banned or
soft word is one of the URL's words as written (runs of ASCII letters and digits; so ``XXX`` is not
``xxx``), a subword occurs anywhere in the URL once everything but its letters and digits is removed and
it is lower-cased. RefinedWeb's lists (as DCLM reverse-engineered them, MIT) are matched as DCLM matches
them: ``strict`` words anywhere in the lower-cased URL without ``-`` and ``.``, ``hard`` and ``soft``
words as whole words (regex ``\\b``) of the lower-cased URL.

`WordLists.find` is the plain Python reading of those rules; `build_automaton` compiles the same lists into
one Aho-Corasick automaton for the C matcher, which scans the three views of a URL in one pass.

>>> lists = WordLists.load(fineweb=True, refinedweb=True)
>>> found = lists.find("http://example.com/Sexy-babes/nude-webcam")
>>> found[WordRule.SOFT]  # "Sexy" is not "sexy" for datatrove
('babes', 'nude', 'webcam')
>>> found[WordRule.RW_SOFT]
('nude', 'sexy')
"""

from __future__ import annotations

import enum
import re
from collections import deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

__all__ = ["Automaton", "WordLists", "WordRule", "build_automaton"]

_DIR = Path(__file__).with_name("data")
_DT_SPLIT = re.compile(r"[^a-zA-Z0-9]+")


class WordRule(enum.IntEnum):
    """The word rules, in the order of the C matcher's results (and of the filter's checks)."""

    BANNED = 0
    """FineWeb: a banned word is one of the URL's words."""
    SOFT = 1
    """FineWeb: soft words among the URL's words (the filter drops at a threshold, 2)."""
    SUBWORD = 2
    """FineWeb: a banned subword occurs in the URL's letters and digits."""
    RW_STRICT = 3
    """RefinedWeb: a strict word occurs in the URL without ``-`` and ``.``."""
    RW_HARD = 4
    """RefinedWeb: a hard word is a whole word of the URL."""
    RW_SOFT = 5
    """RefinedWeb: soft words that are whole words of the URL (dropped at 2)."""


_SOFT_RULES = (WordRule.SOFT, WordRule.RW_SOFT)


class _View(enum.IntEnum):
    LOWER = 0
    """The lower-cased URL."""
    ALNUM = 1
    """Its ASCII letters and digits only."""
    NO_DOT_DASH = 2
    """Without ``-`` and ``.``."""


_VIEW_OF = {
    WordRule.BANNED: _View.LOWER,
    WordRule.SOFT: _View.LOWER,
    WordRule.SUBWORD: _View.ALNUM,
    WordRule.RW_STRICT: _View.NO_DOT_DASH,
    WordRule.RW_HARD: _View.LOWER,
    WordRule.RW_SOFT: _View.LOWER,
}
# boundary flags of an automaton output (as _urlscan.c reads them)
_B_ALNUM, _B_WORD, _B_FIRST_WORD, _B_LAST_WORD = 1, 2, 4, 8


def _datatrove_words(name: str) -> set[str]:
    """A FineWeb list as datatrove's ``get_list`` reads it: no ``#`` lines, ASCII letters and digits only."""
    with open(_DIR / "fineweb" / name, encoding="utf-8") as fh:
        return {w for w in (_DT_SPLIT.sub("", line).lower() for line in fh if line[0] != "#") if w}


def _dclm_words(name: str) -> set[str]:
    """A RefinedWeb list as DCLM's ``url_substring_filter`` reads it: lines, lower-cased."""
    return {w.lower() for w in (_DIR / "refinedweb" / name).read_text(encoding="utf-8").splitlines() if w}


@cache
def _whole_words(words: tuple[str, ...]) -> re.Pattern[str]:
    """DCLM's pattern (retrie's ``Blacklist`` with ``match_substrings=False``): any of ``words`` between
    word boundaries, ignoring case."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class WordLists:
    """The words of each enabled rule, sorted: a word's id is its place in `words`, rule after rule."""

    rules: dict[WordRule, tuple[str, ...]]

    @classmethod
    def load(
        cls,
        *,
        fineweb: bool = True,
        banned: bool = True,
        soft: bool = True,
        subwords: bool = True,
        refinedweb: bool = False,
    ) -> WordLists:
        files = {
            WordRule.BANNED: fineweb and banned and _datatrove_words("banned_words.txt"),
            WordRule.SOFT: fineweb and soft and _datatrove_words("soft_banned_words.txt"),
            WordRule.SUBWORD: fineweb and subwords and _datatrove_words("banned_subwords.txt"),
            WordRule.RW_STRICT: refinedweb and _dclm_words("strict.txt"),
            WordRule.RW_HARD: refinedweb and _dclm_words("hard.txt"),
            WordRule.RW_SOFT: refinedweb and _dclm_words("soft.txt"),
        }
        return cls({rule: tuple(sorted(words)) for rule, words in files.items() if words})

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w for rule in WordRule for w in self.rules.get(rule, ()))

    def find(self, url: str) -> dict[WordRule, str | tuple[str, ...] | None]:
        """Per rule: the first (alphabetically) word found, or for soft rules all of them, sorted."""
        found: dict[WordRule, str | tuple[str, ...] | None] = {
            rule: () if rule in _SOFT_RULES else None for rule in WordRule
        }
        tokens = set(_DT_SPLIT.split(url))
        lower = url.lower()
        texts = {
            WordRule.SUBWORD: _DT_SPLIT.sub("", url).lower(),
            WordRule.RW_STRICT: lower.replace("-", "").replace(".", ""),
        }
        for rule, words in self.rules.items():
            if rule in (WordRule.BANNED, WordRule.SOFT):
                hits = [w for w in words if w in tokens]
            elif rule in texts:
                hits = [w for w in words if w in texts[rule]]
            else:
                found_here = set(_whole_words(words).findall(lower))
                hits = [w for w in words if w in found_here]
            found[rule] = tuple(hits) if rule in _SOFT_RULES else (hits[0] if hits else None)
        return found


@dataclass(frozen=True, slots=True)
class Automaton:
    """The tables `_urlscan.Matcher` scans with (see ``_urlscan.c``)."""

    delta: np.ndarray
    classes: np.ndarray
    out_off: np.ndarray
    out_items: np.ndarray
    roots: tuple[int, int, int]


def _is_word(ch: str, rule: WordRule) -> bool:
    return ch.isascii() and (
        ch.isalnum() or (rule is not WordRule.BANNED and rule is not WordRule.SOFT and ch == "_")
    )


def build_automaton(lists: WordLists) -> Automaton:
    """One Aho-Corasick automaton with a root per view of the URL; outputs carry (rule, word id, length,
    boundary flags). Words that are not ASCII are left out: the C matcher only sees ASCII URLs."""
    patterns: dict[_View, dict[str, list[tuple[int, int, int]]]] = {v: {} for v in _View}
    word_id = 0
    for rule in WordRule:
        for word in lists.rules.get(rule, ()):
            if word.isascii():
                bounds = 0
                if rule in (WordRule.BANNED, WordRule.SOFT):
                    bounds = _B_ALNUM
                elif rule in (WordRule.RW_HARD, WordRule.RW_SOFT):
                    bounds = _B_WORD
                if bounds:
                    bounds |= _B_FIRST_WORD * _is_word(word[0], rule) | _B_LAST_WORD * _is_word(
                        word[-1], rule
                    )
                patterns[_VIEW_OF[rule]].setdefault(word, []).append((int(rule), word_id, bounds))
            word_id += 1
    alphabet = sorted({ch for by_text in patterns.values() for text in by_text for ch in text})
    classes = np.zeros(256, dtype=np.uint8)
    for k, ch in enumerate(alphabet):
        classes[ord(ch)] = k + 1
    goto: list[dict[int, int]] = []
    outputs: list[list[tuple[int, int, int, int]]] = []
    roots = []
    for view in _View:
        if not patterns[view]:
            roots.append(-1)
            continue
        root = len(goto)
        roots.append(root)
        goto.append({})
        outputs.append([])
        for text, tagged in sorted(patterns[view].items()):
            state = root
            for ch in text:
                cls = int(classes[ord(ch)])
                if cls not in goto[state]:
                    goto[state][cls] = len(goto)
                    goto.append({})
                    outputs.append([])
                state = goto[state][cls]
            outputs[state].extend((rule, wid, len(text), bounds) for rule, wid, bounds in tagged)
    n_classes = len(alphabet) + 1
    delta = np.zeros((max(len(goto), 1), n_classes), dtype=np.int32)
    for root in (r for r in roots if r >= 0):
        fail = {root: root}
        queue = deque([root])
        while queue:  # breadth first: a state's failure is settled before its children's
            state = queue.popleft()
            for cls in range(n_classes):
                child = goto[state].get(cls)
                if child is None:
                    delta[state, cls] = root if state == root else delta[fail[state], cls]
                    continue
                delta[state, cls] = child
                fail[child] = root if state == root else int(delta[fail[state], cls])
                outputs[child] = outputs[child] + outputs[fail[child]]
                queue.append(child)
    out_off = np.zeros(len(delta) + 1, dtype=np.int32)
    out_off[1 : len(outputs) + 1] = np.cumsum([len(o) for o in outputs])
    out_off[len(outputs) + 1 :] = out_off[len(outputs)]
    items = [x for o in outputs for item in o for x in item]
    return Automaton(
        delta=delta.reshape(-1),
        classes=classes,
        out_off=out_off,
        out_items=np.array(items, dtype=np.int32),
        roots=(roots[0], roots[1], roots[2]),
    )
