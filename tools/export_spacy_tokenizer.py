"""Export datatrove's word splitting for websieve: spaCy's rules, and which splitter each language gets.

websieve splits words as datatrove's FineWeb and FineWeb-2 filters do (their thresholds are tuned to those
counts) without depending on spaCy or datatrove. ``export`` (the default) writes, once, into
``src/websieve/steps/quality/data/spacy_tokenizers.json.xz`` (270 KB; 6.5 MB of JSON):

- the rules of ``spacy.blank(code).tokenizer`` for every ``tok_code`` datatrove's
  ``tokenizer_assignment.csv`` gives a ``SpaCyTokenizer`` (English, French…, and ``xx``, spaCy's
  multi-language rules): prefix, suffix and infix expressions, ``token_match`` and ``url_match``
  (expressions or null), the special cases (string -> token texts) and, for the special cases spaCy's
  retokenizing pass looks for (those the affix rules would split, or with a space), the tokens it looks
  for, found by spaCy itself. Expressions shared by languages are stored once. Two facts websieve's
  faster path relies on are checked here with spaCy and stored: whether a chunk of letters only can ever be
  split (``letters_whole``), and the suffix expression cut into its alternatives, each with the
  characters it can end with and whether it is at most a few characters wide (so that a suffix is looked
  for only with the rules that can end with a chunk's last character, near its end);
- the assignment of a splitter to each language (datatrove's type and code), keyed by websieve's language
  id labels (fastText lid.176, mapped through the FineWeb-2 configs they stand for in
  ``data/fineweb2_thresholds.json``) and by ISO 639-3 code with script (``fra_Latn``) and without.

Chinese, Japanese and Vietnamese need packages spaCy does not ship: websieve segments them itself.

``record`` writes the parity samples tests replay (``tests/data/quality/spacy-words.jsonl.gz``): Leipzig
sentences of 73 languages and lines of the dev pages (``../shared/data``), and for each spaCy language
lines of its own special cases in a row, with the words datatrove's ``load_word_tokenizer`` finds in them.
Run both where datatrove and spaCy are installed (``make peer-datatrove``, plus ``jieba sudachipy
sudachidict_core pythainlp laonlp "kiwipiepy==0.21.0" pyvi khmer-nltk`` for the languages without
spaces; the export takes 4 minutes, checking letters); spaCy is MIT, datatrove Apache-2.0:

    benchmarks/_work/dt-venv/bin/python tools/export_spacy_tokenizer.py [export|record]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import lzma
import random
import re
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/websieve/steps/quality/data/spacy_tokenizers.json.xz"
THRESHOLDS = ROOT / "src/websieve/steps/quality/data/fineweb2_thresholds.json"
SAMPLES = ROOT / "tests/data/quality/spacy-words.jsonl.gz"
SHARED = ROOT.parent / "shared" / "data"
METHODS = {
    "prefix": ("prefix_search", "search"),
    "suffix": ("suffix_search", "search"),
    "infix": ("infix_finditer", "finditer"),
    "token_match": ("token_match", "match"),
    "url_match": ("url_match", "match"),
}
BOUNDED = 64
"""Suffix alternatives at most this wide are searched for near the end only."""


def assignment_rows() -> list[dict[str, str]]:
    from datatrove.utils._import_utils import ASSETS_PATH

    with open(Path(ASSETS_PATH) / "tokenizer_assignment.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def spacy_codes() -> list[str]:
    rows = assignment_rows()
    return sorted({row["tok_code"] for row in rows if row["type"] == "SpaCyTokenizer"} | {"en", "xx"})


def expression(tokenizer: Any, attribute: str, method: str) -> tuple[str, int] | None:
    """The regular expression behind one of the tokenizer's callables (all are bound ``re`` methods)."""
    bound = getattr(tokenizer, attribute)
    if bound is None:
        return None
    pattern = getattr(bound, "__self__", None)
    if not isinstance(pattern, re.Pattern) or bound.__name__ != method:
        raise SystemExit(f"{attribute} is {bound!r}, not a regular expression's .{method}")
    return pattern.pattern, int(pattern.flags)


