"""Near-duplicate removal over a run: MinHash bands, the parallel union-find, one survivor per cluster."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import orjson
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import JSONL_DIR, read_ledger, read_output, tree_bytes
from websieve import Executor, run
from websieve.config import RunConfig, build_run_config
from websieve.errors import ConfigError
from websieve.steps.dedup import components as cc
from websieve.steps.dedup.minhash import MinHashDedupConfig
from websieve.steps.dedup.signature import jaccard

with gzip.open(JSONL_DIR / "noisy-dev-41-60.jsonl.gz", "rt", encoding="utf-8") as _fh:
    REAL = [t for t in (json.loads(line)["text"] for line in _fh) if len(t) > 1500][:8]


def _typos(text: str, every: int, seed: int) -> str:
    """Swap two letters in one word out of ``every``."""
    rng = random.Random(seed)
    words = text.split(" ")
    for i in range(0, len(words), every):
        w = words[rng.randrange(i, min(i + every, len(words)))]
        if len(w) > 3:
            j = words.index(w)
            words[j] = w[0] + w[2] + w[1] + w[3:]
    return " ".join(words)


def _corpus(folder: Path) -> tuple[Path, dict[str, str]]:
    """Three files: eight real texts, near copies of three of them, and a distant edit of a fourth."""
    folder.mkdir()
    footer = "\n\nShare this article on social media. Subscribe to our newsletter for the latest news."
    a = [{"id": f"a{i}", "text": t} for i, t in enumerate(REAL)]
    b = [
        {"id": "b0", "text": REAL[0] + footer},  # a footer more: longer, survives
        {"id": "b1", "text": _typos(REAL[1], 40, 1)},  # a few typos
        {"id": "b4", "text": REAL[4][: len(REAL[4]) // 2]},  # half of it: Jaccard about 0.5, not a near copy
    ]
    c = [
        {"id": "c0", "text": REAL[0].replace("\n", " ")},  # the same words
        {"id": "c2", "text": REAL[2] + footer},
        {"id": "_2", "text": REAL[2] + footer},  # same length as c2: the smallest id survives
    ]
    for name, rows in (("a.jsonl", a), ("b.jsonl", b), ("c.jsonl", c)):
        (folder / name).write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    texts = {str(r["id"]): str(r["text"]) for r in a + b + c}
    return folder, texts


def _config(**options: object) -> RunConfig:
    return build_run_config(
        {
            "steps": [{"extract.html": {"min_chars": None}}, {"dedup.minhash": options}],
            "read": {"files_per_shard": 1},
        }
    )


def test_one_survivor_per_cluster_with_the_id_it_duplicates(tmp_path: Path) -> None:
    corpus, texts = _corpus(tmp_path / "in")
    assert jaccard(texts["a1"], texts["b1"]) > 0.6 and jaccard(texts["a0"], texts["b0"]) > 0.9
    assert 0.3 < jaccard(texts["a4"], texts["b4"]) < 0.6
    summary = run(_config(), inputs=[str(corpus)], output=tmp_path / "run", executor=Executor.INLINE)
    kept = {str(row["id"]): row for row in read_output(tmp_path / "run")}
    dropped = {str(r["id"]): r for r in read_ledger(tmp_path / "run") if r["fate"] == "dropped"}
    assert {k: (v["rule"], v["value"]) for k, v in dropped.items()} == {
        "a0": ("near_duplicate", "b0"),  # b0 is the longest of a0, b0, c0
        "c0": ("near_duplicate", "b0"),
        "b1": ("near_duplicate", "a1"),  # as long as a1: the smallest id survives
        "a2": ("near_duplicate", "_2"),  # the footer makes c2 and _2 longer; "_2" < "c2"
        "c2": ("near_duplicate", "_2"),
    }
    for ident, size in {"b0": 3, "_2": 3, "a1": 2}.items():
        assert kept[ident]["meta"]["cluster_size"] == size  # type: ignore[index]
    assert {"a4", "b4", "a3", "a5", "a6", "a7"} <= kept.keys()
    assert kept["a3"]["meta"]["cluster_size"] == 0  # type: ignore[index]  # in no cluster
    assert len(kept) + len(dropped) == len(texts) == summary.stats["input"]  # every document in one place


def test_the_same_output_whatever_the_workers_and_partitions(tmp_path: Path) -> None:
    corpus, _ = _corpus(tmp_path / "in")
    for options in ({}, {"min_similarity": None}):
        tag = "v" if options else "f"
        run(
            _config(**options),
            inputs=[str(corpus)],
            output=tmp_path / f"{tag}inline",
            executor=Executor.INLINE,
        )
        want = tree_bytes(tmp_path / f"{tag}inline")
        for workers in (1, 2, 4):
            out = tmp_path / f"{tag}local{workers}"
            run(
                _config(**options), inputs=[str(corpus)], output=out, executor=Executor.LOCAL, workers=workers
            )
            assert tree_bytes(out) == want
        for partitions in (1, 7):
            out = tmp_path / f"{tag}p{partitions}"
            run(
                _config(**options, partitions=partitions),
                inputs=[str(corpus)],
                output=out,
                executor=Executor.INLINE,
            )
            assert read_ledger(out) == read_ledger(tmp_path / f"{tag}inline")
            assert read_output(out) == read_output(tmp_path / f"{tag}inline")


def test_config_ranges() -> None:
    with pytest.raises(ConfigError, match="min_similarity"):
        MinHashDedupConfig(min_similarity=1.5)
    with pytest.raises(ConfigError):
        MinHashDedupConfig(bands=0)


# -- the union-find, against a plain one ---------------------------------------------------------


def _plain_components(a: list[int], b: list[int]) -> dict[int, int]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in zip(a, b, strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    return {x: find(x) for x in parent}


def _distributed(a: np.ndarray, b: np.ndarray, partitions: int) -> dict[int, int]:
    """The step's phases in memory: contract per partition, star rounds, labels."""
    where = cc.node_partition(a, partitions)
    links: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(partitions):
        x, y = (
            cc.star_links(*cc.local_components(a[where == k], b[where == k]))
            if (where == k).any()
            else (a[:0], b[:0])
        )
        links.append((x, y))

    def shuffle(pairs: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
        x = np.concatenate([p[0] for p in pairs] + [p[1] for p in pairs])
        y = np.concatenate([p[1] for p in pairs] + [p[0] for p in pairs])
        part = cc.node_partition(x, partitions)
        return [cc.unique_links(x[part == k], y[part == k]) for k in range(partitions)]

    state = shuffle(links)
    changed: list[int] = []
    for r in range(200):
        step = cc.large_star if r % 2 == 0 else cc.small_star
        out = [step(u, v) for u, v in state]
        changed.append(sum(o[2] for o in out))
        state = shuffle([(o[0], o[1]) for o in out])
        if len(changed) >= 2 and changed[-1] == changed[-2] == 0:
            break
    result: dict[int, int] = {}
    for u, v in state:
        nodes, label = cc.labels(u, v)
        result.update(zip(nodes.tolist(), label.tolist(), strict=True))
    return result


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=1, max_size=120),
    st.integers(1, 5),
)
def test_the_star_rounds_find_the_components(links: list[tuple[int, int]], partitions: int) -> None:
    links = [(x, y) for x, y in links if x != y]
    if not links:
        return
    a = np.array([x for x, _ in links], dtype=np.uint64)
    b = np.array([y for _, y in links], dtype=np.uint64)
    assert _distributed(a, b, partitions) == _plain_components(a.tolist(), b.tolist())
    nodes, roots = cc.local_components(a, b)
    assert dict(zip(nodes.tolist(), roots.tolist(), strict=True)) == _plain_components(a.tolist(), b.tolist())


