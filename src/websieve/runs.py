"""Running a pipeline over inputs into a run folder, resumably.

>>> from websieve import load_preset, run
>>> summary = run(load_preset("default"), inputs=["tests/data/pages"], output="runs/x")  # doctest: +SKIP
>>> summary.stats["kept"]  # doctest: +SKIP
4

Run folder::

    RUN/run.json                 config, fingerprint, versions, input listing
    RUN/output/part-*.jsonl.zst  kept documents (part-*.parquet with write.format=parquet)
    RUN/ledger/part-*.parquet    one row per input document: kept, dropped (step, rule, value, threshold)
                                 or error (step, message)
    RUN/ledger/removed/part-*.parquet  lines removed from documents, with the reason
    RUN/annotations/part-*.parquet     every signal of every document
    RUN/stats.json               counts per step and reason, timings
    RUN/_state/part-*.done       completion markers (a re-run skips finished shards)
"""

from __future__ import annotations

import platform
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from websieve._version import __version__
from websieve.config import RunConfig, build_run_config
from websieve.errors import ResumeError, UserError
from websieve.executors import Executor
from websieve.executors.task import ShardResult, ShardTask, marker_path
from websieve.pipeline import Pipeline, fingerprint
from websieve.steps.read import fields_of
from websieve.steps.read.detect import InputListing, list_inputs, plan_shards

__all__ = ["RunSummary", "load_run_request", "run"]

