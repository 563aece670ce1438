"""``websieve lists``: build from the real samples, show, check URLs; errors in one line, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import LISTS_DIR


def run_cli(*args: str, lists: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WEBSIEVE_LISTS": str(lists)}
    cmd = [sys.executable, "-m", "websieve.cli.main", "lists", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def test_build_show_and_check(tmp_path: Path) -> None:
    fineweb, ut1 = str(LISTS_DIR / "fineweb"), str(LISTS_DIR / "ut1")
    res = run_cli(
        "build", "mine", "--fineweb", fineweb, "--ut1", ut1, "-c", "gambling", "-c", "adult", lists=tmp_path
    )
    assert res.returncode == 0, res.stderr
    assert "mine.wsbl" in res.stdout and "gambling" in res.stdout
    assert "reading" in res.stderr and "'adult' has no domains file" in res.stderr  # progress and notes
    assert (tmp_path / "mine.wsbl").is_file()

    shown = run_cli("show", lists=tmp_path)
    assert shown.returncode == 0 and "mine" in shown.stdout and "adult, gambling" in shown.stdout
    shown = run_cli("show", "mine", lists=tmp_path)
    assert "CC BY-SA 4.0" in shown.stdout and "sha256" in shown.stdout

    gambling = (LISTS_DIR / "ut1" / "blacklists" / "gambling" / "domains").read_text().split()[0]
    res = run_cli("check", "-l", "mine", f"https://{gambling}/", "https://www.example.com/", lists=tmp_path)
    assert res.returncode == 0, res.stderr
    first, second = res.stdout.splitlines()
    assert first.startswith("dropped") and f"domain={gambling} (gambling)" in first
    assert second.startswith("kept")


def test_categories_of_a_ut1_checkout(tmp_path: Path) -> None:
    res = run_cli("categories", str(LISTS_DIR / "ut1"), lists=tmp_path)
    assert res.returncode == 0 and "shortener" in res.stdout and "URLs shortening sites" in res.stdout


def test_errors_are_one_line_with_what_to_do(tmp_path: Path) -> None:
    ut1 = str(LISTS_DIR / "ut1")
    cases = [
        (["build", "x", "--ut1", ut1, "-c", "casino"], "has: adult, dating, gambling, shortener"),
        (["build", "x", "--ut1", ut1], "needs at least one --category"),
        (["build", "x"], "nothing to build"),
        (["build", "x", "--fineweb", str(tmp_path / "nowhere")], "url_filterblacklistsv0_3_0.tar.gz"),
        (["build", "x", "--domains", "no-equals-sign"], "expects CATEGORY=FILE"),
        (["show", "fineweb"], "websieve lists build fineweb --fineweb DIR"),
        (["check", "-l", "nothing", "https://example.com/"], "no compiled list"),
    ]
    for args, message in cases:
        res = run_cli(*args, lists=tmp_path)
        assert res.returncode == 2, (args, res.stderr)
        *progress, error = res.stderr.rstrip().splitlines()  # progress lines may come first, on stderr too
        assert error.startswith("websieve: error: ") and message in error, (args, res.stderr)
        assert all(line.startswith("  ") for line in progress), res.stderr
