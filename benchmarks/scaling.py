"""Docs/s of the default preset with 1 and 2 workers, on the local executor and on Ray, same corpus.

Issue 7's targets: Ray on one machine within 15% of the local executor's docs/s, and 2 workers at least
1.7x one. The corpus is the extraction benchmarks' HTML pages (../shared/data: trafilatura-eval's cached
pages and scrapinghub's), copied ``--repeat`` times under new names so that each worker gets several
shards. Each configuration runs as its own fresh run (a new run folder: a reused one would resume), in
this process's Python, timed from the call to `websieve.run` to its return (Ray's cluster start
included, as a user waits for it). The outputs of all runs are compared: they must be equal.

    .venv/bin/python benchmarks/scaling.py [--repeat 3] [--files-per-shard 20]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
WORK = ROOT / "benchmarks" / "_work" / "scaling"
sys.path.insert(0, str(ROOT / "tests"))

from conftest import tree_bytes  # noqa: E402
from websieve import Executor, run  # noqa: E402
from websieve.config import load_preset  # noqa: E402


def corpus(repeat: int) -> Path:
    """The HTML pages, ``repeat`` times, in one folder (built once)."""
    folder = WORK / f"pages-x{repeat}"
    if folder.is_dir():
        return folder
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    sources = sorted((DATA / "extraction-trafilatura-eval" / "cache").glob("*.html.gz"))
    sources += sorted((DATA / "extraction-scrapinghub" / "html").glob("*.html.gz"))
    if not sources:
        raise SystemExit(f"no pages under {DATA}: this benchmark needs ../shared/data")
    for r in range(repeat):
        for path in sources:
            shutil.copyfile(path, tmp / f"r{r}-{path.name}")
    tmp.rename(folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="copies of the corpus (default 3)")
    parser.add_argument("--files-per-shard", type=int, default=20, help="pages per shard (default 20)")
    args = parser.parse_args()
    pages = corpus(args.repeat)
    preset = load_preset("default")
    config = replace(preset, read=replace(preset.read, files_per_shard=args.files_per_shard))
    results: dict[tuple[str, int], tuple[float, int]] = {}
    trees = {}
    for executor in (Executor.LOCAL, Executor.RAY):
        for workers in (1, 2):
            out = WORK / f"run-{executor.value}-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            started = time.perf_counter()
            summary = run(config, inputs=[str(pages)], output=out, executor=executor, workers=workers)
            seconds = time.perf_counter() - started
            results[executor.value, workers] = (seconds, int(summary.stats["input"]))
            trees[executor.value, workers] = tree_bytes(out)
            print(
                f"{executor.value:5} {workers} worker(s): {seconds:6.1f} s, "
                f"{summary.stats['input'] / seconds:6.1f} docs/s ({summary.stats['input']} pages, "
                f"{summary.shards_total} shards)",
                flush=True,
            )
    same = all(tree == trees["local", 1] for tree in trees.values())
    print(f"outputs, ledgers and annotations identical across the four runs: {same}")
    for workers in (1, 2):
        local, ray = results["local", workers][0], results["ray", workers][0]
        print(f"{workers} worker(s): Ray's docs/s = {local / ray:.2f} x local's (target >= 0.85)")
    for executor in ("local", "ray"):
        one, two = results[executor, 1][0], results[executor, 2][0]
        print(f"{executor}: 2 workers = {one / two:.2f} x 1 worker (target >= 1.7)")


if __name__ == "__main__":
    main()
