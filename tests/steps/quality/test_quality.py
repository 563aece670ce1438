"""The FineWeb recipe's filters: datatrove's decisions on real documents, each rule alone, annotate-only."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA
from websieve.document import Document
from websieve.errors import ConfigError
from websieve.registry import step_class
from websieve.steps.base import Step, StepContext
from websieve.steps.quality.c4 import C4Quality, C4QualityConfig, count_sentences
from websieve.steps.quality.fineweb import FineWebQuality
from websieve.steps.quality.gopher_quality import GopherQuality, GopherQualityConfig
from websieve.steps.quality.gopher_repetition import (
    NGRAMS_BACKEND,
    GopherRepetition,
    GopherRepetitionConfig,
    NGrams,
)
from websieve.steps.quality.words import split_words

DECISIONS = [
    json.loads(line) for line in (DATA / "quality" / "fineweb-decisions.jsonl").open(encoding="utf-8")
]
TOKENS = [json.loads(line) for line in (DATA / "quality" / "spacy-en-tokens.jsonl").open(encoding="utf-8")]
CHAIN = ("gopher_repetition", "gopher_quality", "c4", "fineweb")


def _fate(text: str) -> str:
    ctx = StepContext.standalone()
    doc: Document | None = Document(id="x", text=text)
    for name in CHAIN:
        step: Step = step_class(f"quality.{name}")()  # type: ignore[type-arg]
        assert doc is not None
        doc = step.apply(doc, ctx)
        if doc is None:
            return f"{name}:{ctx.ledger.rows[-1].rule}"
    return "kept"


@pytest.mark.parametrize("row", DECISIONS, ids=lambda r: f"{r['datatrove']}|{r['id']}")
def test_the_chain_decides_as_datatrove_on_real_documents(row: dict[str, str]) -> None:
    assert _fate(row["text"]) == row["datatrove"]


def test_every_rule_of_the_recorded_decisions_is_covered() -> None:
    assert len({row["datatrove"] for row in DECISIONS}) >= 15


@pytest.mark.parametrize("row", TOKENS, ids=lambda r: r["line"][:30])
def test_words_as_spacy_splits_them(row: dict[str, object]) -> None:
    assert split_words(str(row["line"])) == row["spacy"]


def test_words_of_a_few_hard_cases() -> None:
    assert split_words("I can't, you’re sure? E.g. U.S. mail at 10:30 for $5.") == [
        "I", "ca", "n't", ",", "you", "’re", "sure", "?", "E.g.", "U.S.", "mail", "at", "10:30", "for", "$",
        "5", ".",
    ]  # fmt: skip


def test_n_grams_count_as_datatrove_does() -> None:
    words = ["a", "b", "c", "a", "b", "c", "a", "b", "c", "x"]
    grams = NGrams(words)
    assert grams.top_chars(3) == len("a b c") * 3
    assert grams.repeated_chars(3) == len("abc") * 2  # the walk jumps over a repeat
    assert NGrams(["a"]).top_chars(2) == 0 == NGrams([]).repeated_chars(5)


def test_repetition_records_every_fraction_then_drops_on_the_first() -> None:
    ctx = StepContext.standalone()
    doc = Document(id="1", text="Same line here\n" * 4 + "Another line with different words entirely")
    assert GopherRepetition().apply(doc, ctx) is None
    signals = doc.annotations["quality.gopher_repetition@1"]
    assert signals["dup_line_frac"] == 0.6 and "dup_10_grams" in signals
    assert ctx.ledger.rows[-1].rule == "dup_line_frac"
    off = GopherRepetition(
        GopherRepetitionConfig(
            dup_line_frac=None,
            dup_line_char_frac=None,
            dup_para_frac=None,
            dup_para_char_frac=None,
            top_n_grams=(),
            dup_n_grams=(),
        )
    )
    assert off.apply(Document(id="2", text="Same line here\n" * 4), StepContext.standalone()) is not None


def test_annotate_only_drops_nothing_and_says_what_would_have_been() -> None:
    ctx = StepContext.standalone()
    ctx.annotate_only = True
    doc = GopherQuality().apply(Document(id="1", text="Too short to be a page."), ctx)
    assert doc is not None and ctx.ledger.rows == []
    assert doc.annotations["quality.gopher_quality@1"]["would_drop"] == "gopher_short_doc"


def test_gopher_quality_rules_switch_off_with_none() -> None:
    text = "the cat and the dog " * 20
    lax = GopherQuality(GopherQualityConfig(min_doc_words=None, max_avg_word_length=None))
    assert lax.apply(Document(id="1", text=text), StepContext.standalone()) is not None
    assert GopherQuality().apply(Document(id="2", text="word " * 10), StepContext.standalone()) is None


def test_c4_removes_lines_into_the_ledger_and_drops_on_document_rules() -> None:
    ctx = StepContext.standalone()
    text = "\n".join(
        ["Enable JavaScript to see this page properly today.", "Short line",
         *(f"Sentence number {i} is here. And another one follows it." for i in range(3))]
    )  # fmt: skip
    doc = C4Quality().apply(Document(id="1", text=text), ctx)
    assert doc is not None and doc.text is not None and "JavaScript" not in doc.text
    assert [(r.line_no, r.reason) for r in ctx.ledger.removed] == [
        (0, "c4_javascript"),
        (1, "c4_too_few_words"),
    ]
    assert doc.annotations["quality.c4@1"]["sentences"] == 6
    ctx = StepContext.standalone()
    assert C4Quality().apply(Document(id="2", text=text + "\nvar x = {a: 1} is code here."), ctx) is None
    assert ctx.ledger.rows[-1].rule == "curly_bracket"
    strict = C4Quality(C4QualityConfig(filter_no_terminal_punct=True, min_num_sentences=None))
    kept = strict.apply(Document(id="3", text="No final mark in this line\nThis one ends well."), ctx)
    assert kept is not None and kept.text == "This one ends well."


def test_sentences_as_spacys_sentencizer_counts_them() -> None:
    assert count_sentences("One. Two! Three?") == 3
    assert count_sentences("Dr. Who came at 10.30 to U.S. soil.") == 1
    assert count_sentences("Wait... what?! Yes.") == 2


def test_fineweb_quality_ratios() -> None:
    ctx = StepContext.standalone()
    lines = [f"This is line number {i} of a list, with an end." for i in range(10)]
    doc = FineWebQuality().apply(Document(id="1", text="\n".join(lines)), ctx)
    assert doc is not None
    assert doc.annotations["quality.fineweb@1"]["line_punct_ratio"] == 1.0
    assert FineWebQuality().apply(Document(id="2", text="a\nb\nc"), ctx) is None


def test_configs_are_checked() -> None:
    with pytest.raises(ConfigError):
        GopherQualityConfig(min_doc_words=-1)
    with pytest.raises(ConfigError):
        GopherRepetitionConfig(top_n_grams=((0, 0.2),))


def test_fineweb_preset_on_real_jsonl_every_document_ends_in_one_place(tmp_path: Path) -> None:
    from conftest import JSONL_DIR, read_ledger, read_output
    from websieve import Executor, load_preset, run

    source = str(JSONL_DIR / "noisy-dev-41-60.jsonl.gz")
    run(load_preset("fineweb"), inputs=[source], output=tmp_path / "out", executor=Executor.INLINE)
    ledger = read_ledger(tmp_path / "out")
    output = read_output(tmp_path / "out")
    assert len(ledger) == 20 and len({r["id"] for r in ledger}) == 20
    dropped = [r for r in ledger if r["fate"] == "dropped"]
    assert len(output) + len(dropped) == 20 and dropped
    assert {r["step"] for r in dropped} <= {
        "langid.fasttext@1",
        *(f"quality.{name}@1" for name in ("gopher_repetition", "gopher_quality", "c4", "fineweb")),
    }
    assert all(r["rule"] for r in dropped)


def _walk(words: list[str], n: int) -> int:
    """datatrove's ``find_all_duplicate``, n-grams compared word by word."""
    seen: set[tuple[str, ...]] = set()
    chars = i = 0
    while i < len(words) - n + 1:
        gram = tuple(words[i : i + n])
        if gram in seen:
            chars += sum(map(len, gram))
            i += n
        else:
            seen.add(gram)
            i += 1
    return chars


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "bb", "c", "dd", "e"]), max_size=40), st.integers(min_value=1, max_value=6)
)
def test_repeated_n_grams_equal_datatroves_walk(words: list[str], n: int) -> None:
    assert NGrams(words).repeated_chars(n) == _walk(words, n)


