"""datatrove's URLFilter (FineWeb's settings) on URLs, run in datatrove's own environment (not websieve's).

    benchmarks/_work/dt-venv/bin/python benchmarks/peers/datatrove_urls.py IN.jsonl OUT.jsonl [--repeat N]
        [--domains FILE --urls FILE]

IN: one ``{"url": ...}`` per line. OUT: ``{"url", "fate": "kept" | datatrove's reason}`` per URL, then a last
row ``{"seconds": filter time of the last pass, "load_seconds": time to load the lists, "checks": URLs
checked per pass}``. ``--repeat`` times the filter over the URLs that many times (the best pass is
reported). With ``--domains``/``--urls`` the filter uses those lists instead of its integrated ones (the
word lists are still datatrove's own), as the tests' recorded decisions do. The public suffix list is
tldextract's bundled snapshot: no network.
"""

import argparse
import json
import os
import time

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # tldextract's snapshot, never the network

from datatrove.data import Document
from datatrove.pipeline.filters import URLFilter
from datatrove.utils._import_utils import ASSETS_PATH


def _lines(path):
    with open(path, encoding="utf-8") as fh:
        return list(fh)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--domains")
    ap.add_argument("--urls")
    args = ap.parse_args()
    with open(args.src, encoding="utf-8") as fh:
        urls = [json.loads(line)["url"] for line in fh]
    start = time.perf_counter()
    if args.domains:
        words = {
            name: _lines(os.path.join(ASSETS_PATH, f"{name}.txt"))
            for name in ("banned_words", "banned_subwords", "soft_banned_words")
        }
        f = URLFilter(
            use_integrated_lists=False,
            extra_domains=_lines(args.domains),
            extra_urls=_lines(args.urls) if args.urls else None,
            **words,
        )
    else:
        f = URLFilter()
    f.filter(Document(text="", id="0", metadata={"url": "http://example.com/"}))  # loads the lists
    load = time.perf_counter() - start
    docs = [Document(text="", id=str(i), metadata={"url": u}) for i, u in enumerate(urls)]
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        fates = [f.filter(d) for d in docs]
        best = min(best, time.perf_counter() - start)
    with open(args.dst, "w", encoding="utf-8") as out:
        for url, fate in zip(urls, fates, strict=True):
            out.write(json.dumps({"url": url, "fate": "kept" if fate is True else fate[1]}) + "\n")
        out.write(json.dumps({"seconds": best, "load_seconds": load, "checks": len(urls)}) + "\n")


if __name__ == "__main__":
    main()
