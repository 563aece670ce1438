from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED
from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.normalize.unicode import NormalizeUnicode, NormalizeUnicodeConfig, normalize_text


def _step(**kw: object) -> NormalizeUnicode:
    step = NormalizeUnicode(NormalizeUnicodeConfig(**kw))  # type: ignore[arg-type]
    step.setup()
    return step


def test_nfc_spaces_and_blank_lines() -> None:
    doc = Document(id="1", text="  Cafe\u0301\u00a0\u00a0au\tlait \r\nfin\u200b\n\n\n\n\nsuite  ")
    out = _step().apply(doc, StepContext.standalone())
    assert out is not None and out.text == "Café au lait\nfin\n\nsuite"
    assert out.annotations["normalize.unicode@1"]["chars_removed"] == 12


def test_clean_text_is_untouched_by_ftfy() -> None:
    text = SEED.read_text(encoding="utf-8")
    step = _step()
    out = step.apply(Document(id="s", text=text), StepContext.standalone())
    assert out is not None and out.text is not None
    # curly quotes and guillemets survive: ftfy only runs where it detects mojibake
    assert "d’apporter" in out.text and "«Daech»" in out.text


def test_mojibake_is_repaired() -> None:
    step = _step()
    out = step.apply(Document(id="m", text="Le cafÃ© est trÃ¨s bon."), StepContext.standalone())
    assert out is not None and out.text == "Le café est très bon."


def test_ftfy_can_be_turned_off() -> None:
    out = _step(fix_mojibake=False).apply(Document(id="m", text="cafÃ©"), StepContext.standalone())
    assert out is not None and out.text == "cafÃ©"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_property_normalize_is_idempotent(text: str) -> None:
    step = _step()
    once = normalize_text(text, step.config, step._fixer)
    assert normalize_text(once, step.config, step._fixer) == once


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab é\u00e9\u0301\n\r\t\u00a0Ã©\u200b")), max_size=60))
def test_property_idempotent_on_whitespace_and_mojibake_heavy_text(text: str) -> None:
    step = _step()
    once = normalize_text(text, step.config, step._fixer)
    assert normalize_text(once, step.config, step._fixer) == once
    assert "\r" not in once and "\n\n\n" not in once and "  " not in once
