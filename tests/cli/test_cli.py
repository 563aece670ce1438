"""The command line: every command works, documents itself with an example, and fails in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import orjson
import pytest

from conftest import JSONL_DIR, PAGES_DIR, SEED, WARC_DIR
from websieve.cli.main import cli, main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "websieve.cli.main", *args], capture_output=True, text=True)


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix}{name} "))
    return out


@pytest.mark.parametrize(("name", "cmd"), _commands(cli), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_has_help_with_an_example(name: str, cmd: click.Command) -> None:
    assert cmd.help, f"`websieve {name}` has no help"
    if not isinstance(cmd, click.Group):
        assert "Example" in cmd.help, f"`websieve {name}` help shows no example"


def test_run_end_to_end_with_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = run_cli(
        "run",
        "--input",
        str(PAGES_DIR),
        str(WARC_DIR / "resiliparse"),
        "--output",
        str(out),
        "--executor",
        "inline",
    )
    assert res.returncode == 0, res.stderr
    assert "kept" in res.stdout and f"{out}/output/" in res.stdout
    assert "in = " in res.stdout and "MISMATCH" not in res.stdout
    assert (out / "stats.json").exists() and (out / "run.json").exists()
    # not a terminal: the progress lines and the summary come without colours or cursor movement
    assert "\x1b[" not in res.stdout and "\x1b[" not in res.stderr
    assert "shards" in res.stderr and "ETA" in res.stderr and "docs/s" in res.stderr
    again = run_cli("run", "--output", str(out), "--resume", "--executor", "inline")
    assert again.returncode == 0, again.stderr
    assert "2 resumed" in again.stdout or "resumed" in again.stdout


def test_clean_json_on_the_seed_page() -> None:
    res = run_cli("clean", str(SEED), "--json")
    assert res.returncode == 0, res.stderr
    data = orjson.loads(res.stdout)
    assert set(data) >= {"text", "lang", "title", "meta", "removed"}
    assert data["lang"] == "fr" and "Daech" in data["text"]


def test_clean_html_prints_title_and_text() -> None:
    res = run_cli("clean", str(PAGES_DIR / "trafilatura-eval-sauvonsluniversite.com.spip.html"))
    assert res.returncode == 0 and res.stdout.startswith("# Décisions de l’AG")


def test_steps_presets_and_validate(tmp_path: Path) -> None:
    steps = run_cli("steps")
    assert "langid.fasttext@1" in steps.stdout and "langid.fasttext.min_score" in steps.stdout
    assert "extract.html.method = 'fast'" in steps.stdout  # an enum default as a config writes it
    presets = run_cli("presets")
    assert {"default", "extract", "clean-text"} <= {line.split()[0] for line in presets.stdout.splitlines()}
    good = tmp_path / "good.yaml"
    good.write_text("steps:\n  - extract.resiliparse\n  - langid.fasttext: {min_score: 0.5}\n")
    res = run_cli("config", "validate", str(good))
    assert res.returncode == 0 and "valid (2 steps" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--input", "/no/such/dir", "--output", "x"], "does not exist"),
        (
            ["run", "--input", str(PAGES_DIR), "--output", "x", "--set", "langid.fasttext.bogus=1"],
            "unknown option",
        ),
        (["run", "--input", str(PAGES_DIR), "--output", "x", "--preset", "nope"], "no preset named 'nope'"),
        (["run", "--input", str(PAGES_DIR), "--output", "x", "--workers", "0"], "at least 1"),
        (["run", "--output", "x", "--frobnicate"], "No such option"),
        (["config", "validate", "/no/such.yaml"], "does not exist"),
        (["clean", "/no/such/page.html"], "does not exist"),
    ],
)
def test_user_errors_print_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([a.replace("x", str(tmp_path / "x")) if a == "x" else a for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_bad_yaml_config_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [extract.resiliparse, quality.nonexistent]\n")
    assert main(["config", "validate", str(bad)]) == 2
    assert "unknown step 'quality.nonexistent'" in capsys.readouterr().err


def test_changed_config_refuses_to_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "r")
    assert main(["run", "-q", "--input", str(PAGES_DIR), "--output", out, "--executor", "inline"]) == 0
    code = main(
        [
            "run",
            "-q",
            "--input",
            str(PAGES_DIR),
            "--output",
            out,
            "--executor",
            "inline",
            "--set",
            "langid.fasttext.min_chars=9",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "cannot be resumed: the config" in err


def test_clean_text_run_shows_the_global_stage_and_removed_lines(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = run_cli(
        "run",
        "--preset",
        "clean-text",
        "--input",
        str(JSONL_DIR),
        "--output",
        str(out),
        "--executor",
        "inline",
    )
    assert res.returncode == 0, res.stderr
    assert "map clean.boilerplate@1" in res.stderr and "reduce clean.boilerplate@1" in res.stderr
    assert "global stage" in res.stdout
    assert "lines removed" in res.stdout and "boilerplate" in res.stdout
