"""RUN/report.html: made from real small runs, checked as text and in a real browser (Debian's chromium,
driven by Playwright; `make test` installs chromium where it is missing)."""

from __future__ import annotations

import logging
import re
from html import escape
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from conftest import PAGES_DIR, SEED, read_ledger
from websieve import Executor, load_preset, run
from websieve.errors import UserError
from websieve.report import Caps, write_report

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = "<script>alert(1)</script>"
log = logging.getLogger(__name__)


def _make_run(inputs: list[Path], out: Path) -> Path:
    run(load_preset("default"), inputs=[str(p) for p in inputs], output=out, executor=Executor.INLINE)
    return out


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_run([SEED], tmp_path_factory.mktemp("report") / "seed")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test pages (two HTML pages, the seed) and the seed again with a script written into a
    paragraph and a line of its own: a run with kept documents, removed lines and every chart."""
    folder = tmp_path_factory.mktemp("hostile-inputs")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    paragraph = next(i for i, line in enumerate(lines) if len(line) > 150)
    lines[paragraph] = lines[paragraph].replace(" ", f" {HOSTILE} ", 1)
    lines.insert(paragraph + 1, HOSTILE)
    (folder / "hostile.txt").write_text("\n".join(lines), encoding="utf-8")
    return _make_run([PAGES_DIR, folder], tmp_path_factory.mktemp("report") / "hostile")


def test_seed_report_shows_its_removed_lines_with_their_reasons(seed_run: Path) -> None:
    path = write_report(seed_run)
    assert path == seed_run / "report.html"
    assert [p.name for p in seed_run.iterdir() if p.name.startswith(".report")] == []  # no temp file left
    page = path.read_text(encoding="utf-8")
    [row] = read_ledger(seed_run)
    assert row["fate"] == "kept"
    removed = [
        r
        for part in sorted((seed_run / "ledger" / "removed").glob("part-*.parquet"))
        for r in pq.read_table(part).to_pylist()
    ]
    assert len(removed) >= 5 and {r["reason"] for r in removed} >= {"boilerplate", "meta.title"}
    for r in removed:
        line, reason = escape(r["line"]), escape(r["reason"])
        highlighted = f'<del class="removed-line">{line}</del><span class="reason">{reason}</span>'
        assert highlighted in page, r
        assert f"{escape(r['step'])} · line {r['line_no']}" in page
    stats = orjson.loads((seed_run / "stats.json").read_bytes())
    for step, reasons in stats["removed_lines"].items():
        for reason in reasons:
            assert escape(f"{step} · {reason}") in page  # the removals chart's bars
    assert "<svg" in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_hostile_text_is_escaped(hostile_run: Path) -> None:
    page = write_report(hostile_run).read_text(encoding="utf-8")
    assert escape(HOSTILE) in page
    assert "<script" not in page.lower()
    assert page.count("<del ") > 0 and "Kept text" in page


def test_caps_bound_what_is_read_and_shown(hostile_run: Path) -> None:
    caps = Caps(docs_per_part=1, samples_per_reason=1, removed_lines_per_doc=2, sample_chars=50)
    page = write_report(hostile_run, caps=caps).read_text(encoding="utf-8")
    assert "the first 1 ledger rows and output documents" in page
    assert page.count('<article class="doc">') <= caps.reasons
    # kept texts cut at 50 characters (escaped: at most 6 characters each); which documents are sampled
    # depends on their ids, and made-up ids on the input's path, so there may be none among the first rows
    assert all(len(t) <= 50 * 6 for t in re.findall(r'<pre class="text">(.*?)</pre>', page, re.S))
    full = write_report(hostile_run).stat().st_size
    assert len(page) < full < 2_000_000


def test_a_folder_that_is_not_a_run_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"has no run\.json.*websieve run"):
        write_report(tmp_path)


def test_report_renders_in_chromium_without_errors(hostile_run: Path, tmp_path: Path) -> None:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra brings it
        pytest.fail("playwright is missing: `make test` (or pip install -e '.[dev]') installs it")
    path = write_report(hostile_run)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on(
                "console",
                lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
            )
            page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
            page.on(
                "request",
                lambda r: None if r.url.startswith("file://") else problems.append(f"request {r.url}"),
            )
            page.goto(path.as_uri())
            charts = page.evaluate(
                """() => [...document.querySelectorAll('svg')].map(svg => {
                    const box = svg.getBBox(), rect = svg.getBoundingClientRect();
                    return {label: svg.getAttribute('aria-label'),
                            shapes: svg.querySelectorAll('rect, line, path, circle, polyline').length,
                            width: Math.min(box.width, rect.width),
                            height: Math.min(box.height, rect.height)};
                })"""
            )
            scripts = page.evaluate("document.scripts.length")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    log.warning("report screenshot: %s", shot)
    print(f"report screenshot: {shot}")
    assert problems == []
    assert scripts == 0
    assert len(charts) >= 8  # removals, lines, time, languages, 3 lengths, signals...
    for chart in charts:
        assert chart["shapes"] > 0 and chart["width"] > 0 and chart["height"] > 0, chart
    assert shot.stat().st_size > 10_000
