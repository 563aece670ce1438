"""FineWeb's URL filter: websieve's ``lists.url_filter`` against datatrove's ``URLFilter``, same URLs and run.

1. compiles FineWeb's full blocklist (``../shared/data/lists/fineweb-url-blocklist``: 4.56 million domains,
   19,586 URLs) into ``benchmarks/_work/lists/fineweb.wsbl``: build time, file size;
2. loads it (map + bucket index + the matcher): load time, against datatrove's (its set of 4.56 million
   strings and tldextract);
3. checks real URLs, URL string -> blocked or not, one core: the WARC records' target URIs
   (``../shared/data/warc``), the dev pages' URLs (``noisy-text``) and the links in the dev pages' HTML,
   repeated to at least ``--lookups`` checks; URLs/s of websieve's matcher (C; its Python twin on a slice),
   of the whole step (Document in, ledger row out), and of datatrove's filter, run in its own environment
   (``make peer-datatrove``) on the same URLs;
4. keep/drop agreement with datatrove on those URLs, and on URLs made from the list itself (a listed
   domain, its ``www.`` and a subdomain of it, a listed URL with a scheme and as written) where the rules
   actually fire: with ``match: datatrove`` (the ``fineweb`` preset) and with the default ``subdomains``.

    make peer-datatrove                      # once: benchmarks/_work/dt-venv
    .venv/bin/python benchmarks/url_lists.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import subprocess
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

from fastwarc.warc import ArchiveIterator

from extraction_data import DATA
from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.lists.domain_list import merge_lists, read_list
from websieve.steps.lists.matcher import DomainMatch, Match, make_matcher
from websieve.steps.lists.sources import FINEWEB_TARBALL, build_list, fineweb_parts
from websieve.steps.lists.url_filter import DATATROVE_REASONS, UrlFilter, UrlFilterConfig
from websieve.steps.lists.url_words import WordLists

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work" / "lists"
PEER = ROOT / "benchmarks" / "_work" / "dt-venv" / "bin" / "python"
SOURCE = DATA / "lists" / "fineweb-url-blocklist"
HREF = re.compile(r"""href\s*=\s*["'](https?://[^"'\s<>]+)""", re.I)
# datatrove's reasons -> websieve's rules
RULES = {reason: rule.value for reason, rule in DATATROVE_REASONS.items()}


def real_urls() -> dict[str, list[str]]:
    warc = []
    for path in sorted((DATA / "warc").rglob("*")):
        if re.search(r"\.warc(\.gz)?$", path.name):
            try:
                with open(path, "rb") as fh:
                    warc += [
                        r.headers.get("WARC-Target-URI", "") for r in ArchiveIterator(fh, parse_http=False)
                    ]
            except Exception:  # the corrupt samples of the set: their readable records are enough
                continue
    with gzip.open(DATA / "noisy-text" / "noisy-dev.jsonl.gz", "rt", encoding="utf-8") as fh:
        dev = [json.loads(line)["url"] for line in fh]
    links = []
    pages = sorted((DATA / "extraction-scrapinghub" / "html").glob("*.gz"))
    pages += sorted((DATA / "extraction-trafilatura-eval").rglob("*.html.gz"))
    for path in pages:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            links += HREF.findall(fh.read())
    seen: set[str] = set()
    out = {}
    for name, urls in (("WARC target URIs", warc), ("dev page URLs", dev), ("links in the dev pages", links)):
        out[name] = [u for u in urls if u and not (u in seen or seen.add(u))]  # type: ignore[func-returns-value]
    return out


def list_made_urls(n: int) -> list[str]:
    rng = random.Random(5)
    with tarfile.open(SOURCE / FINEWEB_TARBALL) as tar:
        domains = tar.extractfile("domains").read().decode().split()  # type: ignore[union-attr]
        urls = tar.extractfile("urls").read().decode().split()  # type: ignore[union-attr]
    out = []
    for d in rng.sample(domains, n):
        out += [f"http://{d}/", f"https://www.{d}/page.html", f"http://sub.{d}/"]
    for u in rng.sample(urls, n // 10):
        out += [f"http://{u}", u]
    return out


def datatrove(urls: list[str], repeat: int) -> tuple[list[str], float, float]:
    """datatrove's fates, its best seconds per pass, its load seconds."""
    if not PEER.exists():
        sys.exit(f"{PEER} is missing: run `make peer-datatrove` first (or --no-peer)")
    src, dst = WORK / "urls-in.jsonl", WORK / "urls-datatrove.jsonl"
    src.write_text("".join(json.dumps({"url": u}) + "\n" for u in urls), encoding="utf-8")
    script = ROOT / "benchmarks" / "peers" / "datatrove_urls.py"
    subprocess.run([str(PEER), str(script), str(src), str(dst), "--repeat", str(repeat)], check=True)
    rows = [json.loads(line) for line in dst.open(encoding="utf-8")]
    return [r["fate"] for r in rows[:-1]], rows[-1]["seconds"], rows[-1]["load_seconds"]


def fate(raw: tuple[object, ...] | None) -> str:
    """The rule the fineweb preset's step drops on (``kept``), from a matcher's result."""
    if raw is None:
        return "kept"
    m = Match(*raw)  # type: ignore[arg-type]
    for rule, hit in (
        ("domain", m.domain),
        ("url", m.url),
        ("banned_word", m.banned_word),
        ("soft_words", len(m.soft_words) >= 2),
        ("banned_subword", m.banned_subword),
    ):
        if hit:
            return rule
    return "kept"


def rate(check: object, urls: list[str], passes: int = 3) -> float:
    best = float("inf")
    fn = check  # a bound method: no attribute lookup in the loop
    for _ in range(passes):
        start = time.perf_counter()
        for u in urls:
            fn(u)  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return len(urls) / best


def agreement(
    name: str, urls: list[str], peer: list[str], matchers: dict[str, object], examples: int
) -> None:
    print(f"\n{name}: {len(urls):,} URLs, datatrove drops {sum(f != 'kept' for f in peer):,}")
    for label, m in matchers.items():
        ours = [fate(m.check(u)) for u in urls]  # type: ignore[attr-defined]
        same_keep = sum((a == "kept") == (b == "kept") for a, b in zip(ours, peer, strict=True))
        same_rule = sum(a == RULES.get(b, b) for a, b in zip(ours, peer, strict=True))
        differing = len(urls) - same_keep
        print(
            f"  {label:28} keep/drop agreement {same_keep / len(urls):.4%} ({differing:,} differ), "
            f"same rule {same_rule / len(urls):.4%}"
        )
        differ = Counter(
            (RULES.get(b, b), a) for a, b in zip(ours, peer, strict=True) if (a == "kept") != (b == "kept")
        )
        for (theirs, mine), n in differ.most_common(4):
            shown = [
                u for u, a, b in zip(urls, ours, peer, strict=True) if (RULES.get(b, b), a) == (theirs, mine)
            ]
            print(f"    {n:>6,}  datatrove {theirs} -> websieve {mine}   e.g. {', '.join(shown[:examples])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=1_000_000, help="checks per timed pass, at least")
    parser.add_argument("--no-peer", action="store_true", help="websieve only (no datatrove environment)")
    parser.add_argument("--examples", type=int, default=2, help="disagreements shown per kind")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)

    report = build_list(fineweb_parts(SOURCE), WORK / "fineweb.wsbl")
    with tarfile.open(SOURCE / FINEWEB_TARBALL) as tar:
        text_mb = sum(m.size for m in tar.getmembers()) / 1e6
    domains, listed_urls = report.counts["adult"]
    print(
        f"build: {domains:,} domains, {listed_urls:,} URLs in {report.seconds:.2f} s; "
        f"{report.bytes / 1e6:.1f} MB (text: {text_mb:.1f} MB, gzip tarball: "
        f"{(SOURCE / FINEWEB_TARBALL).stat().st_size / 1e6:.1f} MB)"
    )
    start = time.perf_counter()
    listed = merge_lists([read_list(report.path)])
    matchers = {
        "match: datatrove (preset)": make_matcher(
            listed, words=WordLists.load(), categories=None, mode=DomainMatch.DATATROVE
        ),
    }
    load = time.perf_counter() - start
    matchers["match: subdomains (default)"] = make_matcher(
        listed, words=WordLists.load(), categories=None, mode=DomainMatch.SUBDOMAINS
    )
    twin = make_matcher(
        listed, words=WordLists.load(), categories=None, mode=DomainMatch.DATATROVE, backend="python"
    )
    print(
        f"load: {load * 1000:.0f} ms (read + checksum + bucket index + matcher with the public suffix list)"
    )

    sources = real_urls()
    urls = [u for part in sources.values() for u in part]
    print(f"real URLs: {len(urls):,} ({', '.join(f'{len(v):,} {k}' for k, v in sources.items())})")
    timed = urls * max(1, -(-args.lookups // len(urls)))
    for label, m in matchers.items():
        print(f"websieve {label}: {rate(m.check, timed):,.0f} URLs/s over {len(timed):,} checks")  # type: ignore[attr-defined]
    print(f"websieve Python twin (no C extension): {rate(twin.check, urls[:20_000], 1):,.0f} URLs/s")
    step = UrlFilter(UrlFilterConfig(lists=(str(report.path),), match=DomainMatch.DATATROVE))
    step.setup()
    ctx = StepContext.standalone()
    docs = [Document(id=str(i), url=u, text="") for i, u in enumerate(urls)]
    start = time.perf_counter()
    for doc in docs:
        step.apply(doc, ctx)
    ours_rate = len(docs) / (time.perf_counter() - start)
    print(
        f"websieve step lists.url_filter (Document in, annotations and ledger out): {ours_rate:,.0f} docs/s"
    )
    if args.no_peer:
        return
    made = list_made_urls(10_000)
    peer_fates, peer_seconds, peer_load = datatrove(urls + made, repeat=3)
    peer_rate = (len(urls) + len(made)) / peer_seconds
    mine = rate(matchers["match: datatrove (preset)"].check, urls + made)  # type: ignore[attr-defined]
    print(
        f"\ndatatrove URLFilter: load {peer_load:.2f} s, {peer_rate:,.0f} URLs/s; websieve on the same "
        f"{len(urls) + len(made):,} URLs: {mine:,.0f} URLs/s ({mine / peer_rate:.1f}x), load "
        f"{peer_load / load:.0f}x faster"
    )
    agreement("real URLs", urls, peer_fates[: len(urls)], matchers, args.examples)
    agreement("URLs made from the list", made, peer_fates[len(urls) :], matchers, args.examples)


if __name__ == "__main__":
    main()
