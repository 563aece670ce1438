"""datatrove's FineWeb filters on JSONL documents, run in datatrove's own environment (not websieve's).

    benchmarks/_work/dt-venv/bin/python benchmarks/peers/datatrove_fineweb.py IN.jsonl OUT.jsonl

Each output row: ``{"id", "fate": "kept" | "<filter>:<reason>", "text": text after C4's line removal}``, in
the FineWeb recipe's order (Gopher repetition, Gopher quality, C4 with ``filter_no_terminal_punct=False``,
FineWeb quality), and a last row ``{"seconds": filter time over all documents}``.
"""

import json
import sys
import time

from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    filters = [
        ("gopher_repetition", GopherRepetitionFilter()),
        ("gopher_quality", GopherQualityFilter()),
        ("c4", C4QualityFilter(filter_no_terminal_punct=False)),
        ("fineweb", FineWebQualityFilter()),
    ]
    with open(src, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    filters[1][1].filter(Document(text="warm up the tokenizer " * 30, id="0"))  # loads spaCy
    seconds = 0.0
    with open(dst, "w", encoding="utf-8") as out:
        for row in rows:
            doc = Document(text=row["text"], id=row["id"])
            fate = "kept"
            start = time.perf_counter()
            for name, f in filters:
                result = f.filter(doc)
                ok, reason = (result, "") if isinstance(result, bool) else result
                if not ok:
                    fate = f"{name}:{reason}"
                    break
            seconds += time.perf_counter() - start
            out.write(json.dumps({"id": row["id"], "fate": fate, "text": doc.text}) + "\n")
        out.write(json.dumps({"seconds": seconds}) + "\n")


if __name__ == "__main__":
    main()
