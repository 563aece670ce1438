"""End-to-end runs: accounting, determinism across executors, resume, output formats."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from conftest import JSONL_DIR, PAGES_DIR, WARC_DIR, read_ledger, read_output, tree_bytes
from websieve import Executor, load_preset, run
from websieve.config import OutputFormat
from websieve.errors import ConfigError, PipelineOrderError, ResumeError
from websieve.pipeline import Pipeline

FIXTURES = {
    "warc": [str(WARC_DIR)],
    "pages": [str(PAGES_DIR)],
    "jsonl": [str(JSONL_DIR)],
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_every_input_document_ends_in_exactly_one_place(tmp_path: Path, name: str) -> None:
    summary = run(
        load_preset("default"), inputs=FIXTURES[name], output=tmp_path / "run", executor=Executor.INLINE
    )
    stats = summary.stats
    ledger = read_ledger(tmp_path / "run")
    output = read_output(tmp_path / "run")
    assert stats["input"] == len(ledger) == stats["kept"] + stats["dropped"] + stats["errors"]
    kept_ids = sorted(str(r["id"]) for r in ledger if r["fate"] == "kept")
    assert kept_ids == sorted(str(r["id"]) for r in output)
    # one row per input record (WARC-Record-IDs repeat across copies of a file, so key by origin too)
    assert len({(r["source"], r["offset"], r["id"]) for r in ledger}) == len(ledger)
    for row in ledger:
        if row["fate"] == "dropped":
            assert row["step"] and row["rule"], row
        if row["fate"] == "error":
            assert row["step"] and row["message"], row
    assert orjson.loads((tmp_path / "run" / "stats.json").read_bytes())["input"] == stats["input"]


def test_warc_fixture_counts(tmp_path: Path) -> None:
    stats = run(
        load_preset("default"), inputs=FIXTURES["warc"], output=tmp_path / "r", executor=Executor.INLINE
    ).stats
    assert stats["errors"] >= 3  # clipped, truncated, bad ARC record
    assert stats["dropped_by"]["read.warc@1"]["content_type"] == 3  # httpbin JSON responses
    assert stats["skipped_records"]["warc.request"] > 0


def test_output_and_ledger_are_byte_identical_across_executors(tmp_path: Path) -> None:
    cfg = load_preset("default").with_overrides(["read.files_per_shard=1"])
    inputs = [str(WARC_DIR / "resiliparse"), str(WARC_DIR / "dolma"), str(PAGES_DIR), str(JSONL_DIR)]
    reference = run(cfg, inputs=inputs, output=tmp_path / "inline", executor=Executor.INLINE)
    assert reference.shards_total >= 6
    want = tree_bytes(tmp_path / "inline")
    assert any(k.startswith("output/") for k in want) and any(k.startswith("ledger/") for k in want)
    for workers in (1, 2, 4):
        out = tmp_path / f"local{workers}"
        run(cfg, inputs=inputs, output=out, executor=Executor.LOCAL, workers=workers)
        assert tree_bytes(out) == want, f"local executor with {workers} workers differs"


def test_rerun_skips_finished_shards_and_changed_config_is_refused(tmp_path: Path) -> None:
    cfg = load_preset("default")
    out = tmp_path / "run"
    first = run(cfg, inputs=[str(PAGES_DIR)], output=out, executor=Executor.INLINE)
    assert first.shards_run == first.shards_total == 2  # one shard of .html pages, one of .txt
    again = run(cfg, inputs=[str(PAGES_DIR)], output=out, executor=Executor.INLINE)
    assert again.shards_run == 0 and again.shards_resumed == 2
    assert again.stats["kept"] == first.stats["kept"]
    # a crash between shards: remove one marker, only that shard runs again
    (out / "_state" / "part-00000.done").unlink()
    third = run(cfg, inputs=[str(PAGES_DIR)], output=out, executor=Executor.INLINE)
    assert third.shards_run == 1
    changed = cfg.with_overrides(["langid.fasttext.min_chars=50"])
    with pytest.raises(ResumeError, match="the config"):
        run(changed, inputs=[str(PAGES_DIR)], output=out, executor=Executor.INLINE)
    with pytest.raises(ResumeError, match="the input files differ"):
        run(cfg, inputs=[str(JSONL_DIR)], output=out, executor=Executor.INLINE)
    replaced = run(changed, inputs=[str(PAGES_DIR)], output=out, executor=Executor.INLINE, overwrite=True)
    assert replaced.shards_run == 2


def test_output_opens_in_datasets_and_duckdb(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")  # in the dev extra: always installed by `make test`
    import duckdb

    out = tmp_path / "run"
    summary = run(
        load_preset("default"), inputs=[str(JSONL_DIR), str(PAGES_DIR)], output=out, executor=Executor.INLINE
    )
    files = sorted(str(p) for p in (out / "output").glob("*.jsonl.zst"))
    ds = datasets.load_dataset("json", data_files=files, split="train", cache_dir=str(tmp_path / "hf"))
    assert ds.num_rows == summary.stats["kept"]
    assert {"id", "url", "text", "lang", "title", "meta"} <= set(ds.column_names)
    con = duckdb.connect()
    n, langs = con.execute(
        f"select count(*), count(distinct lang) from read_json_auto('{out}/output/*.jsonl.zst')"
    ).fetchone()
    assert n == summary.stats["kept"] and langs >= 3
    fates = dict(con.execute(f"select fate, count(*) from '{out}/ledger/*.parquet' group by fate").fetchall())
    assert sum(fates.values()) == summary.stats["input"]
    n_ann = con.execute(f"select count(*) from '{out}/annotations/*.parquet' where key = 'lang'").fetchone()
    assert n_ann is not None and n_ann[0] == summary.stats["input"] - summary.stats["errors"]


def test_parquet_output(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    cfg = load_preset("default").with_overrides(["write.format=parquet"])
    assert cfg.write.format is OutputFormat.PARQUET
    out = tmp_path / "run"
    summary = run(cfg, inputs=[str(PAGES_DIR)], output=out, executor=Executor.INLINE)
    rows = read_output(out)
    # the third page, a table of NASCAR standings, is half numbers: the quality filters drop it
    assert len(rows) == summary.stats["kept"] == 2
    dropped = [r for r in read_ledger(out) if r["fate"] == "dropped"]
    assert [(r["step"], r["rule"]) for r in dropped] == [
        ("quality.gopher_quality@1", "gopher_below_alpha_threshold")
    ]
    seed = next(r for r in rows if "Daech" in str(r["text"]))
    assert seed["lang"] == "fr"
    files = sorted(str(p) for p in (out / "output").glob("*.parquet"))
    ds = datasets.load_dataset("parquet", data_files=files, split="train", cache_dir=str(tmp_path / "hf"))
    assert ds.num_rows == 2


def test_html_input_without_extract_is_refused_before_running(tmp_path: Path) -> None:
    cfg = load_preset("default")
    from websieve.config import RunConfig

    no_extract = RunConfig(steps=cfg.steps[1:])
    with pytest.raises(PipelineOrderError, match="needs text"):
        run(
            no_extract,
            inputs=[str(WARC_DIR / "resiliparse")],
            output=tmp_path / "r",
            executor=Executor.INLINE,
        )
    assert not (tmp_path / "r").exists()
    Pipeline(no_extract).check({__import__("websieve").Field.TEXT})  # fine for text input


def test_bad_overrides_are_clear() -> None:
    cfg = load_preset("default")
    with pytest.raises(ConfigError, match=r"no step named 'quality\.gopher'"):
        cfg.with_overrides(["quality.gopher.min_words=3"])
    with pytest.raises(ConfigError, match="unknown option"):
        cfg.with_overrides(["langid.fasttext.nope=3"])
    with pytest.raises(ConfigError, match="expected an integer"):
        cfg.with_overrides(["langid.fasttext.min_chars=many"])
    with pytest.raises(ConfigError, match="not one of: jsonl, parquet"):
        cfg.with_overrides(["write.format=csv"])
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        cfg.with_overrides(["oops"])


def test_config_round_trips_through_its_plain_form() -> None:
    from websieve.config import build_run_config

    cfg = load_preset("default").with_overrides(["langid.fasttext.languages=[fr, de]"])
    assert build_run_config(cfg.to_dict()) == cfg
    assert cfg.step("langid.fasttext").config.languages == ("fr", "de")  # type: ignore[attr-defined]
    pairs = cfg.with_overrides(["quality.gopher_repetition.top_n_grams=[[2, 0.25], [3, 1]]"])
    assert pairs.step("quality.gopher_repetition").config.top_n_grams == ((2, 0.25), (3, 1.0))  # type: ignore[attr-defined]
    assert build_run_config(pairs.to_dict()) == pairs
    with pytest.raises(ConfigError, match="expected 2 values"):
        cfg.with_overrides(["quality.gopher_repetition.top_n_grams=[[2, 0.25, 1]]"])


def test_every_preset_and_step_default_keeps_its_fingerprint_through_run_json() -> None:
    """A resumed run rebuilds its config from run.json: the rebuilt config must hash the same (an int
    default of a float option, 3 against 3.0, once broke --resume)."""
    import orjson

    from websieve.config import build_run_config, list_presets
    from websieve.pipeline import fingerprint
    from websieve.registry import step_names

    configs = [load_preset(name) for name in list_presets()]
    configs.append(build_run_config({"steps": step_names()}))
    for cfg in configs:
        again = build_run_config(orjson.loads(orjson.dumps(cfg.to_dict())))
        assert fingerprint(again, []) == fingerprint(cfg, []), cfg.name


def test_quarantine_keeps_failing_documents(tmp_path: Path) -> None:
    cfg = load_preset("default").with_overrides(["on_error=quarantine"])
    run(cfg, inputs=[str(WARC_DIR / "warcio")], output=tmp_path / "r", executor=Executor.INLINE)
    ledger = read_ledger(tmp_path / "r")
    assert any(r["fate"] == "error" for r in ledger)
