"""Write the URL filter's test samples (``tests/data/lists/``) from ``../shared/data``, and record datatrove's
decisions on them.

- ``fineweb/domains``, ``fineweb/urls``: a few hundred entries of FineWeb's lists (datatrove's
  ``url_filterblacklistsv0_3_0.tar.gz``): every domain that blocks one of the real URLs below, the
  top-level domains and public suffixes the list holds, private suffixes, IP addresses, subdomain entries,
  and a seeded random sample;
- ``ut1/blacklists/``: three UT1 categories cut to 40 domains each (one gzip-compressed), a category with
  URLs only, their ``usage`` and ``global_usage`` entries;
- ``decisions.jsonl``: test URLs with datatrove 0.10.1's ``URLFilter`` decision on them with the sampled
  lists (``benchmarks/peers/datatrove_urls.py --domains --urls``): real URLs (the tests' WARC records and
  JSONL rows, links in the tests' pages, and links of the dev pages that FineWeb's full list blocks) and
  URLs made from the sampled entries to reach every rule (subdomains, upper case, ports, IPs, listed URLs
  with and without a scheme, banned, soft and sub-words, odd forms).

    .venv/bin/python tools/make_list_samples.py      # needs benchmarks/_work/dt-venv (make peer-datatrove)
"""

from __future__ import annotations

import gzip
import json
import random
import re
import subprocess
import tarfile
from pathlib import Path
from typing import BinaryIO

import zstandard
from fastwarc.warc import ArchiveIterator

from websieve.steps.lists.domain_list import merge_lists
from websieve.steps.lists.matcher import DomainMatch, Match, make_matcher
from websieve.steps.lists.sources import build_list, fineweb_parts
from websieve.steps.lists.url_words import WordLists, WordRule

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
LISTS = SHARED / "lists"
OUT = ROOT / "tests" / "data" / "lists"
PEER = ROOT / "benchmarks" / "_work" / "dt-venv" / "bin" / "python"
HREF = re.compile(r"""href\s*=\s*["'](https?://[^"'\s<>]+)""", re.I)


def io_bytes(raw: bytes) -> BinaryIO:
    import io

    return io.BytesIO(raw)


def real_test_urls() -> list[str]:
    data = ROOT / "tests" / "data"
    urls: list[str] = []
    for path in sorted((data / "warc").rglob("*.warc*")):
        try:
            with open(path, "rb") as fh:
                urls += [r.headers.get("WARC-Target-URI", "") for r in ArchiveIterator(fh, parse_http=False)]
        except Exception:  # the corrupt samples: their readable records are enough
            continue
    for path in sorted((data / "jsonl").glob("*.jsonl.*")):
        raw = path.read_bytes()
        text = (
            gzip.decompress(raw)
            if path.suffix == ".gz"
            else zstandard.ZstdDecompressor().stream_reader(io_bytes(raw)).read()
        )
        urls += [json.loads(line).get("url") or "" for line in text.decode().split("\n") if line.strip()]
    for path in sorted(list((data / "pages").glob("*.html")) + list((data / "metadata").glob("*.html"))):
        urls += HREF.findall(path.read_text(encoding="utf-8", errors="replace"))
    return list(dict.fromkeys(u for u in urls if u))


def dev_links() -> list[str]:
    urls = []
    with gzip.open(SHARED / "noisy-text" / "noisy-dev.jsonl.gz", "rt", encoding="utf-8") as fh:
        urls += [json.loads(line)["url"] for line in fh]
    pages = sorted((SHARED / "extraction-scrapinghub" / "html").glob("*.gz"))
    pages += sorted((SHARED / "extraction-trafilatura-eval").rglob("*.html.gz"))
    for path in pages:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            urls += HREF.findall(fh.read())
    return list(dict.fromkeys(urls))


