"""The app in a real browser (Debian chromium under playwright): an editor drafts, breaks a number,
sees it flagged, exports and reloads; a reviewer checks a Word report; a chat model streams and is
repaired; an upload with a hostile name stays inside the data folder; nothing is fetched from outside."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest

from tests.browser import (
    App,
    Browser,
    box,
    chromium,
    draft_all,
    have_chromium,
    reviewer_inbox,
    running_app,
    type_text,
    upload_figures,
)
from tests.conftest import CASES
from tests.fake_openai import FakeOpenAI, Reply, echo_draft
from tests.test_word_comments import anchored

pytestmark = pytest.mark.skipif(not have_chromium(), reason="需要 Debian 的 chromium（./dev.sh test 会安装）")
SAMPLE = CASES / "sample-2024.yaml"
FUNDS = "use.funds"
FUNDS_TITLE = "（一）资金管理过程情况"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b
    assert b.external == [], f"页面向外部地址发出了请求：{b.external}"


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    """The scripted chat model (and embeddings endpoint) the app is configured with."""
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, model: FakeOpenAI) -> Iterator[App]:
    """One app for every scenario: a chat model configured (the template writer stays the default)."""
    env = {"ASSISTANT_MODEL": "fake-model", "ASSISTANT_BASE_URL": model.url, "ASSISTANT_RETRY_BACKOFF": "0.05",
           "ASSISTANT_EMBEDDER": "openai"}
    with running_app(tmp_path_factory.mktemp("ui") / "data", env) as a:
        yield a


def status(page: Any) -> str:
    return str(page.inner_text("#status"))


def choose_check_section(page: Any, title: str, text: str) -> None:
    """Pick the section to edit in 核对 and wait until its text is in the box."""
    page.click("#check-section input")
    page.get_by_role("option", name=title).click()
    page.wait_for_function("t => document.querySelector('#check-box textarea').value === t", arg=text)


def test_editor_drafts_breaks_a_number_exports_and_reloads(app: App, browser: Browser, tmp_path: Path) -> None:
    page = browser.page(app.url)
    upload_figures(page, SAMPLE)
    assert "99.98" in page.inner_text("#score")  # the score sheet as soon as the figures load
    assert "basis_inconsistent" in page.inner_text("#figure-findings")
    draft_all(page)
    drafted = page.input_value(box(FUNDS))
    assert "年初预算189万元" in drafted

    page.get_by_role("tab", name="核对").click()
    choose_check_section(page, FUNDS_TITLE, drafted)
    type_text(page, "#check-box textarea", drafted.replace("年初预算189万元", "年初预算198万元"))
    wrong = page.locator("#check-view mark[data-status=contradicted]", has_text="198万元")
    wrong.wait_for()
    assert wrong.get_attribute("data-fact") == "funds.budget_initial"
    wrong.click()
    assert "189万元" in (wrong.get_attribute("data-tip") or "")  # the right fact, shown on hover or click
    assert "189万元" in page.evaluate("e => getComputedStyle(e, '::after').content", wrong.element_handle())
    assert "年初预算数应为 189万元，文中为 198万元" in page.inner_text("#check-findings")
    page.wait_for_function("document.querySelector('#status').innerText.includes('已保存')")

    page.get_by_role("tab", name="导出").click()
    page.click("#export-run")
    page.wait_for_function("document.querySelector('#status').innerText.includes('已导出')")
    page.locator("#exports", has_text=".docx").wait_for()
    exported = app.data / "projects" / "sample-2024" / "exports" / "sample-2024.docx"
    text = "\n".join(p.text for p in docx.Document(str(exported)).paragraphs)
    assert "年初预算198万元" in text and "年初预算189万元" not in text
    assert any(at == "198万元" and "contradicted_number" in remark for at, remark in anchored(exported))

    page.reload()
    page.get_by_role("tab", name="起草").click()
    page.wait_for_function(f"document.querySelector({box(FUNDS)!r}).value.includes('198万元')")
    page.get_by_role("tab", name="核对").click()
    page.locator("#check-view mark[data-status=contradicted]", has_text="198万元").wait_for()
    page.close()


def test_reviewer_checks_a_word_report_against_its_figures(app: App, browser: Browser, tmp_path: Path) -> None:
    report = tmp_path / "审阅稿.docx"
    doc = docx.Document()
    doc.add_paragraph("该项目年初预算198万元，全年实际支出138.78万元。")
    doc.add_paragraph("<b>全部完成</b>，预算执行率为99.84%。")
    doc.save(str(report))
    page = browser.page(app.url)
    page.get_by_role("tab", name="核对").click()
    page.get_by_text("审阅任意报告").click()
    page.set_input_files("#review-report input[type=file]", str(report))
    page.set_input_files("#review-figures input[type=file]", str(SAMPLE))
    page.locator("#review-report", has_text=".docx").wait_for()
    page.locator("#review-figures", has_text=".yaml").wait_for()
    page.click("#review-run")
    findings = page.locator("#review-findings")
    findings.locator("[data-code=contradicted_number]").wait_for()
    assert "basis_inconsistent" in findings.inner_text()  # the figures' own findings too
    assert page.locator("#review-view mark[data-status=supported]", has_text="138.78万元").count() == 1
    assert "<b>全部完成</b>" in page.inner_text("#review-view")  # markup in a report is shown as text
    assert page.locator("#review-view b").count() == 0
    page.close()


def test_reviewer_reviews_three_reports_at_once_and_opens_one(app: App, browser: Browser, tmp_path: Path) -> None:
    files = reviewer_inbox(tmp_path / "收件")
    page = browser.page(app.url)
    page.get_by_role("tab", name="核对").click()
    page.get_by_text("审阅一批报告").click()
    page.set_input_files("#bureau-files input[type=file]", [str(f) for f in files])
    page.locator("#bureau-files", has_text="工信局报告").wait_for()
    page.wait_for_function("!document.querySelector('#bureau-files').innerText.includes('Uploading')")
    page.click("#bureau-run")
    page.locator("#bureau-summary [data-reports='3']").wait_for()
    table = page.locator("#bureau-table")
    rows = [table.locator(f"[aria-rowindex='{n}']").first.inner_text() for n in (2, 3, 4)]
    assert "坏" in rows[0] and "无法读取" in rows[0]  # the damaged file first, saying why
    assert "工信局报告.docx" in rows[1] and "183.78万元" in rows[1]  # then the report with an error
    assert "工信局.xlsx" in rows[2] and "100→99.98" in rows[2]
    assert table.locator("b").count() == 0  # a hostile name is text, never markup
    page.locator("#bureau-downloads", has_text="审阅汇总").wait_for()

    table.get_by_test_id("cell-1-0").click()  # the second row: the Word report
    wrong = page.locator("#bureau-view mark[data-status=contradicted]", has_text="183.78万元")
    wrong.wait_for()
    assert "138.78万元" in (wrong.get_attribute("data-tip") or "")
    assert page.locator("#bureau-findings [data-code=contradicted_number]").count() >= 1
    saved = [p for p in app.data.rglob("*坏*.pdf")]
    assert saved and all(p.resolve().is_relative_to(app.data.resolve()) for p in saved)
    assert not list(tmp_path.parent.glob("*坏*"))
    page.close()


def test_upload_with_a_hostile_name_stays_inside_data(app: App, browser: Browser) -> None:
    page = browser.page(app.url)
    upload_figures(page, name="../../x.yaml", data=SAMPLE.read_bytes())
    assert "已载入" in status(page)
    root = app.data.parent
    assert not (root / "x.yaml").exists() and not (root.parent / "x.yaml").exists()
    saved = [p for p in app.data.rglob("x.yaml")]
    assert saved and all(p.resolve().is_relative_to(app.data.resolve()) for p in saved)
    assert (app.data / "projects" / "x" / "figures" / "x.yaml").read_bytes() == SAMPLE.read_bytes()
    page.close()


def test_bad_figures_are_named_by_path_and_not_saved(app: App, browser: Browser) -> None:
    page = browser.page(app.url)
    bad = SAMPLE.read_text(encoding="utf-8").replace("spent: 138.78", "spent: -5")
    upload_figures(page, name="broken.yaml", data=bad.encode())
    assert "funds.spent" in page.inner_text("#problems")
    assert not (app.data / "projects" / "broken").exists()
    page.close()


def wrong_budget(body: dict[str, Any]) -> Reply:
    """The faithful answer with the budget changed: the guard must send it back."""
    return Reply(echo_draft(body).text.replace("189万元", "198万元"))


def test_chat_model_streams_and_a_wrong_number_is_repaired(app: App, browser: Browser, model: FakeOpenAI) -> None:
    model.reset()
    model.add(wrong_budget)
    page = browser.page(app.url)
    upload_figures(page, SAMPLE)
    page.get_by_role("tab", name="起草").click()
    page.get_by_label("对话模型").check()
    page.click(f"#redraft-{FUNDS.replace('.', '-')}")
    page.wait_for_function("document.querySelector('#status').innerText.includes('经 1 次修正')", timeout=60000)
    text = page.input_value(box(FUNDS))
    assert "年初预算189万元" in text and "198万元" not in text
    page.close()
    assert len(model.requests) == 2 and all(r.get("stream") for r in model.requests)
    assert re.search(r"198万元", str(model.requests[1]["messages"]))  # the repair turn quotes the wrong number


def test_corpus_takes_documents_updates_its_index_and_searches_with_filters(app: App, browser: Browser) -> None:
    corpus = CASES.parent.parent / "corpus"
    farmland = corpus / "reports" / "2021-agri-tongling-farmland.md"
    policy = corpus / "policy" / "execution-rate-basis.md"
    page = browser.page(app.url)
    upload_figures(page, SAMPLE)
    page.get_by_role("tab", name="起草").click()
    page.locator("#src-use-funds", has_text="无参考资料").wait_for()  # no index yet
    page.get_by_role("tab", name="语料库").click()
    page.get_by_text("加入文档").click()
    page.set_input_files("#documents input[type=file]", [
        {"name": farmland.name, "mimeType": "text/markdown", "buffer": farmland.read_bytes()},
        {"name": policy.name, "mimeType": "text/markdown", "buffer": policy.read_bytes()},
        {"name": "../../escape.md", "mimeType": "text/markdown", "buffer": farmland.read_bytes()}])
    page.locator("#documents", has_text="escape").wait_for()
    page.click("#index-run")
    page.locator("#index-report", has_text="索引：文件 3 个").wait_for(timeout=60000)
    assert sorted(p.name for p in (app.data / "corpus").iterdir()) == [
        "2021-agri-tongling-farmland.md", "escape.md", "execution-rate-basis.md"]
    page.fill("#q textarea, #q input", "高标准农田 执行率偏低的原因")
    page.click("#q-run")
    page.locator("#hits li").first.wait_for()
    assert "桐岭县" in page.inner_text("#hits")
    page.get_by_role("tab", name="起草").click()  # the sections' sources now come from the new index
    page.locator("#src-use-funds li").first.wait_for()
    assert "无参考资料" not in page.inner_text("#src-use-funds")
    page.get_by_role("tab", name="语料库").click()
    page.get_by_label("类型").click()
    page.get_by_role("option", name="政策文件").click()
    page.click("#q-run")
    page.wait_for_function("!document.querySelector('#hits').innerText.includes('桐岭县')")
    page.locator("#hits li").first.wait_for()
    page.close()


def test_with_auth_nothing_is_served_before_login(tmp_path: Path) -> None:
    with running_app(tmp_path / "data", args=("--auth", "审阅人:口令 1")) as a:
        assert httpx.get(a.url + "config").status_code == 401
        with httpx.Client() as client:
            assert client.post(a.url + "login", data={"username": "审阅人", "password": "错误"}).status_code == 400
            assert client.post(a.url + "login", data={"username": "审阅人", "password": "口令 1"}).status_code == 200
            assert client.get(a.url + "config").status_code == 200
