"""Workbooks from the command line: draft a workbook of projects, check and score a table, convert, template."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import yaml

from assistant.figures import read_figures
from assistant.xlsx_write import write_figures_workbook
from tests.conftest import CASES


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=180, env=env)


def three_projects(tmp_path: Path) -> Path:
    """Write a workbook of three project sheets; the second has an empty 实际完成值 and a word for 全年执行数."""
    figs = [read_figures(CASES / name) for name in ("sample-2024.yaml", "water-missed-2023.yaml",
                                                     "roads-adjusted-2024.yaml")]
    path = tmp_path / "各单位自评表.xlsx"
    write_figures_workbook(figs, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[1]
    spent = next(c for row in ws.iter_rows() for c in row if c.value == "全年执行数")
    ws.cell(spent.row + 1, spent.column).value = "约五百"
    actual = next(c for row in ws.iter_rows() for c in row if c.value == "实际完成值")
    ws.cell(actual.row + 1, actual.column).value = None
    wb.save(path)
    return path


def test_a_workbook_is_drafted_project_by_project_with_a_summary(tmp_path: Path) -> None:
    path = three_projects(tmp_path)
    done = run("draft", path.name, "-o", "out", cwd=tmp_path)
    assert done.returncode == 2  # one project could not be read; the others are drafted
    sheet = openpyxl.load_workbook(path).worksheets[1].title
    assert f"{sheet}!F10：全年执行数应为数字，收到「约五百」" in done.stderr
    assert f"{sheet}!G16：实际完成值为空" in done.stderr
    out = tmp_path / "out"
    drafted = sorted(p.name for p in out.glob("*.docx"))
    assert drafted == ["促进工业和信息化发展工作经费.docx", "农村公路养护工程.docx"]
    assert docx.Document(str(out / "农村公路养护工程.docx")).tables
    rows = list(openpyxl.load_workbook(out / "各单位自评表-汇总.xlsx").active.iter_rows(values_only=True))
    assert rows[0] == ("项目", "来源", "总分", "等级", "执行率（%）", "错误", "警告", "输出文件", "状态", "问题")
    by_status = {r[8]: r for r in rows[1:]}
    assert set(by_status) == {"已生成", "失败"} and len(rows) == 4
    sample = next(r for r in rows[1:] if r[0] == "促进工业和信息化发展工作经费")
    assert sample[1] == "各单位自评表.xlsx［促进工业和信息化发展工作经费］"
    data = json.loads((out / "促进工业和信息化发展工作经费.json").read_text("utf-8"))
    assert (sample[2], sample[3]) == (data["score_sheet"]["total"], data["score_sheet"]["grade"]) == (99.98, "优")
    assert sample[4] == 99.84 and sample[7].endswith("促进工业和信息化发展工作经费.docx")
    check = json.loads((out / "促进工业和信息化发展工作经费.check.json").read_text("utf-8"))["summary"]
    assert (sample[5], sample[6]) == (check["errors"], check["warnings"])
    failed = by_status["失败"]
    assert failed[2] is None and "实际完成值为空" in failed[9]


def test_check_score_and_convert_accept_a_table(tmp_path: Path) -> None:
    write_figures_workbook([read_figures(CASES / "water-missed-2023.yaml")], tmp_path / "水利.xlsx")
    checked = run("check", "--figures", "水利.xlsx", "--json", cwd=tmp_path)
    expected = run("check", "--figures", str(CASES / "water-missed-2023.yaml"), "--json", cwd=tmp_path)
    assert checked.returncode == expected.returncode and checked.stdout == expected.stdout
    scored = run("score", "水利.xlsx", "--json", cwd=tmp_path)
    assert scored.returncode == 0 and json.loads(scored.stdout)["score_sheet"]["grade"]
    converted = run("convert", "水利.xlsx", "-o", "figures.yaml", cwd=tmp_path)
    assert converted.returncode == 0, converted.stderr
    assert "已写出：figures.yaml" in converted.stderr
    assert read_figures(tmp_path / "figures.yaml") == read_figures(CASES / "water-missed-2023.yaml")
    data = yaml.safe_load((tmp_path / "figures.yaml").read_text("utf-8"))
    assert "id" not in data["indicators"][0] or data["indicators"][0]["id"] != "i1"


def test_convert_splits_a_workbook_and_refuses_a_bad_project(tmp_path: Path) -> None:
    three_projects(tmp_path)
    done = run("convert", "各单位自评表.xlsx", "-o", "figures", cwd=tmp_path)
    assert done.returncode == 2 and "实际完成值为空" in done.stderr
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "促进工业和信息化发展工作经费.yaml", "农村公路养护工程.yaml"]
    one_file = run("convert", "各单位自评表.xlsx", "-o", "all.yaml", cwd=tmp_path)
    assert one_file.returncode == 2 and not (tmp_path / "all.yaml").exists()
    many = run("check", "--figures", "各单位自评表.xlsx", cwd=tmp_path)
    assert many.returncode == 2 and "工作簿中有 3 个项目" in many.stderr


def test_template_command(tmp_path: Path) -> None:
    done = run("template", "xlsx", "-o", "自评表模板.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(tmp_path / "自评表模板.xlsx").sheetnames == ["自评表", "填写说明"]
    again = run("template", "xlsx", "-o", "自评表模板.xlsx", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    assert run("template", "docx", cwd=tmp_path).returncode == 2


def test_a_long_batch_drafted_in_worker_processes_matches_one_process(tmp_path: Path, monkeypatch) -> None:
    import io

    from rich.console import Console

    from assistant import batch_procs
    from assistant.batch import draft_files
    from assistant.scoring import load_scheme

    path = three_projects(tmp_path)
    files = [path, CASES / "culture-qualitative-2024.yaml"]
    alone = draft_files(files, tmp_path / "one", load_scheme(), Console(file=io.StringIO()))
    monkeypatch.setattr(batch_procs, "PROCESS_MIN", 2)
    monkeypatch.setattr(batch_procs.os, "cpu_count", lambda: 2)
    spread = draft_files(files, tmp_path / "two", load_scheme(), Console(file=io.StringIO()))
    assert [(r.label, bool(r.error), r.score, r.errors) for r in spread] == [
        (r.label, bool(r.error), r.score, r.errors) for r in alone]
    assert sum(bool(r.error) for r in spread) == 1 and "实际完成值为空" in next(r.error for r in spread if r.error)
    for md in sorted((tmp_path / "one").glob("*.md")):
        assert (tmp_path / "two" / md.name).read_text("utf-8") == md.read_text("utf-8")
    assert len(list((tmp_path / "two").glob("*.docx"))) == 3 and (tmp_path / "two/各单位自评表-汇总.xlsx").exists()
