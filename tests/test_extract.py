"""Figures recovered from a report's own 自评表 (assistant/extract.py) and `assistant extract`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml

from assistant.cli import main
from assistant.convert import figures_data
from assistant.draft import draft_report
from assistant.extract import ExtractError, extract_report
from assistant.figures import read_figures
from assistant.word import write_docx
from tests.conftest import CASES, ROOT


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line in-process; return its exit status, stdout and stderr."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


@pytest.fixture(scope="module")
def sample_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return our own Word export of the sample project (the 自评表 split in two tables, as Word needs)."""
    path = tmp_path_factory.mktemp("reports") / "sample-2024.docx"
    write_docx(draft_report(read_figures(CASES / "sample-2024.yaml")), path)
    return path


def test_our_word_export_reads_back_to_the_figures_of_its_table(sample_docx: Path) -> None:
    got = extract_report(sample_docx)
    fig = got.figures
    assert fig is not None, got.unread
    assert (fig.project.name, fig.project.unit, fig.project.year) == \
        ("促进工业和信息化发展工作经费", "湛江市工业和信息化局", 2024)
    funds = fig.funds
    assert (funds.unit, funds.budget_initial, funds.budget_adjusted, funds.allocated, funds.spent) == \
        ("万元", 189, 189, 139, 138.78)
    # 99.84%（按到位数）: the note beside the rate names its basis
    assert funds.rate_basis == "allocated" and fig.evaluation.execution_rate == 99.84
    assert [(i.name, i.target, i.actual, i.weight) for i in fig.indicators] == [
        ("评审项目个数", "不少于5个", "6个", 30), ("资金使用合规性", "合规", "合规", 30),
        ("资金支出及时程度", "及时", "及时", 30)]
    assert (fig.evaluation.score, fig.evaluation.grade) == (99.98, "优")  # 总分 row; grade from "等级：优"
    assert funds.breakdown == []  # rows of — are not breakdown items
    where = {r.path: r.where for r in got.readings}
    assert where["funds.spent"] == "表1 第4行第6列"
    assert where["indicators[1].actual"] == "表2 第3行第6列"
    assert where["project.year"].endswith("段")  # the title line （2024年度） above the table
    scores = {s.what: (s.value, s.where) for s in got.stated}
    assert scores["预算执行率得分"] == (9.98, "表1 第4行第10列")
    assert scores["指标1「评审项目个数」得分"] == (30, "表2 第2行第8列")
    assert got.unread == ()
    assert "表" not in got.text.splitlines()[0] and "| " not in got.text  # the narrative holds no table row


def test_a_merged_table_in_yuan_with_columns_in_another_order_is_read(tmp_path: Path) -> None:
    """vMerge and gridSpan cells, amounts in 元, 实际完成值 before 年度指标值, words as actuals."""
    doc = docx.Document()
    doc.add_paragraph("2023年度社区养老服务补助项目绩效自评报告")
    doc.add_paragraph("今年项目年初预算120万元，全年实际到位资金118万元。")
    t = doc.add_table(rows=9, cols=6)
    rows = [
        ["项目名称", "社区养老服务补助", "", "", "", ""],
        ["实施单位", "某区民政局", "", "", "", ""],
        ["项目资金（元）", "全年预算数", "全年执行数", "执行率", "分值", "得分"],
        ["年度资金总额", "1,200,000", "1,104,000", "92%", "10", "9.2"],
        ["一级指标", "二级指标", "三级指标", "实际完成值", "年度指标值", "分值"],
        ["产出指标", "数量指标", "服务老年人人次", "5200人次", "≥5000人次", "45"],
        ["", "时效指标", "补助发放及时性", "按季度全部发放", "按时发放", "45"],
        ["总分", "", "", "", "", "96.2"],
        ["自评等级", "优", "", "", "", ""],
    ]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            t.cell(r, c).text = value
    t.cell(0, 1).merge(t.cell(0, 5))
    t.cell(5, 0).merge(t.cell(6, 0))  # 产出指标 merged down over two rows
    t.cell(5, 0).text = "产出指标"
    path = tmp_path / "养老.docx"
    doc.save(str(path))
    got = extract_report(path)
    fig = got.figures
    assert fig is not None, got.unread
    assert (fig.funds.unit, fig.funds.budget_adjusted, fig.funds.spent) == ("元", 1200000, 1104000)
    # the table has no 年初预算数 or 到位 column: the narrative states them (in 万元, converted to 元)
    assert (fig.funds.budget_initial, fig.funds.allocated) == (1200000, 1180000)
    where = {r.path: r.where for r in got.readings}
    assert where["funds.allocated"] == "第2段" and where["funds.spent"] == "表1 第4行第3列"
    assert [(i.level1, i.target, i.actual) for i in fig.indicators] == [
        ("产出指标", "≥5000人次", "5200人次"), ("产出指标", "按时发放", "按季度全部发放")]
    assert where["indicators[1].level1"] == "表1 第6行第1列"  # the merge's top cell
    assert fig.project.year == 2023 and fig.evaluation.grade == "优"


