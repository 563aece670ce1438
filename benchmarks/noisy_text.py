"""Article recovery from noisy extracted text: the ``clean-text`` preset on ``noisy-text/noisy-dev``.

Scores with the protocol of ``../shared/data/noisy-text/README.md`` (see ``noisy_scoring.py``), per part
of the dev set, next to the unchanged text, and measures documents/s of the line cleaner alone and of the
whole preset (one core).

``--cv`` (the honest figure): every page is cleaned by the fold model that never saw its site
(``benchmarks/_work/cv/fold*.npz`` and ``folds.json``, written by ``tools/train_line_model.py``). Without
``--cv`` the shipped model is used, which was trained on these pages: a training-set figure.

    .venv/bin/python benchmarks/noisy_text.py --cv
    .venv/bin/python benchmarks/noisy_text.py            # shipped model (training-set figure)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# one core means one core: no BLAS threads under the line model's matrix products (set before numpy loads)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from noisy_scoring import DEV, Score, load_rows, score_gold, score_snippets
from websieve.config import OnError, load_preset
from websieve.document import Document
from websieve.executors.collector import freeze_setup, own_process
from websieve.pipeline import Pipeline
from websieve.steps.base import StepContext
from websieve.steps.clean.features import SCAN_BACKEND
from websieve.steps.clean.lines import CleanLines

CV = Path(__file__).resolve().parent / "_work" / "cv"
REFERENCE = {
    "article-benchmark": "trafilatura 0.945, resiliparse 0.898 (both from HTML); datatrove FineWeb 0.167",
    "trafilatura-eval": "trafilatura 0.911, resiliparse 0.842 (both from HTML); datatrove FineWeb 0.125",
}


def score(rows: list[dict], preds: dict[str, str | None]) -> dict[str, Score]:
    gold = [r for r in rows if "gold" in r]
    snip = [r for r in rows if "gold" not in r]
    return {"article-benchmark": score_gold(gold, preds), "trafilatura-eval": score_snippets(snip, preds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cv", action="store_true", help="clean each page with the fold model that never saw it"
    )
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument(
        "--cv-dir", type=Path, default=CV, help="fold models (tools/train_line_model.py --cv-dir)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--set", action="append", default=[], help="config override, e.g. clean.lines.threshold=0.5"
    )
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="keep CPython's collector settings (by default the benchmark sets those of websieve's own "
        "processes, as `websieve run` and its workers do: websieve.executors.collector)",
    )
    args = parser.parse_args()
    if not args.default_gc:
        own_process()
    rows = load_rows(args.data)
    base = load_preset("clean-text").with_overrides(args.set)
    if args.cv:
        cv = args.cv_dir
        if not (cv / "folds.json").exists():
            sys.exit("no fold models: run tools/train_line_model.py first (it writes benchmarks/_work/cv/)")
        folds = json.loads((cv / "folds.json").read_text())
        configs = {
            f: base.with_overrides([f"clean.lines.model={cv / f'fold{f}.npz'}"]) for f in set(folds.values())
        }
        fold_of = {r["id"]: folds[r["id"]] for r in rows}
    else:
        configs = {0: base}
        fold_of = {r["id"]: 0 for r in rows}
    pipes = {}
    for f, cfg in configs.items():
        pipes[f] = Pipeline(cfg)
        pipes[f].setup()
    freeze_setup()

    preds: dict[str, str | None] = {}
    langs: dict[str, str] = {}
    clean_seconds = 0.0
    total_seconds = 0.0
    kept_lines = lines = 0
    for row in rows:
        pipe = pipes[fold_of[row["id"]]]
        ctx = StepContext.standalone(on_error=OnError.SKIP)
        doc = Document(id=row["id"], url=row.get("url"), text=row["text"])
        t0 = time.perf_counter()
        docs = iter([doc])
        for step in pipe.steps:
            if isinstance(step, CleanLines):
                before = list(docs)
                t1 = time.perf_counter()
                after = list(step.process(iter(before), ctx))
                dt = time.perf_counter() - t1
                clean_seconds += dt
                docs = iter(after)
            else:
                docs = step.process(docs, ctx)
        out = list(docs)
        total_seconds += time.perf_counter() - t0
        preds[row["id"]] = out[0].text if out else None
        langs[row["id"]] = (out[0].lang if out else None) or "?"
        if out:
            ann = out[0].annotations.get(CleanLines.step_id, {})
            lines += int(ann.get("lines") or 0)
            kept_lines += int(ann.get("kept_lines") or 0)

    unchanged = score(rows, {r["id"]: r["text"] for r in rows})
    ours = score(rows, preds)
    label = (
        "cross-validated (fold model never saw the site; threshold, rescue rule and vocabularies were "
        "chosen on this set)"
        if args.cv
        else "shipped model (trained on these pages)"
    )
    print(f"noisy-text dev: {len(rows)} pages; {label}")
    print("pages are cleaned one by one, so clean.boilerplate (a cross-page stage) passes them through")
    print(f"{'part':<20} {'docs':>5}  {'unchanged F1 (P / R)':<24} {'clean-text F1 (P / R)':<24} reference")
    for name in ("article-benchmark", "trafilatura-eval"):
        print(
            f"{name:<20} {ours[name].docs:>5}  {unchanged[name]!s:<24} {ours[name]!s:<24} {REFERENCE[name]}"
        )
    print("by language (as websieve tags it); snippet F1 (trafilatura-eval), 4-gram F1 (article-benchmark):")
    by_lang: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_lang[langs[r["id"]]].append(r)
    for lang, group in sorted(by_lang.items(), key=lambda kv: -len(kv[1]))[:8]:
        u, o = score(group, {r["id"]: r["text"] for r in group}), score(group, preds)
        cells = [
            f"{name} {o[name].f1:.3f} (unchanged {u[name].f1:.3f}, {o[name].docs} pages)"
            for name in ("trafilatura-eval", "article-benchmark")
            if o[name].docs
        ]
        print(f"  {lang:<4} " + "; ".join(cells))
    n = len(rows)
    print(f"lines kept: {kept_lines}/{lines} ({kept_lines / max(lines, 1):.1%})")
    gc_note = "CPython's default collector" if args.default_gc else "collector as in websieve's processes"
    print(
        f"speed (1 core, {gc_note}, line scan: {SCAN_BACKEND}): "
        f"line cleaner {n / clean_seconds:,.0f} docs/s; "
        "whole preset (normalize, langid, clean) "
        f"{n / total_seconds:,.0f} docs/s; mean page {sum(len(r['text']) for r in rows) / n / 1024:.1f} KiB"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "cv": args.cv,
                    "scores": {
                        k: {"f1": v.f1, "precision": v.precision, "recall": v.recall} for k, v in ours.items()
                    },
                    "unchanged": {k: {"f1": v.f1} for k, v in unchanged.items()},
                    "clean_docs_per_s": n / clean_seconds,
                    "preset_docs_per_s": n / total_seconds,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
