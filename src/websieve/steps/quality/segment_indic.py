"""The Indic NLP Library's trivial tokenizer, as datatrove splits Hindi, Bengali, Tamil, Urdu... into words.

datatrove's ``IndicNLPTokenizer`` calls ``indicnlp.tokenize.indic_tokenize.trivial_tokenize(text, lang)``:
ASCII punctuation and the danda marks (Urdu: Arabic punctuation) become tokens of their own, then the text
is split at spaces only, numbers such as ``3 , 000`` being put back together. Tokens keep any other
whitespace inside them (``"a\\nb"`` is one token), as the library does. This is its code (Indic NLP
Library, MIT License, (c) 2013-present Anoop Kunchukuttan), so no package is needed.

>>> trivial_tokenize("भारत, एक देश है। 3,000 लोग")
['भारत', ',', 'एक', 'देश', 'है', '।', '3,000', 'लोग']
"""

from __future__ import annotations

import re
import string

__all__ = ["trivial_tokenize"]

_INDIC = re.compile(
    r"([" + string.punctuation + r"\u0964\u0965\uAAF1\uAAF0\uABEB\uABEC\uABED\uABEE\uABEF\u1C7E\u1C7F" + r"])"
)
_URDU = re.compile(
    r"([" + string.punctuation + r"\u0609\u060A\u060C\u061E\u066A\u066B\u066C\u066D\u06D4" + r"])"
)
_NUMBERS = re.compile(r"([0-9]+ [,.:/] )+[0-9]+")
_SPACES = re.compile(r"[ ]+")


def trivial_tokenize(text: str, *, lang: str = "hi") -> list[str]:
    """``indicnlp``'s ``trivial_tokenize``: Urdu's punctuation for ``ur``, the Brahmi scripts' otherwise;
    tokens stripped and empty ones left out as datatrove does."""
    if lang == "ur":
        spaced = _URDU.sub(r" \1 ", text.replace("\t", " "))
        tokens = _SPACES.sub(" ", spaced).strip(" ").split(" ")
    else:
        spaced = _INDIC.sub(r" \1 ", text.replace("\t", " "))
        joined = _SPACES.sub(" ", spaced).strip(" ")
        # numbers and dates stay whole (the library's loop, which skips a number at the very start)
        rebuilt = ""
        previous = 0
        for match in _NUMBERS.finditer(joined):
            start, end = match.start(), match.end()
            if start > previous:
                rebuilt = rebuilt + joined[previous:start]
                rebuilt = rebuilt + joined[start:end].replace(" ", "")
                previous = end
        tokens = (rebuilt + joined[previous:]).split(" ")
    return [token.strip() for token in tokens if token.strip()]
