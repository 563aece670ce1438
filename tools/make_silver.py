"""Build a "silver" main-text reference for every row of noisy-dev.jsonl.gz.

- scrapinghub rows: ref = gold (ref_source "gold")
- trafilatura-eval rows: ref = trafilatura.extract() on the original HTML
  (ref_source "trafilatura", or "" / "failed" when no HTML / error / timeout / None)

The line model's training labels come from these references (see tools/train_line_model.py). Trafilatura
needs the HTML, which the cleaner never sees: it only teaches the model which lines are article text.
Run it in a separate environment (trafilatura pins old lxml/courlan versions):

    python3.11 -m venv benchmarks/_work/peer-venv
    benchmarks/_work/peer-venv/bin/pip install "trafilatura>=1.11,<1.12" lxml_html_clean
    benchmarks/_work/peer-venv/bin/python tools/make_silver.py
Then a snippet-protocol sanity check (noisy-text README) is printed.
"""

import gzip
import json
import multiprocessing as mp
import os
import re
import signal
import sys
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
TE = os.path.join(DATA, "extraction-trafilatura-eval")
OUT_DIR = os.path.join(ROOT, "benchmarks", "_work")
OUT = os.path.join(OUT_DIR, "silver.jsonl.gz")
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from noisy_scoring import load_rows, score_snippets  # noqa: E402  (the benchmark's own scorer)

TIMEOUT_S = 60
NPROC = 2

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)


def decode_html(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    m = META_CHARSET.search(data[:20000])
    if m:
        try:
            return data.decode(m.group(1).decode("ascii", "ignore"))
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _dir_index(d):
    """Map NFC-normalised name -> real path (file names contain accents)."""
    idx = {}
    for name in os.listdir(d):
        idx[unicodedata.normalize("NFC", name)] = os.path.join(d, name)
    return idx


def find_html(fname, eval_idx, cache_idx):
    key = unicodedata.normalize("NFC", fname + ".gz")
    return eval_idx.get(key) or cache_idx.get(key)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def work(task):
    rid, path = task
    import trafilatura

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        with gzip.open(path, "rb") as fh:
            html = decode_html(fh.read())
        out = trafilatura.extract(
            html,
            include_comments=False,
            include_tables=True,
            favor_precision=False,
            deduplicate=False,
            output_format="txt",
        )
        signal.alarm(0)
        if out is None:
            return rid, None, "extract returned None"
        return rid, out, None
    except _Timeout:
        return rid, None, f"timeout>{TIMEOUT_S}s"
    except Exception as e:
        signal.alarm(0)
        return rid, None, f"{type(e).__name__}: {e}"


def main():
    import trafilatura

    t0 = time.time()
    rows = load_rows()
    with open(os.path.join(TE, "evaldata.json"), encoding="utf-8") as fh:
        evaldata = json.load(fh)
    eval_idx = _dir_index(os.path.join(TE, "eval"))
    cache_idx = _dir_index(os.path.join(TE, "cache"))
    file_to_url = {unicodedata.normalize("NFC", v["file"]): u for u, v in evaldata.items()}

    tasks, unmatched, mismatch_notes = [], [], []
    te_rows = [r for r in rows if r["source"] == "trafilatura-eval"]
    for r in te_rows:
        id_file = unicodedata.normalize("NFC", r["id"].split("/", 1)[1])
        rec = evaldata.get(r["url"])
        fname = None
        if rec is not None:
            fname = unicodedata.normalize("NFC", rec["file"])
            if fname != id_file:
                mismatch_notes.append((r["id"], "url->file differs from id", fname))
        elif id_file in file_to_url:
            fname = id_file
            mismatch_notes.append((r["id"], "matched by file name only", r["url"]))
        path = find_html(fname, eval_idx, cache_idx) if fname else None
        if path is None:
            unmatched.append(r["id"])
        else:
            tasks.append((r["id"], path))

    results, errors = {}, {}
    ctx = mp.get_context("fork")
    with ctx.Pool(NPROC, maxtasksperchild=50) as pool:
        for i, (rid, out, err) in enumerate(pool.imap_unordered(work, tasks, chunksize=1), 1):
            if err is None:
                results[rid] = out
            else:
                errors[rid] = err
            if i % 100 == 0:
                print(f"  {i}/{len(tasks)} {time.time() - t0:.0f}s", file=sys.stderr)
    t_extract = time.time() - t0

    refs = {}
    counts = {"gold": 0, "trafilatura": 0, "failed": 0}
    with gzip.open(OUT, "wt", encoding="utf-8") as fh:
        for r in rows:
            if r["source"] == "scrapinghub":
                ref, src = r.get("gold", ""), "gold"
            elif r["id"] in results:
                ref, src = results[r["id"]], "trafilatura"
            else:
                ref, src = "", "failed"
            counts[src] += 1
            refs[r["id"]] = ref
            fh.write(json.dumps({"id": r["id"], "ref": ref, "ref_source": src}, ensure_ascii=False) + "\n")

    score = score_snippets(te_rows, refs)
    report = {
        "trafilatura_version": trafilatura.__version__,
        "rows": len(rows),
        "te_rows": len(te_rows),
        "matched_html": len(tasks),
        "unmatched": unmatched,
        "match_notes": mismatch_notes,
        "extract_errors": errors,
        "counts": counts,
        "snippet_score_trafilatura_rows": {
            "precision": score.precision,
            "recall": score.recall,
            "f1": score.f1,
        },
        "extract_wall_s": round(t_extract, 1),
        "total_wall_s": round(time.time() - t0, 1),
        "output": OUT,
    }
    with open(os.path.join(OUT_DIR, "make_silver_report.json"), "w", encoding="utf-8") as fh:
        json.dump(report, fh, ensure_ascii=False, indent=1)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
