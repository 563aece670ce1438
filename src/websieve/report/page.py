"""The report page: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched).

Every piece of run data goes through `html.escape`: document text is hostile input. A Content Security
Policy forbidding scripts and any request is a second line of defence, not the first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

from websieve.report.figures import Caps, Cluster, Figures, SampleDoc, SampleGroup, Series
from websieve.report.histogram import linear_bins, log_bins
from websieve.report.svg import bar_chart, histogram_chart, number

__all__ = ["render"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_CSS = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:0 16px 48px;color:#222}
h1{margin-top:24px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:36px}
nav a{margin-right:12px}table.counts td,table.counts th{padding:2px 12px;text-align:right}
table.counts th{text-align:left;font-weight:normal;color:#555}
.grid{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0 0 12px}figcaption{font-size:12px;color:#555;
max-width:340px}.wide figcaption{max-width:none}
.doc{border:1px solid #ddd;border-radius:4px;padding:8px 12px;margin:8px 0}
.doc dl{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;font-size:13px;margin:0}
.doc dt{color:#555}.doc dd{margin:0;overflow-wrap:anywhere}
pre.text{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f7f7;padding:8px;font-size:13px;
max-height:320px;overflow:auto}
ol.removed{font-size:13px;padding-left:0;list-style:none;max-height:300px;overflow:auto}
ol.removed li{margin:2px 0}
del.removed-line{background:#fde2e1;color:#7a1b16;text-decoration:line-through}
.reason{display:inline-block;background:#7a1b16;color:#fff;border-radius:3px;padding:0 5px;margin-left:6px;
font-size:11px}.where{color:#777;font-size:11px;margin-left:6px}.muted{color:#666;font-size:13px}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _counts(items: Any) -> list[tuple[str, float]]:
    """``{step: {reason: n}}`` (or ``{reason: n}``) as bars ``("step · reason", n)``, biggest first."""
    bars: list[tuple[str, float]] = []
    for key, value in (items or {}).items():
        if isinstance(value, dict):
            bars.extend((f"{key} · {reason}", float(n)) for reason, n in value.items())
        elif isinstance(value, int | float):
            bars.append((str(key), float(value)))
    return sorted(bars, key=lambda b: (-b[1], b[0]))


def _figure(svg: str, caption: str, *, wide: bool = False) -> str:
    if not svg:
        return f'<p class="muted">{_e(caption)}: nothing recorded.</p>'
    cls = ' class="wide"' if wide else ""
    return f"<figure{cls}>{svg}<figcaption>{_e(caption)}</figcaption></figure>"


def _summary(f: Figures) -> str:
    s = f.stats
    rows = [
        ("input documents", s.get("input")),
        ("kept", s.get("kept")),
        ("dropped", s.get("dropped")),
        ("errors", s.get("errors")),
        ("input bytes", s.get("input_bytes")),
        ("output characters", s.get("output_chars")),
        ("shards", (s.get("shards") or {}).get("total")),
        ("wall seconds", s.get("wall_seconds")),
        ("documents per second", s.get("docs_per_second")),
        ("executor", s.get("executor")),
    ]
    skipped = s.get("skipped_records") or {}
    rows += [(f"skipped records: {k}", v) for k, v in skipped.items()]
    cells = "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(number(v) if isinstance(v, int | float) else v)}</td></tr>"
        for k, v in rows
        if v is not None
    )
    config = f.run.get("config") or {}
    inputs = f.run.get("inputs") or []
    return (
        f'<section id="counts"><h2>Counts</h2><table class="counts">{cells}</table>'
        f'<p class="muted">Config <b>{_e(config.get("name"))}</b> ({len(config.get("steps") or [])} steps); '
        f"{len(inputs):,} input file(s): {_e(', '.join(str(i.get('path')) for i in inputs[:5]))}"
        f"{' …' if len(inputs) > 5 else ''}.</p></section>"
    )


def _removals(f: Figures) -> str:
    s = f.stats
    return (
        '<section id="removals"><h2>Removals per step and reason</h2>'
        + _figure(
            bar_chart(_counts(s.get("dropped_by")), title="documents dropped"),
            "Documents dropped, by step and rule (all documents, from stats.json)",
            wide=True,
        )
        + _figure(
            bar_chart(_counts(s.get("removed_lines")), title="lines removed"),
            "Lines removed from documents, by step and reason (all documents, from stats.json)",
            wide=True,
        )
        + _figure(
            bar_chart(_counts(s.get("errors_by")), title="errors"),
            "Documents in error, by step and message (from stats.json)",
            wide=True,
        )
        + "</section>"
    )


def _timing(f: Figures) -> str:
    s = f.stats
    bars = [(str(k), float(v)) for k, v in (s.get("step_seconds") or {}).items()]
    bars += [
        (f"{k} (global stage)", float(v["seconds"]))
        for k, v in (s.get("global_stages") or {}).items()
        if isinstance(v, dict) and isinstance(v.get("seconds"), int | float)
    ]
    caption = (
        "Seconds per step, summed over shards (stats.json step_seconds), and each global stage's own "
        "seconds (map, reduce and phases: global_stages)"
    )
    return (
        '<section id="time"><h2>Time per step</h2>'
        + _figure(bar_chart(bars, title="seconds", unit=" s"), caption, wide=True)
        + "</section>"
    )


def _languages(f: Figures) -> str:
    bars = [(lang, float(n)) for lang, n in f.languages[:40]]
    caption = f"Languages of kept documents (output lang) over the {f.kept_read:,} output documents read"
    if len(f.languages) > 40:
        caption += f"; the 40 most frequent of {len(f.languages)}"
    return (
        '<section id="languages"><h2>Languages</h2>'
        + _figure(bar_chart(bars, title="kept documents"), caption, wide=True)
        + "</section>"
    )


def _histograms(series: Sequence[Series], *, log_x: bool, shared: bool = False) -> str:
    figures = []
    every = [v for s in series for v in s.values if math.isfinite(v)]
    span = (min(every), max(every)) if shared and every else None
    for s in series:
        bins = log_bins(s.values, span=span) if log_x else linear_bins(s.values, span=span)
        caption = f"{s.name}: {len(s.values):,} values" + (" (log-scale bins)" if log_x else "")
        if s.note:
            caption += f". {s.note}"
        figures.append(_figure(histogram_chart(bins, title=s.name, marks=s.thresholds, log_x=log_x), caption))
    return '<div class="grid">' + "".join(figures) + "</div>"


def _lengths(f: Figures) -> str:
    note = (
        "The run folder records the input length only for HTML inputs (the extract step's html_chars and "
        "text_chars annotations); plain-text and JSONL inputs have no input length recorded. Kept text is "
        "the output document's text. The three share one x axis."
    )
    return (
        f'<section id="lengths"><h2>Text length before and after</h2><p class="muted">{_e(note)}</p>'
        + _histograms(f.lengths, log_x=True, shared=True)
        + "</section>"
    )


def _signals(f: Figures) -> str:
    note = (
        "Every numeric signal the steps annotated (annotations number), per step and key. Thresholds come "
        "from the ledger: a dropped document's row records its rule's threshold, so a threshold is marked "
        "only where the rule has the signal's name and dropped a document among the rows read; thresholds "
        "of the run config (run.json) are not matched to signals."
    )
    return (
        f'<section id="signals"><h2>Filter signals</h2><p class="muted">{_e(note)}</p>'
        + _histograms(f.signals, log_x=False)
        + "</section>"
    )


def _doc(d: SampleDoc) -> str:
    r = d.row
    fields = [("id", r.get("id")), ("url", r.get("url")), ("title", d.title), ("lang", d.lang)]
    fields.append(("source", f"{r.get('source')} @ {r.get('offset')}"))
    if r.get("fate") == "dropped":
        fields += [
            ("dropped by", f"{r.get('step')} · {r.get('rule')}"),
            ("value", r.get("value")),
            ("threshold", r.get("threshold")),
        ]
    elif r.get("fate") == "error":
        fields += [("error in", r.get("step")), ("message", r.get("message"))]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in fields if v not in (None, ""))
    removed = ""
    if d.removed:
        items = "".join(
            f'<li><del class="removed-line">{_e(x["line"])}</del>'
            f'<span class="reason">{_e(x["reason"])}</span>'
            f'<span class="where">{_e(x["step"])} · line {_e(x["line_no"])}'
            + (f" · score {_e(number(x['score']))}" if x.get("score") is not None else "")
            + (f" / threshold {_e(number(x['threshold']))}" if x.get("threshold") is not None else "")
            + "</span></li>"
            for x in d.removed
        )
        more = f", the first {len(d.removed)} shown" if d.removed_total > len(d.removed) else ""
        removed = (
            f'<p class="muted">Lines removed ({d.removed_total}{more}; line numbers count the text as each '
            f'step received it):</p><ol class="removed">{items}</ol>'
        )
    if d.text is not None:
        cut = f" (first {len(d.text):,} of {d.text_chars:,} characters)" if d.text_chars > len(d.text) else ""
        text = f'<p class="muted">Kept text{cut}:</p><pre class="text">{_e(d.text)}</pre>'
    else:
        text = '<p class="muted">The run folder does not store the text of documents that were not kept.</p>'
    return f'<article class="doc"><dl>{dl}</dl>{removed}{text}</article>'


def _group_title(g: SampleGroup) -> str:
    if g.fate == "kept":
        return "kept"
    if g.fate == "error":
        return f"error in {g.step}"
    return f"dropped by {g.step} · {g.rule}"


def _samples(f: Figures) -> str:
    c = f.caps
    note = (
        f"Up to {c.samples_per_reason} documents per fate and reason, chosen by a hash of their id (the same "
        f"every time), among the ledger rows read; text cut at {c.sample_chars:,} characters, at most "
        f"{c.removed_lines_per_doc} removed lines per document, each cut at {c.line_chars} characters."
    )
    groups = "".join(
        f'<h3>{_e(_group_title(g))} <span class="muted">({g.total:,} in the rows read)</span></h3>'
        + "".join(_doc(d) for d in g.docs)
        for g in f.samples
    )
    return f'<section id="samples"><h2>Sample documents</h2><p class="muted">{_e(note)}</p>{groups}</section>'


def _cluster(c: Cluster) -> str:
    copies = "".join(f'<li>{_e(i)} <span class="where">{_e(u)}</span></li>' for i, u in c.copies)
    more = f"<li>… and {c.size - 1 - len(c.copies):,} more</li>" if c.size - 1 > len(c.copies) else ""
    head = _e(c.survivor_title or c.survivor_url or c.survivor)
    return (
        f'<article class="doc"><b>{head}</b> <span class="reason">{_e(c.rule)}</span> '
        f'<span class="muted">{c.size:,} documents; survivor {_e(c.survivor)} {_e(c.survivor_url)}</span>'
        f"<ul>{copies}{more}</ul></article>"
    )


def _clusters(f: Figures) -> str:
    if not f.clusters:
        body = '<p class="muted">No document was dropped as a duplicate (exact, URL or near duplicate).</p>'
    else:
        body = (
            f'<p class="muted">{f.cluster_copies:,} documents dropped as duplicates (whole ledger); the '
            f"{len(f.clusters)} biggest clusters, up to {f.caps.copies_per_cluster} copies each.</p>"
            + "".join(_cluster(c) for c in f.clusters)
        )
    return f'<section id="clusters"><h2>Duplicate clusters</h2>{body}</section>'


def _caps(f: Figures, caps: Caps) -> str:
    items = [
        "counts, removals and times: the whole run (stats.json); duplicate clusters: the whole ledger",
        f"samples, signals and lengths: {f.parts_read} of {f.parts_total} part(s), spread over the run",
        f"from each: the first {caps.docs_per_part:,} ledger rows and output documents, "
        f"{caps.annotation_rows_per_part:,} annotation rows and {caps.removed_rows_per_part:,} removed lines",
        f"read: {f.docs_read:,} ledger rows and {f.kept_read:,} output documents",
        f"at most {caps.reasons} reasons with samples, {caps.signal_charts} signal charts, "
        f"{caps.clusters} clusters",
    ]
    lis = "".join(f"<li>{_e(i)}</li>" for i in items)
    return f'<section id="caps"><h2>What this report read</h2><ul class="muted">{lis}</ul></section>'


def render(f: Figures) -> str:
    """The whole page for `Figures` (see `websieve.report.write_report`)."""
    title = f"websieve report: {f.run_dir.name}"
    nav = "".join(
        f'<a href="#{k}">{v}</a>'
        for k, v in (
            ("counts", "Counts"),
            ("removals", "Removals"),
            ("time", "Time"),
            ("languages", "Languages"),
            ("lengths", "Lengths"),
            ("signals", "Signals"),
            ("samples", "Samples"),
            ("clusters", "Duplicates"),
            ("caps", "Caps"),
        )
    )
    body = "".join(
        (
            _summary(f),
            _removals(f),
            _timing(f),
            _languages(f),
            _lengths(f),
            _signals(f),
            _samples(f),
            _clusters(f),
            _caps(f, f.caps),
        )
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{_e(title)}</h1><p class="muted">run {_e(f.stats.get("run"))} · {_e(f.run_dir)}</p>'
        f"<nav>{nav}</nav>{body}</body></html>\n"
    )
