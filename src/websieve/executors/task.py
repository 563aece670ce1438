"""The one task runner every executor calls: read a shard, run the steps, write output and ledger.

A shard's output, ledger, removed lines and annotations are written atomically, then its completion
marker; a shard with a marker is finished and is skipped when the run is resumed.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

import orjson

from websieve.config import RunConfig
from websieve.document import Document
from websieve.executors.collector import freeze_setup
from websieve.executors.spill import first_global_step, read_spill, remove_spill
from websieve.ledger.records import Fate, ShardLedger
from websieve.ledger.store import write_shard_tables
from websieve.pipeline import Pipeline
from websieve.steps.base import StepContext
from websieve.steps.read import reader_for
from websieve.steps.read.detect import Shard
from websieve.steps.write.shards import ShardWriter

__all__ = [
    "KILL_WORKER_ENV",
    "ShardResult",
    "ShardTask",
    "Task",
    "drilled",
    "mark_worker",
    "marker_path",
    "pipeline_for",
    "run_shard",
]

ProgressFn = Callable[[int], None]
_PROGRESS_EVERY = 64

R_co = TypeVar("R_co", covariant=True)


class Task(Protocol[R_co]):
    """A unit of work an executor schedules: small, picklable, and run the same way everywhere."""

    def run(self, progress: ProgressFn | None) -> R_co: ...


@dataclass(frozen=True, slots=True)
class ShardTask:
    """Everything a worker needs for one shard; small and picklable."""

    run_dir: str
    config: RunConfig
    shard: Shard
    config_key: str

    def run(self, progress: ProgressFn | None) -> ShardResult:
        return run_shard(self, progress)


@dataclass(slots=True)
class ShardResult:
    """Counts and timings of one finished shard (stored in its completion marker)."""

    index: int
    input: int = 0
    kept: int = 0
    dropped: int = 0
    errors: int = 0
    dropped_by: dict[str, dict[str, int]] = field(default_factory=dict)
    errors_by: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped_records: dict[str, int] = field(default_factory=dict)
    removed_lines: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    input_bytes: int = 0
    output_chars: int = 0

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)

    @classmethod
    def from_json(cls, data: bytes) -> ShardResult:
        return cls(**orjson.loads(data))


def marker_path(run_dir: Path, shard: Shard) -> Path:
    return run_dir / "_state" / f"{shard.name}.done"


_PIPELINES: dict[str, Pipeline] = {}


def pipeline_for(config: RunConfig, config_key: str) -> Pipeline:
    """One set-up pipeline per process and config: models load once per worker, not once per shard."""
    pipe = _PIPELINES.get(config_key)
    if pipe is None:
        pipe = Pipeline(config)
        pipe.setup()  # kept only once set up: a setup that failed (a missing list) is tried again next time
        _PIPELINES[config_key] = pipe
        freeze_setup()  # models and vocabularies live as long as the process
    return pipe


def timed(stream: Iterator[Document], acc: list[float], slot: int) -> Iterator[Document]:
    """Adds the time spent producing each item (this stage and everything upstream) to ``acc[slot]``."""
    clock = time.perf_counter
    while True:
        start = clock()
        try:
            doc = next(stream)
        except StopIteration:
            acc[slot] += clock() - start
            return
        acc[slot] += clock() - start
        yield doc


def shard_context(cfg: RunConfig, ledger: ShardLedger, run_dir: Path, shard: Shard) -> StepContext:
    """The context the steps of one shard's pass (or of its map) record into."""
    return StepContext(
        ledger=ledger,
        on_error=cfg.on_error,
        annotate_only=cfg.annotate_only,
        run_dir=run_dir,
        shard=shard.name,
    )


KILL_WORKER_ENV = "WEBSIEVE_KILL_WORKER_IN"
"""A fault drill: ``part-00002`` (comma-separated shard names) makes the worker running that shard's main
pass kill itself with SIGKILL as it reads the second document, on every attempt; ``map:part-00002`` does
it in the shard's map of the first global stage; ``part-00002@FILE`` does it only while FILE exists, and
removes FILE as it dies (so once per FILE). It acts in pool workers and Ray actors only, never in the
process that runs ``--executor inline``. The fault tests use it; so can an operator checking what a run
does when a worker dies."""

_in_worker = False


def mark_worker() -> None:
    """Declare this process a worker of a pool or a Ray actor (where `KILL_WORKER_ENV` may act)."""
    global _in_worker
    _in_worker = True


def drilled(stream: Iterator[Document], where: str) -> Iterator[Document]:
    """``stream``, or, when `KILL_WORKER_ENV` names ``where`` (a shard's name, ``map:`` and its name),
    ``stream`` with a worker kill after its first document (mid-shard: output is partly written)."""
    spec = os.environ.get(KILL_WORKER_ENV)
    if not spec or not _in_worker:
        return stream
    for item in spec.split(","):
        name, _, token = item.strip().partition("@")
        if name == where:
            return _kill_after_first(stream, token)
    return stream


