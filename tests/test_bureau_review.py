"""`assistant review FOLDER`: a row per submitted report, sorted by severity, an unreadable file a row
saying why, the review as a workbook and as Markdown, and each report's findings as Word comments."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml

from assistant.bureau_docx import commented_name
from assistant.bureau_pool import review_files
from assistant.cli import main
from assistant.sources import load_figures
from assistant.xlsx_write import write_figures_workbook
from tests.browser import reviewer_inbox
from tests.conftest import CASES
from tests.test_word_comments import anchored

HEAD = ["文件", "单位", "项目", "年度", "自报总分", "核算总分", "等级", "执行率（%）", "错误", "警告", "主要问题",
        "批注文件"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run the command line as the `assistant` script does; return the exit status and all it printed."""
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out + out.err


def table(case: str, target: Path) -> Path:
    """Write an eval case as the 自评表 workbook a unit would submit."""
    write_figures_workbook([load_figures(CASES / f"{case}.yaml")], target)
    return target


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A bureau's inbox: a clean table, two faulty ones, a damaged Word file and an Excel lock file."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    table("sample-2024", inbox / "工信局.xlsx")  # no error: three warnings for the project
    table("diag-grade-2022", inbox / "民政局.xlsx")  # grade 优 stated for 89.4 分
    table("diag-weights-2022", inbox / "水务局.xlsx")  # weights add up to 110
    (inbox / "损坏的报告.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (inbox / "~$工信局.xlsx").write_bytes(b"lock")  # Excel's lock file: not a report
    (inbox / "说明.txt").write_text("不是报告", encoding="utf-8")
    return inbox


def test_a_folder_is_one_row_per_report_sorted_by_severity(folder: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "审阅" / "review.xlsx"
    code, printed = run(capsys, "review", str(folder), "-o", str(out), "-o", str(tmp_path / "审阅" / "review.md"))
    assert code == 2, printed  # a report could not be read: as `draft` does for a bad project
    assert "Traceback" not in printed and "已写出" in printed
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEAD
    by_file = {r[0]: r for r in rows[1:]}
    # unreadable first, then by errors, then by warnings (水务局 has a warning more than 民政局)
    assert [r[0] for r in rows[1:]] == ["损坏的报告.docx", "水务局.xlsx", "民政局.xlsx", "工信局.xlsx"]
    damaged = by_file["损坏的报告.docx"]
    assert "无法读取" in damaged[10] and "Word 文件" in damaged[10] and damaged[11] is None
    grade = by_file["民政局.xlsx"]
    assert grade[1:8] == ("江北市民政局", "社区居家养老服务补助", 2022, 89.4, 89.39, "良（自报优）", 95)
    assert grade[8] == 1 and "自报等级「优」与自报总分 89.4分不符" in grade[10]
    weights = by_file["水务局.xlsx"]
    assert weights[8] >= 1 and "110" in weights[10]
    clean = by_file["工信局.xlsx"]
    assert clean[4:10] == (100, 99.98, "优", 99.84, 0, 3)
    assert clean[10].startswith("1. 执行率按实际到位资金计算为 99.84%")
    assert clean[10].count("\n") == 2  # the three most serious findings, one a line
    link = openpyxl.load_workbook(out).active.cell(3, 12).hyperlink
    assert link is not None and link.target == "review-批注/水务局.xlsx（批注）.docx"
    assert (out.parent / link.target).is_file()


def test_the_review_in_markdown_says_the_same(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "review.md"
    code, _ = run(capsys, "review", str(folder), "-o", str(out))
    assert code == 2
    text = out.read_text(encoding="utf-8")
    assert "共 4 份：有错误 2 份，无法读取 1 份，其余 1 份未发现错误。" in text
    lines = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [line.split(" | ")[0] for line in lines] == [
        "| 损坏的报告.docx", "| 水务局.xlsx", "| 民政局.xlsx", "| 工信局.xlsx"]
    assert "[民政局.xlsx（批注）.docx](<review-批注/民政局.xlsx（批注）.docx>)" in lines[2]
    assert (tmp_path / "review-批注" / "民政局.xlsx（批注）.docx").is_file()


def test_clean_reports_exit_0_and_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    table("sample-2024", inbox / "a.xlsx")
    assert run(capsys, "review", str(inbox))[0] == 0  # no -o: the table on the terminal only
    assert not list(tmp_path.rglob("*.docx"))
    table("diag-grade-2022", inbox / "b.xlsx")
    code, printed = run(capsys, "review", str(inbox))
    assert code == 1 and "89.4→89.39" in printed


@pytest.mark.parametrize(("args", "words"), [
    (["-o", "review.csv"], "请用 .xlsx 或 .md"),
    (["-o", "."], "是一个文件夹"),
])
def test_outputs_that_cannot_be_written_are_refused_before_any_work(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str) -> None:
    code, printed = run(capsys, "review", str(folder), *args)
    assert code == 2 and words in printed
    assert not list(tmp_path.rglob("*（批注）.docx"))


def test_an_empty_folder_or_a_missing_one_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "空").mkdir()
    assert run(capsys, "review", str(tmp_path / "空"))[1].count("没有找到要审阅的报告") == 1
    code, printed = run(capsys, "review", str(tmp_path / "无此文件夹"))
    assert code == 2 and "找不到" in printed


def test_its_own_outputs_in_the_folder_are_not_reviewed_again(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "review", str(folder), "-o", str(folder / "review.xlsx"))
    code, printed = run(capsys, "review", str(folder), "-o", str(folder / "review.xlsx"))
    rows = list(openpyxl.load_workbook(folder / "review.xlsx").active.iter_rows(values_only=True))
    assert len(rows) == 5 and "review.xlsx" not in [r[0] for r in rows]


def test_worker_processes_give_the_rows_one_process_gives(folder: Path, tmp_path: Path) -> None:
    files = sorted(p for p in folder.iterdir() if p.suffix in (".xlsx", ".docx") and not p.name.startswith("~"))
    alone = review_files(files, tmp_path / "a", "national", processes=1)
    pooled = review_files(files, tmp_path / "b", "national", processes=2)
    strip = [(r.file, r.score, r.errors, r.warnings, r.top, r.problem, Path(r.commented).name) for r in alone]
    assert strip == [(r.file, r.score, r.errors, r.warnings, r.top, r.problem, Path(r.commented).name) for r in pooled]


def test_a_table_s_findings_are_comments_at_their_cells(folder: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "review", str(folder), "-o", str(tmp_path / "r.xlsx"))
    comments = anchored(tmp_path / "r-批注" / "民政局.xlsx（批注）.docx")
    assert any(at == "等级：良" and "grade_mismatch" in text for at, text in comments), comments


def test_a_word_report_is_checked_against_its_own_table_and_commented_at_the_figures(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inbox = reviewer_inbox(tmp_path / "收件")[0].parent  # a clean table, a Word report with 183.78, a bad PDF
    code, printed = run(capsys, "review", str(inbox), "-o", str(tmp_path / "r.xlsx"))
    assert code == 2, printed
    rows = {r[0]: r for r in list(openpyxl.load_workbook(tmp_path / "r.xlsx").active.iter_rows(values_only=True))[1:]}
    word = rows["工信局报告.docx"]
    assert word[1:10] == ("湛江市工业和信息化局", "促进工业和信息化发展工作经费", 2024, 99.98, 99.98, "优", 99.84, 1, 4)
    assert word[10].startswith("1. 全年执行数应为 138.78万元，文中为 183.78万元\n")  # the narrative against its table
    comments = anchored(tmp_path / "r-批注" / "工信局报告（批注）.docx")
    assert ("183.78万元", "【错误】全年执行数应为 138.78万元，文中为 183.78万元 [contradicted_number]") in comments
    # a finding on the figures sits on the 自评表 cell the value was read from: 实际到位数 139
    assert any(at == "139" and "funds_not_arrived" in text for at, text in comments), comments
    # and on the cell where the table states its own execution rate
    assert any(at.startswith("99.84%") and "basis_inconsistent" in text for at, text in comments), comments


REPORTS = CASES.parent / "reports"


@pytest.fixture(scope="module")
def reviewed_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple]]:
    """The acceptance corpus eval/reports reviewed once as `assistant review eval/reports -o review.xlsx`."""
    out = tmp_path_factory.mktemp("corpus") / "review.xlsx"
    with pytest.raises(SystemExit) as stop:
        main(["review", str(REPORTS), "-o", str(out)])
    assert stop.value.code == 1  # planted errors, and every file read
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))[1:]
    return out, {r[0]: r for r in rows}