_RUN_PARTS = (
    "output",
    "ledger",
    "annotations",
    "quarantine",
    "_state",
    "run.json",
    "stats.json",
    "report.html",
)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run did: the aggregated `stats` (also in ``RUN/stats.json``) and where things are."""

    run_dir: Path
    stats: dict[str, Any]
    shards_total: int
    shards_run: int
    shards_resumed: int

    @property
    def output_dir(self) -> Path:
        return self.run_dir / "output"

    @property
    def ledger_dir(self) -> Path:
        return self.run_dir / "ledger"


def load_run_request(run_dir: str | Path) -> tuple[RunConfig, list[str]]:
    """The config and inputs an existing run was started with (for ``websieve run --resume``)."""
    path = Path(run_dir) / "run.json"
    if not path.is_file():
        raise ResumeError(
            f"{run_dir} holds no run to resume (no run.json); start it with --input and a preset"
        )
    info = orjson.loads(path.read_bytes())
    return build_run_config(info["config"]), list(info["arguments"])


def _check_run_dir(run_dir: Path, fp: dict[str, str], overwrite: bool) -> bool:
    """True when ``run_dir`` holds this same run (resume); refuses a different one."""
    info_path = run_dir / "run.json"
    if not info_path.exists():
        if run_dir.exists() and any(run_dir.iterdir()) and not overwrite:
            raise ResumeError(
                f"output folder {run_dir} is not empty and holds no websieve run; "
                "choose a new --output or pass --overwrite"
            )
        return False
    old = orjson.loads(info_path.read_bytes()).get("fingerprint", {})
    if old.get("run") == fp["run"]:
        return True
    if overwrite:
        for part in _RUN_PARTS:
            target = run_dir / part
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        return False
    changed = [what for what in ("config", "inputs", "version") if old.get(what) != fp[what]]
    why = {
        "config": "the config (steps, options or --set values) differs",
        "inputs": "the input files differ (added, removed or changed size)",
        "version": f"it was made by websieve {old.get('version')}, this is {fp['version']}",
    }
    reasons = "; ".join(why[c] for c in changed) or "its fingerprint differs"
    raise ResumeError(
        f"{run_dir} holds a different run, so it cannot be resumed: {reasons}. "
        "Use a new --output, or --overwrite to replace it"
    )


def _write_run_info(
    run_dir: Path, config: RunConfig, listing: InputListing, fp: dict[str, str], inputs: Sequence[str]
) -> None:
    info = {
        "websieve": __version__,
        "python": platform.python_version(),
        "fingerprint": fp,
        "config": config.to_dict(),
        "arguments": list(inputs),
        "inputs": [{"path": f.path, "kind": f.kind.value, "size": f.size} for f in listing.files],
        "ignored_inputs": list(listing.ignored),
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    tmp = run_dir / ".run.json.tmp"
    tmp.write_bytes(orjson.dumps(info, option=orjson.OPT_INDENT_2))
    tmp.replace(run_dir / "run.json")


def _merge(results: list[ShardResult]) -> dict[str, Any]:
    def add_nested(into: dict[str, dict[str, int]], more: dict[str, dict[str, int]]) -> None:
        for step, reasons in more.items():
            slot = into.setdefault(step, {})
            for reason, n in reasons.items():
                slot[reason] = slot.get(reason, 0) + n

    total: dict[str, Any] = {"input": 0, "kept": 0, "dropped": 0, "errors": 0}
    dropped_by: dict[str, dict[str, int]] = {}
    errors_by: dict[str, dict[str, int]] = {}
    removed: dict[str, dict[str, int]] = {}
    skipped: dict[str, int] = {}
    seconds: dict[str, float] = {}
    in_bytes = out_chars = 0
    for r in sorted(results, key=lambda r: r.index):
        for key in ("input", "kept", "dropped", "errors"):
            total[key] += getattr(r, key)
        add_nested(dropped_by, r.dropped_by)
        add_nested(errors_by, r.errors_by)
        add_nested(removed, r.removed_lines)
        for kind, n in r.skipped_records.items():
            skipped[kind] = skipped.get(kind, 0) + n
        for step, s in r.seconds.items():
            seconds[step] = seconds.get(step, 0.0) + s
        in_bytes += r.input_bytes
        out_chars += r.output_chars
    total.update(
        dropped_by=_sorted(dropped_by),
        errors_by=_sorted(errors_by),
        removed_lines=_sorted(removed),
        skipped_records=dict(sorted(skipped.items())),
        step_seconds={k: round(v, 3) for k, v in seconds.items()},
        input_bytes=in_bytes,
        output_chars=out_chars,
    )
    return total


def _sorted(d: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {k: dict(sorted(v.items())) for k, v in sorted(d.items())}


def run(
    config: RunConfig,
    *,
    inputs: Sequence[str],
    output: str | Path,
    executor: Executor = Executor.LOCAL,
    workers: int | None = None,
    overwrite: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_shard: Callable[[ShardResult], None] | None = None,
) -> RunSummary:
    """Run ``config`` over ``inputs`` into the run folder ``output``.

    Re-running the same config over the same inputs into the same folder skips finished shards; a
    different config or different inputs are refused (`ResumeError`) unless ``overwrite`` is set.
    ``on_start(total_shards, pending_shards)``, ``on_progress(docs)`` and ``on_shard(result)`` let a
    caller show progress; the library itself prints nothing.
    """
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}")
    run_dir = Path(output)
    listing = list_inputs(inputs)
    pipe = Pipeline(config)
    for kind in sorted(listing.kinds(), key=lambda k: k.value):
        pipe.check(fields_of(kind))
    fp = fingerprint(config, [(f.path, f.size) for f in listing.files])
    resuming = _check_run_dir(run_dir, fp, overwrite)
    if not resuming:
        _write_run_info(run_dir, config, listing, fp, inputs)

    shards = plan_shards(listing, files_per_shard=config.read.files_per_shard)
    done: list[ShardResult] = []
    pending: list[ShardTask] = []
    for shard in shards:
        marker = marker_path(run_dir, shard)
        if marker.exists():
            done.append(ShardResult.from_json(marker.read_bytes()))
        else:
            pending.append(
                ShardTask(run_dir=str(run_dir), config=config, shard=shard, config_key=fp["config"])
            )
    if on_start is not None:
        on_start(len(shards), len(pending))

    started = time.perf_counter()
    if executor is Executor.INLINE:
        from websieve.executors.inline import run_inline

        results = run_inline(pending, on_progress=on_progress)
    else:
        from websieve.executors.local import run_local

        results = run_local(pending, workers=workers, on_progress=on_progress)
    fresh = []
    for result in results:
        fresh.append(result)
        if on_shard is not None:
            on_shard(result)
    wall = time.perf_counter() - started

    stats = _merge(done + fresh)
    processed = sum(r.input for r in fresh)
    stats.update(
        run=fp["run"],
        shards={"total": len(shards), "run": len(fresh), "resumed": len(done)},
        wall_seconds=round(wall, 3),
        docs_per_second=round(processed / wall, 1) if wall > 0 and processed else None,
        executor=executor.value,
    )
    tmp = run_dir / ".stats.json.tmp"
    tmp.write_bytes(orjson.dumps(stats, option=orjson.OPT_INDENT_2))
    tmp.replace(run_dir / "stats.json")
    return RunSummary(
        run_dir=run_dir,
        stats=stats,
        shards_total=len(shards),
        shards_run=len(fresh),
        shards_resumed=len(done),
    )