def _top(words: list[str], n: int) -> int:
    """datatrove's find_top_duplicate: the most common n-gram (first inserted among equals) by its count."""
    grams = Counter(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    if not grams:
        return 0
    gram, count = grams.most_common(1)[0]
    return len(gram) * count


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "bb", "c", "dd", "e"]), max_size=40), st.integers(min_value=1, max_value=6)
)
def test_the_c_counts_equal_their_numpy_twins_and_datatroves(words: list[str], n: int) -> None:
    assert NGRAMS_BACKEND == "c"  # built by `make install`; the numpy twins serve installs without a compiler
    assert NGrams(words).top_chars(n) == NGrams(words).top_chars_numpy(n) == _top(words, n)
    assert NGrams(words).repeated_chars(n) == NGrams(words).repeated_chars_numpy(n) == _walk(words, n)


def test_n_grams_of_real_pages_count_the_same_in_c_and_numpy() -> None:
    for row in DECISIONS:
        words = split_words(row["text"])
        for n in (2, 3, 4, 5, 8, 10):
            assert NGrams(words).top_chars(n) == NGrams(words).top_chars_numpy(n)
            assert NGrams(words).repeated_chars(n) == NGrams(words).repeated_chars_numpy(n)


def test_the_c_counts_refuse_mismatched_arrays() -> None:
    import numpy as np

    from websieve.steps.quality import _ngrams

    with pytest.raises(ValueError, match="same length"):
        _ngrams.top_chars(np.zeros(2, np.uint64), np.zeros(3, np.int64), 2)
    with pytest.raises(ValueError, match="8-byte"):
        _ngrams.repeated_chars(np.zeros(2, np.uint32), np.zeros(2, np.int64), 2)
    assert _ngrams.top_chars(np.zeros(0, np.uint64), np.zeros(0, np.int64), 2) == 0
