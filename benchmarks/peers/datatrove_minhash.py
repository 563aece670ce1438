"""datatrove's four-stage MinHash deduplication, run in datatrove's own environment (not websieve's).

    benchmarks/_work/dt-venv/bin/python benchmarks/peers/datatrove_minhash.py IN_DIR WORK_DIR \
        [--workers N] [--clusters]

As datatrove's ``examples/minhash_deduplication.py`` sets it up (less its token counter), locally: 5-gram
shingles (English word tokenizer, datatrove's text simplification), 14 buckets of 8 hashes (64-bit
xxhash), seed 1; stage 1 ``MinhashDedupSignature`` (one task per input file), stage 2
``MinhashDedupBuckets`` (one task per bucket), stage 3 ``MinhashDedupCluster`` (one task), stage 4
``MinhashDedupFilter`` (one task per input file) writing the kept documents and, through its exclusion
writer, the removed ones as JSONL. ``--clusters`` also saves and loads the cluster ids
(``minhash_cluster_id`` in each written document's metadata: -1 when the document is in no cluster),
for scoring (``benchmarks/dedup.py`` times these runs too: the ids cost a small file per task).
IN_DIR: ``*.jsonl`` with ``id`` and ``text``. WORK_DIR is emptied first.
Prints one JSON line: seconds per stage and in all, documents read, kept and removed.
"""

import argparse
import json
import logging
import shutil
import time
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup import MinhashDedupSignature
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers.jsonl import JsonlWriter
from datatrove.utils.typeshelper import Languages


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("work")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--clusters", action="store_true")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    try:  # datatrove logs every task through loguru on stderr: keep the benchmark's output readable
        from loguru import logger

        logger.remove()
    except ImportError:
        pass
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    files = sorted(Path(args.src).glob("*.jsonl"))
    tasks = len(files)
    config = MinhashConfig(n_grams=5, num_buckets=14, hashes_per_bucket=8, seed=1)

    def reader() -> JsonlReader:
        return JsonlReader(args.src, glob_pattern="*.jsonl", id_key="id", text_key="text")

    stages = {
        "signatures": LocalPipelineExecutor(
            pipeline=[
                reader(),
                MinhashDedupSignature(
                    output_folder=str(work / "signatures"), config=config, language=Languages.english
                ),
            ],
            tasks=tasks,
            workers=args.workers,
            logging_dir=str(work / "logs" / "signatures"),
        ),
        "buckets": LocalPipelineExecutor(
            pipeline=[
                MinhashDedupBuckets(
                    input_folder=str(work / "signatures"), output_folder=str(work / "buckets"), config=config
                )
            ],
            tasks=config.num_buckets,
            workers=args.workers,
            logging_dir=str(work / "logs" / "buckets"),
        ),
        "cluster": LocalPipelineExecutor(
            pipeline=[
                MinhashDedupCluster(
                    input_folder=str(work / "buckets"),
                    output_folder=str(work / "remove_ids"),
                    config=config,
                    save_cluster_id=args.clusters,
                )
            ],
            tasks=1,
            workers=1,
            logging_dir=str(work / "logs" / "cluster"),
        ),
        "filter": LocalPipelineExecutor(
            pipeline=[
                reader(),
                MinhashDedupFilter(
                    input_folder=str(work / "remove_ids"),
                    exclusion_writer=JsonlWriter(str(work / "removed")),
                    load_cluster_ids=args.clusters,
                ),
                JsonlWriter(output_folder=str(work / "output")),
            ],
            tasks=tasks,
            workers=args.workers,
            logging_dir=str(work / "logs" / "filter"),
        ),
    }
    seconds = {}
    start = time.perf_counter()
    for name, stage in stages.items():
        t = time.perf_counter()
        stage.run()
        seconds[name] = time.perf_counter() - t
    total = time.perf_counter() - start
    stats = json.loads((work / "logs" / "filter" / "stats.json").read_text())
    counts = {}
    for step in stats:
        if "MinHash stage 4" in step.get("name", ""):
            counts = {k: v.get("total", v) if isinstance(v, dict) else v for k, v in step["stats"].items()}
    print(json.dumps({"seconds": seconds, "total_seconds": total, "tasks": tasks, "counts": counts}))


if __name__ == "__main__":
    main()
