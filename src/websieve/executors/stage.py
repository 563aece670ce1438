"""The tasks of a global stage: map one shard, reduce one partition (see `websieve.steps.global_stage`).

Executors schedule them like shard tasks. The first global step's map task runs the reader and the
steps before it with the shard's ledger, hands the surviving documents to `GlobalStep.map_shard` and
spills them with that ledger (`websieve.executors.spill`), then writes the shard's map marker; a later
global step's map starts from the spill and runs the steps between the two with a throwaway ledger (the
main pass records every fate once). A reduce task decides one partition of one phase.
`websieve.runs.run` writes ``reduce.done`` once every phase is decided.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from websieve.config import RunConfig
from websieve.document import Document
from websieve.executors.spill import Spill, SpillWriter, first_global_step, spilled_documents
from websieve.executors.task import ProgressFn, drilled, pipeline_for, shard_context, timed
from websieve.ledger.records import ShardLedger
from websieve.registry import step_class
from websieve.steps.base import Step
from websieve.steps.global_stage import GlobalStep, StageState
from websieve.steps.read import reader_for
from websieve.steps.read.detect import Shard

__all__ = ["MapResult", "MapTask", "ReduceResult", "ReduceTask", "write_marker"]


@dataclass(slots=True)
class MapResult:
    """What the map of one shard saw (stored in its marker)."""

    shard: str
    index: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)

    @classmethod
    def from_json(cls, data: bytes) -> MapResult:
        return cls(**orjson.loads(data))


@dataclass(slots=True)
class ReduceResult:
    partition: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def write_marker(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _global_step(config: RunConfig, step_index: int) -> GlobalStep[Any]:
    entry = config.steps[step_index]
    step = step_class(entry.name)(entry.config)
    if not isinstance(step, GlobalStep):
        raise TypeError(f"step {entry.name} is not a global step")
    return step


def _counted(stream: Iterator[Document], progress: ProgressFn | None, every: int = 64) -> Iterator[Document]:
    """Pass documents through, reporting how many were read (for the progress bar)."""
    n = 0
    for doc in stream:
        n += 1
        if progress is not None and n % every == 0:
            progress(every)
        yield doc
    if progress is not None and n % every:
        progress(n % every)


def _not_dropped(stream: Iterator[Document]) -> Iterator[Document]:
    """With ``--annotate-only`` the steps before a global step drop nothing but mark ``would_drop``; the
    map leaves those documents out, so that the global step decides (and counts cluster sizes) as it
    would in a real run."""
    for doc in stream:
        if not any("would_drop" in signals for signals in doc.annotations.values()):
            yield doc


@dataclass(frozen=True, slots=True)
class MapTask:
    """The map of one global step (the ``step_index``-th step of the config) over one shard."""

    run_dir: str
    config: RunConfig
    shard: Shard
    config_key: str
    step_index: int

    def run(self, progress: ProgressFn | None) -> MapResult:
        started = time.perf_counter()
        run_dir = Path(self.run_dir)
        cfg = self.config
        pipe = pipeline_for(cfg, self.config_key)
        step = pipe.steps[self.step_index]
        if not isinstance(step, GlobalStep):
            raise TypeError(f"step {step.step_id} is not a global step")
        state = StageState(run_dir, step.stage)
        first = first_global_step(pipe.steps)
        if self.step_index == first:
            counts = self._map_and_spill(step, state, pipe.steps[:first], progress)
        else:
            # a later global step: from the first one's spill, with a ledger thrown away (the main pass
            # records every fate once); without a spill (an older run folder), from the reader
            ctx = shard_context(cfg, ShardLedger(), run_dir, self.shard)
            spilled = spilled_documents(run_dir, self.shard.name) if first is not None else None
            if spilled is not None and first is not None:
                stream = _counted(spilled, progress)
                before = pipe.steps[first : self.step_index]
            else:
                stream = _counted(reader_for(self.shard.kind, cfg.read).read(self.shard, ctx), progress)
                before = pipe.steps[: self.step_index]
            for earlier in before:
                stream = earlier.process(stream, ctx)
            if cfg.annotate_only:
                stream = _not_dropped(stream)
            counts = step.map_shard(stream, state, self.shard.name)
        result = MapResult(
            shard=self.shard.name,
            index=self.shard.index,
            counts=counts,
            seconds=round(time.perf_counter() - started, 6),
        )
        write_marker(state.map_marker(self.shard.name), result.to_json())
        return result

    def _map_and_spill(
        self,
        step: GlobalStep[Any],
        state: StageState,
        before: Sequence[Step[Any]],
        progress: ProgressFn | None,
    ) -> dict[str, int]:
        """The first global step's map: the reader and the steps before it run here, once, with the
        shard's real ledger; what reaches the map is also spilled for the main pass (`spill`)."""
        cfg, run_dir = self.config, state.run_dir
        ledger = ShardLedger()
        ctx = shard_context(cfg, ledger, run_dir, self.shard)
        inclusive = [0.0] * (len(before) + 1)
        reader = reader_for(self.shard.kind, cfg.read)
        stream = timed(_counted(reader.read(self.shard, ctx), progress), inclusive, 0)
        stream = drilled(stream, f"map:{self.shard.name}")
        for i, earlier in enumerate(before, start=1):
            stream = timed(earlier.process(stream, ctx), inclusive, i)
        writer = SpillWriter(run_dir, self.shard.name)
        try:
            stream = writer.tee(stream, lambda: inclusive[-1])
            counts = step.map_shard(
                _not_dropped(stream) if cfg.annotate_only else stream, state, self.shard.name
            )
            for _ in stream:  # whatever the map left unread still goes to the spill
                pass
        except BaseException:
            writer.abandon()
            raise
        if writer.worth_it:
            writer.close(Spill(ledger=ledger, quarantine=list(ctx.quarantine), seconds=inclusive))
        else:  # the steps are cheaper to run again than their output is to read back
            writer.abandon()
        return counts


@dataclass(frozen=True, slots=True)
class ReduceTask:
    """One partition of a global step's reduce, or of a later phase (`GlobalStep.next_phase`); needs only
    the step's config, not its models."""

    run_dir: str
    config: RunConfig
    step_index: int
    partition: int
    shards: tuple[str, ...]
    phase: str = "reduce"

    def run(self, progress: ProgressFn | None) -> ReduceResult:
        started = time.perf_counter()
        step = _global_step(self.config, self.step_index)
        state = StageState(Path(self.run_dir), step.stage)
        if self.phase == "reduce":
            counts = step.reduce_partition(state, self.partition, self.shards)
        else:
            counts = step.run_phase(self.phase, state, self.partition, self.shards)
        return ReduceResult(
            partition=self.partition, counts=counts, seconds=round(time.perf_counter() - started, 6)
        )
