"""The app's parts without a browser: the ui command's safety checks, the data folder, the HTML it shows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant.cli import app
from assistant.figures import FiguresError
from assistant.settings import Settings
from assistant.ui import is_loopback, parse_auth
from assistant.ui.controller import Controller
from assistant.ui.page import Page
from assistant.ui.render import highlighted, problems
from assistant.ui.service import WRITTEN, Library, edited_report, export, form_to_yaml, open_figures, text_findings
from assistant.ui.workspace import Project, UploadRejected, Workspace, safe_name
from tests.conftest import CASES, ROOT
from tests.fake_openai import FakeOpenAI, Reply
from tests.test_word_comments import anchored

SAMPLE = CASES / "sample-2024.yaml"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_binding_beyond_this_machine_needs_auth(host: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["ui", "--host", host, "--data", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert "--auth" in result.output and host in result.output
    assert not (tmp_path / "d").exists()  # refused before anything is created


def test_malformed_auth_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["ui", "--auth", "admin", "--data", str(tmp_path / "d")])
    assert result.exit_code == 2 and "用户名:密码" in result.output


def test_loopback_and_auth_parsing() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    assert parse_auth("a:b:c") == ("a", "b:c") and parse_auth(":x") is None and parse_auth("a:") is None


def test_other_commands_do_not_import_the_web_framework() -> None:
    code = "import sys, assistant.cli, assistant.ui; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("name", "safe"), [("../../x.yaml", "x.yaml"), ("..\\..\\x.yaml", "x.yaml"),
                                            ("/etc/passwd", "passwd"), ("..", "file"), (".hidden.yaml", "hidden.yaml"),
                                            ("项目 数据;rm -rf.yaml", "项目_数据_rm_-rf.yaml")])
def test_safe_names(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_an_upload_named_to_escape_lands_inside_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "a" / "b" / "data"
    ws = Workspace(data)
    project = ws.add_figures(SAMPLE, "../../x.yaml")
    assert project.figures_path == data / "projects" / "x" / "figures" / "x.yaml"
    assert not (data.parent / "x.yaml").exists() and not (data.parent.parent / "x.yaml").exists()
    with pytest.raises(UploadRejected, match="请上传 .yaml"):
        ws.add_figures(SAMPLE, "../evil.sh")
    assert ws.add_document(SAMPLE, "../../notes.md") == data / "corpus" / "notes.md"
    with pytest.raises(UploadRejected, match=r"\.pdf"):
        ws.add_document(SAMPLE, "tool.exe")


def test_edits_are_kept_with_their_history(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "data")
    project = ws.add_figures(SAMPLE, "sample.yaml")
    assert project.save({"use.funds": "甲"}, "起草（template）")
    assert project.save({"use.funds": "甲乙"}, "编辑") and project.save({"use.funds": "甲乙丙"}, "编辑")
    assert not project.save({"use.funds": "甲乙丙"}, "编辑")  # nothing changed, nothing saved
    ws.remember(project.name)
    again = Workspace(tmp_path / "data")  # as after a restart
    assert again.last == "sample" and again.project("sample").texts() == {"use.funds": "甲乙丙"}
    history = again.project("sample").history()
    assert [h["why"] for h in history] == ["起草（template）", "编辑"]  # typing within a minute is one version
    assert history[0]["sections"]["use.funds"] == "甲"


def test_typing_after_a_pause_starts_a_new_version(tmp_path: Path) -> None:
    project = Workspace(tmp_path / "data").add_figures(SAMPLE, "sample.yaml")
    project.save({"use.funds": "甲"}, "编辑")
    for version in (project.folder / "history").glob("*.json"):
        os.utime(version, (time.time() - 120, time.time() - 120))
    project.save({"use.funds": "甲乙"}, "编辑")
    assert [h["sections"]["use.funds"] for h in project.history()] == ["甲", "甲乙"]


def test_text_is_shown_as_text(tmp_path: Path) -> None:
    loaded = open_figures(SAMPLE)
    assert loaded.context is not None
    text = '<script>alert(1)</script>年初预算<b>198万元</b>，"引号" & 符号'
    html = highlighted(text, loaded.check("use.funds", text), loaded.context.table)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html and "&amp; 符号" in html
    assert 'data-status="contradicted" data-fact="funds.budget_initial"' in html
    assert "<img" not in problems([("project.name", "<img src=x onerror=alert(1)>")])


def test_bad_figures_give_their_problems_by_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SAMPLE.read_text(encoding="utf-8").replace("spent: 138.78", "spent: -1"), encoding="utf-8")
    loaded = open_figures(bad)
    assert loaded.context is None and any(path == "funds.spent" for path, _ in loaded.problems)


def test_the_export_is_of_the_edited_text(tmp_path: Path) -> None:
    loaded = open_figures(SAMPLE)
    texts = {"use.funds": "2024年，该项目年初预算198万元，全年实际支出138.78万元。"}
    funds = edited_report(loaded, texts).section("use.funds")
    assert funds.writer == "edited" and funds.paragraphs[0].facts == ("funds.spent",)  # provenance from the checker
    assert [(sid, f.code) for sid, f in text_findings(loaded, texts)] == [("use.funds", "contradicted_number")]
    paths = export(loaded, texts, tmp_path / "out", "sample")
    assert "年初预算198万元" in paths[".md"].read_text(encoding="utf-8")
    assert sorted(p.suffix for p in paths.values()) == [".docx", ".json", ".md"]
    comments = {text: at for at, text in anchored(paths[".docx"])}
    wrong = next(k for k in comments if "contradicted_number" in k)
    assert comments[wrong] == "198万元" and "189万元" in wrong  # at the number, saying what it should be
    assert any("basis_inconsistent" in k for k in comments)  # the figures' warnings too



def controller(tmp_path: Path, settings: Settings) -> tuple[Controller, Project]:
    """Return the page's handlers over a data folder holding the sample, its 资金管理 section edited;
    components are stood in for by their names."""
    page = Page(c={"status": "status"}, boxes={s.id: f"box:{s.id}" for s in WRITTEN},
                sources={s.id: f"src:{s.id}" for s in WRITTEN})
    ws = Workspace(tmp_path / "data")
    project = ws.add_figures(SAMPLE, "sample.yaml")
    project.save({"use.funds": "编辑过的文字，年初预算189万元。"}, "编辑")
    return Controller(page, ws, Library(settings), "national"), project


def test_a_failed_model_call_keeps_the_text_that_was_there(tmp_path: Path) -> None:
    fake = FakeOpenAI().start()
    fake.reset(default=lambda body: Reply(status=500))
    try:
        settings = Settings(model="m", base_url=fake.url, max_retries=1, retry_backoff=0.01, timeout=5,
                            index_dir=tmp_path / "no-index")
        ctl, project = controller(tmp_path, settings)
        shown = list(ctl.draft("sample", "openai", "use.funds"))
    finally:
        fake.stop()
    assert len(fake.requests) == 2  # the call and its retry
    assert shown[-2]["box:use.funds"] == "编辑过的文字，年初预算189万元。"
    assert "原文已保留" in shown[-1]["status"]
    assert project.texts()["use.funds"] == "编辑过的文字，年初预算189万元。"


def test_a_writer_that_cannot_start_says_why_and_keeps_the_text(tmp_path: Path) -> None:
    ctl, project = controller(tmp_path, Settings(model="m"))  # no key and no base_url
    shown = list(ctl.draft("sample", "openai"))
    assert "起草失败，原文已保留" in shown[-1]["status"] and "api_key" in shown[-1]["status"].lower()
    assert project.texts() == {"use.funds": "编辑过的文字，年初预算189万元。"}


def test_the_form_becomes_a_figures_file_or_its_problems() -> None:
    project = {"name": "示范项目", "unit": "某局", "year": 2024}
    funds = {"unit": "万元", "budget_initial": 100.0, "spent": 90.0, "allocated": None}
    rows = [{"level1": "产出指标", "level2": "数量指标", "name": "培训人次", "target": "≥100人次", "actual": "120人次",
             "weight": None}, {"level1": None, "name": ""}]
    data = yaml.safe_load(form_to_yaml(project, funds, rows))
    assert data["funds"] == {"unit": "万元", "budget_initial": 100.0, "spent": 90.0}  # empty cells left out
    assert [i["name"] for i in data["indicators"]] == ["培训人次"]  # the empty row too
    with pytest.raises(FiguresError) as exc:
        form_to_yaml(project, {**funds, "spent": -1}, [{**rows[0], "level2": "乱写"}])
    assert {path for path, _ in exc.value.problems} >= {"funds.spent", "indicators[0].level2"}


def test_a_batch_of_reports_lands_inside_the_data_folder_under_distinct_safe_names(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "data")
    report = tmp_path / "r.docx"
    report.write_bytes(b"PK")
    folder, saved, refused = ws.add_batch([(report, "../../a.docx"), (report, "a.docx"), (SAMPLE, "x.yaml"),
                                           (report, "..\\<b>b</b>.pdf")])
    assert folder.parent == (tmp_path / "data" / "reviews").resolve()
    assert [p.name for p in saved] == ["a.docx", "a-2.docx", "b_.pdf"]
    assert all(p.parent == folder and p.read_bytes() == b"PK" for p in saved)
    assert refused == [("x.yaml", "不是报告文件：请上传 .docx、.pdf 或 .xlsx")]
    assert ws.batch("../../etc") == (tmp_path / "data" / "reviews" / "etc").resolve()
