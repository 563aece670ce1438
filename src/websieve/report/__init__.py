"""``RUN/report.html``: one self-contained page about a run (counts, removals, time per step, languages,
lengths, filter signals with thresholds, sample documents with their removed lines, duplicate clusters).

>>> from websieve.report import write_report
>>> write_report(Path("runs/demo"))  # doctest: +SKIP
PosixPath('runs/demo/report.html')
"""

from websieve.report.figures import Caps
from websieve.report.write import write_report

__all__ = ["Caps", "write_report"]
