"""Near-duplicate removal: websieve's ``dedup.minhash`` against datatrove, datasketch and rensa, same run.

Parts (``--parts``, all by default):

- ``set``: the near-duplicate set (`dedup_data`): real texts of ``../shared/data`` and edited copies of
  them at known Jaccard levels, shuffled into JSONL shards (``benchmarks/_work/dedup/set*/``); its
  counts per edit and per Jaccard bin.
- ``quality``: websieve's step (``--step``: ``dedup.minhash`` as configured in `OPTIONS`, and once more
  with ``min_similarity: null``, FineWeb's behaviour; or ``dedup.exact``, to try the harness) and
  datatrove's MinHash (same 14 x 8, 5-grams) over the set; clusters read back (websieve: each
  ``near_duplicate`` ledger row names its survivor; datatrove: its cluster ids) and scored against the
  truth (`dedup_scoring`): pair precision/recall/F1 at J >= 0.8 and false-positive rate below J 0.5,
  cluster pair P/R/F1 and adjusted Rand index, the share of pairs put together per Jaccard bin, and
  websieve's misses and false positives with their Jaccard.
- ``signatures``: signatures/s on ~3 KB real English texts, one core: websieve's
  ``MinHasher.band_keys_many`` against datasketch and rensa (`peers/minhash_signatures.py`), shingling
  included on every side.
- ``e2e``: docs/s from the JSONL shards to deduplicated JSONL: ``websieve run`` (reader ->
  ``extract.html``, a pass-through for text -> the dedup step -> writer) against datatrove's four stages
  (`peers/datatrove_minhash.py`), 1 and 2 workers; wall time of each command. The quality part's
  2-worker runs are these runs (datatrove's saves its cluster ids as well).
- ``memory``: websieve's peak RSS with one worker (the worker process runs every map, reduce and apply
  task; the coordinating process apart) at three corpus sizes of equal shards: half the set's shards
  repeated 1x, 4x and 16x, each repeat with its letters rotated (a Caesar shift: repeats do not
  duplicate each other, the clusters inside each are the same).

``--quick``: 120 families in 4 shards, the end-to-end runs with 2 workers only, memory at 1x, 2x and 4x of
2 shards (about 40 s). The machine's load average is printed before the timed parts: other work on it
slows every figure.

    make peer-datatrove              # once: benchmarks/_work/dt-venv (datatrove 0.10.1, datasketch, rensa)
    .venv/bin/python benchmarks/dedup.py [--quick] [--parts quality,e2e] [--step dedup.exact] [--no-peer]
"""

from __future__ import annotations

import argparse
import gzip
import inspect
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow.parquet as pq

from dedup_data import ROOT, WORK, Doc, build_set, load_originals, write_shards
from dedup_scoring import (
    GREY,
    SAME,
    Pair,
    QualitySet,
    Truth,
    bin_of,
    cluster_pairs,
    cluster_scores,
    pair_scores,
)

PEER = ROOT / "benchmarks" / "_work" / "dt-venv" / "bin" / "python"
WEBSIEVE = Path(sys.executable).with_name("websieve")
OPTIONS: dict[str, dict[str, Any]] = {
    "dedup.minhash": {"n_grams": 5, "bands": 14, "rows": 8, "seed": 1, "partitions": 16},
    "dedup.exact": {"partitions": 16},
}
RULES = {"dedup.minhash": "near_duplicate", "dedup.exact": "exact_duplicate"}
PARTS = ("set", "quality", "signatures", "e2e", "memory")
DATATROVE = "datatrove MinHash 14x8"


def make_set(quick: bool, shards: int) -> QualitySet:
    rng = random.Random(6)
    originals = load_originals(rng)
    if quick:
        originals = sorted(rng.sample(originals, 120), key=originals.index)
    docs, related = build_set(originals, rng)
    folder = WORK / ("set-quick" if quick else "set") / "shards"
    write_shards(docs, folder, shards, rng)
    return QualitySet(docs, folder, [o.host for o in originals], related)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} cores"


