"""Bad words per language: real dev-page text, languages without spaces, the two drop rules."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import JSONL_DIR
from websieve.document import Document
from websieve.errors import ConfigError
from websieve.steps.base import StepContext
from websieve.steps.lists.bad_words import LANGUAGES, BadWords, BadWordsConfig


def _signals(text: str, lang: str | None, **cfg: object) -> tuple[Document | None, dict[str, object]]:
    doc = Document(id="1", text=text, lang=lang)
    out = BadWords(BadWordsConfig(**cfg)).apply(doc, StepContext.standalone())  # type: ignore[arg-type]
    return out, doc.annotations["lists.bad_words@1"]


def test_every_language_list_loads() -> None:
    assert len(LANGUAGES) == 28
    for lang in LANGUAGES:
        assert _signals("a perfectly ordinary sentence", lang)[0] is not None


def test_words_are_matched_whole_and_by_the_page_language() -> None:
    assert _signals("Essex and Middlesex are counties.", "en")[1]["bad_words"] == 0
    assert _signals("A sexy dress, sex sells.", "en")[1]["bad_words"] == 2
    assert _signals("Ein dicker Mann, ein dick aufgetragenes Lob.", "de")[1]["bad_words"] == 0
    assert _signals("Ein dicker Mann, ein dick aufgetragenes Lob.", "en")[1]["bad_words"] == 1


def test_languages_without_spaces_match_inside_words_but_not_the_allowlist() -> None:
    assert _signals("这是一个关于性别平等的讨论。", "zh")[1]["bad_words"] == 0  # 性 alone is allowed
    assert _signals("女の子が学校に行きました。", "ja")[1]["bad_words"] == 0


def test_unknown_language_uses_the_default_and_other_languages_pass() -> None:
    assert _signals("sex", None)[1]["bad_words"] == 1
    assert _signals("sex", None, default_language=None)[1] == {"no_list": "unknown"}
    assert _signals("sex", "ga")[1] == {"no_list": "ga"}


def test_drop_rules() -> None:
    ctx = StepContext.standalone()
    doc = Document(id="1", text="sex " * 3 + "word " * 7, lang="en")
    assert BadWords(BadWordsConfig(max_ratio=0.2)).apply(doc, ctx) is None
    assert ctx.ledger.rows[-1].rule == "bad_word_ratio"
    assert _signals("one sex word among many others here", "en", max_ratio=0.2)[0] is not None
    assert _signals("one sex word among many others here", "en", drop_any=True)[0] is None
    with pytest.raises(ConfigError):
        BadWordsConfig(max_ratio=2)


def test_real_pages_few_are_flagged() -> None:
    with gzip.open(JSONL_DIR / "noisy-dev-41-60.jsonl.gz", "rt", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    flagged = [t for t in texts if _signals(t, "en")[1]["bad_words"]]
    assert texts and len(flagged) < len(texts) / 2