def main() -> None:
    rng = random.Random(5)
    with tarfile.open(LISTS / "fineweb-url-blocklist" / "url_filterblacklistsv0_3_0.tar.gz") as tar:
        text = {n: tar.extractfile(n).read().decode().splitlines() for n in ("domains", "urls")}  # type: ignore[union-attr]
    domains, list_urls = text["domains"], text["urls"]

    # the domains that block real dev-page links with FineWeb's full list
    tmp = ROOT / "benchmarks" / "_work" / "lists"
    full = build_list(fineweb_parts(LISTS / "fineweb-url-blocklist"), tmp / "fineweb.wsbl").path
    from websieve.steps.lists.domain_list import read_list

    matcher = make_matcher(
        merge_lists([read_list(full)]), words=WordLists.load(), categories=None, mode=DomainMatch.SUBDOMAINS
    )
    blocked_real = []
    hit_domains = set()
    for url in dev_links():
        raw = matcher.check(url)
        if raw is not None and Match(*raw).domain:
            blocked_real.append(url)
            hit_domains.add(Match(*raw).domain)
    by_domain: dict[str, list[str]] = {}
    for url in blocked_real:
        raw = matcher.check(url)
        assert raw is not None
        by_domain.setdefault(str(Match(*raw).domain), []).append(url)
    blocked_sample = [u for urls in by_domain.values() for u in urls[:3]]

    special = {
        "adult",
        "porn",
        "sex",
        "xxx",
        "sex.hu",
        "sex.pl",
        "dynu.net",
        "sa.com",
        "cutegirl.jp",
        "pussycat.jp",
    }
    ips = [d for d in domains if re.fullmatch(r"[0-9.]+", d)]
    deep = [d for d in domains if d.count(".") >= 3]
    three = [d for d in domains if d.count(".") == 2 and not re.fullmatch(r"[0-9.]+", d)]
    underscore = [d for d in domains if "_" in d]
    sample = sorted(
        hit_domains
        | special
        | set(rng.sample(ips, 5))
        | set(rng.sample(deep, 10))
        | set(rng.sample(three, 15))
        | set(rng.sample(underscore, 3))
        | set(rng.sample(domains, 200))
    )
    url_sample = sorted(
        set(rng.sample(list_urls, 60))
        | set(rng.sample([u for u in list_urls if u.endswith("/")], 5))
        | set(rng.sample([u for u in list_urls if re.search("[A-Z]", u)], 5))
    )
    (OUT / "fineweb").mkdir(parents=True, exist_ok=True)
    (OUT / "fineweb" / "domains").write_text("\n".join(sample) + "\n", encoding="utf-8")
    (OUT / "fineweb" / "urls").write_text("\n".join(url_sample) + "\n", encoding="utf-8")

    # UT1: gambling (plain), dating (gzip), shortener (plain), adult (URLs only, as in the shared snapshot)
    ut1 = LISTS / "ut1-blacklists" / "blacklists"
    out_ut1 = OUT / "ut1" / "blacklists"
    usage_blocks = (ut1 / "global_usage").read_text(encoding="utf-8").split("\n\n")
    keep_usage = []
    for name, compress in (("gambling", False), ("dating", True), ("shortener", False), ("adult", False)):
        (out_ut1 / name).mkdir(parents=True, exist_ok=True)
        (out_ut1 / name / "usage").write_bytes((ut1 / name / "usage").read_bytes())
        keep_usage += [b for b in usage_blocks if re.search(rf"^NAME:\s*{name}\s*$", b, re.M)]
        for stem in ("domains", "urls"):
            src = next((p for p in (ut1 / name / stem, ut1 / name / f"{stem}.gz") if p.exists()), None)
            if src is None or (name != "adult" and stem == "urls"):
                continue
            lines = gzip.decompress(src.read_bytes()) if src.suffix == ".gz" else src.read_bytes()
            picked = ("\n".join(sorted(rng.sample(lines.decode().splitlines(), 40))) + "\n").encode()
            if compress:
                (out_ut1 / name / f"{stem}.gz").write_bytes(gzip.compress(picked, mtime=0))
            else:
                (out_ut1 / name / stem).write_bytes(picked)
    (out_ut1 / "global_usage").write_text("\n\n".join(keep_usage) + "\n", encoding="utf-8")

    # test URLs
    cases: list[tuple[str, str]] = [(u, "real") for u in real_test_urls()]
    cases += [(u, "real-blocked") for u in blocked_sample]
    for d in rng.sample(sample, 40):
        cases += [(f"http://{d}/", "listed"), (f"https://www.{d}/some/page.html?q=1#top", "listed-www")]
    for d in sorted(set(deep + three) & set(sample)):
        cases.append((f"http://sub.{d}/", "listed-subdomain"))
    for d in sorted(special):
        cases += [(f"http://example.{d}/", "under-suffix"), (f"http://{d}/", "suffix-itself")]
    for d in rng.sample(sample, 5):
        cases += [(f"HTTP://WWW.{d.upper()}/Page", "upper-case-host"), (f"http://user:pw@{d}:8080/x", "port")]
    for ip in sorted(set(ips) & set(sample)):
        cases += [(f"http://{ip}/index.html", "ip"), (f"http://{ip}:8080/", "ip")]
    for u in url_sample[:30]:
        cases += [
            (f"http://{u}", "listed-url"),
            (f"https://www.{u}/below", "listed-url-below"),
            (u, "url-as-written"),
        ]
    for u in [u for u in url_sample if u.endswith("/")]:
        cases += [(u, "url-as-written"), (u.rstrip("/"), "url-as-written")]
    rules = WordLists.load(refinedweb=True).rules
    for word in rng.sample(list(rules[WordRule.BANNED]), 15):
        cases += [
            (f"https://example.com/{word}-videos", "banned-word"),
            (f"https://example.com/{word.upper()}", "upper-word"),
        ]
        cases.append((f"https://example.com/x{word}y", "word-inside"))
    soft = list(rules[WordRule.SOFT])
    for _ in range(15):
        a, b = rng.sample(soft, 2)
        cases += [
            (f"https://example.com/{a}/{b}", "soft-words"),
            (f"https://example.com/{a}", "one-soft-word"),
        ]
    for word in rng.sample(list(rules[WordRule.SUBWORD]), 15):
        cases.append((f"https://example.com/best{word}ever.html", "subword"))
    for rule in (WordRule.RW_STRICT, WordRule.RW_HARD, WordRule.RW_SOFT):
        for word in rng.sample([w for w in rules[rule] if w.isascii()], 8):
            cases.append((f"https://example.org/a_{word}_b/{word}", f"refinedweb-{rule.name.lower()}"))
    cases += [
        (u, "odd")
        for u in (
            "example.com/no/scheme",
            "//example.com/protocol-relative",
            "mailto:someone@example.com",
            "http://example.com./trailing-dot",
            "http://[::1]/ipv6",
            "http:///no-host",
            "http://bücher.de/idn",
            "http://xn--bcher-kva.de/punycode",
            "ftp://files.example.com/pub/",
            "http://example.co.uk",
            "http://localhost:8000/",
            "https://example.com/a?next=http://xxx.example/",
            "  http://example.com/  ",
        )
    ]
    cases = list(dict.fromkeys(cases))
    src = tmp / "decision-urls.jsonl"
    src.write_text("".join(json.dumps({"url": u}) + "\n" for u, _ in cases), encoding="utf-8")
    dst = tmp / "decision-fates.jsonl"
    cmd = [str(PEER), str(ROOT / "benchmarks/peers/datatrove_urls.py"), str(src), str(dst)]
    cmd += ["--domains", str(OUT / "fineweb" / "domains"), "--urls", str(OUT / "fineweb" / "urls")]
    subprocess.run(cmd, check=True)
    fates = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()][:-1]
    with open(OUT / "decisions.jsonl", "w", encoding="utf-8") as fh:
        for (url, kind), row in zip(cases, fates, strict=True):
            assert row["url"] == url
            fh.write(
                json.dumps({"url": url, "kind": kind, "datatrove": row["fate"]}, ensure_ascii=False) + "\n"
            )
    print(f"{len(sample)} domains, {len(url_sample)} URLs, {len(cases)} test URLs")


if __name__ == "__main__":
    main()
