"""Readers over every real WARC/ARC/JSONL sample: each record becomes a document or a counted error."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import JSONL_DIR, PAGES_DIR, WARC_DIR, warc_files
from websieve.config import ReadConfig
from websieve.document import Document
from websieve.errors import InputError
from websieve.steps.base import StepContext
from websieve.steps.read import reader_for
from websieve.steps.read.base import stable_id
from websieve.steps.read.detect import InputKind, kind_of_name, list_inputs, plan_shards


def read_all(path: Path | str, config: ReadConfig | None = None) -> tuple[list[Document], StepContext]:
    listing = list_inputs([str(path)])
    ctx = StepContext.standalone()
    docs: list[Document] = []
    for shard in plan_shards(listing, files_per_shard=100):
        docs.extend(reader_for(shard.kind, config or ReadConfig()).read(shard, ctx))
    return docs, ctx


# (documents, ledger rows) per file, counted by hand from `zcat | grep WARC-Type` and the warcio notes
EXPECTED = {
    "dolma/sample-0000.warc.gz": (22, 0),
    "dolma/sample-0001.warc.gz": (15, 0),
    "resiliparse/block-sized-records.warc.gz": (0, 0),
    "resiliparse/clipped.warc.gz": (0, 1),
    "resiliparse/warcfile.warc.gz": (16, 0),
    "warcio/bad.arc": (2, 1),
    "warcio/example-trunc.warc": (1, 1),
    "warcio/post-test.warc.gz": (0, 3),
    "warcio/example-space-in-target-uri.warc.gz": (0, 0),  # a file:// resource: not a web page
    "whirlwind/whirlwind.warc.gz": (1, 0),
    "whirlwind/whirlwind.warc.wat.gz": (0, 0),
    "whirlwind/whirlwind.warc.wet.gz": (1, 0),
    "warcio/example.arc.gz": (1, 0),
}


@pytest.mark.parametrize("path", warc_files(), ids=lambda p: str(p.relative_to(WARC_DIR)))
def test_every_shared_warc_file_reads(path: Path) -> None:
    docs, ctx = read_all(path)
    for doc in docs:
        assert doc.id and doc.origin is not None and doc.origin.path == str(path)
        assert (doc.html is None) != (doc.text is None)
    ids = [d.id for d in docs] + [r.id for r in ctx.ledger.rows]
    assert len(ids) == len(set(ids)), "document ids must be unique within a file"
    key = str(path.relative_to(WARC_DIR))
    if key in EXPECTED:
        assert (len(docs), len(ctx.ledger.rows)) == EXPECTED[key]


def test_common_crawl_excerpt_metadata() -> None:
    docs, ctx = read_all(WARC_DIR / "resiliparse/warcfile.warc.gz")
    assert len(docs) == 16
    first = docs[0]
    assert first.url == "http://003338.cn/l41/481397.html"
    assert first.meta.crawl_date == "2020-08-08T17:27:41Z"
    assert first.meta.http_status == 200
    assert first.html is not None and "<html" in first.html.lower()
    assert ctx.ledger.skipped_records == {"warc.warcinfo": 1, "warc.request": 17, "warc.metadata": 16}


def test_wet_conversion_record_is_text() -> None:
    docs, _ = read_all(WARC_DIR / "whirlwind/whirlwind.warc.wet.gz")
    (doc,) = docs
    assert doc.url == "https://an.wikipedia.org/wiki/Escopete"
    assert doc.text and "Escopete" in doc.text and doc.html is None


def test_wget_angle_bracket_uri_is_unwrapped() -> None:
    docs, _ = read_all(WARC_DIR / "dolma/sample-0000.warc.gz")
    assert docs[0].url == "https://www.semanticscholar.org/research/research-team"


def test_truncated_record_is_a_counted_error_and_earlier_records_survive() -> None:
    docs, ctx = read_all(WARC_DIR / "warcio/example-trunc.warc")
    assert [d.url for d in docs] == ["http://example.com/"]
    (row,) = ctx.ledger.rows
    assert row.fate.value == "error" and row.step == "read.warc@1"
    assert "truncated" in (row.message or "")


def test_clipped_payload_is_an_error_not_a_short_document() -> None:
    _, ctx = read_all(WARC_DIR / "resiliparse/clipped.warc.gz")
    (row,) = ctx.ledger.rows
    assert "74,970 of 88,038" in (row.message or "")


def test_corrupt_gzip_member_resyncs_to_the_next_record(tmp_path: Path) -> None:
    good = (WARC_DIR / "resiliparse/warcfile.warc.gz").read_bytes()
    # damage the deflate stream of the first response's gzip member (it starts at byte 940)
    broken = bytearray(good)
    broken[960:1000] = b"\x00" * 40
    path = tmp_path / "damaged.warc.gz"
    path.write_bytes(bytes(broken))
    docs, ctx = read_all(path)
    errors = [r for r in ctx.ledger.rows if r.fate.value == "error"]
    assert len(errors) == 1
    assert len(docs) == 15, "every record after the damaged one still reads"


def test_binary_junk_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.html"
    path.write_bytes(bytes(range(256)) * 64)
    docs, ctx = read_all(path)
    assert docs == []
    assert "binary content" in (ctx.ledger.rows[0].message or "")


def test_size_budget(tmp_path: Path) -> None:
    docs, ctx = read_all(PAGES_DIR / "scrapinghub-11ea381ad92b.html", ReadConfig(max_document_bytes=1000))
    assert docs == [] and "DocumentTooLarge" in (ctx.ledger.rows[0].message or "")


def test_jsonl_zst_and_gz() -> None:
    docs, ctx = read_all(JSONL_DIR / "noisy-dev-head40.jsonl.zst")
    assert len(docs) == 40 and not ctx.ledger.rows
    assert docs[0].id == "trafilatura-eval/die-partei.net.luebeck.html"
    assert docs[0].url and docs[0].text
    assert "source" in docs[0].meta.source  # extra fields are kept
    docs, _ = read_all(JSONL_DIR / "noisy-dev-41-60.jsonl.gz")
    assert len(docs) == 20


def test_jsonl_missing_id_gets_a_stable_id_and_bad_lines_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"text": "a"}\nnot json\n[1, 2]\n{"html": "<p>x</p>", "url": "http://x/"}\n{"title": "t"}\n'
    )
    docs, ctx = read_all(path)
    assert [d.id for d in docs] == [stable_id(str(path), 0), stable_id(str(path), 3)]
    assert docs[1].html == "<p>x</p>" and docs[1].text is None
    assert len(ctx.ledger.rows) == 3
    again, _ = read_all(path)
    assert [d.id for d in again] == [d.id for d in docs]


def test_truncated_gzip_jsonl_keeps_what_was_read(tmp_path: Path) -> None:
    data = gzip.compress(b"".join(orjson.dumps({"text": f"doc {i}"}) + b"\n" for i in range(200)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    docs, ctx = read_all(path)
    assert 0 < len(docs) < 200
    assert len(ctx.ledger.rows) == 1 and ctx.ledger.rows[0].fate.value == "error"


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["one", None], "lang_hint": ["x", "y"]}), path)
    docs, ctx = read_all(path)
    assert [d.id for d in docs] == ["a"] and docs[0].meta.source == {"lang_hint": "x"}
    assert len(ctx.ledger.rows) == 1


def test_folder_of_pages_groups_into_shards() -> None:
    listing = list_inputs([str(PAGES_DIR)])
    kinds = sorted(f.kind.value for f in listing.files)
    assert kinds == ["html", "html", "text"]
    shards = plan_shards(listing, files_per_shard=1)
    assert [s.index for s in shards] == [0, 1, 2]


def test_kind_detection() -> None:
    assert kind_of_name("a.warc.wet.gz") is InputKind.WARC
    assert kind_of_name("example-bad.warc.gz.bad") is InputKind.WARC
    assert kind_of_name("x.arc.gz") is InputKind.ARC
    assert kind_of_name("p.html.gz") is InputKind.HTML
    assert kind_of_name("d.parquet") is InputKind.PARQUET
    assert kind_of_name("README") is None


def test_missing_input_is_a_user_error() -> None:
    with pytest.raises(InputError, match="does not exist"):
        list_inputs(["/no/such/file.warc.gz"])
    with pytest.raises(InputError, match="matches no file"):
        list_inputs(["/no/such/*.jsonl"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
lines = st.one_of(
    st.builds(
        lambda t, extra: orjson.dumps({"text": t, **extra}),
        st.text(max_size=50),
        st.dictionaries(st.sampled_from(["a", "b", "url", "id"]), json_values, max_size=2),
    ),
    # junk lines; a file that starts with gzip/zstd magic is read as compressed, which is another test
    st.binary(max_size=40).filter(
        lambda b: b"\n" not in b and b"\r" not in b and not b.startswith((b"\x1f\x8b", b"\x28\xb5\x2f\xfd"))
    ),
    st.builds(lambda v: orjson.dumps(v), json_values),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(lines, min_size=1, max_size=12))
def test_property_every_jsonl_record_is_a_document_or_a_counted_error(
    tmp_path_factory: pytest.TempPathFactory, records: list[bytes]
) -> None:
    path = tmp_path_factory.mktemp("prop") / "p.jsonl"
    path.write_bytes(b"\n".join(records) + b"\n")
    docs, ctx = read_all(path)
    non_blank = sum(1 for r in records if r.strip())
    assert len(docs) + len(ctx.ledger.rows) == non_blank
