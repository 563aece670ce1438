"""``websieve query`` and ``websieve explain`` on a real run: the seed page, two real pages, and dev texts
given twice under other ids (so that dedup drops copies)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from conftest import PAGES_DIR, SEED, noisy_dev_rows, read_ledger
from websieve import Executor, run
from websieve.cli.main import main
from websieve.config import build_run_config
from websieve.errors import UserError
from websieve.ledger.explain import explain
from websieve.ledger.query import EXAMPLES, run_query

CONFIG = {
    "steps": [
        "extract.html",
        "normalize.unicode",
        "langid.fasttext",
        "clean.lines",
        "quality.gopher_repetition",
        "dedup.exact",
    ]
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("query")
    texts = folder / "texts.jsonl"
    rows = noisy_dev_rows()[:12]
    copies = [{"id": f"copy-{i}", "text": r["text"]} for i, r in enumerate(rows[:3])]
    originals = [{"id": f"dev-{i}", "text": r["text"]} for i, r in enumerate(rows)]
    texts.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in originals + copies))
    out = folder / "run"
    run(build_run_config(CONFIG), inputs=[str(PAGES_DIR), str(texts)], output=out, executor=Executor.INLINE)
    return out


def test_every_example_query_runs_and_the_counts_agree_with_the_ledger(demo: Path) -> None:
    ledger = read_ledger(demo)
    for sql in EXAMPLES.values():
        run_query(demo, sql)  # each runs on a real run
    by_rule = run_query(demo, EXAMPLES["dropped by step and rule"])
    assert by_rule.columns == ["step", "rule", "documents"]
    want: dict[tuple[str, str], int] = {}
    for row in ledger:
        if row["fate"] == "dropped":
            key = (str(row["step"]), str(row["rule"]))
            want[key] = want.get(key, 0) + 1
    assert {(s, r): n for s, r, n in by_rule.rows} == want
    assert ("dedup.exact@1", "exact_duplicate") in want or any(s == "dedup.exact@1" for s, _ in want)
    kept = run_query(demo, "SELECT count(*) FROM output").rows[0][0]
    assert kept == sum(row["fate"] == "kept" for row in ledger) > 0


def test_a_bad_query_says_which_views_and_columns_there_are(demo: Path) -> None:
    with pytest.raises(UserError, match=r"(?s)nope.*the views are:.*ledger\(id, fate, step"):
        run_query(demo, "SELECT nope FROM ledger")


def test_a_run_that_kept_nothing_still_has_an_output_view(tmp_path: Path) -> None:
    texts = tmp_path / "t.jsonl"
    texts.write_bytes(orjson.dumps({"id": "a", "text": "x"}) + b"\n")
    config = build_run_config({"steps": ["extract.html", "quality.gopher_quality"]})
    run(config, inputs=[str(texts)], output=tmp_path / "run", executor=Executor.INLINE)
    assert run_query(tmp_path / "run", "SELECT count(*), count(id) FROM output").rows == [(0, 0)]
    assert run_query(tmp_path / "run", EXAMPLES["largest duplicate clusters"]).rows == []


def test_explain_the_seed_page_names_its_removed_lines_and_signals(demo: Path) -> None:
    (row,) = [r for r in read_ledger(demo) if str(r["source"]).endswith(SEED.name)]
    (found,) = explain(demo, str(row["id"]))
    assert found.fate == row["fate"] and found.source == row["source"]
    reasons = {r.reason for r in found.removed}
    lines = {r.line.strip() for r in found.removed}
    # the scraper's debris the seed page is known for, each with why it went
    assert {"noscript", "Please Wait...", "Comments", "//"} <= lines, lines
    assert {"boilerplate", "meta.category"} <= reasons
    assert any(
        r.line.startswith("folder_openMoyen Orient") and r.reason == "meta.category" for r in found.removed
    )
    assert {s.step for s in found.signals} >= {"langid.fasttext@1", "clean.lines@2"}
    assert found.fate == "kept" and found.document is not None
    assert "Please Wait..." not in found.document["text"] and found.document["lang"] == "fr"


def test_explain_a_copy_names_its_survivor_and_the_survivor_its_copies(demo: Path) -> None:
    dropped = [r for r in read_ledger(demo) if r["step"] == "dedup.exact@1"]
    assert dropped
    copy = dropped[0]
    (found,) = explain(demo, str(copy["id"]))
    assert found.fate == "dropped" and found.duplicate_of == copy["value"]
    (survivor,) = explain(demo, str(copy["value"]))
    assert survivor.fate == "kept" and str(copy["id"]) in survivor.copies


def test_explain_an_unknown_id_says_how_to_list_ids(demo: Path) -> None:
    with pytest.raises(UserError, match=r"no document with id 'nope'.*websieve query"):
        explain(demo, "nope")


def test_the_commands_print_tables_csv_and_json(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "query",
                str(demo),
                "SELECT fate, count(*) AS n FROM ledger GROUP BY ALL ORDER BY fate",
                "--format",
                "csv",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "fate,n" and lines[1].startswith("dropped,")
    assert main(["query", str(demo), "SELECT id FROM ledger ORDER BY id", "--format", "json"]) == 0
    ids = [r["id"] for r in json.loads(capsys.readouterr().out)]
    assert ids == sorted(str(r["id"]) for r in read_ledger(demo))
    assert main(["query", str(demo), "SELECT id FROM ledger", "--max-rows", "2"]) == 0
    assert "more not shown" in capsys.readouterr().out
    copy = next(str(r["id"]) for r in read_ledger(demo) if r["step"] == "dedup.exact@1")
    assert main(["explain", str(demo), copy, "--json"]) == 0
    (explained,) = json.loads(capsys.readouterr().out)
    assert explained["id"] == copy and explained["fate"] == "dropped" and explained["duplicate_of"]
    assert main(["explain", str(demo), copy]) == 0
    assert "a copy of" in capsys.readouterr().out
    assert main(["query", str(demo), "SELEC"]) == 2
    assert "the views are" in capsys.readouterr().err