# --- running the systems --------------------------------------------------------------------------------


def need_peer() -> None:
    if not PEER.exists():
        sys.exit(f"{PEER} is missing: run `make peer-datatrove` first (or --no-peer)")


def check_step(step: str) -> None:
    from websieve.registry import step_names

    if step not in step_names():
        sys.exit(f"websieve has no step {step!r} (it has {', '.join(step_names())}); try --step dedup.exact")


def websieve_config(step: str, extra: dict[str, Any] | None = None) -> Path:
    options = {**OPTIONS[step], **(extra or {})}
    path = WORK / f"config-{step}{''.join(f'-{k}={v}' for k, v in (extra or {}).items())}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# benchmarks/dedup.py: JSONL text in (extract.html passes text through), the dedup step, JSONL out\n"
        f"steps:\n  - extract.html: {{min_chars: null}}\n  - {step}: {json.dumps(options)}\n",
        encoding="utf-8",
    )
    return path


class Runs:
    """Each system's run over the set, once per configuration: (wall seconds, run folder, details)."""

    def __init__(self, args: argparse.Namespace, qs: QualitySet) -> None:
        self.args, self.qs = args, qs
        self.done: dict[tuple[str, int, str], tuple[float, Path, dict[str, Any]]] = {}

    def websieve(self, workers: int, extra: dict[str, Any] | None = None) -> tuple[float, Path]:
        key = ("websieve", workers, json.dumps(extra))
        if key not in self.done:
            out = WORK / f"run-websieve-{workers}{''.join(f'-{k}={v}' for k, v in (extra or {}).items())}"
            shutil.rmtree(out, ignore_errors=True)  # a fresh run: the same config would resume the last one
            cmd = [str(WEBSIEVE), "run", str(websieve_config(self.args.step, extra)), "--input"]
            cmd += [
                str(self.qs.folder),
                "--output",
                str(out),
                "--executor",
                "local",
                "--workers",
                str(workers),
            ]
            took = _timed(cmd)[0]
            self.done[key] = (took, out, {})
        return self.done[key][:2]

    def datatrove(self, workers: int) -> tuple[float, Path, dict[str, Any]]:
        key = ("datatrove", workers, "")
        if key not in self.done:
            need_peer()
            out = WORK / f"run-datatrove-{workers}"
            cmd = [
                str(PEER),
                str(ROOT / "benchmarks" / "peers" / "datatrove_minhash.py"),
                str(self.qs.folder),
            ]
            took, stdout = _timed([*cmd, str(out), "--workers", str(workers), "--clusters"])
            self.done[key] = (took, out, json.loads(stdout.strip().splitlines()[-1]))
        return self.done[key]


def _timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return took, done.stdout


def websieve_labels(step: str, run_dir: Path, index: dict[str, int]) -> tuple[np.ndarray, list[str]]:
    """Clusters from the ledger: a dropped document joins the survivor its row names."""
    labels = np.arange(len(index))
    fate: dict[str, tuple[str, str | None, str | None]] = {}
    for part in sorted((run_dir / "ledger").glob("part-*.parquet")):
        for row in pq.read_table(part, columns=["id", "fate", "rule", "value"]).to_pylist():
            fate[row["id"]] = (row["fate"], row["rule"], row["value"])
    problems = (
        [f"{len(index) - len(fate)} documents missing from the ledger"] if len(fate) < len(index) else []
    )
    for ident, (what, rule, value) in fate.items():
        if what == "dropped" and rule == RULES[step] and value is not None:
            if fate.get(value, ("?",))[0] != "kept":
                problems.append(f"{ident} names {value} as its survivor, which was not kept")
            labels[index[ident]] = index[value]
        elif what != "kept":
            problems.append(f"{ident}: {what} {rule} {value}")
    return labels, problems