def test_a_long_chain_converges() -> None:
    rng = np.random.default_rng(3)
    chain = rng.permutation(5000).astype(np.uint64)
    got = _distributed(chain[:-1], chain[1:], 8)
    assert set(got.values()) == {0} and len(got) == 5000


def test_an_interrupted_run_resumes_from_the_last_finished_phase(tmp_path: Path) -> None:
    corpus, _ = _corpus(tmp_path / "in")
    out = tmp_path / "run"
    run(_config(), inputs=[str(corpus)], output=out, executor=Executor.INLINE)
    want = tree_bytes(out)
    state = out / "_state" / "dedup-minhash"
    phases = sorted(p.name for p in state.glob("phase-*.done"))
    assert {"phase-reduce.done", "phase-verify.done", "phase-compare.done", "phase-large-1.done"} <= set(
        phases
    )

    def crash(*markers: Path) -> dict[str, int]:
        for marker in (*out.glob("_state/part-*.done"), state / "reduce.done", *markers):
            marker.unlink()
        stamps = {p.name: p.stat().st_mtime_ns for p in state.glob("phase-*.done")}
        run(_config(), inputs=[str(corpus)], output=out, executor=Executor.INLINE)
        assert tree_bytes(out) == want
        return {name: int(p.stat().st_mtime_ns != stamps.get(name)) for name in phases if (p := state / name)}

    # a crash after the comparison: the phases before it are not run again, every phase after it is
    rerun = crash(state / "phase-compare.done")
    assert rerun["phase-reduce.done"] == rerun["phase-verify.done"] == 0
    assert rerun["phase-compare.done"] == rerun["phase-large-1.done"] == 1
    # a crash in the map: every phase runs again on the new map
    rerun = crash(state / "map" / "part-00001.done")
    assert set(rerun.values()) == {1}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 40)), max_size=80, unique=True), st.integers(0, 5)
)
def test_bucket_links_pair_small_buckets_and_connect_large_ones(
    rows: list[tuple[int, int]], upto: int
) -> None:
    rows.sort()
    key = np.array([k for k, _ in rows], dtype=np.uint64)
    node = np.array([n for _, n in rows], dtype=np.uint64)
    a, b = cc.bucket_links(key, node, all_pairs_upto=upto)
    links = set(zip(a.tolist(), b.tolist(), strict=True))
    within: set[tuple[int, int]] = set()
    for k in set(key.tolist()):
        members = sorted(node[key == k].tolist())
        pairs = {(x, y) for i, x in enumerate(members) for y in members[:i]}
        within |= pairs
        if len(members) <= upto:
            assert pairs <= links  # every pair of a small bucket
        assert {(x, members[0]) for x in members[1:]} <= links  # the star of every bucket
    assert links <= within  # (larger, smaller), and only between nodes that share a bucket


