"""Inputs in object stores: a run over URLs (``file://``, and ``s3://`` on a local moto server) reads the
same documents as the run over the same files on disk.

What may differ, by design: the ledger's ``source`` column holds each input's name as given (the URL), and
records that carry no id of their own (ARC records, loose pages, Parquet/JSONL rows without ``id``,
corrupt regions) get ``stable_id(name, offset)``, a hash of that name. Every other byte is the same: the
comparison maps those two back and then wants equal rows in every output, ledger and annotations file, and
equal bytes in every file the mapping did not touch.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from conftest import JSONL_DIR, PAGES_DIR, WARC_DIR, tree_bytes
from websieve import Executor, load_preset, run
from websieve.config import RunConfig, build_run_config
from websieve.errors import InputError
from websieve.steps.read.base import stable_id
from websieve.steps.read.detect import InputKind, list_inputs
from websieve.steps.read.location import expand_url, is_url, open_input

# input folder layout -> the sample each file copies
SAMPLES = {
    "crawl/example.warc.gz": WARC_DIR / "warcio" / "example.warc.gz",
    # a corrupt gzip member: the reader resyncs by seeking in the file, here through the URL
    "crawl/clipped.warc.gz": WARC_DIR / "resiliparse" / "clipped.warc.gz",
    "crawl/example.arc.gz": WARC_DIR / "warcio" / "example.arc.gz",
    "crawl/sub/whirlwind.warc.wet.gz": WARC_DIR / "whirlwind" / "whirlwind.warc.wet.gz",
    "docs/noisy-41-60.jsonl.gz": JSONL_DIR / "noisy-dev-41-60.jsonl.gz",
    "pages/seed.txt": PAGES_DIR / "seed-000_8bc0c6ad7db0b1d0.txt",
    "pages/spip.html": PAGES_DIR / "trafilatura-eval-sauvonsluniversite.com.spip.html",
    # never inputs: provenance notes and hidden folders are skipped, unknown names listed as ignored
    "README.md": WARC_DIR / "SOURCE.md",
    ".cache/stale.jsonl.gz": JSONL_DIR / "noisy-dev-41-60.jsonl.gz",
    "notes.csv": WARC_DIR / "SOURCE.md",
}
# outside the folder, named without an extension: its kind is sniffed from its first bytes
SNIFFED = ("extra/segment-00001", WARC_DIR / "whirlwind" / "whirlwind.warc.gz")


def _make_inputs(root: Path) -> None:
    """The folder given as input is ``in/``; the sniffed file lies beside it, in ``extra/``."""
    for rel, src in (*((f"in/{rel}", src) for rel, src in SAMPLES.items()), SNIFFED):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, root / rel)
    # Parquet (pyarrow reads a URL from a file object): other dev pages than the JSONL's, so that no
    # duplicate's survivor hangs on an id made from the input's name; half of them without an id
    with open(JSONL_DIR / "noisy-dev-head40.jsonl.zst", "rb") as fh:
        data = zstandard.ZstdDecompressor().stream_reader(fh).read()
    rows = [orjson.loads(line) for line in data.splitlines()[:6]]
    table = pa.table(
        {
            "id": [r["id"] if i % 2 else None for i, r in enumerate(rows)],
            "url": [r["url"] for r in rows],
            "text": [r["text"] for r in rows],
        }
    )
    pq.write_table(table, root / "in" / "docs" / "rows.parquet")


def _config() -> RunConfig:
    return load_preset("default").with_overrides(["read.files_per_shard=1"])


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store")
    _make_inputs(root)
    return root


@pytest.fixture(scope="module")
def local_run(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the same files given as plain local paths, run inline (the URL runs use worker
    processes: output is the same for every executor, which tests/test_run.py checks)."""
    out = tmp_path_factory.mktemp("local") / "run"
    run(
        _config(), inputs=[str(inputs / "in"), str(inputs / SNIFFED[0])], output=out, executor=Executor.INLINE
    )
    return out


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.name.endswith(".jsonl.zst"):
        data = zstandard.ZstdDecompressor().stream_reader(path.read_bytes()).read()
        return [orjson.loads(line) for line in data.splitlines()]
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]
    raise AssertionError(f"unexpected file in a run folder: {path}")


