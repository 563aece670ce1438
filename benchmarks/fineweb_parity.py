"""FineWeb's filters: websieve's ``quality.*`` steps against datatrove's, same documents, same run.

Documents (``../shared/data``): the 1,171 dev pages' noisy extracted text (``noisy-text``), the 780 DCLM
human-labelled texts, and the Leipzig sentences of 75 languages joined 25 to a document. Both run the
FineWeb recipe's chain in its order (Gopher repetition, Gopher quality, C4 with
``filter_no_terminal_punct=False``, FineWeb quality); datatrove runs in its own environment
(``make peer-datatrove``: datatrove and spaCy are not websieve dependencies). Prints the keep/drop
agreement, where the two disagree (which filter dropped the page on each side), and both docs/s on one
core (filter time only).

    make peer-datatrove                      # once: benchmarks/_work/dt-venv
    .venv/bin/python benchmarks/fineweb_parity.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from extraction_data import DATA
from noisy_scoring import load_rows
from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.quality.c4 import C4Quality
from websieve.steps.quality.fineweb import FineWebQuality
from websieve.steps.quality.gopher_quality import GopherQuality
from websieve.steps.quality.gopher_repetition import GopherRepetition

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
PEER = WORK / "dt-venv" / "bin" / "python"


def corpus() -> list[dict[str, str]]:
    docs = [{"id": r["id"], "text": r["text"]} for r in load_rows()]
    for name in ("majority_data", "agreement_data"):
        path = DATA / "quality-dclm-human-labels" / f"{name}.jsonl.gz"
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            docs += [
                {"id": f"dclm/{name}/{i}", "text": json.loads(line)["text"]} for i, line in enumerate(fh)
            ]
    for path in sorted((DATA / "langid-lingua-testdata" / "sentences").glob("*.txt.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            sentences = [s.strip() for s in fh if s.strip()]
        lang = path.name.split(".")[0]
        docs += [
            {"id": f"leipzig/{lang}/{k // 25}", "text": "\n".join(sentences[k : k + 25])}
            for k in range(0, len(sentences), 25)
        ]
    return docs


def ours(docs: list[dict[str, str]]) -> tuple[dict[str, str], float]:
    steps = [
        ("gopher_repetition", GopherRepetition()),
        ("gopher_quality", GopherQuality()),
        ("c4", C4Quality()),
        ("fineweb", FineWebQuality()),
    ]
    fates: dict[str, str] = {}
    seconds = 0.0
    for row in docs:
        ctx = StepContext.standalone()
        doc: Document | None = Document(id=row["id"], text=row["text"])
        fate = "kept"
        start = time.perf_counter()
        for name, step in steps:
            assert doc is not None
            doc = step.apply(doc, ctx)
            if doc is None:
                fate = f"{name}:{ctx.ledger.rows[-1].rule}"
                break
        seconds += time.perf_counter() - start
        fates[row["id"]] = fate
    return fates, seconds


def theirs(docs: list[dict[str, str]]) -> tuple[dict[str, str], float]:
    if not PEER.exists():
        sys.exit(f"{PEER} is missing: run `make peer-datatrove` first")
    src, dst = WORK / "parity-in.jsonl", WORK / "parity-datatrove.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(d) + "\n" for d in docs)
    script = ROOT / "benchmarks" / "peers" / "datatrove_fineweb.py"
    subprocess.run([str(PEER), str(script), str(src), str(dst)], check=True)
    rows = [json.loads(line) for line in dst.open(encoding="utf-8")]
    return {r["id"]: r["fate"] for r in rows[:-1]}, rows[-1]["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3, help="disagreements shown per kind")
    args = parser.parse_args()
    docs = corpus()
    mine, my_seconds = ours(docs)
    peer, peer_seconds = theirs(docs)
    kept = lambda fate: fate == "kept"  # noqa: E731
    agree = sum(kept(mine[d["id"]]) == kept(peer[d["id"]]) for d in docs)
    print(f"FineWeb filters on {len(docs):,} documents: keep/drop agreement {agree / len(docs):.2%}")
    for source in ("scrapinghub", "trafilatura-eval", "dclm", "leipzig"):
        part = [d for d in docs if d["id"].startswith(source)]
        same = sum(kept(mine[d["id"]]) == kept(peer[d["id"]]) for d in part)
        print(f"  {source:<17} {same / len(part):.2%} of {len(part):,}")
    print(
        f"docs/s, one core: websieve {len(docs) / my_seconds:,.0f}, datatrove {len(docs) / peer_seconds:,.0f}"
        f" ({peer_seconds / my_seconds:.1f}x)"
    )
    differ = [d["id"] for d in docs if kept(mine[d["id"]]) != kept(peer[d["id"]])]
    kinds = Counter((peer[i], mine[i]) for i in differ)
    print("\ndisagreements (datatrove -> websieve):")
    for (p, m), n in kinds.most_common():
        examples = [i for i in differ if (peer[i], mine[i]) == (p, m)][: args.examples]
        print(f"  {n:>4}  {p} -> {m}   e.g. {', '.join(examples)}")


if __name__ == "__main__":
    main()