def datatrove_labels(work: Path, index: dict[str, int]) -> tuple[np.ndarray, list[str]]:
    """Clusters from the ``minhash_cluster_id`` of every written document (kept and removed)."""
    labels = np.arange(len(index))
    first: dict[int, int] = {}
    seen = 0
    for sub in ("output", "removed"):
        for path in sorted((work / sub).glob("*.jsonl*")):
            with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as fh:
                for line in fh:
                    row = orjson.loads(line)
                    seen += 1
                    cid = row.get("metadata", {}).get("minhash_cluster_id", -1)
                    if cid >= 0:
                        labels[index[row["id"]]] = first.setdefault(cid, index[row["id"]])
    return labels, [f"datatrove wrote {seen:,} documents of {len(index):,}"] if seen != len(index) else []


# --- the set and its quality ----------------------------------------------------------------------------


def describe_set(qs: QualitySet, truth: Truth) -> None:
    docs = qs.docs
    origs = {d.family: i for i, d in enumerate(docs) if d.kind == "original"}
    sources = ", ".join(
        f"{n:,} {s}" for s, n in Counter(d.source for d in docs if d.kind == "original").items()
    )
    size = sum(len(d.text.encode()) for d in docs)
    shards = len(list(qs.folder.glob("*.jsonl")))
    print(
        f"set: {len(origs):,} distinct originals ({sources}), {len(docs):,} documents, {size / 1e6:.1f} MB,"
    )
    print(f"  {shards} shards in {qs.folder.relative_to(ROOT)}")
    to_orig: dict[str, list[float]] = defaultdict(list)
    for i, d in enumerate(docs):
        if d.kind != "original":
            to_orig[d.kind].append(truth.pairs[(min(i, origs[d.family]), max(i, origs[d.family]))])
    print(f"\n  {'variant (its J to its original)':50} {'docs':>6} {'J min':>6} {'median':>6} {'max':>6}")
    for kind, js in sorted(to_orig.items()):
        print(f"  {kind:50} {len(js):6,} {min(js):6.3f} {float(np.median(js)):6.3f} {max(js):6.3f}")
    per_bin_var = Counter(bin_of(j) for js in to_orig.values() for j in js)
    per_bin_all = Counter(bin_of(j) for j in truth.pairs.values())
    print(f"\n  {'true Jaccard':12} {'variant-original':>17} {'all scored pairs':>17}")
    for b in [*sorted(k for k in per_bin_all if k != "= 1"), "= 1"]:
        print(f"  {b:12} {per_bin_var.get(b, 0):17,} {per_bin_all.get(b, 0):17,}")
    print(f"  scored pairs: {len(truth.pairs):,}, {truth.related_families:,} pairs of related families")
    print("\n" + inspect.cleandoc(Truth.__doc__ or "").split("\n\n", 1)[1])