def test_a_narrative_that_states_a_field_twice_differently_is_not_used(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("2024年度某项目绩效自评报告")
    doc.add_paragraph("年初预算80万元。")
    doc.add_paragraph("经核实，年初预算90万元。")
    t = doc.add_table(rows=4, cols=4)
    for r, values in enumerate([["项目名称", "某项目", "实施单位", "某局"],
                                ["项目资金（万元）", "全年预算数", "全年执行数", "执行率"],
                                ["年度资金总额", "85", "80", "94.12%"],
                                ["总分", "95", "", ""]]):
        for c, value in enumerate(values):
            t.cell(r, c).text = value
    path = tmp_path / "r.docx"
    doc.save(str(path))
    got = extract_report(path)
    assert got.figures is not None and got.figures.funds.budget_initial == 85  # the table's 全年预算数, said so
    assert any("年初预算数有不同的数" in line and "第2段「80万元」" in line and "第3段「90万元」" in line
               for line in got.unread)


def test_a_document_without_a_self_evaluation_table_says_so(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("只有正文，没有表格。")
    path = tmp_path / "plain.docx"
    doc.save(str(path))
    got = extract_report(path)
    assert got.figures is None and len(got.unread) == 1 and got.unread[0].startswith("未找到自评表")


def _blank_pdf() -> bytes:
    """Return a one-page PDF with no text on it: what a scan without OCR gives."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("name", "data", "words"), [
    ("broken.docx", b"PK\x03\x04 not really a zip", "无法打开 Word 文件"),
    ("report.txt", "正文".encode(), "不支持的文件类型"),
    ("old.doc", b"\xd0\xcf\x11\xe0", "另存为 .docx"),
    ("missing.docx", None, "文件不存在"),
    ("broken.pdf", b"%PDF-1.7\n this is no PDF body", "无法解析 PDF 文件"),
    ("scan.pdf", _blank_pdf(), "没有可提取的文字"),
])
def test_a_file_that_cannot_be_read_is_one_chinese_error(tmp_path: Path, name: str, data: bytes | None,
                                                         words: str) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(ExtractError, match=words):
        extract_report(path)


# ---------------------------------------------------------------- the command


def test_extract_writes_the_figures_file_and_shows_where_each_value_stands(
        sample_docx: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "figures.yaml"
    status, _, err = cli(capsys, "extract", str(sample_docx), "-o", str(out))
    assert status == 0
    data = yaml.safe_load(out.read_text("utf-8"))
    assert data["funds"]["spent"] == 138.78 and data["evaluation"]["grade"] == "优"
    assert len(data["indicators"]) == 3
    assert "表1 第4行第6列" in err and "138.78万元" in err
    assert read_figures(out).funds.rate_basis == "allocated"  # what was written loads as a figures file


def test_extract_json_lists_readings_and_unread(sample_docx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, "extract", str(sample_docx), "--json")
    data = json.loads(out)
    assert status == 0 and data["unread"] == []
    assert {"what": "全年执行数", "where": "表1 第4行第6列", "value": "138.78万元", "path": "funds.spent"} \
        in data["readings"]


@pytest.mark.parametrize("content", [b"garbage", None])
def test_extract_of_a_bad_file_exits_2_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          content: bytes | None) -> None:
    report, out = tmp_path / "bad.docx", tmp_path / "figures.yaml"
    if content is None:  # a Word file with no 自评表 in it
        doc = docx.Document()
        doc.add_paragraph("正文")
        doc.save(str(report))
    else:
        report.write_bytes(content)
    status, stdout, err = cli(capsys, "extract", str(report), "-o", str(out))
    assert status == 2 and not out.exists() and stdout == ""
    assert ("无法打开 Word 文件" if content else "未找到自评表") in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- the acceptance corpus (eval/reports/)

REPORTS = ROOT / "eval" / "reports"


def corpus() -> list[tuple[Path, dict[str, Any]]]:
    """Return every report file of the corpus with its expectation (NAME.expect.yaml beside it)."""
    out = []
    for expect in sorted(REPORTS.glob("*.expect.yaml")):
        data = yaml.safe_load(expect.read_text("utf-8"))
        out += [(REPORTS / name, data) for name in data["files"]]
    return out


def value_at(data: Any, path: str) -> Any:
    """Return the value at a figures path ("indicators[2].actual") of plain data, or KeyError."""
    node = data
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    return node


def test_the_corpus_has_word_and_pdf_reports_clean_and_faulty() -> None:
    files = corpus()
    assert len(files) >= 12
    assert {p.suffix for p, _ in files} == {".docx", ".pdf"}
    assert {e["layout"] for _, e in files} and len({e["layout"] for _, e in files}) >= 3
    assert any(e["clean"] for _, e in files) and any(e["planted"] for _, e in files)
    assert all(p.is_file() for p, _ in files)


@pytest.mark.parametrize(("report", "expect"), corpus(), ids=lambda v: v.name if isinstance(v, Path) else "")
def test_every_planted_figure_is_read_from_every_corpus_report(report: Path, expect: dict[str, Any]) -> None:
    got = extract_report(report)
    assert got.figures is not None, got.unread
    data = figures_data(got.figures)
    wrong = {}
    for path, want in expect["read"].items():
        try:
            value = value_at(data, path)
        except (KeyError, IndexError):
            value = "（未读到）"
        same = (abs(value - want) < 1e-9 if isinstance(want, int | float) and isinstance(value, int | float)
                else value == want)
        if not same:
            wrong[path] = (want, value)
    assert wrong == {}
    where = {r.path: r.where for r in got.readings}
    if report.suffix == ".docx":
        assert {p: where.get(p) for p in expect["where_docx"]} == expect["where_docx"]
    else:  # the PDF's table is rebuilt from its ruling lines; its paragraphs are numbered as in Word
        assert re.fullmatch(r"表\d+ 第\d+行第\d+列", where["funds.spent"])
        in_text = {p: w for p, w in expect["where_docx"].items() if w.endswith("段")}
        assert {p: where.get(p) for p in in_text} == in_text
    assert got.unread == ()


def test_a_cell_that_cannot_be_read_is_named_and_nothing_is_written(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    doc = docx.Document()
    doc.add_paragraph("2024年度某项目绩效自评报告")
    t = doc.add_table(rows=3, cols=4)
    for r, values in enumerate([["项目名称", "某项目", "实施单位", "某局"],
                                ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数"],
                                ["年度资金总额", "100", "100", "约九十"]]):
        for c, value in enumerate(values):
            t.cell(r, c).text = value
    report, out = tmp_path / "r.docx", tmp_path / "figures.yaml"
    doc.save(str(report))
    status, stdout, err = cli(capsys, "extract", str(report), "-o", str(out))
    assert status == 2 and not out.exists() and stdout == ""
    assert "表1 第3行第4列：全年执行数应为数字，收到「约九十」" in err


def test_extract_of_a_pdf_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "figures.json"
    status, _, err = cli(capsys, "extract", str(REPORTS / "c-training-2024.pdf"), "-o", str(out))
    data = json.loads(out.read_text("utf-8"))
    assert status == 0 and data["funds"]["spent"] == 79.12
    # 年初预算 and the allocation are not in this table: the narrative states them, and says where
    assert (data["funds"]["budget_initial"], data["funds"]["allocated"]) == (80, 86)
    assert "年初预算数（正文）" in err
