"""Hostile HTML: time and peak memory per page for websieve's extractor, and trafilatura's on the same pages.

Generated pages that break parsers and extractors (deep nesting, attribute bombs, giant pages, link
farms, binary junk). Each page runs in a fresh child process, so the peak RSS printed is that page's
own (the child's baseline after imports is printed apart). websieve's ``extract.html`` must finish or
refuse every page (an error row in the ledger); trafilatura runs in websieve's sandbox with a 20 s cap.

    .venv/bin/python benchmarks/hostile_html.py            # ~2 min
    .venv/bin/python benchmarks/hostile_html.py --no-peer  # websieve only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CASES = {
    "100k nested <div>": "'<html><body>' + '<div>' * 100_000 + 'deep' + '</div>' * 100_000",
    "2,900 nested <div>": "'<html><body>' + '<div>' * 2_900 + 'deep' + '</div>' * 2_900 + '</body></html>'",
    "tag with 100k attributes": "'<div ' + ' '.join(f'a{i}=v' for i in range(100_000)) + '>x</div>'",
    "7.5 MB of paragraphs": "'<html><body>' + '<p>Some words here, in a short paragraph.</p>' * 166_000",
    "7.5 MB text node": "'<html><body><div>' + 'word ' * 1_500_000 + '</div></body></html>'",
    "50 MB page": "'<html><body>' + '<p>Some words here, in a short paragraph.</p>' * 1_110_000",
    "200k links": "'<html><body>' + \"<a href='/x'>link</a> \" * 200_000 + '</body></html>'",
    "100k unclosed <p>": "'<html><body>' + '<p>para ' * 100_000",
    "2,900 <span>, 1M stray </b>": "'<html><body>' + '<span>' * 2_900 + '</b>' * 1_000_000",
    "300 <b id>, 20k <div>": "'<html><body><div>' + ''.join(f'<b id={k}>' for k in range(300)) + '</div>' + "
    "'<div>x</div>' * 20_000",
    "200k table cells": "'<table>' + '<tr><td>c</td><td>d</td></tr>' * 100_000 + '</table>'",
    "binary junk as text/html": "bytes(range(256)).decode('latin-1') * 4000",
}

CHILD = r"""
import json, resource, sys, time
which, expr = sys.argv[1], sys.argv[2]
from websieve.config import OnError
from websieve.document import Document
from websieve.steps.base import StepContext
html = eval(expr)
if which == "websieve":
    from websieve.steps.extract.html import ExtractHtml
    step = ExtractHtml(); step.setup()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ctx = StepContext.standalone(on_error=OnError.SKIP)
    t0 = time.perf_counter()
    out = list(step.process(iter([Document(id="h", html=html)]), ctx))
    seconds = time.perf_counter() - t0
    errors = [r.message for r in ctx.ledger.rows if r.message]
    result = "text" if out else ("refused: " + errors[0][:70] if errors else "dropped")
else:
    from websieve.steps.extract.sandbox import SandboxConfig, TrafilaturaSandbox
    box = TrafilaturaSandbox(SandboxConfig(timeout_s=20, memory_mb=4096, max_html_chars=None))
    box.start()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    res = box.extract(html)
    seconds = time.perf_counter() - t0
    result = res.outcome.value + ("" if res.ok else f": {(res.detail or '')[:60]}")
    box.close()
    # the sandbox's child is the process that parsed the page
    base = 0
peak = resource.getrusage(resource.RUSAGE_SELF if which == "websieve" else resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "base_mb": base / 1024, "result": result}))
"""


def run(which: str, expr: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, which, expr], capture_output=True, text=True, timeout=600, check=False
    )
    if proc.returncode:
        return {"seconds": float("nan"), "peak_mb": float("nan"), "result": f"crashed ({proc.returncode})"}
    parsed: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-peer", action="store_true", help="skip trafilatura")
    args = parser.parse_args()
    width = max(map(len, CASES))
    print(f"{'page':<{width}} {'websieve s':>10} {'peak MB':>8}  {'result':<60} {'trafilatura s':>13} result")
    for name, expr in CASES.items():
        ours = run("websieve", expr)
        result = str(ours["result"])[:60]
        cells = f"{name:<{width}} {ours['seconds']:>10.2f} {ours['peak_mb']:>8.0f}  {result:<60}"
        if not args.no_peer:
            peer = run("trafilatura", expr)
            cells += f" {peer['seconds']:>13.2f} {peer['result']}"
        print(cells, flush=True)
    print("peak MB: the whole process, imports and models included (about 140 MB before any page)")


if __name__ == "__main__":
    main()
