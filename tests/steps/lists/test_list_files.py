"""Compiled lists: built from FineWeb's and UT1's real files, read back, merged; corrupt or missing files
refused with a message that says what to do; the keys and the public suffix walk."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import LISTS_DIR
from websieve.errors import ListFileError
from websieve.steps.lists.domain_list import FORMAT_VERSION, Table, merge_lists, read_list, resolve_list
from websieve.steps.lists.sources import build_list, file_part, fineweb_parts, ut1_categories, ut1_parts
from websieve.steps.lists.suffixes import registered_domain
from websieve.steps.lists.urls import bulk_keys, domain_key, suffix_keys, url_key, url_parts

FINEWEB = LISTS_DIR / "fineweb"
UT1 = LISTS_DIR / "ut1"


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def fineweb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_list(fineweb_parts(FINEWEB), tmp_path_factory.mktemp("fw") / "fineweb.wsbl").path


def test_fineweb_sample_compiles_with_its_provenance(fineweb: Path) -> None:
    cl = read_list(fineweb)
    domains = _lines(FINEWEB / "domains")
    assert cl.header["counts"] == {"adult": {"domains": len(domains), "urls": len(_lines(FINEWEB / "urls"))}}
    assert set(cl.domains.keys.tolist()) == {domain_key(d) for d in domains}
    (source,) = cl.header["sources"]
    assert source["kind"] == "fineweb" and "CC BY-SA 4.0" in source["licence"]
    assert set(source["sha256"]) == {"domains", "urls"}
    assert cl.categories == ("adult",) and cl.combos == (("adult",),)


def test_datatroves_tarball_gives_the_same_list(fineweb: Path, tmp_path: Path) -> None:
    with tarfile.open(tmp_path / "url_filterblacklistsv0_3_0.tar.gz", "w:gz") as tar:
        for name in ("domains", "urls"):
            data = (FINEWEB / name).read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    built = read_list(build_list(fineweb_parts(tmp_path), tmp_path / "t.wsbl").path)
    assert np.array_equal(built.domains.keys, read_list(fineweb).domains.keys)
    assert np.array_equal(built.urls.keys, read_list(fineweb).urls.keys)
    assert set(built.header["sources"][0]["sha256"]) == {"url_filterblacklistsv0_3_0.tar.gz"}


def test_domain_lines_are_normalised_and_what_is_not_a_domain_is_counted(tmp_path: Path) -> None:
    src = tmp_path / "mine.txt.gz"
    lines = "# comment\n\n  Example.COM \n*.wild.example\n.dot.example\ntrail.example.\nbad entry\nhttp://x.example/y\n"
    src.write_bytes(gzip.compress(lines.encode()))
    report = build_list([file_part("mine", domains=src, licence="CC0-1.0")], tmp_path / "m.wsbl")
    assert report.counts == {"mine": (4, 0)} and report.skipped == 2
    keys = set(read_list(report.path).domains.keys.tolist())
    assert keys == {domain_key(d) for d in ("example.com", "wild.example", "dot.example", "trail.example")}
    assert read_list(report.path).header["sources"][0]["licence"] == "CC0-1.0"


def test_ut1_categories_are_read_with_their_descriptions_and_gaps(tmp_path: Path) -> None:
    categories = ut1_categories(UT1)
    assert set(categories) == {"adult", "dating", "gambling", "shortener"}
    assert categories["shortener"] == "URLs shortening sites"
    report = build_list(ut1_parts(UT1, ["all"]), tmp_path / "ut1.wsbl")
    assert report.counts["dating"] == (40, 0)  # read from domains.gz
    assert report.counts["adult"][0] == 0 and report.counts["adult"][1] > 0
    assert any("'adult' has no domains file" in note for note in report.notes)
    with pytest.raises(
        ListFileError, match=r"unknown UT1 category: casino; .* has: adult, dating, gambling, shortener"
    ):
        ut1_parts(UT1, ["gambling", "casino"])
    with pytest.raises(ListFileError, match="no such folder"):
        ut1_categories(tmp_path / "nowhere")


def test_lists_merge_by_category_name(fineweb: Path, tmp_path: Path) -> None:
    gambling = _lines(UT1 / "blacklists" / "gambling" / "domains")
    both = tmp_path / "both.txt"
    both.write_text(f"{gambling[0]}\n{_lines(FINEWEB / 'domains')[0]}\n")
    other = build_list([file_part("gambling", domains=both)], tmp_path / "g.wsbl").path
    merged = merge_lists([read_list(fineweb), read_list(other)])
    assert merged.categories == ("adult", "gambling")
    assert len(merged.domains) == len(read_list(fineweb).domains) + 1
    combo = dict(zip(merged.domains.keys.tolist(), merged.domains.combos.tolist(), strict=True))
    assert merged.combos[combo[domain_key(_lines(FINEWEB / "domains")[0])]] == ("adult", "gambling")
    assert merged.combos[combo[domain_key(gambling[0])]] == ("gambling",)


def _write_and_break(fineweb: Path, tmp_path: Path, how: str) -> Path:
    data = bytearray(fineweb.read_bytes())
    if how == "magic":
        data[:4] = b"JUNK"
    elif how == "truncated":
        data = data[: len(data) // 2]
    elif how == "flipped":
        data[-20] ^= 0xFF
    elif how == "version":
        data = data.replace(
            f'"version": {FORMAT_VERSION}'.encode(), f'"version": {FORMAT_VERSION + 8}'.encode()
        )
    elif how == "empty":
        data = bytearray()
    path = tmp_path / f"{how}.wsbl"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("magic", "not a websieve list file"),
        ("empty", "not a websieve list file"),
        ("truncated", "truncated"),
        ("flipped", "corrupt"),
        ("version", f"this websieve reads {FORMAT_VERSION}"),
    ],
)
def test_broken_files_are_refused_with_what_to_do(
    fineweb: Path, tmp_path: Path, how: str, message: str
) -> None:
    with pytest.raises(ListFileError, match=f"{message}.*rebuild it with `websieve lists build`"):
        read_list(_write_and_break(fineweb, tmp_path, how))


def test_missing_sources_and_lists_are_refused(tmp_path: Path) -> None:
    with pytest.raises(
        ListFileError, match=r"no compiled list at .*mine\.wsbl: build it with `websieve lists build"
    ):
        read_list(tmp_path / "mine.wsbl")
    with pytest.raises(ListFileError, match=r"url_filterblacklistsv0_3_0\.tar\.gz"):
        fineweb_parts(tmp_path)
    with pytest.raises(ListFileError, match="no such file"):
        file_part("x", domains=tmp_path / "none.txt")
    (tmp_path / "url_filterblacklistsv0_3_0.tar.gz").write_bytes(b"not gzip")
    with pytest.raises(ListFileError, match="cannot read"):
        fineweb_parts(tmp_path)


def test_names_resolve_in_the_lists_folder(lists_folder: Path) -> None:
    assert resolve_list("fineweb") == lists_folder / "fineweb.wsbl"
    assert resolve_list("some/where.wsbl") == Path("some/where.wsbl")
    assert resolve_list("x.wsbl") == Path("x.wsbl")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=3000))
def test_bucket_index_points_at_the_first_key_of_each_bucket(keys: list[int]) -> None:
    table = Table.from_keys(keys, [0] * len(keys))
    index = table.index()
    bits = (len(index) - 1).bit_length() - 1
    starts = np.arange(len(index) - 1, dtype=np.uint64) << np.uint64(64 - bits)
    assert np.array_equal(index[:-1], np.searchsorted(table.keys, starts).astype(np.uint32))
    assert index[-1] == len(table) == len(set(keys))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=20))
def test_bulk_keys_equal_the_keys_one_at_a_time(texts: list[str]) -> None:
    data = [t.encode("utf-8") for t in texts]
    assert bulk_keys(data, reverse=True).tolist() == [domain_key(t) for t in texts]
    assert bulk_keys(data, reverse=False).tolist() == [url_key(t) for t in texts]


def test_hosts_are_read_as_tldextract_reads_them() -> None:
    assert url_parts("https://user:pw@WWW.Example.COM:8080/a?b#c") == ("www.example.com", "/a")
    assert url_parts("//cdn.example.com/x") == ("cdn.example.com", "/x")
    assert url_parts("example.com/path") == ("example.com", "/path")
    assert url_parts("http://[2001:db8::1]:80/") == ("[2001:db8::1]", "/")
    assert url_parts("http://example.com . /") == (
        "example.com ",
        "/",
    )  # stripped, then the dots: as tldextract
    assert url_parts("http://bücher。de/") == ("bücher.de", "/")
    assert url_parts("<https://example.com/>").host == "<https"  # wget's brackets: no scheme for tldextract
    assert [text for text, _ in suffix_keys("a.b.c")] == ["c", "b.c", "a.b.c"]


def test_registered_domains_as_tldextract_finds_them() -> None:
    # values checked against tldextract 5.4.0 (datatrove's) with its bundled list
    cases = {
        "forums.bbc.co.uk": "bbc.co.uk",
        "x.blogspot.com": "blogspot.com",  # private suffixes are not suffixes
        "a.b.kawasaki.jp": "a.b.kawasaki.jp",  # *.kawasaki.jp
        "www.city.kawasaki.jp": "city.kawasaki.jp",  # !city.kawasaki.jp
        "a.www.ck": "www.ck",
        "example.xn--fiqs8s": "example.xn--fiqs8s",
        "example.中国": "example.中国",
        "foo.sex.pl": "foo.sex.pl",
        "co.uk": None,
        "localhost": None,
        "1.2.3.4": None,
    }
    assert {host: registered_domain(host) for host in cases} == cases
