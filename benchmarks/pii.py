"""PII redaction speed on real text: MB/s on one core over the 1,171 dev pages' noisy text.

.venv/bin/python benchmarks/pii.py
"""

from __future__ import annotations

import time

from noisy_scoring import load_rows
from websieve.steps.pii.redact import redact


def main() -> None:
    texts = [r["text"] for r in load_rows()]
    size = sum(len(t.encode("utf-8")) for t in texts)
    best = float("inf")
    counts: dict[str, int] = {}
    for _ in range(3):
        start = time.perf_counter()
        counts = {}
        for text in texts:
            for kind, n in redact(text)[1].items():
                counts[kind] = counts.get(kind, 0) + n
        best = min(best, time.perf_counter() - start)
    print(f"{len(texts):,} pages, {size / 1e6:.1f} MB: {size / 1e6 / best:.1f} MB/s on one core (best of 3)")
    print("found: " + ", ".join(f"{kind} {n}" for kind, n in counts.items()))


if __name__ == "__main__":
    main()
