"""HTML → article text: websieve's ``extract.html`` against trafilatura and resiliparse, same pages, same run.

Pages: the 1,171 dev pages (``../shared/data``): 181 of ``extraction-scrapinghub`` (full article-body
truth, scored with its SOURCE.md protocol: lower-cased ``\\w+`` token 4-gram multisets, per-page precision
and recall averaged, F1 of the averages) and 990 of ``extraction-trafilatura-eval`` (its snippet protocol:
``with`` snippets found = TP, missing = FN, ``without`` snippets found = FP). Both protocols are those of
``noisy_scoring.py``; the truths are the rows of ``noisy-text/noisy-dev.jsonl.gz``, which carry them.

Systems, timed on one core over the same decoded pages (decoding excluded), taking turns page by page so
that the machine's drift in speed falls on all of them alike:
- ``websieve fast``: ``extract.html`` (DOM regions + line model). With ``--cv`` (the honest figure) each
  page is extracted by the fold model that never saw its site (``benchmarks/_work/cv-html``, written by
  ``tools/train_line_model.py --html``); without it the shipped model, trained on these pages, is used;
- ``websieve cascade``: the same, and trafilatura (sandboxed) on the pages the line model doubted;
- ``trafilatura`` 2.x in-process, text and metadata (``bare_extraction``, tables on, comments off: the same
  job as websieve's extractor), and ``trafilatura text only`` (its text, no metadata: its speed alone);
- ``websieve text only``: the fast path with ``metadata: false`` (no metadata from the markup): the job of
  ``trafilatura text only``;
- ``resiliparse`` main content (``extract_plain_text(main_content=True)``).

It also scores the metadata websieve puts in ``title``/``meta`` against the 851 pages of
``extraction-trafilatura-eval/evaldata.json`` with metadata truth (``html_metadata.score_metadata``),
and ranks everything with the saved outputs of 32 extractors in ``extraction-scrapinghub/output``.

    .venv/bin/python benchmarks/extraction.py --cv            # ~5 min on one core
    .venv/bin/python benchmarks/extraction.py --cv --limit 200 --no-cascade   # a quick look
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from extraction_data import DATA, html_bytes
from html_metadata import FIELDS, score_metadata
from noisy_scoring import Score, load_rows, score_gold, score_snippets
from websieve.config import OnError
from websieve.document import Document
from websieve.executors.collector import own_process
from websieve.steps.base import StepContext
from websieve.steps.extract.html import ExtractHtml, ExtractHtmlConfig, ExtractMethod
from websieve.steps.read.decode import decode_page

HERE = Path(__file__).resolve().parent
CV = HERE / "_work" / "cv-html"
OUTPUTS = DATA / "extraction-scrapinghub" / "output"
EVALDATA = DATA / "extraction-trafilatura-eval" / "evaldata.json"


def score(rows: list[dict[str, Any]], preds: dict[str, str | None]) -> tuple[Score, Score]:
    gold = [r for r in rows if "gold" in r]
    snippets = [r for r in rows if "gold" not in r]
    return score_gold(gold, preds), score_snippets(snippets, preds)


def run_all(
    systems: list[tuple[str, Callable[[dict[str, Any], str], Any]]],
    rows: list[dict[str, Any]],
    pages: dict[str, str],
) -> dict[str, tuple[dict[str, Any], float]]:
    """Every system on every page, the systems taking turns page by page: this machine's speed drifts by
    ±15% within minutes, and interleaving gives each system the same share of fast and slow moments."""
    outputs: dict[str, dict[str, Any]] = {name: {} for name, _ in systems}
    seconds = dict.fromkeys(outputs, 0.0)
    for row in rows:
        html = pages[row["id"]]
        for name, extract in systems:
            t0 = time.perf_counter()
            outputs[name][row["id"]] = extract(row, html)
            seconds[name] += time.perf_counter() - t0
    for name in outputs:
        print(f"  {name}: {len(rows) / seconds[name]:,.1f} docs/s", file=sys.stderr)
    return {name: (outputs[name], len(rows) / seconds[name]) for name in outputs}


def websieve_extractor(
    method: ExtractMethod, cv: bool, cv_dir: Path = CV, *, metadata: bool = True
) -> Callable[[dict[str, Any], str], Document | None]:
    if cv:
        if not (cv_dir / "folds.json").exists():
            sys.exit("no fold models: run tools/train_line_model.py --html first (it writes _work/cv-html)")
        folds = json.loads((cv_dir / "folds.json").read_text())
        steps = {
            f: ExtractHtml(
                ExtractHtmlConfig(method=method, model=str(cv_dir / f"fold{f}.npz"), metadata=metadata)
            )
            for f in set(folds.values())
        }
    else:
        folds = None
        steps = {0: ExtractHtml(ExtractHtmlConfig(method=method, metadata=metadata))}
    for step in steps.values():
        step.setup()

    def extract(row: dict[str, Any], html: str) -> Document | None:
        step = steps[folds[row["id"]] if folds else 0]
        docs = list(
            step.process(
                iter([Document(id=row["id"], url=row.get("url"), html=html)]),
                StepContext.standalone(on_error=OnError.SKIP),
            )
        )
        return docs[0] if docs else None

    return extract


def trafilatura_extractor(with_metadata: bool) -> Callable[[dict[str, Any], str], Document]:
    """trafilatura's text (``bare_extraction``'s text is ``extract``'s txt output) and, with
    ``with_metadata``, its metadata: the same job as websieve's extractor."""
    import unicodedata

    from trafilatura import bare_extraction

    def extract(row: dict[str, Any], html: str) -> Document:
        found = bare_extraction(
            html,
            url=row.get("url"),
            output_format="python",
            include_comments=False,
            include_tables=True,
            with_metadata=with_metadata,
        )
        doc = Document(id=row["id"], url=row.get("url"))
        if found is None:
            return doc
        doc.text = unicodedata.normalize("NFC", found.text or "")
        if with_metadata:
            doc.title, doc.meta.author, doc.meta.date = found.title, found.author, found.date
            doc.meta.site = found.sitename
            doc.meta.categories = list(found.categories or [])
            doc.meta.tags = list(found.tags or [])
        return doc

    return extract