def alternatives(pattern: str) -> list[str]:
    """``pattern`` cut at its top-level ``|`` (outside groups, classes and escapes)."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    in_class = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                i += 1
            if pattern[i + 1 : i + 2] == "]":  # a leading ] is a literal
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def last_characters(items: Any, flags: int) -> list[list[int]] | None:
    """The characters a parsed expression can end with, as [first, last] ranges; None: any, or unknown."""
    from re import _parser as sre_parse  # type: ignore[attr-defined]

    if flags & re.IGNORECASE:
        return None
    found: list[list[int]] = []
    for op, av in reversed(list(items)):
        if op in (sre_parse.AT, sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            continue  # zero width
        if op is sre_parse.LITERAL:
            found.append([av, av])
        elif op is sre_parse.IN:
            for kind, value in av:
                if kind is sre_parse.LITERAL:
                    found.append([value, value])
                elif kind is sre_parse.RANGE:
                    found.append(list(value))
                else:  # NEGATE, CATEGORY...
                    return None
        elif op is sre_parse.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            inner = last_characters(sub, flags | add_flags)
            if inner is None:
                return None
            found.extend(inner)
        elif op is sre_parse.BRANCH:
            for sub in av[1]:
                inner = last_characters(sub, flags)
                if inner is None:
                    return None
                found.extend(inner)
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT):
            inner = last_characters(av[2], flags)
            if inner is None:
                return None
            found.extend(inner)
        else:  # ANY, NOT_LITERAL, group references...
            return None
        if sre_parse.SubPattern(None, [(op, av)]).getwidth()[0] > 0:
            return sorted(found)
    return None  # it can match nothing at all


def split_suffix(pattern: str, flags: int) -> dict[str, Any] | None:
    """The suffix expression cut into its alternatives, each with the characters it can end with:
    ``near`` those at most `BOUNDED` characters wide (``width``: the widest), ``far`` the others.

    Every alternative must end at the end of the string (``$``): then a match's start alone decides the
    suffix, the leftmost start among all alternatives is the leftmost start of the whole, the near ones
    need only be looked for in the last ``width`` characters, and only those that can end with the
    string's last character at all. None when that does not hold.
    """
    from re import _parser as sre_parse  # type: ignore[attr-defined]

    parts = alternatives(pattern)
    tree = sre_parse.parse(pattern, flags)
    branch = tree.data[0][1][1] if len(tree.data) == 1 and tree.data[0][0] is sre_parse.BRANCH else None
    if branch is None or len(branch) != len(parts):
        return None
    near: list[list[Any]] = []
    far: list[list[Any]] = []
    width = 0
    for part, item in zip(parts, branch, strict=True):
        parsed = sre_parse.parse(part, flags)
        if parsed.getwidth() != item.getwidth() or parsed.data[-1] != (sre_parse.AT, sre_parse.AT_END):
            return None
        ends = last_characters(parsed.data, flags)
        high = parsed.getwidth()[1]
        if high <= BOUNDED:
            near.append([part, ends])
            width = max(width, high)
        else:
            far.append([part, ends])
    return {"near": near, "width": width, "far": far}


@cache
def corpus_letter_strings() -> frozenset[str]:
    """Real words of letters only, and every letter among others."""
    words: set[str] = set()
    for path in sorted((SHARED / "langid-lingua-testdata").glob("*/*.txt.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            words.update(word for line in fh for word in line.split() if word.isalpha())
    for code in range(0x110000):
        char = chr(code)
        if char.isalpha():
            words.update((char * 2, "ab" + char + "ab", "аб" + char, char + "a"))
    return frozenset(words)


def letter_strings(special: dict[str, Any], patterns: list[str]) -> list[str]:
    """Strings of letters only to try the rules on: `corpus_letter_strings` and the letters-only
    alternatives of the expressions (currency codes such as ``Rp``)."""
    words = set(corpus_letter_strings())
    for pattern in patterns:
        for part in alternatives(pattern):
            bare = part.strip("^$")
            if bare.isalpha():
                words.update((bare, bare + "a", "a" + bare))
    return sorted(word for word in words if word not in special)


def export_language(code: str, pool: dict[tuple[str, int], int]) -> dict[str, Any]:
    import spacy
    from spacy.tokenizer import Tokenizer

    tokenizer = spacy.blank(code).tokenizer
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(type(tokenizer).__name__)
    if not tokenizer.faster_heuristics:
        raise SystemExit(f"{code}: faster_heuristics off; the matcher would see every special case")
    entry: dict[str, Any] = {}
    found: dict[str, tuple[str, int] | None] = {}
    for key, (attribute, method) in METHODS.items():
        found[key] = expression(tokenizer, attribute, method)
        entry[key] = None if found[key] is None else pool.setdefault(found[key], len(pool))  # type: ignore[arg-type]
    suffix = found["suffix"]
    assert suffix is not None
    entry["suffix_split"] = split_suffix(*suffix)
    special = {key: [token[65] for token in value] for key, value in tokenizer.rules.items()}
    for key, orths in special.items():
        if "".join(orths) != key:
            raise SystemExit(f"{code}: special case {key!r} -> {orths!r}")
    # the tokens spaCy's special-case matcher looks for: the special case split by the rules alone
    bare = Tokenizer(
        tokenizer.vocab,
        rules={},
        prefix_search=tokenizer.prefix_search,
        suffix_search=tokenizer.suffix_search,
        infix_finditer=tokenizer.infix_finditer,
        token_match=tokenizer.token_match,
        url_match=tokenizer.url_match,
    )
    matched = {}
    for key in sorted(special):
        if (
            tokenizer.find_prefix(key)
            or tokenizer.find_infix(key)
            or tokenizer.find_suffix(key)
            or " " in key
        ):
            matched[key] = [token.text for token in bare(key)]
    # chunks of letters only: does any rule ever split one?
    patterns = [found[key][0] for key in ("prefix", "suffix", "infix") if found[key] is not None]  # type: ignore[index]
    split = [
        word
        for word in letter_strings(special, patterns)
        if tokenizer.find_prefix(word)
        or tokenizer.find_suffix(word)
        or any(match.start() > 0 for match in tokenizer.find_infix(word))
    ]
    entry["letters_whole"] = not split
    entry["special_cases"] = dict(sorted(special.items()))
    entry["matched"] = matched
    print(f"{code}: {len(special)} special cases, {len(matched)} matched; letters split: {split[:5]}")
    return entry


def lid_configs() -> dict[str, str]:
    """lid.176 label -> the FineWeb-2 config (ISO 639-3 + script) it stands for; English -> eng_Latn."""
    table = json.loads(THRESHOLDS.read_text(encoding="utf-8"))["languages"]
    return {label: ("eng_Latn" if label == "en" else entry["config"]) for label, entry in table.items()}


def assignments() -> dict[str, list[str]]:
    """Language -> [datatrove's tokenizer type, its code], as datatrove's ``load_tokenizer_assignments``
    reads the table (ISO 639-3 + script, and the code alone for its default script), then lid.176 labels."""
    table: dict[str, list[str]] = {}
    for row in assignment_rows():
        if not row["type"]:
            continue
        spec = [row["type"], row["tok_code"]]
        code_script = f"{row['code_3']}_{row['script']}"
        if code_script not in table:
            table[code_script] = spec
            if row["default_script"] == "TRUE":
                table.setdefault(row["code_3"], spec)
    labels = {}
    for label, config in sorted(lid_configs().items()):
        if config not in table:
            raise SystemExit(f"lid.176 {label!r}: {config} has no tokenizer in datatrove's table")
        labels[label] = table[config]
    return {**labels, **{key: value for key, value in sorted(table.items()) if key not in labels}}


def export() -> None:
    import spacy

    pool: dict[tuple[str, int], int] = {}
    languages: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for code in spacy_codes():
        try:
            languages[code] = export_language(code, pool)
        except (ImportError, TypeError) as exc:  # needs another package, or not spaCy's rule tokenizer
            skipped[code] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    data = {
        "source": f"spaCy {spacy.__version__} (MIT License, (c) Explosion AI): spacy.blank(code).tokenizer "
        f"for the SpaCyTokenizer codes of datatrove {metadata.version('datatrove')}'s "
        "tokenizer_assignment.csv (Apache-2.0), which also gives the assignments",
        "skipped": skipped,
        "expressions": [[pattern, flags] for (pattern, flags), _ in sorted(pool.items(), key=lambda x: x[1])],
        "assignments": assignments(),
        "languages": languages,
    }
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    OUT.write_bytes(lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME))
    print(f"wrote {OUT}: {len(languages)} languages, {len(pool)} expressions, {len(raw):,} bytes of JSON, ")
    print(f"{OUT.stat().st_size:,} compressed; skipped: {skipped}")


# ---- parity samples -------------------------------------------------------------------------------------

LEIPZIG_ISO3 = {
    "lg": "lug", "mi": "mri", "nb": "nob", "sn": "sna", "st": "sot", "tn": "tsn", "ts": "tso", "xh": "xho",
    "zu": "zul",
}  # fmt: skip
"""Leipzig languages lid.176 has no label for: recorded under their ISO 639-3 code."""
HANDMADE = {
    "km": ["ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា។ ភ្នំពេញគឺជារាជធានីនៃប្រទេសកម្ពុជា", "សួស្តី! តើអ្នកសុខសប្បាយទេ?"],
    "lo": ["ພາສາລາວໃນປັດຈຸບັນ.", "ສະບາຍດີ, ຂ້ອຍຊື່ສົມຊາຍ. ນະຄອນຫຼວງວຽງຈັນແມ່ນນະຄອນຫຼວງຂອງລາວ"],
}
"""Lao and Khmer, which Leipzig's set lacks: a few sentences written for the purpose."""
PACKAGES = [
    "spacy",
    "jieba",
    "sudachipy",
    "sudachidict_core",
    "pythainlp",
    "laonlp",
    "kiwipiepy",
    "pyvi",
    "khmer-nltk",
]
"""The versions recorded with the samples."""
NOT_HERE = {"StanzaTokenizer", "TibetanTokenizer", "BurmeseTokenizer"}
"""datatrove's splitters websieve does not have (it falls back, see ``words.py``): not recorded."""


def web_lines() -> list[str]:
    """Lines of the dev pages (several languages) with more than letters, digits and commas in them."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from noisy_scoring import load_rows

    lines = [line.strip() for row in load_rows() for line in row["text"].splitlines() if line.strip()]
    return [
        line
        for line in lines
        if sum(not c.isalnum() and c not in " ,." for c in line) >= 3 and len(line) < 300
    ]


def special_lines(rng: random.Random, special: dict[str, Any], count: int) -> list[str]:
    """Special cases in a row, between punctuation: what spaCy's matcher has to put back together."""
    keys = sorted(key for key in special if key.strip())
    wraps = ["{} {} {}", "({}) {}, {}.", "«{}» {}: {}!", "{}{} {}...", '"{} {}" {}?', "{}-{} {}'s"]
    return [rng.choice(wraps).format(*rng.sample(keys, 3)) for _ in range(count)]


def record() -> None:
    from datatrove.utils.word_tokenizers import SpaCyTokenizer, load_word_tokenizer

    rng = random.Random(176)
    web = web_lines()
    configs = lid_configs()
    table = assignments()
    rows: list[dict[str, Any]] = []
    # each language as split_words(text, lang=...) sees it: datatrove's tokenizer of its FineWeb-2 config
    sources = sorted(
        path.name.split(".")[0] for path in (SHARED / "langid-lingua-testdata/sentences").iterdir()
    )
    for source in [*sources, *HANDMADE]:
        lang = LEIPZIG_ISO3.get(source, source)
        kind, code = table.get(lang, ["SpaCyTokenizer", "xx"])
        if kind in NOT_HERE:
            continue
        if source in HANDMADE:
            lines = HANDMADE[source]
        else:
            with gzip.open(SHARED / "langid-lingua-testdata/sentences" / f"{source}.txt.gz", "rt") as fh:
                sentences = [line.strip() for line in fh if line.strip()]
            lines = rng.sample(sentences, 20) + ["\n".join(rng.sample(sentences, 6)) for _ in range(2)]
            if kind in ("SpaCyTokenizer", "WhitespaceTokenizer") and code not in ("zh", "ja", "vi"):
                lines += rng.sample(web, 6)
        tokenizer = load_word_tokenizer(configs.get(lang, lang))
        rows += [{"lang": lang, "text": line, "words": tokenizer.word_tokenize(line)} for line in lines]
        print(f"{lang} ({kind} {code}): {len(lines)} lines", flush=True)
    # every exported spaCy language's rules, on web lines and on its own special cases
    data = json.loads(lzma.decompress(OUT.read_bytes()))
    for code, entry in data["languages"].items():
        tokenizer = SpaCyTokenizer(code)
        lines = rng.sample(web, 10) + special_lines(rng, entry["special_cases"], 10)
        rows += [{"spacy": code, "text": line, "words": tokenizer.word_tokenize(line)} for line in lines]
    with gzip.open(SAMPLES, "wt", encoding="utf-8", compresslevel=9) as fh:
        versions = ", ".join(f"{name} {metadata.version(name)}" for name in PACKAGES)
        source = f"word_tokenize of datatrove {metadata.version('datatrove')} with {versions}"
        fh.write(json.dumps({"source": source}))
        fh.write("\n")
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {SAMPLES}: {len(rows)} lines, {SAMPLES.stat().st_size:,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("what", nargs="?", choices=("export", "record"), default="export")
    args = parser.parse_args()
    export() if args.what == "export" else record()


if __name__ == "__main__":
    main()
