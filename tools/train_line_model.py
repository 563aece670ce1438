"""Train the line model that ships in ``src/websieve/steps/clean/data/line_model.npz``.

Data: ``../shared/data/noisy-text/noisy-dev.jsonl.gz`` (1,171 noisy page texts) and, for line labels, a
reference main text per page (``benchmarks/_work/silver.jsonl.gz``, made by ``tools/make_silver.py``):
the human gold text for the 181 article-benchmark pages, trafilatura's extraction *from the original HTML*
for the 990 trafilatura-eval pages (the cleaner itself never sees HTML).

How a line is labelled (the noisy-text README asks us to say):
- a line of 4+ tokens is article text when at least half of its token 4-grams occur in the reference;
- a shorter line is article text when its tokens equal those of a whole reference line;
- a line that starts with an interface label and goes on ("Lesen Sie auch: …", "Lea también: …") is
  boilerplate even when trafilatura kept it (``--no-relabel-prefixed`` turns this off): readers and the
  human snippets treat these related-link teasers as boilerplate;
- on trafilatura-eval pages the human snippets override all that: a line containing a ``with`` snippet is
  article text, one containing a ``without`` snippet is not; these human labels weigh 10 times as much as
  the silver ones in training (``--snippet-weight``), since silver alone caps F1 at 0.91 on those pages;
- pages with no reference keep only their snippet-labelled lines.

``--html`` trains the model of the HTML extractor (``extract.html``) the same way, on the same labels,
but on lines rendered from each page's original HTML (``websieve.steps.extract.dom``), each with its DOM
region features (navigation, links, comments, article containers, resiliparse's main content...) appended.

Networks: 3 pairs of passes from different seeds, hidden layers of 32 and 16 units (``--members``,
``--hidden``); 64/32 units scored no better under cross-validation and cost more at run time.

Validation: pages are split into 5 folds *by site* (so no site's boilerplate is seen in training and
testing); both passes are trained on 4 folds and scored on the fifth. The decision threshold is the one that
maximises the mean F1 of the two parts of the dev set on those out-of-fold predictions. The fold models
are kept in ``benchmarks/_work/cv/`` so ``benchmarks/noisy_text.py --cv`` scores the whole cleaning step
on pages its model never saw. The shipped model is then trained on all pages.

    .venv/bin/pip install -e ".[train]"
    .venv/bin/python tools/train_line_model.py            # ~7 min on one core
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import regex  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from noisy_scoring import load_rows, score_gold, score_snippets, snippets  # noqa: E402
from websieve.document import Document  # noqa: E402
from websieve.steps.base import StepContext  # noqa: E402
from websieve.steps.clean.features import Line, context_features, line_features, split_lines  # noqa: E402
from websieve.steps.clean.model import LineModel, Mlp, Passes  # noqa: E402
from websieve.steps.clean.vocab import label_words, ui_prefix  # noqa: E402
from websieve.steps.extract.dom import RenderedPage, render_page  # noqa: E402
from websieve.steps.extract.html import page_language  # noqa: E402
from websieve.steps.langid.fasttext import FastTextLangId  # noqa: E402
from websieve.steps.read.decode import decode_page  # noqa: E402

_TOKEN = regex.compile(r"\w+")
WORK = ROOT / "benchmarks" / "_work"
FOLDS = 5


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def label_lines(lines: list[Line], ref: str | None, row: dict) -> tuple[np.ndarray, np.ndarray]:
    """1 article, 0 boilerplate, -1 unknown; and which labels a human snippet set."""
    labels = np.full(len(lines), -1, dtype=np.int8)
    human = np.zeros(len(lines), dtype=bool)
    if ref:
        ref_toks = tokens(ref)
        grams = {tuple(ref_toks[i : i + 4]) for i in range(len(ref_toks) - 3)}
        ref_lines = {tuple(tokens(x)) for x in ref.split("\n") if x.strip()}
        for i, line in enumerate(lines):
            toks = tokens(line.text)
            if len(toks) >= 4:
                own = [tuple(toks[j : j + 4]) for j in range(len(toks) - 3)]
                labels[i] = 1 if sum(g in grams for g in own) * 2 >= len(own) else 0
            else:
                labels[i] = 1 if toks and tuple(toks) in ref_lines else 0
    if RELABEL_PREFIXED:
        # trafilatura keeps related-link teasers inside the article ("Lea también: …"); readers don't
        for i, line in enumerate(lines):
            words = label_words(line.text)
            if labels[i] == 1 and len(words) <= 25 and ui_prefix(line.text, words):
                labels[i] = 0
    collapsed = [" ".join(line.text.split()) for line in lines]
    for value, label in ((row.get("without"), 0), (row.get("with"), 1)):
        for snip in snippets(value):
            s = " ".join(snip.split())
            for i, text in enumerate(collapsed):
                if s and s in text:
                    labels[i] = label
                    human[i] = True
    return labels, human


def site_fold(url: str) -> int:
    host = urlsplit(url).hostname or url
    parts = host.split(".")
    site = ".".join(parts[-2:]) if len(parts) >= 2 else host
    return zlib.crc32(site.encode()) % FOLDS


def html_page(row_id: str) -> RenderedPage:
    """A dev page rendered from its original HTML, as the ``extract.html`` step renders it."""
    from extraction_data import html_bytes

    return render_page(decode_page(html_bytes(row_id), http_charset=None)[0])


HIDDEN = (32, 16)
SNIPPET_WEIGHT = 1.0  # how much more a line labelled by a human snippet counts than one labelled by silver
RELABEL_PREFIXED = False  # "Lesen Sie auch: …" lines are boilerplate whatever the silver text says


def fit_mlp(x: np.ndarray, y: np.ndarray, seed: int, weight: np.ndarray | None = None) -> Mlp:
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    clf = MLPClassifier(
        hidden_layer_sizes=HIDDEN,
        alpha=1e-3,
        batch_size=512,
        learning_rate_init=2e-3,
        max_iter=120,
        early_stopping=True,
        n_iter_no_change=5,
        random_state=seed,
    )
    clf.fit(((x - scaler.mean_) / scale).astype(np.float32), y, sample_weight=weight)
    return Mlp(
        mean=scaler.mean_.astype(np.float32),
        scale=scale.astype(np.float32),
        weights=tuple(w.astype(np.float32) for w in clf.coefs_),
        biases=tuple(b.astype(np.float32) for b in clf.intercepts_),
    )


def fit_members(docs: list[dict], idx: list[int], seed: int, members: int) -> tuple[Passes, ...]:
    """``members`` pairs of passes, each from its own seed (their scores are averaged at run time)."""
    return tuple(Passes(*fit(docs, idx, seed + 1000 * j)) for j in range(members))


def fit(docs: list[dict], idx: list[int], seed: int) -> tuple[Mlp, Mlp]:
    def stack(part: list[int], key: str) -> np.ndarray:
        return np.concatenate([docs[i][key] for i in part])

    def weights(part: list[int], known: np.ndarray) -> np.ndarray | None:
        if SNIPPET_WEIGHT == 1.0:
            return None
        return np.where(stack(part, "human"), SNIPPET_WEIGHT, 1.0)[known]

    x, y = stack(idx, "X"), stack(idx, "y")
    known = y >= 0
    first = fit_mlp(x[known], y[known], seed, weights(idx, known))
    # pass 2 learns from pass-1 scores as they look on unseen pages: inner out-of-fold predictions
    inner = {i: k % 3 for k, i in enumerate(idx)}
    p1: dict[int, np.ndarray] = {}
    for f in range(3):
        tr = [i for i in idx if inner[i] != f]
        xs, ys = stack(tr, "X"), stack(tr, "y")
        m = fit_mlp(xs[ys >= 0], ys[ys >= 0], seed + 1 + f, weights(tr, ys >= 0))
        for i in idx:
            if inner[i] == f:
                p1[i] = m.predict(docs[i]["X"])
    x2 = np.concatenate([np.concatenate([docs[i]["X"], context_features(p1[i])], axis=1) for i in idx])
    second = fit_mlp(x2[known], y[known], seed + 10, weights(idx, known))
    return first, second


def reconstruct(lines: list[Line], keep: np.ndarray) -> str:
    return "\n".join(line.text for line, k in zip(lines, keep, strict=True) if k)


def evaluate(rows: list[dict], docs: list[dict], probs: dict[int, np.ndarray], threshold: float) -> tuple:
    preds = {rows[i]["id"]: reconstruct(docs[i]["lines"], probs[i] >= threshold) for i in probs}
    gold = [rows[i] for i in probs if "gold" in rows[i]]
    snip = [rows[i] for i in probs if "gold" not in rows[i]]
    return score_gold(gold, preds), score_snippets(snip, preds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--silver", type=Path, default=WORK / "silver.jsonl.gz")
    parser.add_argument("--out", type=Path, default=ROOT / "src/websieve/steps/clean/data/line_model.npz")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--hidden", default="32,16", help="hidden layer sizes, e.g. 64,32")
    parser.add_argument("--members", type=int, default=3, help="networks trained from different seeds")
    parser.add_argument("--cv-dir", type=Path, default=WORK / "cv")
    parser.add_argument(
        "--snippet-weight",
        type=float,
        default=10.0,
        help="weight of the lines a human snippet labelled (silver-labelled lines weigh 1)",
    )
    parser.add_argument(
        "--relabel-prefixed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help='label lines that start with an interface label ("Lesen Sie auch: …") boilerplate',
    )
    parser.add_argument(
        "--html",
        action="store_true",
        help="train the HTML extractor's model (extract.html): lines rendered from each page's original "
        "HTML by websieve.steps.extract.dom, with the DOM region features appended; writes "
        "src/websieve/steps/extract/data/html_line_model.npz and benchmarks/_work/cv-html/",
    )
    args = parser.parse_args()
    if args.html:
        if args.out == parser.get_default("out"):
            args.out = ROOT / "src/websieve/steps/extract/data/html_line_model.npz"
        if args.cv_dir == parser.get_default("cv_dir"):
            args.cv_dir = WORK / "cv-html"
    global HIDDEN, SNIPPET_WEIGHT, RELABEL_PREFIXED
    RELABEL_PREFIXED = args.relabel_prefixed
    HIDDEN = tuple(int(x) for x in args.hidden.split(","))
    SNIPPET_WEIGHT = args.snippet_weight
    if not args.silver.exists():
        sys.exit(f"{args.silver} is missing: run tools/make_silver.py first (see its docstring)")
    t0 = time.perf_counter()
    rows = load_rows()
    with gzip.open(args.silver, "rt", encoding="utf-8") as fh:
        refs = {r["id"]: r["ref"] for r in map(json.loads, fh)}
    lid = FastTextLangId()
    lid.setup()
    ctx = StepContext.standalone()
    docs = []
    for row in rows:
        text, regions = row["text"], None
        if args.html:
            page = html_page(row["id"])
            text, regions, lang = page.text, page.regions, page_language(lid, page)
        else:
            doc = lid.apply(Document(id=row["id"], text=text), ctx)
            lang = doc.lang if doc else None
        lines = split_lines(text)
        labels, human = label_lines(lines, refs.get(row["id"]), row)
        x = line_features(lines, lang, row.get("url"))
        if regions is not None:
            x = np.concatenate([x, regions[[line.line_no for line in lines]]], axis=1)
        docs.append({"lines": lines, "X": x, "y": labels, "human": human})
    n_lines = sum(len(d["y"]) for d in docs)
    n_pos = sum(int((d["y"] == 1).sum()) for d in docs)
    n_unk = sum(int((d["y"] < 0).sum()) for d in docs)
    print(
        f"{len(docs)} pages, {n_lines} lines: {n_pos} article, {n_unk} unlabelled "
        f"({time.perf_counter() - t0:.0f} s)"
    )

    folds = [site_fold(r["url"]) for r in rows]
    cv_dir = args.cv_dir
    cv_dir.mkdir(parents=True, exist_ok=True)
    oof: dict[int, np.ndarray] = {}
    for f in range(FOLDS):
        train = [i for i in range(len(rows)) if folds[i] != f]
        test = [i for i in range(len(rows)) if folds[i] == f]
        fold_model = LineModel(
            members=fit_members(docs, train, args.seed + 100 * f, args.members), threshold=0.5
        )
        for i in test:
            oof[i] = fold_model.score(docs[i]["X"])
        fold_model.save(cv_dir / f"fold{f}.npz")
        print(f"fold {f}: {len(test)} pages held out ({time.perf_counter() - t0:.0f} s)")

    def best_threshold(probs: dict[int, np.ndarray], show: bool = False) -> float:
        best = (0.0, 0.5)
        for t in np.arange(0.2, 0.81, 0.05):
            g, s = evaluate(rows, docs, probs, float(t))
            if show:
                print(f"  threshold {t:.2f}: article-benchmark {g}  trafilatura {s}")
            best = max(best, ((g.f1 + s.f1) / 2, float(t)))
        return round(best[1], 2)

    threshold = best_threshold(oof, show=True)
    # each fold model gets the threshold chosen *without* its own pages, so that the cross-validated
    # figure of benchmarks/noisy_text.py --cv tunes nothing on the pages it scores
    for f in range(FOLDS):
        others = {i: p for i, p in oof.items() if folds[i] != f}
        fold_threshold = best_threshold(others)
        m = LineModel.load(cv_dir / f"fold{f}.npz")
        LineModel(members=m.members, threshold=fold_threshold).save(cv_dir / f"fold{f}.npz")
        print(f"fold {f}: threshold {fold_threshold} (chosen on the other folds)")
    g, s = evaluate(rows, docs, oof, threshold)
    print(f"cross-validated (lines only, threshold {threshold}): article-benchmark {g}  trafilatura {s}")
    (cv_dir / "folds.json").write_text(json.dumps({r["id"]: folds[i] for i, r in enumerate(rows)}, indent=0))
    members = fit_members(docs, list(range(len(rows))), args.seed, args.members)
    LineModel(members=members, threshold=threshold).save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB) in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
