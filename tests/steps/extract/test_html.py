"""extract.html: websieve's extractor on real pages, its cascade with trafilatura, and hostile pages."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest

from conftest import PAGES_DIR, read_ledger, read_output
from websieve import Executor, load_preset, run
from websieve.config import OnError
from websieve.document import Document
from websieve.errors import ConfigError, DocumentTooLarge
from websieve.ledger.records import Fate, LedgerRow
from websieve.steps.base import StepContext
from websieve.steps.extract.dom import render_page
from websieve.steps.extract.guard import scan_tags
from websieve.steps.extract.html import ExtractHtml, ExtractHtmlConfig, ExtractMethod

FRENCH = PAGES_DIR / "trafilatura-eval-sauvonsluniversite.com.spip.html"
FRENCH_URL = "http://www.sauvonsluniversite.fr/spip.php?article8532"
# evaldata.json's snippets for that page: must / must not appear in the article
WITH = ["L’AG Éducation Île-de-France inter-degrés", "Grève et mobilisation pour le climat"]
WITHOUT = ["La semaine de SLU"]


@pytest.fixture(scope="module")
def fast() -> ExtractHtml:
    step = ExtractHtml()
    step.setup()
    return step


def _extract(step: ExtractHtml, html: str, *, url: str | None = None) -> tuple[Document | None, StepContext]:
    ctx = StepContext.standalone(on_error=OnError.SKIP)
    out = list(step.process(iter([Document(id="p", url=url, html=html)]), ctx))
    return (out[0] if out else None), ctx


def _errors(ctx: StepContext) -> list[LedgerRow]:
    return [r for r in ctx.ledger.rows if r.fate is Fate.ERROR]


def _collapsed(text: str | None) -> str:
    return " ".join((text or "").split())


def test_real_page_keeps_the_article_and_removes_the_menus(fast: ExtractHtml) -> None:
    doc, ctx = _extract(fast, FRENCH.read_text(encoding="utf-8"), url=FRENCH_URL)
    assert doc is not None and doc.meta.extractor == "websieve"
    text = _collapsed(doc.text)
    for snippet in WITH:
        assert _collapsed(snippet) in text
    for snippet in WITHOUT:
        assert _collapsed(snippet) not in text
    assert doc.title == "Décisions de l’AG Éducation IDF du mardi 10 septembre"
    assert doc.html is None
    # every removed line is in the ledger, filed under the extractor, with its reason
    removed = ctx.ledger.removed
    assert removed and {r.step for r in removed} == {"extract.html@1"}
    assert "boilerplate" in {r.reason for r in removed}
    ann = doc.annotations["extract.html@1"]
    assert 0 < int(ann["kept_lines"]) < int(ann["lines"])  # type: ignore[arg-type]


def test_regions_mark_navigation_links_and_main_content() -> None:
    page = render_page(FRENCH.read_text(encoding="utf-8"))
    lines = page.text.split("\n")
    assert len(lines) == len(page.regions)
    at = next(i for i, line in enumerate(lines) if "Grève et mobilisation pour le climat" in line)
    assert page.regions[at][-1] == 1.0  # resiliparse's main content has it
    # most of the page's short link lines (menus) are inside links
    link_col = 4
    short = [i for i, line in enumerate(lines) if 0 < len(line.strip()) < 25]
    assert sum(page.regions[i][link_col] > 0.5 for i in short) > len(short) // 3


def test_page_text_without_html_passes_through(fast: ExtractHtml) -> None:
    ctx = StepContext.standalone()
    doc = fast.apply(Document(id="t", text="already text"), ctx)
    assert doc is not None and doc.text == "already text" and "extract.html@1" not in doc.annotations


@pytest.mark.parametrize("method", [ExtractMethod.CASCADE, ExtractMethod.UNION, ExtractMethod.PRECISE])
def test_trafilatura_paths_record_which_extractor_produced_the_text(method: ExtractMethod) -> None:
    # cascade_doubt=0: every page the line model doubted at all goes to trafilatura
    step = ExtractHtml(ExtractHtmlConfig(method=method, cascade_doubt=0.0))
    step.setup()
    doc, _ = _extract(step, FRENCH.read_text(encoding="utf-8"), url=FRENCH_URL)
    assert doc is not None
    expected = {ExtractMethod.CASCADE: "trafilatura", ExtractMethod.UNION: "union"}.get(method, "trafilatura")
    assert doc.meta.extractor == expected
    assert _collapsed(WITH[1]) in _collapsed(doc.text)
    if method is ExtractMethod.UNION:
        fast_doc, _ = _extract(ExtractHtml(), FRENCH.read_text(encoding="utf-8"), url=FRENCH_URL)
        assert fast_doc is not None and len(doc.text or "") >= len(fast_doc.text or "")


def test_precise_path_timeout_goes_to_the_ledger_and_the_next_page_works() -> None:
    step = ExtractHtml(ExtractHtmlConfig(method=ExtractMethod.PRECISE, timeout_s=0.3))
    step.setup()
    slow = "<html><body>" + "".join(f"<div><p>Paragraph {i} of a long page.</p></div>" for i in range(80_000))
    slow += "</body></html>"
    doc, ctx = _extract(step, slow)
    assert doc is None
    assert len(_errors(ctx)) == 1 and "timeout" in _errors(ctx)[0].message
    doc, ctx = _extract(step, FRENCH.read_text(encoding="utf-8"), url=FRENCH_URL)
    assert doc is not None and _collapsed(WITH[0]) in _collapsed(doc.text)


def _deep(n: int) -> str:
    return "<html><body>" + "<div>" * n + "<p>deep text</p>" + "</div>" * n + "</body></html>"


def test_hostile_deep_nesting_is_refused_fast(fast: ExtractHtml) -> None:
    t0 = time.perf_counter()
    doc, ctx = _extract(fast, _deep(100_000))
    assert time.perf_counter() - t0 < 10  # a parser would take minutes: this is not a speed target
    assert doc is None and len(_errors(ctx)) == 1
    assert "DocumentTooLarge" in _errors(ctx)[0].message and "nested" in _errors(ctx)[0].message
    # moderately deep pages are fine
    doc, ctx = _extract(fast, _deep(500))
    assert doc is not None and "deep text" in (doc.text or "")


def test_hostile_giant_page_is_refused_and_a_large_page_is_processed(fast: ExtractHtml) -> None:
    giant = "<html><body>" + "<p>x</p>" * (9_000_000 // 8) + "</body></html>"
    doc, ctx = _extract(fast, giant)
    assert doc is None and "max_html_chars" in _errors(ctx)[0].message
    with pytest.raises(DocumentTooLarge):
        fast.apply(Document(id="g", html=giant), StepContext.standalone())
    # 3 MB of real-looking markup: extracted, not refused
    para = "<div class='comment'><a href='/u'>user</a><p>Un avis sur la réforme, assez long.</p></div>"
    large = "<html><body><article><p>" + "Le texte de l'article. " * 200 + "</p></article>"
    large += para * (3_000_000 // len(para)) + "</body></html>"
    doc, ctx = _extract(fast, large)
    assert doc is not None and not _errors(ctx)


def test_tag_scan_reads_tags_without_a_tree() -> None:
    assert scan_tags("<ul><li>a<li>b</ul><p>c<p>d<br><img src=x>").depth == 1
    assert scan_tags(_deep(40), limit=10).depth == 11
    assert scan_tags("</div></div><div></div>").depth == 1  # stray end tags never go below zero


def test_hostile_attribute_bomb_is_refused_fast(fast: ExtractHtml) -> None:
    bomb = "<html><body><div " + " ".join(f"a{i}='v'" for i in range(100_000)) + ">x</div></body></html>"
    t0 = time.perf_counter()
    doc, ctx = _extract(fast, bomb)
    assert time.perf_counter() - t0 < 5  # the parsers would take 35 s: not a speed target
    assert doc is None and "max_attributes" in _errors(ctx)[0].message
    # a real tag with a long data URI is fine
    image = "<html><body><p>Text of the page.</p><img src='data:image/png;base64," + "QUJD" * 50_000 + "=='>"
    doc, _ = _extract(fast, image + "</body></html>")
    assert doc is not None


def test_hostile_tag_soup_is_refused_and_the_error_says_why(fast: ExtractHtml) -> None:
    soup = "<html><body>" + "<span>" * 2_900 + "</b>" * 200_000  # 2,900 deep: the depth guard lets it by
    doc, ctx = _extract(fast, soup)
    assert doc is None and "tag soup" in _errors(ctx)[0].message


def test_config_is_checked() -> None:
    with pytest.raises(ConfigError, match="cascade_doubt"):
        ExtractHtmlConfig(cascade_doubt=2.0)
    with pytest.raises(ConfigError, match="max_depth"):
        ExtractHtmlConfig(max_depth=0)


def test_extract_preset_on_jsonl_html_rows_with_hostile_pages(tmp_path: Path) -> None:
    """JSONL rows with an ``html`` field, hostile ones among them: every row ends in one place."""
    rows = [
        {"id": "fr", "url": FRENCH_URL, "html": FRENCH.read_text(encoding="utf-8"), "site": "slu"},
        {"id": "deep", "html": _deep(50_000)},
        {"id": "binary", "html": "\x00\x01\x02\x03" * 5000},
        {"id": "empty", "html": "<html><body><script>var a = 1;</script></body></html>"},
        {"id": "mojibake", "html": "<p>Les Ã©tudiants manifestent contre la rÃ©forme des retraites.</p>"},
    ]
    src = tmp_path / "in" / "pages.jsonl"
    src.parent.mkdir()
    src.write_bytes(b"\n".join(orjson.dumps(r) for r in rows))
    summary = run(
        load_preset("extract"), inputs=[str(src)], output=tmp_path / "out", executor=Executor.INLINE
    )
    ledger = {str(r["id"]): r for r in read_ledger(tmp_path / "out")}
    output = {str(r["id"]): r for r in read_output(tmp_path / "out")}
    assert summary.stats["input"] == 5 == len(ledger)
    assert ledger["deep"]["fate"] == "error" and "nested" in str(ledger["deep"]["message"])
    assert ledger["binary"]["fate"] == "error"
    # nothing is dropped for being empty in the extract preset
    assert {"fr", "empty", "mojibake"} <= set(output)
    fr = output["fr"]
    assert fr["meta"]["extractor"] == "websieve" and fr["title"].startswith("Décisions de l’AG")
    assert "étudiants" in output["mojibake"]["text"]
    assert orjson.loads(fr["meta"]["source"]) == {"site": "slu"}


def test_dates_after_the_crawl_are_not_publication_dates(fast: ExtractHtml) -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget",'
        ' "datePublished": "2021-03-04T10:00:00Z"}</script></head><body><article><p>'
        + "The parliament passed the budget on Thursday after a long night of debate. " * 3
        + "</p></article></body></html>"
    )
    doc = Document(id="d", html=html)
    doc.meta.crawl_date = "2020-08-03T12:00:00Z"
    out = fast.apply(doc, StepContext.standalone())
    assert out is not None and out.meta.date is None
    fresh = fast.apply(Document(id="e", html=html), StepContext.standalone())
    assert fresh is not None and fresh.meta.date == "2021-03-04"


def test_a_page_holding_marker_characters_of_its_own(fast: ExtractHtml) -> None:
    # U+FDD0..U+FDEF are websieve's region markers; a page that carries some loses them, nothing else
    body = "The river police closed the lower quays and asked every boat to stay moored until Wednesday."
    doc, _ = _extract(fast, f"<html><body><nav>Home</nav><article><p>{body[:20]}\ufdd0\ufdd3{body[20:]}</p>")
    assert doc is not None and body in (doc.text or "") and "\ufdd0" not in (doc.text or "")


def test_json_ld_with_a_lone_surrogate_does_not_stop_the_run(tmp_path: Path) -> None:
    page = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Bad \\ud800 head", "author": {"name": "Ann \\udc00 Lee"},'
        ' "inLanguage": "fr\\ud800"}</script></head><body><article><p>'
        + "Le parlement a voté le budget jeudi après une longue nuit de débats. " * 3
        + "</p></article></body></html>"
    )
    src = tmp_path / "in" / "pages.jsonl"
    src.parent.mkdir()
    src.write_bytes(orjson.dumps({"id": "s", "html": page}))
    summary = run(
        load_preset("extract"), inputs=[str(src)], output=tmp_path / "out", executor=Executor.INLINE
    )
    assert summary.stats["kept"] == 1
    row = read_output(tmp_path / "out")[0]
    assert row["title"] == "Bad \ufffd head" and row["meta"]["author"] == "Ann \ufffd Lee"


def test_stray_end_tags_do_not_hide_deep_nesting(fast: ExtractHtml) -> None:
    doc, ctx = _extract(fast, "<html><body>" + "<div></span>" * 5_000 + "x")
    assert doc is None and "nested" in _errors(ctx)[0].message


def test_a_text_model_is_refused_at_setup() -> None:
    from websieve.steps.clean.model import LineModel

    step = ExtractHtml(ExtractHtmlConfig(model=str(LineModel.bundled_path())))
    with pytest.raises(ConfigError, match=r"train_line_model\.py --html"):
        step.setup()


def test_cascade_that_takes_trafilaturas_text_keeps_no_stale_removed_lines() -> None:
    step = ExtractHtml(ExtractHtmlConfig(method=ExtractMethod.CASCADE, cascade_doubt=0.0))
    step.setup()
    doc, ctx = _extract(step, FRENCH.read_text(encoding="utf-8"), url=FRENCH_URL)
    assert doc is not None and doc.meta.extractor == "trafilatura"
    assert doc.annotations["extract.html@1"]["trafilatura"] == "ok"
    assert ctx.ledger.removed == []


def test_extract_preset_on_warc_keeps_url_and_crawl_date(tmp_path: Path) -> None:
    from conftest import WARC_DIR

    summary = run(
        load_preset("extract"),
        inputs=[str(WARC_DIR / "dolma")],
        output=tmp_path / "out",
        executor=Executor.INLINE,
    )
    output = read_output(tmp_path / "out")
    ledger = read_ledger(tmp_path / "out")
    assert summary.stats["input"] == len(ledger) and output
    assert len(output) == sum(1 for r in ledger if r["fate"] == "kept")  # nothing dropped for being empty
    for row in output:
        assert row["url"].startswith("http") and row["meta"]["crawl_date"][:2] in ("19", "20")
        assert row["meta"]["extractor"] == "websieve"
