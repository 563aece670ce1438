"""Gathering the report's figures from a run folder: counts from ``stats.json``, and bounded samples of
the ledger, removed lines, annotations and output (see `Caps`)."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from websieve.errors import UserError
from websieve.report.tables import head_output, head_rows, matching_rows, spread

__all__ = ["Caps", "Cluster", "Figures", "SampleDoc", "SampleGroup", "Series", "gather"]

# the dedup steps' rules (websieve.steps.dedup.groups.DedupRule), spelled out so that reading a report
# does not import the dedup steps (numpy and the C extensions)
_DEDUP_RULES = ("exact_duplicate", "url_duplicate", "near_duplicate")
_LEDGER_COLUMNS = ("id", "fate", "step", "rule", "value", "threshold", "message", "url", "source", "offset")


@dataclass(frozen=True, slots=True, kw_only=True)
class Caps:
    """How much of a run the report reads and shows (the page states these)."""

    parts: int = 64
    """Parts (shards) read for samples, lengths, languages and signals, spread evenly over the run."""
    docs_per_part: int = 2_000
    """Ledger rows and output documents read from the start of each of those parts."""
    annotation_rows_per_part: int = 50_000
    removed_rows_per_part: int = 50_000
    samples_per_reason: int = 3
    reasons: int = 40
    sample_chars: int = 2_000
    removed_lines_per_doc: int = 40
    line_chars: int = 300
    clusters: int = 15
    copies_per_cluster: int = 8
    signal_charts: int = 80


@dataclass(frozen=True, slots=True)
class Series:
    """Values of one histogram, with what they are and the thresholds to mark."""

    name: str
    values: tuple[float, ...]
    thresholds: tuple[float, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class SampleDoc:
    """One sampled document: its ledger row, its kept text (truncated; ``None`` for a document that was
    not kept: the run folder does not store it) and the lines steps removed from it."""

    row: dict[str, Any]
    title: str | None
    lang: str | None
    text: str | None
    text_chars: int
    removed: tuple[dict[str, Any], ...]
    removed_total: int


@dataclass(frozen=True, slots=True)
class SampleGroup:
    """A few documents that ended the same way: kept, or dropped/errored by one step and rule."""

    fate: str
    step: str | None
    rule: str | None
    total: int
    docs: tuple[SampleDoc, ...]


@dataclass(frozen=True, slots=True)
class Cluster:
    """A survivor of deduplication and the copies dropped for it."""

    survivor: str
    survivor_url: str | None
    survivor_title: str | None
    rule: str
    copies: tuple[tuple[str, str | None], ...]
    size: int


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything the page shows, gathered once."""

    run_dir: Path
    run: dict[str, Any]
    stats: dict[str, Any]
    caps: Caps
    parts_total: int
    parts_read: int
    docs_read: int
    kept_read: int
    languages: tuple[tuple[str, int], ...]
    lengths: tuple[Series, ...]
    signals: tuple[Series, ...]
    samples: tuple[SampleGroup, ...]
    clusters: tuple[Cluster, ...]
    cluster_copies: int
    notes: tuple[str, ...] = field(default=())


def _load_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(
            f"{path.parent} has no {path.name}: it is not a finished websieve run folder. "
            f"Run `websieve run --input ... --output {path.parent}` first "
            f"(a run writes {path.name} when it ends)."
        )
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return data


def _rank(doc_id: str) -> bytes:
    """A fixed pseudo-random order of ids: the same sample on every machine and every report."""
    return hashlib.blake2b(doc_id.encode(), digest_size=8).digest()


