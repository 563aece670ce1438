"""Language-id accuracy and speed of websieve's model (fastText lid.176) against py3langid and pycld2.

Data: the Lingua test set (``shared/data/langid-lingua-testdata``): 75 languages, ~1000 sentences,
~1000 word pairs and ~1000 single words each, label = file name. Norwegian Bokmål (``nb``) is counted as
lid.176's ``no``; Croatian, Bosnian and Serbian (``hr``/``bs``/``sr``, and lid.176's ``sh``) as one class
``hbs``.

Printed, for each system (ours, py3langid, pycld2), measured in the same run:

- accuracy per granularity over all 75 languages, over the languages lid.176 supports, and over the
  languages all three systems support;
- sentences ("paragraphs") classified per second, single-threaded, and the ratio ours/peer;
- a per-language table for sentences (worst first, with our most frequent wrong label);
- exploratory combination strategies (fastText, falling back to a peer when its top score is low;
  Unicode/case preprocessing) with their sentence accuracy and speed.

Nothing is asserted; the figures are for deciding. Run from the repository root::

    .venv/bin/python benchmarks/langid.py            # everything, ~1000 items per language (~1-2 min)
    .venv/bin/python benchmarks/langid.py --quick    # 100 items per language, thresholds 0.7 only
    .venv/bin/python benchmarks/langid.py --limit 300 --data /path/to/langid-lingua-testdata
"""

from __future__ import annotations

import argparse
import gzip
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import py3langid
import pycld2

from websieve.steps.langid.model import LidModel

GRANULARITIES = ("sentences", "word-pairs", "single-words")
DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "langid-lingua-testdata"

HBS = "hbs"
# Codes that name the same class: lid.176 says "no" for Bokmål, CLD2 uses old ISO codes and zh-Hant.
_ALIASES = {
    "nb": "no",
    "hr": HBS,
    "bs": HBS,
    "sr": HBS,
    "sh": HBS,
    "sr-ME": HBS,
    "iw": "he",
    "jw": "jv",
    "in": "id",
    "zh-Hant": "zh",
}

Classifier = Callable[[str], str]


def canon(code: str) -> str:
    """The class a language code counts as in this benchmark."""
    return _ALIASES.get(code, code)


@dataclass(frozen=True, slots=True)
class Item:
    lang: str
    """File name (ISO 639-1), e.g. ``bs``."""
    gold: str
    """The class it counts as, e.g. ``hbs``."""
    text: str


@dataclass(slots=True)
class Run:
    """One system's predictions over one granularity."""

    preds: list[str]
    seconds: float

    @property
    def per_second(self) -> float:
        return len(self.preds) / self.seconds if self.seconds else float("nan")


# --------------------------------------------------------------------------------------------- data


def load(data: Path, limit: int | None) -> dict[str, list[Item]]:
    """Items per granularity, at most ``limit`` per language."""
    out: dict[str, list[Item]] = {}
    for gran in GRANULARITIES:
        items: list[Item] = []
        for path in sorted((data / gran).glob("*.txt.gz")):
            lang = path.name.split(".")[0]
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                lines = [line.strip() for line in fh if line.strip()]
            items.extend(Item(lang, canon(lang), text) for text in lines[:limit])
        if not items:
            raise SystemExit(f"no *.txt.gz under {data / gran}; pass --data")
        out[gran] = items
    return out


# ---------------------------------------------------------------------------------------- systems


def ours_labels(model: LidModel, probes: Sequence[str]) -> set[str]:
    """lid.176's label set, read from the model: the union of its full rankings over some texts.

    (fastText drops labels whose probability underflows, so one text does not show all 176.)
    """
    labels: set[str] = set()
    for text in probes:
        labels.update(lab for lab, _ in model.predict_k(text, 176))
    return labels


def py3langid_labels() -> set[str]:
    return {lab for lab, _ in py3langid.rank("label probe")}


def pycld2_labels() -> set[str]:
    detectable = set(pycld2.DETECTED_LANGUAGES)
    return {code for name, code in pycld2.LANGUAGES if name in detectable}


def pycld2_classify(text: str) -> str:
    try:
        return str(pycld2.detect(text)[2][0][1])
    except (pycld2.error, ValueError):  # invalid UTF-8 / surrogates (UnicodeEncodeError is a ValueError)
        return "un"


def run(classify: Classifier, items: Sequence[Item]) -> Run:
    texts = [it.text for it in items]
    start = time.perf_counter()
    preds = [classify(t) for t in texts]
    seconds = time.perf_counter() - start
    return Run([canon(p) for p in preds], seconds)


def accuracy(items: Sequence[Item], preds: Sequence[str], langs: set[str] | None = None) -> float:
    """Share of correct predictions, over items whose file language is in ``langs`` (all if None)."""
    hits = total = 0
    for it, pred in zip(items, preds, strict=True):
        if langs is None or it.lang in langs:
            total += 1
            hits += pred == it.gold
    return hits / total if total else float("nan")


