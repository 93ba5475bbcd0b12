"""A report checked against its own 自评表 (`assistant check REPORT` without --figures)."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest

from assistant.draft import draft_report
from assistant.extract import extract_report
from assistant.figures import read_figures
from assistant.scoring import load_scheme
from assistant.self_check import scheme_for, self_check
from assistant.word import write_docx
from tests.conftest import CASES, ROOT
from tests.test_extract import cli, corpus


@pytest.fixture(scope="module")
def sample_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "sample-2024.docx"
    write_docx(draft_report(read_figures(CASES / "sample-2024.yaml")), path)
    return path


def _edit(src: Path, dst: Path, old: str, new: str, *, in_table: bool) -> Path:
    """Copy a Word report with the first text run holding `old` (in a table cell or a paragraph) changed."""
    doc = docx.Document(str(src))
    paragraphs = ([p for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs] if in_table
                  else doc.paragraphs)
    run = next(r for p in paragraphs for r in p.runs if old in r.text)
    run.text = run.text.replace(old, new, 1)
    doc.save(str(dst))
    return dst


def test_our_own_export_agrees_with_its_table(sample_docx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, "check", str(sample_docx), "--json")
    data = json.loads(out)
    assert status == 0 and data["summary"]["errors"] == 0 and data["summary"]["contradicted"] == 0
    assert data["extraction"]["figures"]["funds"]["spent"] == 138.78
    # the benefit figures of the narrative are not in the table: noted, not errors
    assert {f["code"] for f in data["findings"] if f["severity"] == "info"} == {"not_in_table"}


def test_a_narrative_amount_that_disagrees_with_the_table_is_contradicted(
        sample_docx: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _edit(sample_docx, tmp_path / "r.docx", "138.78万元", "136.78万元", in_table=False)
    status, out, _ = cli(capsys, "check", str(report), "--json")
    data = json.loads(out)
    wrong = [f for f in data["findings"] if f["code"] == "contradicted_number"]
    assert status == 1 and [f["text"] for f in wrong] == ["136.78万元"] and wrong[0]["expected"] == "138.78万元"


def test_a_row_score_and_a_total_that_do_not_add_up_are_found(sample_docx: Path, tmp_path: Path) -> None:
    # 指标1 scored 28 instead of 30 (6 against ≥5 earns the whole weight), the total left at 99.98
    report = _edit(sample_docx, tmp_path / "r.docx", "30", "28", in_table=True)
    doc = docx.Document(str(report))
    row = doc.tables[1].rows[1]
    row.cells[7].paragraphs[0].runs[0].text = "28"
    row.cells[6].paragraphs[0].runs[0].text = "30"
    doc.save(str(report))
    got = extract_report(report)
    checked = self_check(got, load_scheme())
    codes = [f.code for f in checked.result.findings]
    assert "line_score_mismatch" in codes and "total_not_sum" in codes
    line = next(f for f in checked.result.findings if f.code == "line_score_mismatch")
    assert line.message.startswith("表2 第2行第8列：指标1「评审项目个数」得分 28分") and line.expected == "30"
    total = next(f for f in checked.result.findings if f.code == "total_not_sum")
    assert "各行得分之和为 97.98分" in total.message and total.severity == "error"


def test_a_wrong_grade_in_the_table_is_an_error(sample_docx: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    report = _edit(sample_docx, tmp_path / "r.docx", "等级：优", "等级：良", in_table=True)
    status, out, _ = cli(capsys, "check", str(report), "--json")
    codes = [f["code"] for f in json.loads(out)["findings"]]
    assert status == 1 and "grade_mismatch" in codes


def test_an_execution_weight_of_20_scores_with_the_scheme_that_has_it(sample_docx: Path, tmp_path: Path) -> None:
    report = _edit(sample_docx, tmp_path / "r.docx", "10", "20", in_table=True)
    got = extract_report(report)
    assert scheme_for(got, load_scheme(), chosen=False).name == "exec20"
    assert scheme_for(got, load_scheme(), chosen=True).name == "national"


def test_check_of_a_markdown_report_still_needs_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "r.md").write_text("正文", encoding="utf-8")
    status, _, err = cli(capsys, "check", str(tmp_path / "r.md"))
    assert status == 2 and "--figures" in err


@pytest.mark.parametrize(("report", "expect"), corpus(), ids=lambda v: v.name if isinstance(v, Path) else "")
def test_review_finds_every_planted_fault_and_no_error_on_clean_reports(report: Path, expect: dict) -> None:
    got = extract_report(report)
    checked = self_check(got, scheme_for(got, load_scheme(), chosen=False))
    codes = {f.code for f in checked.result.findings}
    assert [p["code"] for p in expect["planted"] if p["code"] not in codes] == []
    if expect["clean"]:
        assert [f.message for f in checked.result.findings if f.severity == "error"] == []
    else:
        assert checked.result.errors or any(f.severity == "warning" for f in checked.result.findings)


def test_check_of_a_pdf_report_against_its_own_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, "check", str(ROOT / "eval" / "reports" / "b-elderly-2023-rate95.pdf"), "--json")
    data = json.loads(out)
    by_code = {f["code"]: f for f in data["findings"]}
    assert status == 1
    assert by_code["rate_mismatch"]["expected"] == "92.3%"  # 1,107,600 ÷ 1,200,000
    # the narrative repeats the table's wrong rate and total
    assert {f["text"] for f in data["findings"] if f["code"] == "miscomputed"} == {"95%", "99.5分"}
    assert by_code["line_score_mismatch"]["expected"] == "9.23"  # 10 × 92.3%
