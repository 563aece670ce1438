"""The ``websieve`` command. It owns printing, progress bars and exit codes; the library does the work.

User errors (bad path, bad option, bad config) print one line and exit 2, never a traceback. A run that
finished with shards whose worker died on every attempt says which and exits 3; running the same command
again tries them again.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Sequence
from pathlib import Path

import click
import orjson

from websieve._version import __version__
from websieve.cli.lists import lists_group
from websieve.errors import DocumentError, UserError, WebsieveError
from websieve.executors.collector import own_process

__all__ = ["cli", "main"]

EXIT_USER_ERROR = 2
EXIT_SHARDS_FAILED = 3


def _fail(message: str) -> None:
    click.echo(f"websieve: error: {message}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="websieve")
def cli() -> None:
    """Turn raw web data (WARC/WET/ARC, HTML, JSONL, Parquet, text) into a clean corpus and a ledger.

    \b
    Example:
      websieve run --preset default --input crawl/*.warc.gz --output runs/cc
      websieve clean page.html --json
    """


@cli.command("run")
@click.argument("args", nargs=-1, metavar="[CONFIG.yaml] [PATH...]")
@click.option("--preset", help="A shipped preset (see `websieve presets`); default: 'default'.")
@click.option(
    "--input",
    "-i",
    "inputs",
    multiple=True,
    metavar="PATH",
    help="Input file, folder or quoted glob; repeat or list several after one --input.",
)
@click.option("--output", "-o", required=True, metavar="RUN", help="Run folder to write (created if needed).")
@click.option(
    "--executor",
    type=click.Choice(["inline", "local", "ray"]),
    default="local",
    show_default=True,
    help="inline: one process; local: a pool of worker processes; ray: Ray actors "
    "(pip install 'websieve[ray]').",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Worker processes (local) or Ray actors (ray) [default: this machine's cores].",
)
@click.option(
    "--ray-address",
    default=None,
    metavar="ADDRESS",
    help="Join this Ray cluster (auto, ray://HOST:10001) instead of starting a local one for the run.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Attempts after the first for a shard whose worker died (killed, out of memory, a native crash); "
    "a shard still failing is reported and the run finishes the others (exit status 3).",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="STEP.OPTION=VALUE",
    help="Override an option, e.g. --set langid.fasttext.min_score=0.5 (repeatable).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "parquet"]),
    default=None,
    help="Output format (same as --set write.format=...).",
)
@click.option("--annotate-only", is_flag=True, help="Run every filter and record its signals; drop nothing.")
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the run in RUN with its stored config and inputs (no --input needed).",
)
@click.option("--overwrite", is_flag=True, help="Replace a different run already in RUN.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary; only errors.")
def run_cmd(
    args: tuple[str, ...],
    preset: str | None,
    inputs: tuple[str, ...],
    output: str,
    executor: str,
    workers: int | None,
    ray_address: str | None,
    retries: int,
    overrides: tuple[str, ...],
    fmt: str | None,
    annotate_only: bool,
    resume: bool,
    overwrite: bool,
    quiet: bool,
) -> None:
    """Run a pipeline over inputs into a run folder (resumable: re-running skips finished shards).

    \b
    Examples:
      websieve run --preset default --input samples/warc samples/html --output runs/demo
      websieve run my.yaml --input 'data/*.jsonl.zst' --output runs/x --workers 8
      websieve run --output runs/x --resume
    """
    from websieve.cli.progress import RunProgress, print_summary
    from websieve.config import load_config, load_preset
    from websieve.executors import Executor
    from websieve.runs import load_run_request, run

    configs = [a for a in args if a.lower().endswith((".yaml", ".yml"))]
    if len(configs) > 1:
        raise UserError(f"give at most one CONFIG.yaml, got {len(configs)}: {', '.join(configs)}")
    config_file = configs[0] if configs else None
    all_inputs = [*inputs, *(a for a in args if a not in configs)]
    if config_file and preset:
        raise UserError("give either a CONFIG file or --preset, not both")
    if resume and not all_inputs:
        config, all_inputs = load_run_request(output)
    else:
        config = load_config(config_file) if config_file else load_preset(preset or "default")
        if resume and not (Path(output) / "run.json").exists():
            raise UserError(f"--resume: {output} holds no run yet; drop --resume to start it")
    extra = list(overrides)
    if fmt:
        extra.append(f"write.format={fmt}")
    if annotate_only:
        extra.append("annotate_only=true")
    if extra:
        config = config.with_overrides(extra)
    if not all_inputs:
        raise UserError("no input given: pass --input PATH (a WARC/JSONL/Parquet file, a folder or a glob)")

    progress = RunProgress(enabled=not quiet)
    with progress:
        summary = run(
            config,
            inputs=all_inputs,
            output=output,
            executor=Executor(executor),
            workers=workers,
            ray_address=ray_address,
            retries=retries,
            overwrite=overwrite,
            on_start=progress.start,
            on_progress=progress.advance,
            on_shard=lambda _result: progress.shard_done(),
            on_phase=progress.phase,
            on_phase_task=progress.shard_done,
        )
    if not quiet:
        print_summary(summary)
    if summary.failed:
        for lost in summary.failed:
            _fail(
                f"shard {lost.shard} failed ({lost.attempts} attempt{'s' if lost.attempts > 1 else ''}): "
                f"{lost.reason} "
                f"(files: {', '.join(lost.files)})"
            )
        _fail(
            f"{len(summary.failed)} of {summary.shards_total} shards failed and are not in the output or "
            f"the ledger; run the same command again to retry them (the finished shards are kept)"
        )
        raise click.exceptions.Exit(EXIT_SHARDS_FAILED)


def _examples() -> str:
    from websieve.ledger.query import EXAMPLES

    return "\n".join(f'  # {what}\n  websieve query runs/x "{sql}"' for what, sql in EXAMPLES.items())


@cli.command("query", epilog="\b\nMore examples:\n" + _examples())
@click.argument("run_dir", metavar="RUN")
@click.argument("sql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table for reading, csv or json (every row) for tools.",
)
@click.option(
    "--max-rows", type=click.IntRange(min=1), default=100, show_default=True, help="Rows a table shows."
)
def query_cmd(run_dir: str, sql: str, fmt: str, max_rows: int) -> None:
    """SQL (DuckDB) over a run: views output, ledger, removed_lines, annotations.

    \b
    output         one row per kept document: id, url, text, lang, title, meta
    ledger         one row per input document: id, fate, step, rule, value, threshold, message, url, source
    removed_lines  one row per removed line: id, step, line_no, line, reason, score, threshold
    annotations    one row per signal: id, step, key, number, label

    \b
    Example:
      websieve query runs/demo "SELECT step, rule, count(*) FROM ledger WHERE fate = 'dropped' GROUP BY ALL"
    """
    from rich.console import Console

    from websieve.cli.ledger_views import ResultFormat, print_result
    from websieve.ledger.query import run_query

    result = run_query(run_dir, sql)
    print_result(result, ResultFormat(fmt), console=Console(), max_rows=max_rows)


@cli.command("explain")
@click.argument("run_dir", metavar="RUN")
@click.argument("doc_id", metavar="DOC_ID")
@click.option(
    "--json", "as_json", is_flag=True, help="Print everything as JSON (one object per match, in a list)."
)
def explain_cmd(run_dir: str, doc_id: str, as_json: bool) -> None:
    """Why a document was kept or dropped: its fate, the rule and threshold that decided it, every signal
    recorded for it, each line removed from it, and the document it duplicates.

    \b
    Example:
      websieve explain runs/demo 734ad6ba509c1e00
      websieve explain runs/demo 734ad6ba509c1e00 --json | jq '.[0].removed'
    """
    from websieve.ledger.explain import explain

    found = explain(run_dir, doc_id)
    if as_json:
        click.echo(orjson.dumps([e.to_json() for e in found], option=orjson.OPT_INDENT_2).decode())
        return
    from rich.console import Console

    from websieve.cli.ledger_views import print_explanations

    print_explanations(found, console=Console())


@cli.command("report")
@click.argument("run_dir", metavar="RUN")
def report_cmd(run_dir: str) -> None:
    """Write RUN/report.html again (every run writes it at its end): one self-contained page with counts,
    removals per step and reason, languages, text lengths, each filter's signals against its threshold,
    sampled documents with their removed lines, duplicate clusters and time per step.

    \b
    Example:
      websieve report runs/demo && xdg-open runs/demo/report.html
    """
    from pathlib import Path

    from websieve.report import write_report

    click.echo(str(write_report(Path(run_dir))))


@cli.command("clean")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help='Print {"text", "lang", "title", "meta", "removed"}.')
@click.option("--preset", default="clean-text", show_default=True, help="Preset whose steps clean the page.")
def clean_cmd(files: tuple[str, ...], as_json: bool, preset: str) -> None:
    """Clean single pages (HTML or text, detected) and print the article.

    \b
    Examples:
      websieve clean samples/seed/000_8bc0c6ad7db0b1d0.txt
      websieve clean page.html --json | jq .title
    """
    from websieve.clean_page import clean_file
    from websieve.config import load_preset

    config = load_preset(preset)
    for i, path in enumerate(files):
        result = clean_file(path, config=config)
        if as_json:
            click.echo(orjson.dumps(result.to_json()).decode())
        else:
            if len(files) > 1:
                click.echo(f"{'' if i == 0 else chr(10)}==> {path} <==")
            if result.title:
                click.echo(f"# {result.title}\n")
            click.echo(result.text or "")


@cli.command("steps")
def steps_cmd() -> None:
    """List the steps websieve ships, with their versioned ids and options.

    \b
    Example:
      websieve steps
    """
    import dataclasses

    from websieve.registry import step_class, step_names

    for name in step_names():
        cls = step_class(name)
        doc = ((cls.__module__ and sys.modules[cls.__module__].__doc__) or "").strip().splitlines()
        click.echo(f"{cls.step_id:28} {doc[0] if doc else ''}")
        for f in dataclasses.fields(cls.config_cls):
            default = f.default if f.default is not dataclasses.MISSING else None
            if isinstance(default, enum.Enum):  # as it is written in a config: method=fast
                default = default.value
            click.echo(f"    {name}.{f.name} = {default!r}")


@cli.command("presets")
def presets_cmd() -> None:
    """List the shipped presets.

    \b
    Example:
      websieve presets
    """
    from websieve.config import list_presets

    for name, description in list_presets().items():
        click.echo(f"{name:12} {description}")


@cli.group("config")
def config_group() -> None:
    """Work with run config files."""


@config_group.command("validate")
@click.argument("config_file", type=click.Path(dir_okay=False))
@click.option(
    "--set", "overrides", multiple=True, metavar="STEP.OPTION=VALUE", help="Overrides to check too."
)
def validate_cmd(config_file: str, overrides: tuple[str, ...]) -> None:
    """Check a config file (step names, options, types, order) without running it.

    \b
    Example:
      websieve config validate my.yaml
    """
    from websieve.config import load_config
    from websieve.document import Field
    from websieve.pipeline import Pipeline

    config = load_config(config_file)
    if overrides:
        config = config.with_overrides(overrides)
    Pipeline(config).check({Field.HTML})
    click.echo(f"{config_file}: valid ({len(config.steps)} steps: {', '.join(e.name for e in config.steps)})")


cli.add_command(lists_group)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: runs the CLI and turns errors into one line and an exit code."""
    if argv is None:  # the `websieve` program itself (not a test calling in): the process is ours
        own_process()
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None, prog_name="websieve", standalone_mode=False
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        _fail(exc.format_message())
        return EXIT_USER_ERROR if isinstance(exc, click.UsageError) else exc.exit_code
    except click.Abort:
        _fail("aborted")
        return 130
    except UserError as exc:
        _fail(str(exc))
        return EXIT_USER_ERROR
    except (DocumentError, WebsieveError) as exc:
        _fail(f"{type(exc).__name__}: {exc}")
        return 1
    except KeyboardInterrupt:
        _fail("interrupted; finished shards are kept, re-run the same command to resume")
        return 130
    return code if isinstance(code, int) else 0  # click returns an Exit's status without standalone_mode


if __name__ == "__main__":
    sys.exit(main())