def expectations() -> list[tuple[str, dict]]:
    """Return (file, its expectation) for every report file of eval/reports."""
    out = []
    for path in sorted(REPORTS.glob("*.expect.yaml")):
        expect = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += [(name, expect) for name in expect["files"]]
    return out


@pytest.mark.parametrize(("name", "expect"), expectations(), ids=[n for n, _ in expectations()])
def test_review_finds_every_planted_fault_of_the_corpus_and_no_error_in_a_clean_report(
        reviewed_corpus: tuple[Path, dict[str, tuple]], name: str, expect: dict) -> None:
    out, rows = reviewed_corpus
    row = rows[name]
    assert row[1] == expect["read"]["project.unit"] and row[2] == expect["read"]["project.name"]
    if expect["clean"]:
        assert row[8] == 0, row[10]
        return
    comments = " ".join(text for _, text in anchored(out.parent / "review-批注" / commented_name(name)))
    for fault in expect["planted"]:
        assert f"[{fault['code']}]" in comments, (fault, row[10])
    assert row[8] + row[9] >= len({f["code"] for f in expect["planted"]})


def test_two_reports_of_one_name_in_two_folders_keep_a_row_and_a_commented_copy_each(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for unit, case in (("单位甲", "diag-grade-2022"), ("单位乙", "sample-2024")):
        (tmp_path / unit).mkdir()
        table(case, tmp_path / unit / "自评表.xlsx")
    code, _ = run(capsys, "review", str(tmp_path / "单位甲"), str(tmp_path / "单位乙"), "-o", str(tmp_path / "r.md"))
    assert code == 1
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "| 单位甲/自评表.xlsx | 江北市民政局" in text and "| 单位乙/自评表.xlsx | 湛江市工业和信息化局" in text
    assert sorted(p.name for p in (tmp_path / "r-批注").iterdir()) == ["单位乙_自评表.xlsx（批注）.docx",
                                                                     "单位甲_自评表.xlsx（批注）.docx"]


def test_a_pdf_s_commented_copy_holds_its_text_and_tables_with_the_findings_at_their_cells(
        reviewed_corpus: tuple[Path, dict[str, tuple]]) -> None:
    out, rows = reviewed_corpus
    assert rows["c-training-2024-sum.pdf"][4:6] == (98.7, 97.7)
    comments = anchored(out.parent / "review-批注" / "c-training-2024-sum.pdf（批注）.docx")
    assert ("98.7分", "【错误】自评总分应为 97.7分，文中为 98.7分 [contradicted_number]") in comments  # in the text
    assert any(at == "98.7" and "[total_not_sum]" in text for at, text in comments), comments  # the 总分 cell
    rowscore = anchored(out.parent / "review-批注" / "a-culture-2024-rowscore.pdf（批注）.docx")
    assert any(at == "8" and "[line_score_mismatch]" in text for at, text in rowscore), rowscore  # the row's 得分


def test_hostile_files_in_the_folder_are_rows_and_never_stop_the_review(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inbox = tmp_path / "收件"
    inbox.mkdir()
    table("sample-2024", inbox / "a\x1b[31mred\x07.xlsx")  # an escape sequence in the name
    _bomb(inbox / "炸弹.docx")  # 3 MB of spaces stored in a few kilobytes
    (inbox / "空.pdf").write_bytes(b"")
    code, printed = run(capsys, "review", str(inbox), "-o", str(tmp_path / "r.xlsx"), "-o", str(tmp_path / "r.md"))
    assert code == 2 and "\x1b" not in printed and "a␛[31mred␇.xlsx" in printed
    rows = {r[0]: r for r in list(openpyxl.load_workbook(tmp_path / "r.xlsx").active.iter_rows(values_only=True))[1:]}
    assert set(rows) == {"a␛[31mred␇.xlsx", "炸弹.docx", "空.pdf"}
    assert "疑似压缩炸弹" in rows["炸弹.docx"][10] and rows["空.pdf"][10].startswith("无法读取：")
    assert rows["a␛[31mred␇.xlsx"][5] == 99.98
    assert "\x1b" not in (tmp_path / "r.md").read_text(encoding="utf-8")
    assert [p.name for p in (tmp_path / "r-批注").iterdir()] == ["a␛[31mred␇.xlsx（批注）.docx"]


def _bomb(path: Path) -> None:
    """Write a Word file with a member that inflates 200 times and more (what reading.open_docx refuses)."""
    buf = io.BytesIO()
    docx.Document().save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
        zout.writestr("word/media/big.bin", b" " * (3 << 20))