@pytest.mark.parametrize("step", ["dedup.minhash", "dedup.exact"])
def test_documents_with_one_id_are_told_apart_by_their_place(tmp_path: Path, step: str) -> None:
    """Ids repeat when a file is read twice: one copy survives, the first in the input, whatever the
    partitions (decisions go by record, ties by shard then record)."""
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [{"id": f"x{i}", "text": text} for i, text in enumerate(REAL[:4])]
    twice = b"".join(orjson.dumps(row) + b"\n" for row in rows + rows)  # one shard: each id twice
    (folder / "a.jsonl").write_bytes(twice)
    (folder / "b.jsonl").write_bytes(twice)  # another shard: the same ids again
    kept_by_partitions = []
    for partitions in (1, 3, 16):
        config = build_run_config(
            {
                "steps": [{"extract.html": {"min_chars": None}}, {step: {"partitions": partitions}}],
                "read": {"files_per_shard": 1},
            }
        )
        out = tmp_path / f"run{partitions}"
        run(config, inputs=[str(folder)], output=out, executor=Executor.INLINE)
        kept = [(str(r["id"]), r["meta"]["cluster_size"]) for r in read_output(out)]  # type: ignore[index]
        assert kept == [(f"x{i}", 4) for i in range(4)]  # each text once, from a.jsonl's first copy
        ledger = read_ledger(out)
        assert len(ledger) == 16 and sum(r["fate"] == "dropped" for r in ledger) == 12
        kept_at = sorted((Path(str(r["source"])).name, r["offset"]) for r in ledger if r["fate"] == "kept")
        assert kept_at == [("a.jsonl", line) for line in range(4)]
        kept_by_partitions.append(tree_bytes(out))
    assert kept_by_partitions[0] == kept_by_partitions[1] == kept_by_partitions[2]


def test_annotate_only_marks_what_a_real_run_drops(tmp_path: Path) -> None:
    """The copy an earlier filter would drop is no survivor: only it is marked, not the copy kept."""
    folder = tmp_path / "in"
    folder.mkdir()
    story = " ".join(REAL[0].replace("{", "").split()[:300]) + "."  # one line that C4 keeps whole
    pages = [{"id": "long", "text": story + " Lorem ipsum dolor sit amet."}, {"id": "short", "text": story}]
    (folder / "pages.jsonl").write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in pages))
    marked = {}
    for annotate in (False, True):
        config = build_run_config(
            {
                "steps": [{"extract.html": {"min_chars": None}}, "quality.c4", "dedup.minhash"],
                "annotate_only": annotate,
            }
        )
        out = tmp_path / f"run{annotate}"
        summary = run(config, inputs=[str(folder)], output=out, executor=Executor.INLINE)
        if not annotate:
            assert [r["id"] for r in read_output(out)] == ["short"]
            assert summary.stats["dropped_by"] == {"quality.c4@1": {"lorem_ipsum": 1}}
        else:
            rows = [
                r
                for p in sorted((out / "annotations").glob("*.parquet"))
                for r in pq.read_table(p).to_pylist()
            ]
            marked = {(r["id"], r["step"]) for r in rows if r["key"] == "would_drop"}
            alone = not [r for r in rows if r["step"] == "dedup.minhash@1"]
            assert alone  # "short" has no near copy left, as in a real run
    assert marked == {("long", "quality.c4@1")}


def test_the_first_in_the_input_survives_when_asked(tmp_path: Path) -> None:
    corpus, _ = _corpus(tmp_path / "in")
    config = _config(survivor="first")
    run(config, inputs=[str(corpus)], output=tmp_path / "run", executor=Executor.INLINE)
    dropped = {str(r["id"]): r["value"] for r in read_ledger(tmp_path / "run") if r["fate"] == "dropped"}
    # a.jsonl is the first shard: its copies stay, whatever their length
    assert dropped == {"b0": "a0", "c0": "a0", "b1": "a1", "c2": "a2", "_2": "a2"}
    with pytest.raises(ConfigError, match="survivor"):
        build_run_config({"steps": [{"dedup.minhash": {"survivor": "shortest"}}]})