def part_quality(args: argparse.Namespace, qs: QualitySet, truth: Truth, runs: Runs) -> None:
    index = qs.index()
    systems: dict[str, np.ndarray] = {}
    variants: dict[str, dict[str, Any] | None] = {f"websieve {args.step}": None}
    if args.step == "dedup.minhash":
        variants["websieve, min_similarity null"] = {"min_similarity": None}
    print()
    for name, extra in variants.items():
        took, run_dir = runs.websieve(2, extra)
        systems[name], problems = websieve_labels(args.step, run_dir, index)
        options = json.dumps({**OPTIONS[args.step], **(extra or {})})
        print(f"quality: {name}: {args.step} {options}, 2 workers, {took:.1f} s")
        for p in problems[:10]:
            print(f"  ! {p}")
    if not args.no_peer:
        took, run_dir, _ = runs.datatrove(2)
        systems[DATATROVE], problems = datatrove_labels(run_dir, index)
        print(
            f"quality: {DATATROVE}: datatrove 0.10.1, 5-grams, 14 buckets of 8, seed 1, 2 workers, "
            f"{took:.1f} s"
        )
        for p in problems:
            print(f"  ! {p}")
    together = {name: cluster_pairs(labels) for name, labels in systems.items()}
    outside = sorted(set().union(*together.values()) - truth.pairs.keys())
    truth.add(outside)
    true_labels = truth.clusters()
    sizes = Counter(Counter(true_labels.tolist()).values())
    print(
        f"truth: {len(set(true_labels.tolist())):,} clusters "
        f"({sum(n for s, n in sizes.items() if s > 1):,} of 2+ documents, the largest {max(sizes)})"
    )
    for a, b in outside[:5]:
        who = ", ".join(name for name, t in together.items() if (a, b) in t)
        print(
            f"  ! put together outside the universe by {who}: {qs.docs[a].id} ({qs.docs[a].kind}) ~ "
            f"{qs.docs[b].id} ({qs.docs[b].kind}), J {truth.pairs[(a, b)]:.3f}"
        )
    js = truth.pairs.values()
    print(
        f"pairs at J >= {SAME}: {sum(j >= SAME for j in js):,}; below {GREY}: {sum(j < GREY for j in js):,}; "
        f"grey zone: {sum(GREY <= j < SAME for j in js):,}"
    )
    print(
        f"\n{inspect.cleandoc(pair_scores.__doc__ or '')}\n{inspect.cleandoc(cluster_scores.__doc__ or '')}"
    )
    hard = {p for p in truth.pairs if qs.docs[p[0]].family == qs.docs[p[1]].family}
    head = f"{'J >= 0.8: P':>11} {'R':>6} {'F1':>6} {'FP rate <0.5':>12} {'in family':>9}"
    print(f"\n{'':30} {head}  {'clusters: P':>11} {'R':>6} {'F1':>6} {'ARI':>6} {'kept':>6}")
    for name, labels in systems.items():
        s = pair_scores(truth.pairs, together[name], hard=hard)
        c = cluster_scores(true_labels, labels)
        print(
            f"{name:30} {s['P']:11.4f} {s['R']:6.4f} {s['F1']:6.4f} {s['fp_rate']:12.4%} "
            f"{s['fp_rate_hard']:9.3%}"
            f"  {c['P']:11.4f} {c['R']:6.4f} {c['F1']:6.4f} {c['ARI']:6.4f} {len(set(labels.tolist())):6,}"
        )
    print(f"{'truth':30} {'':>50}  {'':>41} {len(set(true_labels.tolist())):6,}")
    print(f"\nshare of the scored pairs put in one cluster, by true Jaccard ({', '.join(systems)}):")
    bins: dict[str, list[Pair]] = defaultdict(list)
    for pair, j in truth.pairs.items():
        bins[bin_of(j)].append(pair)
    for name in [*sorted(k for k in bins if k != "= 1"), "= 1"]:
        got = bins[name]
        shares = " ".join(f"{sum(pair in t for pair in got) / len(got):8.4f}" for t in together.values())
        print(f"  {name:10} {len(got):8,} pairs {shares}")
    first = next(iter(systems))
    survivors(qs, systems[first])
    report_errors(qs, truth, together[first], args.examples)


