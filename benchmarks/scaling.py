"""Docs/s of the default preset with 1 and 2 workers, on the local executor and on Ray, same corpus.

Issue 7's targets: Ray on one machine within 15% of the local executor's docs/s, and 2 workers at least
1.7x one. The corpus is the extraction benchmarks' HTML pages (../shared/data: trafilatura-eval's cached
pages and scrapinghub's, 291), copied ``--repeat`` times under new names (2,910 pages by default) so that
each worker gets many shards. Each configuration runs as its own fresh run (a new run folder: a reused one
would resume), in this process's Python, timed from the call to `websieve.run` to its return. Ray runs
twice: with a local cluster started and stopped by the run (both included, as a user waits for them) and
joining a cluster started beforehand with ``ray start --head`` (how a shared or multi-node cluster is
used; the benchmark starts and stops it). The outputs of all runs are compared: they must be equal.

    .venv/bin/python benchmarks/scaling.py [--repeat 10] [--files-per-shard 20]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
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


def _ray_cluster(cpus: int) -> str:
    """Start a Ray cluster of ``cpus`` CPUs in the background (``ray start --head``); its address."""
    ray = str(Path(sys.executable).with_name("ray"))
    port = "6390"
    subprocess.run(
        [ray, "start", "--head", f"--num-cpus={cpus}", f"--port={port}", "--include-dashboard=false"],
        check=True,
        capture_output=True,
    )
    return f"127.0.0.1:{port}"


def _ray_start_stop() -> float:
    """Seconds to start a local Ray cluster and stop it again, with nothing run on it."""
    import ray

    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.shutdown()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="copies of the corpus (default 10)")
    parser.add_argument("--files-per-shard", type=int, default=20, help="pages per shard (default 20)")
    parser.add_argument(
        "--modes", default="local,ray,ray-cluster", help="which of local,ray,ray-cluster to run (default all)"
    )
    parser.add_argument("--workers", default="1,2", help="worker counts to run (default 1,2)")
    args = parser.parse_args()
    chosen = set(args.modes.split(","))
    counts = [int(n) for n in args.workers.split(",")]
    pages = corpus(args.repeat)
    preset = load_preset("default")
    config = replace(preset, read=replace(preset.read, files_per_shard=args.files_per_shard))
    results: dict[tuple[str, int], float] = {}
    trees = {}
    modes = [("local", Executor.LOCAL, None), ("ray", Executor.RAY, None), ("ray-cluster", Executor.RAY, "")]
    modes = [mode for mode in modes if mode[0] in chosen]
    address = ""
    try:
        for mode, executor, joins in modes:
            if joins is not None and not address:
                address = _ray_cluster(2)
            for workers in counts:
                out = WORK / f"run-{mode}-{workers}"
                shutil.rmtree(out, ignore_errors=True)
                started = time.perf_counter()
                summary = run(
                    config,
                    inputs=[str(pages)],
                    output=out,
                    executor=executor,
                    workers=workers,
                    ray_address=address or None,
                )
                seconds = time.perf_counter() - started
                results[mode, workers] = seconds
                trees[mode, workers] = tree_bytes(out)
                print(
                    f"{mode:11} {workers} worker(s): {seconds:6.1f} s, "
                    f"{summary.stats['input'] / seconds:6.1f} docs/s ({summary.stats['input']} pages, "
                    f"{summary.shards_total} shards)",
                    flush=True,
                )
    finally:
        if address:
            subprocess.run([str(Path(sys.executable).with_name("ray")), "stop"], capture_output=True)
    first = next(iter(trees.values()))
    same = all(tree == first for tree in trees.values())
    print(f"outputs, ledgers and annotations identical across the {len(trees)} runs: {same}")
    print(f"a local Ray cluster's start and stop alone: {_ray_start_stop():.1f} s")
    kinds = (("ray", "a cluster started for the run"), ("ray-cluster", "joining a running cluster"))
    for mode, what in kinds:
        for workers in counts:
            if ("local", workers) not in results or (mode, workers) not in results:
                continue
            ratio = results["local", workers] / results[mode, workers]
            print(f"Ray ({what}), {workers} worker(s): docs/s = {ratio:.2f} x local's (target >= 0.85)")
    for mode in ("local", "ray", "ray-cluster"):
        if (mode, 1) not in results or (mode, 2) not in results:
            continue
        one, two = results[mode, 1], results[mode, 2]
        print(f"{mode}: 2 workers = {one / two:.2f} x 1 worker (target >= 1.7)")


if __name__ == "__main__":
    main()
