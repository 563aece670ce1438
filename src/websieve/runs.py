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
    RUN/report.html              the same in charts, with sampled documents and their removed lines
    RUN/_state/part-*.done       completion markers (a re-run skips finished shards)
    RUN/_state/<stage>/          a global stage's map files, decisions and markers (map/*.done, reduce.done)

A pipeline with a global step (`websieve.steps.global_stage`, e.g. ``clean.boilerplate``) first maps
every shard through the steps before it, reduces the map output partition by partition, and only then
runs the normal pass, in which the global step applies its decisions. Map shards and the reduce have
their own completion markers, so an interrupted run resumes where it stopped in any of the three.
"""

from __future__ import annotations

import platform
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from websieve._version import __version__
from websieve.config import RunConfig, build_run_config
from websieve.errors import ConfigError, ResumeError, UserError, WorkerError
from websieve.executors import Executor
from websieve.executors.slots import DEFAULT_RETRIES, Failed
from websieve.executors.spill import remove_spill
from websieve.executors.task import ShardResult, ShardTask, Task, marker_path
from websieve.pipeline import Pipeline, fingerprint
from websieve.steps.global_stage import GlobalStep, StageState
from websieve.steps.read import fields_of
from websieve.steps.read.detect import InputListing, Shard, list_inputs, plan_shards

if TYPE_CHECKING:
    from websieve.executors.local import LocalPool
    from websieve.executors.ray_pool import RayPool

__all__ = ["FailedShard", "RunSummary", "load_run_request", "run"]

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
class FailedShard:
    """A shard whose worker died on every attempt: it has no output or ledger rows yet and no completion
    marker, so running the same command again tries it again (and only it)."""

    shard: str
    files: tuple[str, ...]
    attempts: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        files = list(self.files)
        return {"shard": self.shard, "files": files, "attempts": self.attempts, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run did: the aggregated `stats` (also in ``RUN/stats.json``) and where things are.

    ``failed`` lists the shards whose worker died on every attempt (empty when the run is complete).
    """

    run_dir: Path
    stats: dict[str, Any]
    shards_total: int
    shards_run: int
    shards_resumed: int
    failed: tuple[FailedShard, ...] = ()

    @property
    def complete(self) -> bool:
        """Every shard is finished: every input document is in the output or the ledger."""
        return not self.failed

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
    if info_path.exists():
        old = orjson.loads(info_path.read_bytes()).get("fingerprint", {})
        if old.get("run") == fp["run"]:
            return True
    elif run_dir.exists() and any(run_dir.iterdir()) and not overwrite:
        raise ResumeError(
            f"output folder {run_dir} is not empty and holds no websieve run; "
            "choose a new --output or pass --overwrite"
        )
    if overwrite:  # what a different run, or one whose run.json is gone, left here
        for part in _RUN_PARTS:
            target = run_dir / part
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        return False
    if not info_path.exists():
        return False
    changed = [what for what in ("config", "inputs", "version", "external") if old.get(what) != fp.get(what)]
    why = {
        "config": "the config (steps, options or --set values) differs",
        "inputs": "the input files differ (added, removed or changed size)",
        "version": f"it was made by websieve {old.get('version')}, this is {fp['version']}",
        "external": "a list or an optional library its steps read changed (a rebuilt list, another version)",
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


R = TypeVar("R")


class _Scheduler:
    """Runs batches of tasks on the chosen executor; a local pool lives as long as the run, so workers
    set up their models once for a global stage's map and the main pass."""

    def __init__(
        self,
        executor: Executor,
        *,
        workers: int | None,
        size: int,
        on_progress: Callable[[int], None] | None,
        ray_address: str | None = None,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        self._on_progress = on_progress
        self._pool: LocalPool | RayPool | None = None
        if executor is Executor.LOCAL:
            from websieve.executors.local import LocalPool

            self._pool = LocalPool(workers=workers, size=size, on_progress=on_progress, retries=retries)
        elif executor is Executor.RAY:
            from websieve.executors.ray_pool import RayPool

            self._pool = RayPool(
                workers=workers, size=size, on_progress=on_progress, address=ray_address, retries=retries
            )

    def run(self, tasks: Sequence[Task[R]]) -> Iterator[R | Failed[R]]:
        """Results as tasks finish; a task whose worker died on every attempt comes back as `Failed`."""
        if self._pool is None:
            from websieve.executors.inline import run_inline

            return run_inline(tasks, on_progress=self._on_progress)
        return self._pool.run(tasks)

    def run_all(self, tasks: Sequence[Task[R]], what: str) -> Iterator[R]:
        """Results as tasks finish; a task out of attempts stops the run (a global stage needs every
        partition and every shard's map): `WorkerError`, resumable."""
        for result in self.run(tasks):
            if isinstance(result, Failed):
                raise WorkerError(
                    f"{what}: {_task_name(result.task)} failed ({result.attempts} attempts), "
                    f"{result.reason}; what finished is kept: run the same command again to resume "
                    "(with fewer --workers if memory is short)"
                )
            yield result

    def __enter__(self) -> _Scheduler:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.close()


def _task_name(task: Any) -> str:
    shard = getattr(task, "shard", None)
    if shard is not None:
        return f"shard {shard.name}"
    return f"partition {getattr(task, 'partition', '?')}"


def _global_steps(pipe: Pipeline) -> list[tuple[int, GlobalStep[Any]]]:
    found = [(i, step) for i, step in enumerate(pipe.steps) if isinstance(step, GlobalStep)]
    stages = [step.stage for _, step in found]
    for stage in stages:
        if stages.count(stage) > 1:
            raise ConfigError(
                f"the config has more than one step of the global stage {stage!r}; each may appear "
                f"once (they would share RUN/_state/{stage}/)"
            )
    return found


def _remove_partial_files(run_dir: Path) -> None:
    """Remove what a killed run left half written: files are written as ``.NAME.tmp-PID`` (or
    ``NAME.tmp``) and renamed when complete, so a leftover one is never part of the run."""
    for part in ("output", "ledger", "annotations", "quarantine", "_state"):
        folder = run_dir / part
        if folder.is_dir():
            for path in folder.rglob("*.tmp*"):
                if path.is_file() and (path.name.endswith(".tmp") or ".tmp-" in path.name):
                    path.unlink(missing_ok=True)


def _run_phase(
    step: GlobalStep[Any],
    phase: str,
    *,
    state: StageState,
    run_dir: Path,
    config: RunConfig,
    index: int,
    names: tuple[str, ...],
    scheduler: _Scheduler,
    on_phase: Callable[[str, int, int], None] | None,
    on_phase_task: Callable[[], None] | None,
    rerun: bool,
) -> dict[str, int]:
    """Run the partitions of one phase of a global step that are not finished, and return the phase's
    counts (also written to its marker).

    A finished phase's counts are read back from its marker. A phase interrupted mid-way keeps the
    partitions that finished (each has a marker with its counts, written once its files are complete)
    and runs the others. With ``rerun`` (an earlier phase or map ran again) everything the phase wrote is
    removed first and every partition runs.
    """
    from websieve.executors.stage import ReduceTask, write_marker

    marker = state.phase_marker(phase)
    if marker.exists() and not rerun:
        counts: dict[str, int] = orjson.loads(marker.read_bytes())
        return counts
    marker.unlink(missing_ok=True)
    done_dir = state.root / "_partitions" / phase
    if rerun:
        shutil.rmtree(state.root / phase, ignore_errors=True)
        shutil.rmtree(done_dir, ignore_errors=True)
    finished: dict[int, dict[str, int]] = {}
    for k in range(step.partitions):
        done = done_dir / f"p{k}.done"
        if done.exists():
            finished[k] = orjson.loads(done.read_bytes())
    tasks = [
        ReduceTask(
            run_dir=str(run_dir), config=config, step_index=index, partition=k, shards=names, phase=phase
        )
        for k in range(step.partitions)
        if k not in finished
    ]
    if on_phase is not None:
        on_phase(f"{step.phase_label(phase)} {step.step_id}", step.partitions, len(finished))
    for result in scheduler.run_all(tasks, f"{step.phase_label(phase)} {step.step_id}"):
        write_marker(done_dir / f"p{result.partition}.done", orjson.dumps(result.counts))
        finished[result.partition] = result.counts
        if on_phase_task is not None:
            on_phase_task()
    totals: dict[str, int] = {}
    for k in sorted(finished):
        for key, n in finished[k].items():
            totals[key] = totals.get(key, 0) + n
    totals = dict(sorted(totals.items()))
    write_marker(marker, orjson.dumps(totals, option=orjson.OPT_INDENT_2))
    return totals


def _run_global_stages(
    pipe: Pipeline,
    *,
    run_dir: Path,
    shards: Sequence[Shard],
    config_key: str,
    scheduler: _Scheduler,
    needed: bool,
    on_phase: Callable[[str, int, int], None] | None = None,
    on_phase_task: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Map and reduce every global step, in pipeline order, unless their markers say it is done.

    A later global step's map runs the earlier ones in apply mode, so they are finished first. With
    ``needed`` false (every shard of the main pass is finished) nothing runs; the markers are reported.
    """
    from websieve.executors.stage import MapTask, write_marker

    info: dict[str, Any] = {}
    for index, step in _global_steps(pipe):
        state = StageState(run_dir, step.stage)
        started = time.perf_counter()
        mapped = {"run": 0, "resumed": len(shards)}
        reduce = "resumed"
        if needed and not state.reduce_marker.exists():
            pending = [
                MapTask(
                    run_dir=str(run_dir),
                    config=pipe.config,
                    shard=shard,
                    config_key=config_key,
                    step_index=index,
                )
                for shard in shards
                if not state.map_marker(shard.name).exists()
            ]
            mapped = {"run": len(pending), "resumed": len(shards) - len(pending)}
            if on_phase is not None:
                on_phase(f"map {step.step_id}", len(shards), len(shards) - len(pending))
            for _ in scheduler.run_all(pending, f"map {step.step_id}"):
                if on_phase_task is not None:
                    on_phase_task()
            names = tuple(shard.name for shard in shards)
            totals: dict[str, int] = {}
            phase: str | None = "reduce"
            rerun = bool(pending)  # a new map invalidates every phase; a phase run again, the ones after it
            while phase is not None:
                resumed = state.phase_marker(phase).exists() and not rerun
                counts = _run_phase(
                    step,
                    phase,
                    state=state,
                    run_dir=run_dir,
                    config=pipe.config,
                    index=index,
                    names=names,
                    scheduler=scheduler,
                    on_phase=on_phase,
                    on_phase_task=on_phase_task,
                    rerun=rerun,
                )
                rerun = rerun or not resumed
                for key, n in counts.items():
                    if not key.startswith("_"):  # a phase's own signal to next_phase, not a run total
                        totals[key] = totals.get(key, 0) + n
                phase = step.next_phase(phase, counts)
            marker = {
                "partitions": step.partitions,
                "shards": len(names),
                "counts": dict(sorted(totals.items())),
            }
            write_marker(state.reduce_marker, orjson.dumps(marker, option=orjson.OPT_INDENT_2))
            reduce = "run"
        elif not state.reduce_marker.exists():
            reduce = "not needed"
        counts = orjson.loads(state.reduce_marker.read_bytes())["counts"] if reduce != "not needed" else {}
        info[step.step_id] = {
            "map_shards": mapped,
            "reduce": reduce,
            **counts,
            "seconds": round(time.perf_counter() - started, 3),
        }
    return info


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
    on_phase: Callable[[str, int, int], None] | None = None,
    on_phase_task: Callable[[], None] | None = None,
    ray_address: str | None = None,
    retries: int = DEFAULT_RETRIES,
    on_failed: Callable[[FailedShard], None] | None = None,
) -> RunSummary:
    """Run ``config`` over ``inputs`` into the run folder ``output``.

    ``executor`` schedules the work: in this process, on a pool of local processes, or on Ray (a local
    Ray cluster of ``workers`` CPUs started for the run, or the existing one at ``ray_address``); the
    output is the same with each.

    Re-running the same config over the same inputs into the same folder skips finished shards; a
    different config or different inputs are refused (`ResumeError`) unless ``overwrite`` is set.
    ``on_start(total_shards, pending_shards)``, ``on_progress(docs)`` and ``on_shard(result)`` let a
    caller show progress; the library itself prints nothing. A global stage announces each of its
    phases with ``on_phase(label, total_tasks, tasks_already_done)`` ("map clean.boilerplate@1",
    "reduce …") and each finished task with ``on_phase_task()``; documents its map reads are reported
    through ``on_progress`` too.

    A worker that dies (killed, out of memory, a crash in a native library) costs only the task it was
    running: that task is tried again on a fresh worker, up to ``retries`` more times. A shard still
    failing then is reported (``on_failed``, `RunSummary.failed`, ``stats["failed_shards"]``) and the
    run finishes the others; running the same command again tries it again. A global stage's map or
    partition out of attempts stops the run with `WorkerError` (its decisions need every one of them).
    """
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}")
    if retries < 0:
        raise UserError(f"--retries must be 0 or more, got {retries}")
    run_dir = Path(output)
    listing = list_inputs(inputs)
    pipe = Pipeline(config)
    for kind in sorted(listing.kinds(), key=lambda k: k.value):
        pipe.check(fields_of(kind))
    global_steps = _global_steps(pipe)
    fp = fingerprint(config, [(f.path, f.size) for f in listing.files], pipe.external())
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
    started = time.perf_counter()
    # the pool serves the main pass and, when one is needed, every global stage's map and reduce
    size = max([len(pending), *(max(len(shards), step.partitions) for _, step in global_steps)])
    global_stages = None
    with _Scheduler(
        executor,
        workers=workers,
        size=size,
        on_progress=on_progress,
        ray_address=ray_address,
        retries=retries,
    ) as scheduler:
        if global_steps:
            global_stages = _run_global_stages(
                pipe,
                run_dir=run_dir,
                shards=shards,
                config_key=fp["config"],
                scheduler=scheduler,
                needed=bool(pending),
                on_phase=on_phase,
                on_phase_task=on_phase_task,
            )
        if on_start is not None:
            on_start(len(shards), len(pending))
        fresh = []
        failed: list[FailedShard] = []
        for result in scheduler.run(pending):
            if isinstance(result, Failed):
                assert isinstance(result.task, ShardTask)
                shard = result.task.shard
                lost = FailedShard(
                    shard=shard.name,
                    files=tuple(f.path for f in shard.files),
                    attempts=result.attempts,
                    reason=result.reason,
                )
                failed.append(lost)
                if on_failed is not None:
                    on_failed(lost)
                continue
            fresh.append(result)
            if on_shard is not None:
                on_shard(result)
    wall = time.perf_counter() - started
    if not failed:
        remove_spill(run_dir)  # every shard is done; also what a killed map or main pass left
    _remove_partial_files(run_dir)

    stats = _merge(done + fresh)
    processed = sum(r.input for r in fresh)
    stats.update(
        run=fp["run"],
        shards={"total": len(shards), "run": len(fresh), "resumed": len(done), "failed": len(failed)},
        wall_seconds=round(wall, 3),
        docs_per_second=round(processed / wall, 1) if wall > 0 and processed else None,
        executor=executor.value,
    )
    if global_stages is not None:
        stats["global_stages"] = global_stages
    if failed:
        stats["failed_shards"] = [f.to_dict() for f in sorted(failed, key=lambda f: f.shard)]
    tmp = run_dir / ".stats.json.tmp"
    tmp.write_bytes(orjson.dumps(stats, option=orjson.OPT_INDENT_2))
    tmp.replace(run_dir / "stats.json")
    from websieve.report import write_report

    write_report(run_dir)  # RUN/report.html: what the run did, in charts and samples
    return RunSummary(
        run_dir=run_dir,
        stats=stats,
        shards_total=len(shards),
        shards_run=len(fresh),
        shards_resumed=len(done),
        failed=tuple(sorted(failed, key=lambda f: f.shard)),
    )