def _kill_after_first(stream: Iterator[Document], token: str) -> Iterator[Document]:
    for i, doc in enumerate(stream):
        if i == 1 and _armed(token):
            os.kill(os.getpid(), signal.SIGKILL)
        yield doc


def _armed(token: str) -> bool:
    """Without a token file the drill always fires; with one, while the file exists (removed as it fires)."""
    if not token:
        return True
    try:
        os.unlink(token)
    except FileNotFoundError:
        return False
    return True


def run_shard(task: ShardTask, progress: ProgressFn | None = None) -> ShardResult:
    """Process one shard end to end and return its counts (also written to its completion marker)."""
    run_dir = Path(task.run_dir)
    cfg = task.config
    pipe = pipeline_for(cfg, task.config_key)
    ledger = ShardLedger()
    ctx = shard_context(cfg, ledger, run_dir, task.shard)
    reader = reader_for(task.shard.kind, cfg.read)
    writer = ShardWriter(cfg.write)

    names = [reader.step_id, *(s.step_id for s in pipe.steps), "write"]
    inclusive = [0.0] * len(names)
    first = first_global_step(pipe.steps)
    spilled = read_spill(run_dir, task.shard.name) if first is not None else None
    if spilled is not None and first is not None:
        # the first global step's map ran the reader and the steps before it: start from what it spilled
        spill, docs = spilled
        ledger = spill.ledger
        ctx = replace(ctx, ledger=ledger, quarantine=list(spill.quarantine))
        stream: Iterator[Document] = docs
        start = first
    else:
        spill = None
        stream = timed(reader.read(task.shard, ctx), inclusive, 0)
        start = 0
    stream = drilled(stream, task.shard.name)
    for i, step in enumerate(pipe.steps[start:], start=start + 1):
        stream = timed(step.process(stream, ctx), inclusive, i)
    out_path = run_dir / "output" / f"{task.shard.name}{writer.suffix()}"
    stream = timed(writer.write(stream, out_path), inclusive, len(names) - 1)

    output_chars = 0
    reported = 0
    for doc in stream:
        ledger.keep(doc)
        output_chars += len(doc.text or "")
        if progress is not None and len(ledger.rows) - reported >= _PROGRESS_EVERY:
            progress(len(ledger.rows) - reported)
            reported = len(ledger.rows)
    if progress is not None and len(ledger.rows) > reported:
        progress(len(ledger.rows) - reported)

    if ctx.quarantine:
        quarantine = sorted(
            ctx.quarantine, key=lambda d: (d.origin.path, d.origin.offset) if d.origin else ("", 0)
        )
        _write_quarantine(run_dir / "quarantine" / f"{task.shard.name}.jsonl.zst", quarantine)
    write_shard_tables(run_dir, task.shard.name, ledger)
    if spill is not None:  # the spilled steps' times, and theirs under the later steps' inclusive times
        upstream = spill.seconds[-1]
        inclusive = [*spill.seconds, *(t + upstream for t in inclusive[len(spill.seconds) :])]
    result = _summarize(task.shard, ledger, names, inclusive)
    result.output_chars = output_chars
    marker = marker_path(run_dir, task.shard)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_bytes(result.to_json())
    tmp.replace(marker)
    remove_spill(run_dir, task.shard.name)
    return result


def _summarize(shard: Shard, ledger: ShardLedger, names: list[str], inclusive: list[float]) -> ShardResult:
    res = ShardResult(index=shard.index, input_bytes=sum(f.size for f in shard.files))
    dropped: dict[str, Counter[str]] = {}
    errors: dict[str, Counter[str]] = {}
    for row in ledger.rows:
        res.input += 1
        if row.fate is Fate.KEPT:
            res.kept += 1
        elif row.fate is Fate.DROPPED:
            res.dropped += 1
            dropped.setdefault(row.step or "?", Counter())[row.rule or "?"] += 1
        else:
            res.errors += 1
            kind = (row.message or "error").split(":", 1)[0]
            errors.setdefault(row.step or "?", Counter())[kind] += 1
    removed: dict[str, Counter[str]] = {}
    for line in ledger.removed:
        removed.setdefault(line.step, Counter())[line.reason] += 1
    res.dropped_by = {k: dict(sorted(v.items())) for k, v in sorted(dropped.items())}
    res.errors_by = {k: dict(sorted(v.items())) for k, v in sorted(errors.items())}
    res.removed_lines = {k: dict(sorted(v.items())) for k, v in sorted(removed.items())}
    res.skipped_records = dict(sorted(ledger.skipped_records.items()))
    previous = 0.0
    for name, total in zip(names, inclusive, strict=True):
        res.seconds[name] = round(max(0.0, total - previous), 6)
        previous = total
    return res


def _write_quarantine(path: Path, docs: list[Document]) -> None:
    import zstandard

    path.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = [
        {
            "id": d.id,
            "url": d.url,
            "text": d.text,
            "html": d.html,
            "source": d.origin.path if d.origin else None,
            "offset": d.origin.offset if d.origin else None,
        }
        for d in docs
    ]
    data = b"".join(orjson.dumps(r) + b"\n" for r in rows)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(zstandard.ZstdCompressor(level=3).compress(data))
    tmp.replace(path)