# ------------------------------------------------------------------------------------ strategies


def step_classifier() -> Classifier:
    """The shipped step as a pipeline runs it (fastText, py3langid where fastText scores below 0.7)."""
    from websieve.document import Document
    from websieve.steps.base import StepContext
    from websieve.steps.langid.fasttext import FastTextLangId

    step = FastTextLangId()
    step.setup()
    ctx = StepContext.standalone()

    def classify(text: str) -> str:
        doc = step.apply(Document(id="b", text=text), ctx)
        return (doc.lang if doc is not None else None) or "und"

    return classify


def strategies(model: LidModel, thresholds: Sequence[float]) -> dict[str, Classifier]:
    """Ways of combining fastText with a peer or a preprocessing step, by name."""

    def ft(text: str) -> str:
        return model.predict(text)[0]

    def ft_nfc(text: str) -> str:
        return model.predict(unicodedata.normalize("NFC", text))[0]

    def ft_nfc_lower(text: str) -> str:
        return model.predict(unicodedata.normalize("NFC", text).lower())[0]

    def fallback_py3(threshold: float) -> Classifier:
        def classify(text: str) -> str:
            lang, score = model.predict(text)
            return lang if score >= threshold else str(py3langid.classify(text)[0])

        return classify

    def fallback_py3_top3(threshold: float) -> Classifier:
        """py3langid only chooses among fastText's three best labels."""

        def classify(text: str) -> str:
            top = model.predict_k(text, 3)
            if not top or top[0][1] >= threshold:
                return top[0][0] if top else "und"
            candidates = {canon(lab): lab for lab, _ in top}
            for lab, _ in py3langid.rank(text):
                if canon(lab) in candidates:
                    return candidates[canon(lab)]
            return top[0][0]

        return classify

    def fallback_cld2(threshold: float) -> Classifier:
        def classify(text: str) -> str:
            lang, score = model.predict(text)
            if score >= threshold:
                return lang
            other = pycld2_classify(text)
            return lang if other == "un" else other

        return classify

    def fallback_vote(threshold: float) -> Classifier:
        """Below the threshold, the label two of the three systems agree on (else fastText's)."""

        def classify(text: str) -> str:
            lang, score = model.predict(text)
            if score >= threshold:
                return lang
            votes = Counter(canon(x) for x in (lang, str(py3langid.classify(text)[0]), pycld2_classify(text)))
            best, count = votes.most_common(1)[0]
            return best if count >= 2 else lang

        return classify

    out: dict[str, Classifier] = {
        "fastText (ours, as is)": ft,
        "websieve langid.fasttext@1 step, default config": step_classifier(),
        "fastText on NFC text": ft_nfc,
        "fastText on NFC + lowercased text": ft_nfc_lower,
    }
    for t in thresholds:
        out[f"fastText; score<{t} -> py3langid"] = fallback_py3(t)
    for t in thresholds:
        out[f"fastText; score<{t} -> py3langid among ft top-3"] = fallback_py3_top3(t)
    for t in thresholds:
        out[f"fastText; score<{t} -> pycld2 (unless 'un')"] = fallback_cld2(t)
    for t in thresholds:
        out[f"fastText; score<{t} -> vote ft/py3langid/pycld2"] = fallback_vote(t)
    return out


# ------------------------------------------------------------------------------------------- main


