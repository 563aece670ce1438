from __future__ import annotations

from conftest import DATA, PAGES_DIR, SEED
from websieve.document import Document
from websieve.steps.base import StepContext
from websieve.steps.extract.resiliparse import ResiliparseExtract, ResiliparseExtractConfig
from websieve.steps.langid.fasttext import FastTextLangId, FastTextLangIdConfig
from websieve.steps.langid.model import LidModel, bundled_model_path


def _extract(html: str, **kw: object) -> tuple[Document | None, StepContext]:
    step = ResiliparseExtract(ResiliparseExtractConfig(**kw))  # type: ignore[arg-type]
    step.setup()
    ctx = StepContext.standalone()
    return step.apply(Document(id="p", html=html), ctx), ctx


def test_extracts_main_text_title_and_meta() -> None:
    html = (PAGES_DIR / "trafilatura-eval-sauvonsluniversite.com.spip.html").read_text(encoding="utf-8")
    doc, _ = _extract(html)
    assert doc is not None and doc.text and doc.html is None
    assert doc.title == "Décisions de l’AG Éducation IDF du mardi 10 septembre - Sauvons l'Université !"
    assert "Décisions de l’AG Éducation IDF" in doc.text
    assert doc.annotations["extract.resiliparse@1"]["html_chars"] == len(html)


def test_empty_page_is_dropped_with_its_rule() -> None:
    doc, ctx = _extract("<html><head><title>x</title><script>var a=1;</script></head><body></body></html>")
    assert doc is None
    (row,) = ctx.ledger.rows
    assert (row.step, row.rule, row.value, row.threshold) == ("extract.resiliparse@1", "empty_text", "0", "1")


def test_empty_page_kept_when_min_chars_is_off() -> None:
    doc, ctx = _extract("<html><body></body></html>", min_chars=None)
    assert doc is not None and doc.text == "" and not ctx.ledger.rows


def test_text_documents_pass_through_extract() -> None:
    step = ResiliparseExtract()
    step.setup()
    doc = Document(id="t", text="already text")
    assert step.apply(doc, StepContext.standalone()) is doc


def test_bundled_model_ships_in_a_wheel_not_downloaded() -> None:
    path = bundled_model_path()
    assert path.name == "lid.176.ftz" and "site-packages" in str(path)


def test_langid_on_real_sentences() -> None:
    model = LidModel.load()
    rows = [line.split("\t", 1) for line in (DATA / "langid-sentences.tsv").read_text("utf-8").splitlines()]
    correct = sum(model.predict(text)[0] == lang for lang, text in rows)
    assert correct / len(rows) >= 0.95, f"{correct}/{len(rows)}"


def test_langid_step_annotates_and_filters() -> None:
    step = FastTextLangId(FastTextLangIdConfig(languages=("de",)))
    step.setup()
    ctx = StepContext.standalone()
    doc = Document(id="seed", text=SEED.read_text(encoding="utf-8"))
    assert step.apply(doc, ctx) is None
    assert doc.lang == "fr" and doc.annotations["langid.fasttext@1"]["lang"] == "fr"
    assert float(doc.annotations["langid.fasttext@1"]["score"] or 0) > 0.9  # type: ignore[arg-type]
    (row,) = ctx.ledger.rows
    assert (row.rule, row.value, row.threshold) == ("language_not_wanted", "fr", "de")


def test_annotate_only_records_the_verdict_but_keeps_the_document() -> None:
    step = FastTextLangId(FastTextLangIdConfig(min_score=0.99999))
    step.setup()
    ctx = StepContext.standalone()
    ctx.annotate_only = True
    doc = Document(id="x", text="ok ok")
    assert step.apply(doc, ctx) is doc
    assert doc.annotations["langid.fasttext@1"]["would_drop"] == "language_score_below_threshold"
    assert not ctx.ledger.rows


def test_empty_text_is_undetermined() -> None:
    step = FastTextLangId()
    step.setup()
    doc = step.apply(Document(id="e", text=""), StepContext.standalone())
    assert doc is not None and doc.lang == "und"
