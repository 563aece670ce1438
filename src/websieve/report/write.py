"""Writing ``RUN/report.html``."""

from __future__ import annotations

import os
from pathlib import Path

from websieve.report.figures import Caps, gather
from websieve.report.page import render

__all__ = ["write_report"]


def write_report(run_dir: Path, *, caps: Caps | None = None) -> Path:
    """Write ``RUN/report.html`` for a finished run folder (atomically: a temporary file, then a rename)
    and return its path. The page is one self-contained file: it works offline and runs no script.

    >>> from websieve import load_preset, run
    >>> _ = run(load_preset("default"), inputs=["tests/data/pages"], output="runs/x")  # doctest: +SKIP
    >>> write_report(Path("runs/x"))  # doctest: +SKIP
    PosixPath('runs/x/report.html')
    """
    run_dir = Path(run_dir)
    page = render(gather(run_dir, caps=caps))
    final = run_dir / "report.html"
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final