def report_errors(qs: QualitySet, truth: Truth, together: set[Pair], examples: int) -> None:
    """websieve's missed pairs at J >= SAME and false positives below GREY, by how they came about (a band
    key shared or not; the share of equal signature values, which the step's verification compares to
    ``min_similarity``) and by edit kind, with examples."""
    docs, pairs = qs.docs, truth.pairs
    missed = sorted((p for p, j in pairs.items() if j >= SAME and p not in together), key=pairs.__getitem__)
    false = sorted((p for p, j in pairs.items() if j < GREY and p in together), key=pairs.__getitem__)
    sigs = _signatures(docs, {i for p in missed + false for i in p})
    least = _min_similarity()
    for title, found in (
        ("missed (J >= 0.8, not together)", missed),
        ("false positives (J < 0.5, together)", false),
    ):
        print(f"\nwebsieve {title}: {len(found):,}")
        if not found:
            continue
        how: dict[Pair, str] = {}
        for a, b in found:
            if sigs:
                (ka, sa), (kb, sb) = sigs[a], sigs[b]
                bands, agree = int((ka == kb).sum()), float((sa == sb).mean())
                if not bands:
                    why = "no band shared" + (
                        ": an LSH miss" if found is missed else ", joined through others"
                    )
                elif agree < least:
                    why = f"a band shared, signatures agree < {least}" + (
                        ": the verification rejected the link"
                        if found is missed
                        else ", joined through others"
                    )
                else:
                    why = f"a band shared, signatures agree >= {least}" + (
                        ": a link lost" if found is missed else ": a direct link"
                    )
                how[(a, b)] = why + f" | {bands} band(s), agree {agree:.3f}"
        for why, n in Counter(h.split(" | ")[0] for h in how.values()).most_common():
            print(f"  {n:6,}  {why}")
        print("  by the kinds of the two documents:")
        for kind, n in Counter(
            " | ".join(sorted((docs[a].kind, docs[b].kind))) for a, b in found
        ).most_common(8):
            print(f"  {n:6,}  {kind}")
        shown = sorted(found, key=lambda p: ("lost" not in how.get(p, ""), pairs[p]))[:examples]
        for a, b in shown:
            print(
                f"    {docs[a].id} ({docs[a].kind}) ~ {docs[b].id} ({docs[b].kind}): J {pairs[(a, b)]:.3f}, "
                f"{len(docs[a].text):,} / {len(docs[b].text):,} chars; {how.get((a, b), '').split(' | ')[-1]}"
            )


def _min_similarity() -> float:
    try:
        from websieve.steps.dedup.minhash import MinHashDedupConfig
    except ImportError:
        return 0.7
    return MinHashDedupConfig().min_similarity or 0.0


