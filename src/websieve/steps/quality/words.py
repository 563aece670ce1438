"""Words as the FineWeb filters count them: spaCy's English tokenizer, reproduced with one regex.

datatrove's Gopher, FineWeb and C4 filters count tokens of spaCy's blank English pipeline: words and
numbers, and every punctuation mark a token of its own ("Hello, world!" is four tokens), contractions
split ("don't" is "do" + "n't"), URLs and e-mail addresses whole. The thresholds are tuned to those
counts (80% of tokens must hold a letter, at least two of "the", "be", "to"... must appear), so
websieve counts the same way, about 30x faster than spaCy (`benchmarks/fineweb_parity.py` measures
both, and how often the filters' decisions differ).

>>> split_words("Don't panic: it's 3.5 km to https://example.org/x, e.g. Bob's")
['Do', "n't", 'panic', ':', 'it', "'s", '3.5', 'km', 'to', 'https://example.org/x', ',', 'e.g.', 'Bob', "'s"]
"""

from __future__ import annotations

from functools import lru_cache

import regex

__all__ = ["split_words"]

_CONTRACTION = r"(?:s|S|re|ve|ll|d|m|RE|VE|LL|D|M)\b"
_TOKEN = regex.compile(
    rf"""
    (?:https?://|www\.)[^\s<>"]*[^\s<>".,;:!?)\]'}}»”’]     # URLs, without the punctuation after them
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                         # e-mail addresses
    | (?:\p{{L}}\.){{2,}}(?!\w)                               # abbreviations: e.g. U.S. i.e.
    | (?<![\w.])\p{{Latin}}\.(?!\w)                           # initials: J. S.
    | (?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Inc|Ltd|Co|Corp|vs|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.
    | [:;=8][-']?[()DPp3]{{1,3}}(?![\w])                       # emoticons :) ;-) 8)
    | \):
    | \d+(?:[.,:/]\d+)*(?=[^\w]|$|\p{{L}})                     # numbers: 3.5 1,000 12:30 1/2
    | (?<![\w'’])[iI](?=m(?![\w'’]))                          # i|m, as spaCy's exceptions split "im"
    | (?<!\w)[Cc]an(?=not\b)                                   # can|not
    | [\w\p{{M}}]+?(?=n['’]t\b)                                # do|n't
    | n['’]t\b
    | ['’]{_CONTRACTION}                                      # 's 're 've 'll 'd 'm
    | (?:(?<!\S)[|/]+)?[\w\p{{M}}]+(?:(?:['’](?!{_CONTRACTION})|\.(?=[\p{{Ll}}\d])|(?<=\p{{L}})-(?=\d)|::?|\|)
      [\w\p{{M}}]+)*(?:[|+]|/(?![\w]))*
      (?:(?<=[\p{{M}}\p{{Thai}}])\.(?!\w))?                          # a final period stays after marks, Thai
    | \.{{2,}} | … | '' | --+ | //+                             # ellipses, doubled quotes, dashes, slashes
    | [^\w\s]                                                # any other mark: a token of its own
    """,
    regex.VERBOSE,
)


@lru_cache(maxsize=8)
def split_words(text: str) -> list[str]:
    """The tokens of ``text`` as spaCy's English tokenizer finds them (see the module docstring).

    The last few texts' tokens are kept (the filters of a chain read the same text one after the other):
    callers must not change the list they get.
    """
    tokens: list[str] = _TOKEN.findall(text)
    return tokens