def resiliparse_extractor() -> Callable[[dict[str, Any], str], str]:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    def extract(row: dict[str, Any], html: str) -> str:
        return extract_plain_text(HTMLTree.parse(html), main_content=True, preserve_formatting=True)

    return extract


def saved_outputs(rows: list[dict[str, Any]]) -> dict[str, Score]:
    """F1 of the 32 extractors whose outputs the article-extraction benchmark saved."""
    gold = [r for r in rows if "gold" in r]
    short = {r["id"].split("/", 1)[1]: r["id"] for r in gold}
    scores: dict[str, Score] = {}
    for path in sorted(OUTPUTS.glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
        data = data.get("output", data) if isinstance(data, dict) and "output" in data else data
        preds = {short[k[:16]]: (v or {}).get("articleBody") for k, v in data.items() if k[:16] in short}
        scores[path.name.removesuffix(".json.gz")] = score_gold(gold, preds)
    return scores


def metadata_rows(docs: dict[str, Document | None]) -> dict[str, dict[str, Any]]:
    """Our metadata in ``evaldata.json``'s terms, by URL."""
    out: dict[str, dict[str, Any]] = {}
    for doc in docs.values():
        if doc is None or doc.url is None:
            continue
        m = doc.meta
        out[doc.url] = {
            "title": doc.title,
            "author": m.author,
            "date": m.date,
            "sitename": m.site,
            "categories": list(m.categories),
            "tags": list(m.tags),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cv", action="store_true", help="extract each page with the fold model that never saw it"
    )
    parser.add_argument(
        "--cv-dir", type=Path, default=CV, help="fold models (train_line_model.py --html --cv-dir)"
    )
    parser.add_argument("--limit", type=int, help="only the first N pages of each set")
    parser.add_argument(
        "--no-cascade", action="store_true", help="skip websieve's cascade (it runs trafilatura)"
    )
    parser.add_argument("--no-peers", action="store_true", help="skip trafilatura and resiliparse")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    own_process()
    rows = load_rows()
    if args.limit:
        rows = [r for r in rows if "gold" in r][: args.limit] + [r for r in rows if "gold" not in r][
            : args.limit
        ]
    pages = {r["id"]: decode_page(html_bytes(r["id"]), http_charset=None)[0] for r in rows}
    print(
        f"extraction dev: {len(rows)} pages "
        f"({sum(map(len, pages.values())) / len(rows) / 1024:.0f} KiB of HTML on average)",
        file=sys.stderr,
    )

    results: dict[str, tuple[Score, Score, float]] = {}
    docs: dict[str, dict[str, Any]] = {}
    systems: list[tuple[str, Callable[[dict[str, Any], str], Any]]] = [
        ("websieve fast", websieve_extractor(ExtractMethod.FAST, args.cv, args.cv_dir))
    ]
    if not args.no_cascade:
        systems.append(("websieve cascade", websieve_extractor(ExtractMethod.CASCADE, args.cv, args.cv_dir)))
    systems.append(
        (
            "websieve text only",
            websieve_extractor(ExtractMethod.FAST, args.cv, args.cv_dir, metadata=False),
        )
    )
    if not args.no_peers:
        systems += [
            ("trafilatura", trafilatura_extractor(with_metadata=True)),
            ("trafilatura text only", trafilatura_extractor(with_metadata=False)),
            ("resiliparse", resiliparse_extractor()),
        ]
    for name, (out, speed) in run_all(systems, rows, pages).items():
        preds = {k: (v.text if isinstance(v, Document) else v) for k, v in out.items()}
        docs[name] = out
        g, s = score(rows, preds)
        results[name] = (g, s, speed)

    label = (
        "cross-validated fold models"
        if args.cv
        else "shipped model (trained on these pages: a training-set figure)"
    )
    print(f"\nHTML extraction, {len(rows)} dev pages; websieve: {label}")
    print(
        f"{'system':<20} {'scrapinghub F1 (P / R)':<24} {'trafilatura-eval F1 (P / R)':<28} docs/s (1 core)"
    )
    for name, (g, s, speed) in results.items():
        print(f"{name:<20} {g!s:<24} {s!s:<28} {speed:,.1f}")
    if "trafilatura" in results:
        base, text_only = results["trafilatura"][2], results["trafilatura text only"][2]
        for name, (_, _, speed) in results.items():
            if name.startswith("websieve") and name != "websieve text only":
                print(
                    f"  {name}: {speed / base:.1f}× trafilatura's docs/s "
                    f"({speed / text_only:.1f}× trafilatura without its metadata)"
                )
        if "websieve text only" in results:
            speed = results["websieve text only"][2]
            print(f"  websieve text only: {speed / text_only:.1f}× trafilatura text only's docs/s")
        cascade = docs.get("websieve cascade")
        if cascade:
            asked = sum(1 for d in cascade.values() if d is not None and d.meta.extractor == "trafilatura")
            print(f"  cascade: trafilatura's text kept on {asked}/{len(rows)} pages")

    truth = json.loads(EVALDATA.read_text(encoding="utf-8"))
    with_meta = [name for name in ("websieve fast", "trafilatura") if name in docs]
    meta_scores = {name: score_metadata(metadata_rows(docs[name]), truth) for name in with_meta}
    print("\nmetadata accuracy (extraction-trafilatura-eval, pages with a non-empty truth)")
    print(f"  {'field':<11} " + " ".join(f"{name:<22}" for name in with_meta))
    for field in FIELDS:
        cells = []
        for name in with_meta:
            correct, total = meta_scores[name][field]
            cells.append(f"{correct / max(total, 1):.3f} ({correct:.0f}/{total})".ljust(22))
        print(f"  {field:<11} " + " ".join(cells))

    ranking = saved_outputs(rows) if not args.limit else {}
    if ranking:
        for name, (g, _, _) in results.items():
            ranking[f"** {name} (this run)"] = g
        print("\nscrapinghub ranking (saved outputs of 32 extractors + this run), F1 (P / R):")
        for name, sc in sorted(ranking.items(), key=lambda kv: -kv[1].f1):
            print(f"  {name:<36} {sc}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    name: {"scrapinghub_f1": g.f1, "trafilatura_eval_f1": s.f1, "docs_per_s": v}
                    for name, (g, s, v) in results.items()
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