def _signatures(docs: Sequence[Doc], wanted: set[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    try:
        from websieve.steps.dedup.signature import MinHasher, MinHashParams
    except ImportError:
        return {}
    hasher = MinHasher(MinHashParams(n_grams=5, bands=14, rows=8, seed=1))
    out = {}
    for i in wanted:
        keys, sig = hasher.band_keys(docs[i].text), hasher.signature(docs[i].text)
        if keys is not None and sig is not None:
            out[i] = (keys, sig)
    return out if len(out) == len(wanted) else {}


def survivors(qs: QualitySet, labels: np.ndarray) -> None:
    """Which document of a family each predicted cluster holding the family's original keeps."""
    docs = qs.docs
    kept: Counter[str] = Counter()
    for i, d in enumerate(docs):
        if d.kind == "original" and (labels == labels[i]).sum() > 1:
            kept[
                docs[int(labels[i])].kind if docs[int(labels[i])].family == d.family else "another family's"
            ] += 1
    total = sum(kept.values())
    if total:
        top = ", ".join(f"{k} {n / total:.0%}" for k, n in kept.most_common(6))
        print(f"\nsurvivor of the {total:,} clusters holding an original: {top}")


# --- speed and memory -----------------------------------------------------------------------------------


def signature_texts(qs: QualitySet) -> list[str]:
    """The set's documents of the article benchmark's (mostly English) and DCLM's (English) families,
    cut to their first 3,000 characters at a space; shorter ones are left out."""
    return [
        d.text[: d.text.rfind(" ", 0, 3_000)] for d in qs.docs if d.source != "tf" and len(d.text) >= 3_000
    ]


def part_signatures(args: argparse.Namespace, texts: Sequence[str]) -> None:
    from peers.minhash_signatures import shingles as peer_shingles
    from websieve.steps.dedup.signature import MinHasher, MinHashParams, shingles

    size = sum(len(t.encode()) for t in texts)
    print(
        f"\nsignatures: {len(texts):,} real English texts of ~3 KB ({size / 1e6:.1f} MB), one core, best of 3"
    )
    same = sum({" ".join(g) for g in shingles(t)} == set(peer_shingles(t)) for t in texts)
    print(f"  the peers' shingles equal websieve's on {same:,} of {len(texts):,} texts; {load()}")
    hasher = MinHasher(MinHashParams(n_grams=5, bands=14, rows=8, seed=1))
    hasher.band_keys_many(list(texts[:10]))  # the code point table, once per process
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        hasher.band_keys_many(list(texts))
        best = min(best, time.perf_counter() - start)
    rows: dict[str, tuple[float, float | None]] = {"websieve MinHasher.band_keys_many (14x8)": (best, None)}
    if not args.no_peer:
        need_peer()
        path = WORK / "signature-texts.jsonl"
        path.write_bytes(b"".join(orjson.dumps({"text": t}) + b"\n" for t in texts))
        stdout = _timed([str(PEER), str(ROOT / "benchmarks" / "peers" / "minhash_signatures.py"), str(path)])[
            1
        ]
        for name, r in json.loads(stdout).items():
            rows[f"{name} (112 perms)"] = (r["seconds"], r["shingle_seconds"])
    print(f"  {'':52} {'docs/s':>8} {'MB/s':>7} {'shingling':>9} {'websieve is':>11}")
    for name, (secs, shingle) in rows.items():
        share = f"{shingle / secs:9.0%}" if shingle is not None else f"{'(incl.)':>9}"
        ratio = f"{secs / best:10.2f}x" if shingle is not None else ""
        print(f"  {name:52} {len(texts) / secs:8,.0f} {size / 1e6 / secs:7.2f} {share} {ratio}")
    usual = rows.get("rensa RMinHash.update (112 perms)")
    if usual:
        print(f"  websieve / rensa RMinHash.update: {usual[0] / best:.2f}x (target >= 1)")


def part_e2e(args: argparse.Namespace, qs: QualitySet, runs: Runs) -> None:
    n = len(qs.docs)
    size = sum(len(d.text.encode()) for d in qs.docs)
    shards = len(list(qs.folder.glob("*.jsonl")))
    print(f"\nend to end: {n:,} documents ({size / 1e6:.1f} MB, {shards} JSONL shards) to deduplicated JSONL")
    print(f"  wall time of each command; {load()}")
    for workers in (2,) if args.quick else (1, 2):
        ours, run_dir = runs.websieve(workers)
        kept = json.loads((run_dir / "stats.json").read_text())["kept"]
        print(f"  {workers} worker(s): websieve  {ours:6.1f} s, {n / ours:7,.0f} docs/s, {kept:,} kept")
        if not args.no_peer:
            theirs, _, info = runs.datatrove(workers)
            stages = ", ".join(f"{k} {v:.1f}" for k, v in info["seconds"].items())
            print(
                f"               datatrove {theirs:6.1f} s, {n / theirs:7,.0f} docs/s, "
                f"{info['counts'].get('forwarded', 0):,} kept ({stages} s)"
            )
            print(f"               websieve {theirs / ours:.1f}x datatrove (target >= 5)")


def rotated(text: str, k: int) -> str:
    lower = "abcdefghijklmnopqrstuvwxyz"
    upper = lower.upper()
    return text.translate(str.maketrans(lower + upper, lower[k:] + lower[:k] + upper[k:] + upper[:k]))


def memory_corpus(shards: Sequence[Path], repeats: int, folder: Path) -> int:
    """``shards`` ``repeats`` times into ``folder``; repeat k has its letters rotated by k. Documents."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    n = 0
    for k in range(repeats):
        for shard in shards:
            rows = [orjson.loads(line) for line in shard.read_bytes().splitlines()]
            n += len(rows)
            out = b"".join(
                orjson.dumps({"id": f"r{k:02d}-{r['id']}", "url": r["url"], "text": rotated(r["text"], k)})
                + b"\n"
                for r in rows
            )
            (folder / f"r{k:02d}-{shard.name}").write_bytes(out)
    return n


def part_memory(args: argparse.Namespace, qs: QualitySet) -> None:
    shards = sorted(qs.folder.glob("*.jsonl"))
    base = shards[: max(1, len(shards) // 2)]
    per_shard = sum(len(s.read_bytes().splitlines()) for s in base) / len(base)
    print(f"\nmemory: websieve {args.step}, 1 worker, shards of ~{per_shard:,.0f} documents; {load()}")
    print(
        f"  {'repeats':>7} {'shards':>6} {'documents':>10} {'worker MB':>10} {'coordinator MB':>15} "
        f"{'seconds':>8}"
    )
    points = []
    for repeats in (1, 2, 4) if args.quick else (1, 4, 16):
        folder, out = WORK / "memory-corpus", WORK / "memory-run"
        documents = memory_corpus(base, repeats, folder)
        shutil.rmtree(out, ignore_errors=True)
        stdout = _timed([sys.executable, __file__, "--memory-probe", args.step, str(folder), str(out)])[1]
        r = json.loads(stdout.strip().splitlines()[-1])
        points.append((documents, r["worker_kb"]))
        print(
            f"  {repeats:7} {len(base) * repeats:6} {documents:10,} {r['worker_kb'] / 1024:10.0f} "
            f"{r['coordinator_kb'] / 1024:15.0f} {r['seconds']:8.1f}"
        )
        shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(WORK / "memory-corpus", ignore_errors=True)
    (n0, kb0), (n1, kb1) = points[0], points[-1]
    print(
        f"  worker: {kb1 / kb0 - 1:+.1%} from {n0:,} to {n1:,} documents "
        f"({(kb1 - kb0) / (n1 - n0) * 1024:,.0f} bytes per added document)"
    )
    print(
        "  (worker: ru_maxrss of the run's child processes; coordinator: VmHWM of the process calling run())"
    )


def _vm_hwm_kb() -> int:
    """This process's peak RSS since its exec (``VmHWM``; ``ru_maxrss`` would count the RSS of the
    benchmark process it was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_probe(step: str, src: str, out: str) -> None:
    """In a fresh process: run the step with one local worker; print this process's peak RSS (the
    coordinator) and its children's (the worker, started small from this process: ``ru_maxrss`` of the
    children is the largest one's)."""
    from websieve import Executor, run
    from websieve.config import build_run_config

    config = build_run_config({"steps": [{"extract.html": {"min_chars": None}}, {step: OPTIONS[step]}]})
    start = time.perf_counter()
    run(config, inputs=[src], output=out, executor=Executor.LOCAL, workers=1, overwrite=True)
    took = time.perf_counter() - start
    usage = {
        "seconds": took,
        "coordinator_kb": _vm_hwm_kb(),
        "worker_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }
    print(json.dumps(usage))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--step", default="dedup.minhash", choices=sorted(OPTIONS), help="websieve's step")
    parser.add_argument("--quick", action="store_true", help="120 families, small corpora: about a minute")
    parser.add_argument("--no-peer", action="store_true", help="websieve only (no dt-venv)")
    parser.add_argument("--examples", type=int, default=8, help="missed / false pairs shown")
    parser.add_argument("--memory-probe", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(*args.memory_probe)
        return
    parts = set(args.parts.split(","))
    if parts - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(parts - set(PARTS)))}")
    if not args.no_peer and parts & {"quality", "signatures", "e2e"}:
        need_peer()
    if parts & {"quality", "e2e", "memory"}:
        check_step(args.step)
    qs = make_set(args.quick, shards=4 if args.quick else 8)
    runs = Runs(args, qs)
    if parts & {"set", "quality"}:
        truth = Truth(qs)
        describe_set(qs, truth)
        if "quality" in parts:
            part_quality(args, qs, truth, runs)
    if "signatures" in parts:
        part_signatures(args, signature_texts(qs))
    if "e2e" in parts:
        part_e2e(args, qs, runs)
    if "memory" in parts:
        part_memory(args, qs)


if __name__ == "__main__":
    main()