def pct(x: float) -> str:
    return f"{100 * x:6.2f}%"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="langid-lingua-testdata folder")
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="first N items per language per granularity (default: all); the files are sorted, "
        "so a small N favours lines that start with digits",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: --limit 100, one threshold")
    parser.add_argument(
        "--thresholds",
        type=float,
        nargs="+",
        default=[0.5, 0.7, 0.9],
        help="fastText score thresholds for the fallback strategies",
    )
    args = parser.parse_args(argv)
    limit = 100 if args.quick and args.limit is None else args.limit
    thresholds = [0.7] if args.quick else args.thresholds

    data = args.data.resolve()
    t0 = time.perf_counter()
    items = load(data, limit)
    model = LidModel.load()
    pycld2_classify("warm up")
    py3langid.classify("warm up")  # loads its model lazily
    print(f"data: {data}")
    print(
        "items: "
        + ", ".join(f"{g} {len(v):,}" for g, v in items.items())
        + f" (limit per language: {limit or 'all'})"
    )

    # Which test languages each system can name at all.
    test_langs = sorted({it.lang for it in items["sentences"]})
    probes = [next(it.text for it in items["sentences"] if it.lang == lang) for lang in test_langs]
    ft_labels = ours_labels(model, probes)
    label_sets = {
        "ours": {canon(x) for x in ft_labels},
        "py3langid": {canon(x) for x in py3langid_labels()},
        "pycld2": {canon(x) for x in pycld2_labels()},
    }
    supported = {
        name: {lang for lang in test_langs if canon(lang) in labels} for name, labels in label_sets.items()
    }
    common = set.intersection(*supported.values())
    print(f"lid.176 labels found in the model: {len(ft_labels)}")
    for name, langs in supported.items():
        missing = sorted(set(test_langs) - langs)
        print(
            f"  {name:<10} supports {len(langs)}/{len(test_langs)} test languages; "
            f"excluded: {' '.join(missing) or '-'}"
        )
    print(f"  supported by all three: {len(common)}")
    ours_supported = supported["ours"]

    systems: dict[str, Classifier] = {
        "ours": lambda text: model.predict(text)[0],
        "py3langid": lambda text: str(py3langid.classify(text)[0]),
        "pycld2": pycld2_classify,
    }
    runs = {(name, gran): run(fn, items[gran]) for name, fn in systems.items() for gran in GRANULARITIES}

    print("\n== Accuracy per granularity (hr/bs/sr = hbs, nb = no)")
    all_n = f"all {len(test_langs)}"
    print(f"{'system':<10} {'granularity':<13} {all_n:>8} {'lid.176':>8} {'common':>8} {'items/s':>10}")
    for name in systems:
        for gran in GRANULARITIES:
            r = runs[name, gran]
            its = items[gran]
            print(
                f"{name:<10} {gran:<13} {pct(accuracy(its, r.preds))} "
                f"{pct(accuracy(its, r.preds, ours_supported))} {pct(accuracy(its, r.preds, common))} "
                f"{r.per_second:>10,.0f}"
            )
    print(
        f"('lid.176' = the {len(ours_supported)} test languages lid.176 supports; "
        f"'common' = the {len(common)} all three support)"
    )

    print("\n== Speed on sentences, single-threaded (sentences/s)")
    ours_speed = runs["ours", "sentences"].per_second
    for name in systems:
        speed = runs[name, "sentences"].per_second
        ratio = "" if name == "ours" else f"   ours/{name} = {ours_speed / speed:.2f}x"
        print(f"{name:<10} {speed:>10,.0f}/s{ratio}")

    print("\n== Sentences per language, worst first (ours)")
    sent = items["sentences"]
    by_lang: dict[str, list[int]] = {}
    for i, it in enumerate(sent):
        by_lang.setdefault(it.lang, []).append(i)

    def lang_acc(name: str, idx: list[int]) -> float:
        preds = runs[name, "sentences"].preds
        return sum(preds[i] == sent[i].gold for i in idx) / len(idx)

    rows = []
    for lang, idx in by_lang.items():
        wrong = Counter(
            runs["ours", "sentences"].preds[i]
            for i in idx
            if runs["ours", "sentences"].preds[i] != sent[i].gold
        )
        top = f"{wrong.most_common(1)[0][0]} x{wrong.most_common(1)[0][1]}" if wrong else "-"
        rows.append(
            (lang_acc("ours", idx), lang, len(idx), top, lang_acc("py3langid", idx), lang_acc("pycld2", idx))
        )
    print(f"{'lang':<9} {'n':>5} {'ours':>8} {'top confusion':<14} {'py3langid':>9} {'pycld2':>8}")
    for acc, lang, n, top, acc_py3, acc_cld2 in sorted(rows):
        name = lang if canon(lang) == lang else f"{lang}>{canon(lang)}"
        flag = "" if lang in ours_supported else "  (not in lid.176)"
        print(f"{name:<9} {n:>5} {pct(acc)} {top:<14} {pct(acc_py3):>9} {pct(acc_cld2)}{flag}")

    print("\n== Combination strategies on sentences (target: >= 99% on lid.176 languages)")
    print(f"{'strategy':<48} {'lid.176':>8} {all_n:>8} {'sent/s':>9}")
    for label, fn in strategies(model, thresholds).items():
        r = run(fn, sent)
        print(
            f"{label:<48} {pct(accuracy(sent, r.preds, ours_supported))} {pct(accuracy(sent, r.preds))} "
            f"{r.per_second:>9,.0f}"
        )

    print(f"\n(total time {time.perf_counter() - t0:.0f}s)")
    parts = []
    for name in systems:
        r = runs[name, "sentences"]
        parts.append(
            f"{name} acc(all)={pct(accuracy(sent, r.preds)).strip()} "
            f"acc(supported)={pct(accuracy(sent, r.preds, ours_supported)).strip()} "
            f"para/s={r.per_second:,.0f}"
        )
    print(
        "SUMMARY sentences "
        + " | ".join(parts)
        + f" | ours/py3langid speed={ours_speed / runs['py3langid', 'sentences'].per_second:.2f}x"
        + f" ours/pycld2 speed={ours_speed / runs['pycld2', 'sentences'].per_second:.2f}x"
    )
    for gran in GRANULARITIES[1:]:
        print(
            f"SUMMARY {gran} "
            + " | ".join(
                f"{name} acc(all)={pct(accuracy(items[gran], runs[name, gran].preds)).strip()} "
                f"acc(supported)={pct(accuracy(items[gran], runs[name, gran].preds, ours_supported)).strip()}"
                for name in systems
            )
        )


if __name__ == "__main__":
    main()