def _mapper(url_run: Path, url_root: str, local_root: str) -> Any:
    """Maps the URL run's names and name-derived ids to the local run's."""
    ids: dict[str, str] = {}
    for part in sorted((url_run / "ledger").glob("part-*.parquet")):
        for row in pq.read_table(part, columns=["source", "offset"]).to_pylist():
            source = row["source"]
            assert source.startswith(url_root), source
            local = local_root + source[len(url_root) :]
            ids[stable_id(source, row["offset"])] = stable_id(local, row["offset"])

    def remap(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: remap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [remap(v) for v in value]
        if isinstance(value, str):
            if value.startswith(url_root):
                return local_root + value[len(url_root) :]
            return ids.get(value, value)
        return value

    return remap


def assert_same_run(url_run: Path, local_run: Path, *, url_root: str, local_root: str) -> None:
    want, got = tree_bytes(local_run), tree_bytes(url_run)
    assert sorted(got) == sorted(want)
    remap = _mapper(url_run, url_root, local_root)
    identical_docs = 0
    for name in sorted(want):
        rows = _rows(url_run / name)
        mapped = remap(rows)
        assert mapped == _rows(local_run / name), name
        if mapped == rows:  # nothing in it depends on the input's name: byte for byte the same file
            assert got[name] == want[name], name
            identical_docs += len(rows) if name.startswith("output/") else 0
    # the JSONL rows carry their own ids: the documents they give are the same bytes as is
    assert identical_docs >= 10


def _run_over(inputs: list[str], out: Path) -> None:
    run(_config(), inputs=inputs, output=out, executor=Executor.LOCAL, workers=2)


def test_file_urls_read_like_local_paths(inputs: Path, local_run: Path, tmp_path: Path) -> None:
    url_root = f"file://{inputs}/"
    out = tmp_path / "run"
    _run_over([f"file://{inputs}/in/", f"file://{inputs}/{SNIFFED[0]}"], out)
    listed = orjson.loads((out / "run.json").read_bytes())
    local = orjson.loads((local_run / "run.json").read_bytes())
    assert [(f["path"], f["kind"], f["size"]) for f in listed["inputs"]] == [
        (url_root + f["path"][len(str(inputs)) + 1 :], f["kind"], f["size"]) for f in local["inputs"]
    ]
    assert listed["ignored_inputs"] == [url_root + "in/notes.csv"]
    kinds = {f["kind"] for f in listed["inputs"]}
    assert kinds == {"warc", "arc", "jsonl", "parquet", "html", "text"}
    assert_same_run(out, local_run, url_root=url_root, local_root=f"{inputs}/")


def test_url_listing_globs_folders_and_sniffing(inputs: Path) -> None:
    root = f"file://{inputs}/in"
    listing = list_inputs([f"{root}/crawl/**/*.gz", f"file://{inputs}/{SNIFFED[0]}"])
    assert [(f.path.removeprefix(root), f.kind) for f in listing.files] == [
        (f"file://{inputs}/{SNIFFED[0]}", InputKind.WARC),
        ("/crawl/clipped.warc.gz", InputKind.WARC),
        ("/crawl/example.arc.gz", InputKind.ARC),
        ("/crawl/example.warc.gz", InputKind.WARC),
        ("/crawl/sub/whirlwind.warc.wet.gz", InputKind.WARC),
    ]
    sizes = {f.path: f.size for f in listing.files}
    assert sizes[f"{root}/crawl/example.warc.gz"] == SAMPLES["crawl/example.warc.gz"].stat().st_size
    # the same file named twice (as a file and inside a folder) is listed once
    twice = list_inputs([f"{root}/crawl/", f"{root}/crawl/example.warc.gz", f"{root}/crawl/sub"])
    assert len(twice.files) == 4
    with open_input(f"{root}/pages/seed.txt") as fh:
        assert fh.read() == SAMPLES["pages/seed.txt"].read_bytes()
    assert expand_url(f"{root}/pages/").folder == f"{root}/pages/"


def test_url_errors_are_one_actionable_line(inputs: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        list_inputs([f"file://{inputs}/in/nothing-here.warc.gz"])
    with pytest.raises(InputError, match=r"matches no file"):
        list_inputs([f"file://{inputs}/in/crawl/*.parquet"])
    with pytest.raises(InputError, match=r"no fsspec backend knows the scheme nosuchstore://"):
        list_inputs(["nosuchstore://bucket/crawl/"])
    if importlib.util.find_spec("gcsfs") is None:
        with pytest.raises(InputError, match=r"gs:// backend is missing; install gcsfs"):
            list_inputs(["gs://bucket/crawl/"])
        with pytest.raises(InputError, match=r"install gcsfs"):
            open_input("gs://bucket/crawl/a.warc.gz")


def test_missing_credentials_are_one_actionable_line() -> None:
    pytest.importorskip("s3fs")
    # a fresh process: botocore reads the environment when s3fs makes its client, and fsspec caches that
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FSSPEC_"))}
    env |= {
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # never reached: signing fails first
    }
    code = (
        "from websieve.errors import InputError\n"
        "from websieve.steps.read.detect import list_inputs\n"
        "try:\n"
        "    list_inputs(['s3://bucket/crawl/'])\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    message = done.stdout.strip()
    assert message.startswith("cannot list 's3://bucket/crawl/': no usable credentials"), message
    assert "AWS_ACCESS_KEY_ID" in message and "\n" not in message


def test_local_paths_never_import_fsspec(tmp_path: Path) -> None:
    # ARC files are left out: warcio itself imports fsspec when it is installed
    pq.write_table(pa.table({"id": ["a"], "text": ["hello"]}), tmp_path / "rows.parquet")
    code = (
        "import sys\n"
        "from websieve.config import ReadConfig\n"
        "from websieve.steps.base import StepContext\n"
        "from websieve.steps.read import reader_for\n"
        "from websieve.steps.read.detect import list_inputs, plan_shards\n"
        f"listing = list_inputs([{str(PAGES_DIR)!r}, {str(JSONL_DIR)!r}, {str(WARC_DIR / 'whirlwind')!r}, "
        f"{str(tmp_path)!r}])\n"
        "ctx = StepContext.standalone()\n"
        "for shard in plan_shards(listing, files_per_shard=10):\n"
        "    list(reader_for(shard.kind, ReadConfig()).read(shard, ctx))\n"
        "assert 'fsspec' not in sys.modules, 'fsspec was imported for local paths'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_is_url() -> None:
    assert is_url("s3://bucket/crawl/*.warc.gz") and is_url("file:///data") and is_url("gs://b")
    assert not any(is_url(p) for p in ("/data/a.warc", "a.jsonl", r"C:\data\a", "C:/data/a", "x://y"))


# s3:// against moto's S3 server on 127.0.0.1 (no network): worker processes inherit its address and the
# dummy credentials from the environment, as workers on a cluster inherit theirs.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_inputs(inputs: Path) -> Iterator[str]:
    moto_server = pytest.importorskip("moto.server")
    s3fs = pytest.importorskip("s3fs")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as mp:
        # botocore (1.43 here) takes its endpoint from AWS_ENDPOINT_URL; no instance-metadata lookups
        for key, value in {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }.items():
            mp.setenv(key, value)
        mp.delenv("AWS_PROFILE", raising=False)
        fs = s3fs.S3FileSystem(skip_instance_cache=True)
        fs.mkdir("websieve-test")
        files = [p for p in sorted(inputs.rglob("*")) if p.is_file()]
        fs.pipe({f"websieve-test/{p.relative_to(inputs)}": p.read_bytes() for p in files})
        try:
            yield "s3://websieve-test/"
        finally:
            s3fs.S3FileSystem.clear_instance_cache()
            server.stop()


def test_s3_urls_read_like_local_paths(s3_inputs: str, inputs: Path, local_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    _run_over([f"{s3_inputs}in/", f"{s3_inputs}{SNIFFED[0]}"], out)
    listed = orjson.loads((out / "run.json").read_bytes())
    assert {f["kind"] for f in listed["inputs"]} == {"warc", "arc", "jsonl", "parquet", "html", "text"}
    assert listed["ignored_inputs"] == [f"{s3_inputs}in/notes.csv"]
    assert_same_run(out, local_run, url_root=s3_inputs, local_root=f"{inputs}/")


def test_s3_missing_bucket_and_key(s3_inputs: str) -> None:
    with pytest.raises(InputError, match="does not exist"):
        list_inputs(["s3://no-such-bucket/crawl/"])
    with pytest.raises(InputError, match="does not exist"):
        list_inputs([f"{s3_inputs}in/crawl/missing.warc.gz"])
    with pytest.raises(InputError, match="matches no file"):
        list_inputs([f"{s3_inputs}in/*.arc"])


def test_access_denied_while_reading_stops_the_run_and_loses_nothing(tmp_path: Path) -> None:
    """A worker whose credentials may list but not read (S3's 403 is a PermissionError in s3fs; moto does
    not enforce permissions, so a local file system that refuses to open stands in for the store): the
    run stops with what to do, no shard is marked done, and once reading works the run reads it all."""
    import fsspec
    from fsspec.implementations.local import LocalFileSystem

    refused = {"on": True}

    class Refusing(LocalFileSystem):  # type: ignore[misc]
        protocol = ("refusing",)

        def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
            if refused["on"]:
                raise PermissionError(13, "AccessDenied (403)")
            return super()._open(path, mode, **kwargs)

        @classmethod
        def _strip_protocol(cls, path: str) -> str:
            return str(LocalFileSystem._strip_protocol(path.removeprefix("refusing://")))

    fsspec.register_implementation("refusing", Refusing, clobber=True)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(JSONL_DIR / "noisy-dev-41-60.jsonl.gz", folder)
    config = build_run_config({"steps": ["extract.html", "normalize.unicode"]})
    url = f"refusing://{folder}"
    with pytest.raises(InputError, match=r"access denied .*credentials"):
        run(config, inputs=[url], output=tmp_path / "run", executor=Executor.INLINE)
    assert not list((tmp_path / "run" / "_state").glob("part-*.done"))
    refused["on"] = False
    summary = run(config, inputs=[url], output=tmp_path / "run", executor=Executor.INLINE)
    assert summary.shards_run == 1 and summary.stats["input"] == 20 and summary.stats["errors"] == 0