def _float(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def gather(run_dir: Path, *, caps: Caps | None = None) -> Figures:
    """Read a run folder into `Figures` (raises `UserError` when ``run.json`` or ``stats.json`` is missing).

    >>> gather(Path("no/such/run"))
    Traceback (most recent call last):
    ...
    websieve.errors.UserError: no/such/run has no run.json: ...
    """
    caps = caps or Caps()
    run = _load_json(run_dir / "run.json")
    stats = _load_json(run_dir / "stats.json")
    ledger_parts = sorted((run_dir / "ledger").glob("part-*.parquet"))
    names = [p.name.removesuffix(".parquet") for p in spread(ledger_parts, caps.parts)]
    ledger = [
        row
        for name in names
        for row in head_rows(run_dir / "ledger" / f"{name}.parquet", _LEDGER_COLUMNS, caps.docs_per_part)
    ]
    output_parts = sorted((run_dir / "output").glob("part-*"))
    output = [doc for p in spread(output_parts, caps.parts) for doc in head_output(p, caps.docs_per_part)]
    annotations = [
        row
        for name in names
        for row in head_rows(
            run_dir / "annotations" / f"{name}.parquet",
            ("id", "step", "key", "number"),
            caps.annotation_rows_per_part,
        )
    ]
    languages = Counter(str(doc.get("lang") or "und") for doc in output)
    samples, sampled_ids = _samples(ledger, output, caps)
    removed = _removed(run_dir, names, sampled_ids, caps)
    samples = tuple(
        SampleGroup(
            g.fate,
            g.step,
            g.rule,
            g.total,
            tuple(
                _with_removed(d, removed.get(str(d.row["id"]), []), _step_order(stats), caps) for d in g.docs
            ),
        )
        for g in samples
    )
    clusters, copies = _clusters(ledger_parts, output, caps)
    return Figures(
        run_dir=run_dir,
        run=run,
        stats=stats,
        caps=caps,
        parts_total=len(ledger_parts),
        parts_read=len(names),
        docs_read=len(ledger),
        kept_read=len(output),
        languages=tuple(languages.most_common()),
        lengths=_lengths(output, annotations),
        signals=_signals(annotations, ledger, caps),
        samples=samples,
        clusters=clusters,
        cluster_copies=copies,
    )


def _step_order(stats: dict[str, Any]) -> dict[str, int]:
    return {step: i for i, step in enumerate(stats.get("step_seconds", {}))}


def _samples(
    ledger: list[dict[str, Any]], output: list[dict[str, Any]], caps: Caps
) -> tuple[tuple[SampleGroup, ...], set[str]]:
    by_id = {str(doc["id"]): doc for doc in output}
    groups: dict[tuple[str, str | None, str | None], list[dict[str, Any]]] = defaultdict(list)
    for row in ledger:
        if row["fate"] == "kept" and str(row["id"]) not in by_id:
            continue  # kept, but beyond the output rows read: no text to show
        key = (str(row["fate"]), row["step"], None if row["fate"] == "error" else row["rule"])
        groups[key].append(row)
    order = sorted(groups, key=lambda k: (k[0] != "kept", -len(groups[k]), str(k)))[: caps.reasons]
    out: list[SampleGroup] = []
    ids: set[str] = set()
    for key in order:
        rows = sorted(groups[key], key=lambda r: _rank(str(r["id"])))[: caps.samples_per_reason]
        docs = []
        for row in rows:
            doc = by_id.get(str(row["id"]), {})
            text = doc.get("text")
            docs.append(
                SampleDoc(
                    row=row,
                    title=doc.get("title"),
                    lang=doc.get("lang"),
                    text=None if text is None else str(text)[: caps.sample_chars],
                    text_chars=0 if text is None else len(str(text)),
                    removed=(),
                    removed_total=0,
                )
            )
            ids.add(str(row["id"]))
        out.append(SampleGroup(key[0], key[1], key[2], len(groups[key]), tuple(docs)))
    return tuple(out), ids


def _removed(
    run_dir: Path, names: Sequence[str], ids: set[str], caps: Caps
) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    columns = ("id", "step", "line_no", "line", "reason", "score", "threshold")
    for name in names:
        for row in head_rows(
            run_dir / "ledger" / "removed" / f"{name}.parquet", columns, caps.removed_rows_per_part
        ):
            if row["id"] in ids:
                found[str(row["id"])].append(row)
    return found


def _with_removed(doc: SampleDoc, rows: list[dict[str, Any]], order: dict[str, int], caps: Caps) -> SampleDoc:
    rows = sorted(rows, key=lambda r: (order.get(str(r["step"]), len(order)), str(r["step"]), r["line_no"]))
    shown = tuple(
        {**r, "line": str(r["line"])[: caps.line_chars]} for r in rows[: caps.removed_lines_per_doc]
    )
    return SampleDoc(doc.row, doc.title, doc.lang, doc.text, doc.text_chars, shown, len(rows))


def _lengths(output: list[dict[str, Any]], annotations: list[dict[str, Any]]) -> tuple[Series, ...]:
    html: list[float] = []
    extracted: list[float] = []
    for row in annotations:
        if row["number"] is None or not str(row["step"]).startswith("extract."):
            continue
        if row["key"] == "html_chars":
            html.append(row["number"])
        elif row["key"] == "text_chars":
            extracted.append(row["number"])
    kept = [float(len(str(doc.get("text") or ""))) for doc in output]
    series = [
        Series("input HTML, characters (HTML inputs: extract html_chars, every fate)", tuple(html)),
        Series("extracted text, characters (HTML inputs: extract text_chars, every fate)", tuple(extracted)),
        Series("kept text, characters (output documents)", tuple(kept)),
    ]
    return tuple(s for s in series if s.values)


def _signals(
    annotations: list[dict[str, Any]], ledger: list[dict[str, Any]], caps: Caps
) -> tuple[Series, ...]:
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in annotations:
        if row["number"] is not None:
            values[(str(row["step"]), str(row["key"]))].append(row["number"])
    signal_of = _signal_of_rule(annotations, ledger)
    thresholds: dict[tuple[str, str], set[float]] = defaultdict(set)
    drops: Counter[tuple[str, str]] = Counter()
    rules: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in ledger:
        if row["fate"] == "dropped" and row["rule"]:
            step, rule = str(row["step"]), str(row["rule"])
            tested = (step, signal_of.get((step, rule), rule))
            drops[tested] += 1
            rules[tested].add(rule)
            limit = _float(row["threshold"])
            if limit is not None:
                thresholds[tested].add(limit)
    out = []
    ranked = sorted(values, key=lambda k: (k not in thresholds, k not in drops, k))
    for step, key in ranked[: caps.signal_charts]:
        marks = tuple(sorted(thresholds.get((step, key), ())))[:6]
        by = ", ".join(sorted(rules.get((step, key), {key})))
        if marks:
            note = (
                f"red: the threshold{'s' if len(marks) > 1 else ''} recorded in the ledger for the "
                f"{drops[(step, key)]:,} document(s) dropped by rule {by}"
                + (" (it depends on the language)" if len(marks) > 1 else "")
            )
        elif drops[(step, key)]:
            note = f"{drops[(step, key)]:,} document(s) dropped by rule {by}; no number threshold recorded"
        else:
            note = "no threshold in the ledger"
        out.append(Series(f"{step} · {key}", tuple(values[(step, key)]), marks, note))
    return tuple(out)


def _signal_of_rule(
    annotations: list[dict[str, Any]], ledger: list[dict[str, Any]]
) -> dict[tuple[str, str], str]:
    """Which signal each (step, rule) tests, read off the data: a drop records the document's value for
    the rule, and the signal of the same step whose number is that value for that document is the one
    (``top_n_gram`` -> ``top_2_gram``, ``gopher_below_alpha_threshold`` -> ``alpha_words``). A rule named
    as its signal maps to itself; a rule whose value matches no signal, or several, is left out.

    >>> annotations = [{"id": "a", "step": "q@1", "key": "words", "number": 12.0},
    ...                {"id": "a", "step": "q@1", "key": "stop_words", "number": 1.0}]
    >>> _signal_of_rule(annotations, [{"id": "a", "step": "q@1", "rule": "short_doc", "value": "12",
    ...                                "fate": "dropped"}])
    {('q@1', 'short_doc'): 'words'}
    """
    numbers: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for row in annotations:
        if row["number"] is not None:
            numbers[(str(row["id"]), str(row["step"]))].append((str(row["key"]), float(row["number"])))
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row in ledger:
        if row["fate"] != "dropped" or not row["rule"]:
            continue
        value = _float(row["value"])
        if value is None:
            continue
        step, rule = str(row["step"]), str(row["rule"])
        close = [key for key, n in numbers.get((str(row["id"]), step), ()) if _same(n, value)]
        if rule in close:
            votes[(step, rule)][rule] += 1
        elif len(close) == 1:
            votes[(step, rule)][close[0]] += 1
    return {rule: counts.most_common(1)[0][0] for rule, counts in votes.items()}


def _same(number: float, value: float) -> bool:
    """``value`` is ``number`` as the ledger wrote it (rounded to 6 decimals)."""
    return abs(number - value) <= 1e-6 + 1e-9 * abs(number)


def _clusters(
    ledger_parts: list[Path], output: list[dict[str, Any]], caps: Caps
) -> tuple[tuple[Cluster, ...], int]:
    copies: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
    total = 0
    for part in ledger_parts:
        for row in matching_rows(part, ("id", "rule", "value", "url"), "rule", _DEDUP_RULES):
            if row["value"]:
                copies[(str(row["value"]), str(row["rule"]))].append((str(row["id"]), row["url"]))
                total += 1
    biggest = sorted(copies, key=lambda k: (-len(copies[k]), k))[: caps.clusters]
    survivors = [k[0] for k in biggest]
    urls: dict[str, str | None] = {}
    for part in ledger_parts if survivors else ():
        for row in matching_rows(part, ("id", "url"), "id", survivors):
            urls[str(row["id"])] = row["url"]
    titles = {str(doc["id"]): doc.get("title") for doc in output}
    clusters = tuple(
        Cluster(
            survivor=survivor,
            survivor_url=urls.get(survivor),
            survivor_title=titles.get(survivor),
            rule=rule,
            copies=tuple(copies[(survivor, rule)][: caps.copies_per_cluster]),
            size=len(copies[(survivor, rule)]) + 1,
        )
        for survivor, rule in biggest
    )
    return clusters, total
