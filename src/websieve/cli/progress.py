"""Progress bar (docs and docs/s) and the end-of-run summary table, on stderr / stdout via rich."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from websieve.runs import RunSummary

__all__ = ["RunProgress", "print_summary"]


class RunProgress:
    """A live line per phase: tasks (shards, partitions) done out of total, documents and docs/s, time
    elapsed and, once a few tasks are done, the time left. On stderr; plain text without colours or live
    redrawing when stderr is not a terminal (rich's detection; ``NO_COLOR`` is honoured too)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._console = Console(stderr=True)
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[docs]:,} docs  {task.fields[rate]:,.0f} docs/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self._console,
            transient=False,
            disable=not enabled,
        )
        self._task: TaskID | None = None
        self._docs = 0

    def __enter__(self) -> RunProgress:
        self._progress.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.__exit__(exc_type, exc, tb)

    def _new_task(self, label: str, total: int, done: int) -> None:
        self._docs = 0
        self._task = self._progress.add_task(label, total=total, completed=done, docs=0, rate=0.0)

    def phase(self, label: str, total: int, done: int) -> None:
        """A global stage's map or reduce: its own line, counting its tasks."""
        self._new_task(label + (f" ({done} already done)" if done else ""), total, done)

    def start(self, shards_total: int, shards_pending: int) -> None:
        resumed = shards_total - shards_pending
        self._new_task(f"shards ({resumed} already done)" if resumed else "shards", shards_total, resumed)

    def advance(self, docs: int) -> None:
        if self._task is None:
            return
        self._docs += docs
        elapsed = self._progress.tasks[-1].elapsed or 0.0
        self._progress.update(self._task, docs=self._docs, rate=self._docs / elapsed if elapsed else 0.0)

    def shard_done(self) -> None:
        if self._task is not None:
            self._progress.advance(self._task)


def print_summary(summary: RunSummary) -> None:
    """The end-of-run table: totals, drops by step and rule, errors, where the results are."""
    console = Console()
    s = summary.stats
    table = Table(title=f"websieve run {s.get('run', '')}", show_lines=False)
    table.add_column("step")
    table.add_column("fate / reason")
    table.add_column("documents", justify="right")
    table.add_column("seconds", justify="right")
    table.add_row("input", "read", f"{s['input']:,}", "")
    seconds = s.get("step_seconds", {})
    for step, reasons in s.get("dropped_by", {}).items():
        for rule, n in reasons.items():
            table.add_row(step, f"dropped: {rule}", f"{n:,}", "")
    for step, kinds in s.get("errors_by", {}).items():
        for kind, n in kinds.items():
            table.add_row(step, f"[red]error: {kind}", f"{n:,}", "")
    for step, secs in seconds.items():
        table.add_row(step, "time", "", f"{secs:.2f}")
    for step, stage in s.get("global_stages", {}).items():
        maps = stage.get("map_shards", {})
        table.add_row(
            step,
            f"global stage: map {maps.get('run', 0)} shards ({maps.get('resumed', 0)} resumed), "
            f"reduce {stage.get('reduce', '?')}",
            "",
            f"{stage.get('seconds', 0):.2f}",
        )
    table.add_row("[bold]output", "[bold]kept", f"[bold]{s['kept']:,}", "")
    console.print(table)
    removed = s.get("removed_lines") or {}
    if removed:
        lines = Table(title="lines removed (ledger/removed/)", show_lines=False)
        lines.add_column("step")
        lines.add_column("reason")
        lines.add_column("lines", justify="right")
        for step, reasons in removed.items():
            for reason, n in reasons.items():
                lines.add_row(step, reason, f"{n:,}")
        console.print(lines)
    skipped = s.get("skipped_records") or {}
    if skipped:
        console.print(
            "records that are not documents (counted, not read): "
            + ", ".join(f"{k} {v:,}" for k, v in skipped.items())
        )
    check = s["kept"] + s["dropped"] + s["errors"]
    console.print(
        f"{s['input']:,} in = {s['kept']:,} kept + {s['dropped']:,} dropped + {s['errors']:,} errors"
        + ("" if check == s["input"] else "  [red](MISMATCH)")
    )
    shards = s.get("shards", {})
    rate = s.get("docs_per_second")
    failed = f", [red]{shards['failed']} failed" if shards.get("failed") else ""
    console.print(
        f"shards: {shards.get('run', 0)} run, {shards.get('resumed', 0)} resumed{failed}; "
        f"{s.get('wall_seconds', 0):.1f} s" + (f", {rate:,.0f} docs/s" if rate else "")
    )
    console.print(f"output:      {summary.output_dir}/")
    console.print(f"ledger:      {summary.ledger_dir}/  (removed lines: {summary.ledger_dir}/removed/)")
    console.print(f"annotations: {summary.run_dir / 'annotations'}/")
    console.print(f"stats:       {summary.run_dir / 'stats.json'}")
    console.print(f"report:      {summary.run_dir / 'report.html'}")
