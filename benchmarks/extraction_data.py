"""Where the HTML of the dev pages lives: each noisy-text row (``noisy_scoring.load_rows``) was rendered
from one page of ``extraction-scrapinghub`` or ``extraction-trafilatura-eval`` (``../shared/data``).

``scrapinghub/<first 16 hex of the sha256>`` is ``extraction-scrapinghub/html/<sha256>.html.gz``;
``trafilatura-eval/<file>`` is ``extraction-trafilatura-eval/eval/<file>.gz``, else ``cache/<file>.gz``.
"""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

__all__ = ["DATA", "html_bytes", "html_path"]

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@functools.cache
def _scrapinghub() -> dict[str, Path]:
    return {p.name[:16]: p for p in (DATA / "extraction-scrapinghub" / "html").glob("*.html.gz")}


def html_path(row_id: str) -> Path:
    source, name = row_id.split("/", 1)
    if source == "scrapinghub":
        return _scrapinghub()[name]
    evald = DATA / "extraction-trafilatura-eval" / "eval" / f"{name}.gz"
    return evald if evald.exists() else DATA / "extraction-trafilatura-eval" / "cache" / f"{name}.gz"


def html_bytes(row_id: str) -> bytes:
    with gzip.open(html_path(row_id)) as fh:
        return fh.read()
