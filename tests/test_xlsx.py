"""Workbooks in and out: layouts written by openpyxl and by LibreOffice, formulas, the template, the round trip."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from assistant.figures import FiguresError
from assistant.sources import load_figures
from assistant.xlsx import read_workbook, read_xlsx_figures
from assistant.xlsx_write import write_figures_workbook, write_template
from tests.conftest import case_files


def book(path: Path, sheets: dict[str, tuple[list[list[Any]], list[str]]]) -> Path:
    """Write sheets of rows (values as given: numbers, text, formulas, dates) with merged ranges; return path."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (rows, merges) in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for rng in merges:
            ws.merge_cells(rng)
    wb.save(path)
    return path


# Rows 5–9 hold the funds block, 12–16 the indicators; numbers are stored as text here and there.
NATIONAL = [
    ["项目支出绩效自评表"],
    ["（2024年度）"],
    ["项目名称", "农村公路养护工程"],
    ["主管部门", "江北市交通运输局", None, None, "实施单位", "江北市公路事务中心"],
    ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    [None, "年度资金总额", "300", 360, " 350.50 ", 10, 0.9736, 9.74],
    [None, "其中：当年财政拨款", 300, "320", 312.5],
    [None, "上年结转资金", None, 40, "38"],
    [None, "其他资金", None, None, None],
    ["年度总体目标", "预期目标", None, None, "实际完成情况"],
    [None, "完成年度养护任务", None, None, "已完成"],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
     "偏差原因分析及改进措施"],
    [None, "产出指标", "数量指标", "日常养护里程", "≥860公里", "872", "30", 30],
    [None, None, "质量指标", "验收合格率", "100%", "100%", 20, 20],
    [None, "效益指标", "社会效益指标", "优良中等路率", "≥80%", "78%", 30, 29.25, "部分路段水毁"],
    [None, "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", 0.93, 10, 10],
    ["总分", None, None, None, None, None, 100, 99],
]
NATIONAL_MERGES = ["A1:I1", "A2:I2", "B3:I3", "B4:D4", "F4:I4", "A5:A9", "A10:A11", "B10:D10", "E10:I10",
                   "B11:D11", "E11:I11", "A12:A16", "B13:B14", "A17:F17"]


def national(tmp_path: Path) -> Path:
    path = book(tmp_path / "national.xlsx", {"Sheet1": (NATIONAL, NATIONAL_MERGES)})
    wb = openpyxl.load_workbook(path)
    wb["Sheet1"]["G6"].number_format = "0.00%"
    wb["Sheet1"]["F16"].number_format = "0%"
    wb.save(path)
    return path


def test_national_layout_with_merged_cells_and_numbers_stored_as_text(tmp_path: Path) -> None:
    fig = read_xlsx_figures(national(tmp_path))
    assert (fig.project.name, fig.project.unit, fig.project.year, fig.project.goal) == (
        "农村公路养护工程", "江北市公路事务中心", 2024, "完成年度养护任务")
    assert (fig.funds.unit, fig.funds.budget_initial, fig.funds.budget_adjusted, fig.funds.spent) == (
        "万元", 300, 360, 350.5)
    assert [(b.name, b.budget, b.spent) for b in fig.funds.breakdown] == [("当年财政拨款", 320, 312.5),
                                                                         ("上年结转资金", 40, 38)]
    # the merged 产出指标 cell (B13:B14) stands for both rows; the percent-formatted 0.93 reads as 93%
    assert [(i.level1, i.name, i.actual, i.weight) for i in fig.indicators] == [
        ("产出指标", "日常养护里程", 872, 30), ("产出指标", "验收合格率", "100%", 20),
        ("效益指标", "优良中等路率", "78%", 30), ("满意度指标", "群众满意度", "93%", 10)]
    assert (fig.evaluation.execution_rate, fig.evaluation.score) == (97.36, 99)


def test_province_layout_in_yuan_with_operator_and_unit_columns(tmp_path: Path) -> None:
    rows = [
        ["2023年度项目支出绩效自评表"],
        ["项目名称：", "饮水工程维修", "预算单位：", "某县水利局", "填表日期", dt.datetime(2024, 3, 5)],
        ["", "", "年初预算数（元）", "调整后预算数（元）", "实际支出（元）", "执行率"],
        ["", "合计", 1200000, "1,200,000.00", "1,150,000", "95.83%"],
        ["一级指标", "二级指标", "指标名称", "指标性质", "指标值", "计量单位", "完成值", "权重", "佐证材料"],
        ["产出", "数量", "维修工程处数", "≥", 12, "处", 12, 40, "验收单12份"],
        ["", "时效", "完工时间", "定性", "按期完工", "", "已完成", 30],
        ["满意度", "服务对象满意度", "用水户满意度", "≥", 90, "%", "92", "30"],
    ]
    fig = read_xlsx_figures(book(tmp_path / "p.xlsx", {"自评": (rows, [])}))
    assert (fig.project.year, fig.project.unit, fig.project.fill_date) == (2023, "某县水利局", dt.date(2024, 3, 5))
    assert (fig.funds.unit, fig.funds.budget_initial, fig.funds.spent) == ("元", 1200000, 1150000)
    assert [(i.level1, i.level2, i.target, i.unit, i.actual) for i in fig.indicators] == [
        ("产出指标", "数量指标", "≥12", "处", 12), ("产出指标", "时效指标", "按期完工", "", "已完成"),
        ("满意度指标", "服务对象满意度指标", "≥90", "%", 92)]
    assert fig.indicators[0].evidence == "验收单12份"


def test_one_sheet_listing_several_projects(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "实施单位", "评价年度", "年初预算数（万元）", "全年执行数（万元）", "一级指标", "二级指标",
         "三级指标", "年度指标值", "实际完成值"],
        ["甲项目", "甲局", 2024, 100, 98, "产出指标", "数量指标", "培训人次", "≥500", 520],
        [None, None, None, None, None, "效益指标", "社会效益指标", "就业率", "≥80%", "85%"],
        ["乙项目", "乙局", 2024, 50, 20, "产出指标", "数量指标", "检测批次", "≥100", None],
        ["丙项目", "丙局", 2024, 80, 80, "产出指标", "质量指标", "合格率", "≥95%", "96%"],
    ]
    path = book(tmp_path / "list.xlsx", {"项目清单": (rows, ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3"])})
    projects = read_workbook(path)
    assert [(p.name, p.error is None) for p in projects] == [("甲项目", True), ("乙项目", False), ("丙项目", True)]
    assert "项目清单!J4：实际完成值为空" in str(projects[1].error)
    assert [i.name for i in projects[0].figures.indicators] == ["培训人次", "就业率"]  # type: ignore[union-attr]
    with pytest.raises(FiguresError, match="工作簿中有 3 个项目"):
        read_xlsx_figures(path)


def test_formulas_read_by_cached_value_or_named_by_their_cell(tmp_path: Path) -> None:
    rows = [row[:] for row in NATIONAL]
    rows[5] = [None, "年度资金总额", "=C7+C8", 360, "=E7+E8"]  # written by a program: never calculated
    rows[14][5] = "#DIV/0!"
    path = book(tmp_path / "f.xlsx", {"Sheet1": (rows, NATIONAL_MERGES)})
    with pytest.raises(FiguresError) as err:
        read_xlsx_figures(path)
    text = str(err.value)
    assert "Sheet1!C6：年初预算数：公式没有计算结果" in text and "Sheet1!E6：全年执行数：公式没有计算结果" in text
    assert "Sheet1!F15：实际完成值：公式结果为错误值 #DIV/0!" in text
    assert text.splitlines()[0].endswith("有 3 处问题，未生成任何文件：")


def test_files_that_are_not_workbooks(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "fake.xlsx").write_text("not a zip", "utf-8")
    with pytest.raises(FiguresError, match="另存为 .xlsx"):
        load_figures(tmp_path / "old.xls")
    with pytest.raises(FiguresError, match="无法打开 Excel 工作簿"):
        load_figures(tmp_path / "fake.xlsx")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        with package.open("xl/worksheets/sheet1.xml", "w") as fh:
            for _ in range(20):
                fh.write(bytes(1 << 20))  # 20 MB of zeros stored in about 20 KB
    with pytest.raises(FiguresError, match="疑似压缩炸弹"):
        load_figures(bomb)
    notes = book(tmp_path / "notes.xlsx", {"说明": ([["本工作簿用于汇总。"]], [])})
    with pytest.raises(FiguresError, match="没有找到自评表"):
        load_figures(notes)


@pytest.mark.parametrize("case", case_files(), ids=lambda p: p.stem)
def test_every_case_survives_the_template_round_trip(case: Path, tmp_path: Path) -> None:
    fig = load_figures(case)
    path = tmp_path / "case.xlsx"
    write_figures_workbook([fig], path)
    assert load_figures(path).model_dump() == fig.model_dump()


def test_template_has_choices_an_example_row_and_reads_once_filled(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["自评表"]
    lists = {str(v.sqref).split(":")[0][0]: v.formula1 for v in ws.data_validations.dataValidation}
    assert "产出指标" in lists["A"] and "服务对象满意度指标" in lists["B"] and "≥" in lists["D"]
    example = next(r for r in ws.iter_rows() if str(r[2].value or "").startswith("（示例）"))
    with pytest.raises(FiguresError) as err:
        load_figures(path)
    assert "自评表!B3：项目名称为空" in str(err.value) and "示例" not in str(err.value)
    ws["B3"], ws["H3"], ws["H4"], ws["C10"], ws["F10"] = "档案数字化", 2024, "市档案馆", 80, "78.5"
    r = example[0].row
    ws.cell(r + 1, 1, "产出指标")
    ws.cell(r + 1, 2, "数量指标")
    for col, value in zip("CDEFG", ("数字化档案", "≥", 2, "万卷", "2.1"), strict=True):
        ws[f"{col}{r + 1}"] = value
    wb.save(path)
    fig = load_figures(path)
    assert (fig.project.name, fig.funds.budget_initial, fig.funds.spent) == ("档案数字化", 80, 78.5)
    assert [(i.name, i.target, i.unit, i.actual) for i in fig.indicators] == [("数字化档案", "≥2", "万卷", 2.1)]


def test_a_table_saved_by_libreoffice(tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice（libreoffice-calc-nogui）未安装；./dev.sh test 会安装它")
    csv = tmp_path / "自评表.csv"
    csv.write_text("\n".join([
        "项目支出绩效自评表（2024年度）,,,,,,,",
        "项目名称,社区居家养老服务补助,,主管部门,某区民政局,,,",
        "实施单位,某区民政局,,,,,,",
        "项目资金（万元）,,年初预算数,全年预算数,全年执行数,分值,执行率,得分",
        ",年度资金总额,=C6+C7,=D6+D7,=E6+E7,10,=E5/D5,9.8",
        ",其中：当年财政拨款,\"1,200.00\",\"1,250.00\",\"1,226.30\",,,",
        ",上年结转资金,0,0,0,,,",
        "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施",
        "产出指标,数量指标,助餐服务人次,≥30000人次,31250,25,25,",
        "产出指标,质量指标,服务投诉办结率,100%,100%,25,25,",
        "效益指标,社会效益指标,老年人生活便利度,明显提升,明显提升,30,30,",
        "满意度指标,服务对象满意度指标,老年人满意度,≥90%,95.5%,10,10,",
        "总分,,,,,,99.8,",
    ]) + "\n", encoding="utf-8")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--infilter=CSV:44,34,76,1",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path), str(csv)],
                   check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    fig = load_figures(tmp_path / "自评表.xlsx")
    assert (fig.project.name, fig.project.year, fig.project.department) == ("社区居家养老服务补助", 2024, "某区民政局")
    # the total row's formulas were calculated by LibreOffice and are read by their results
    assert (fig.funds.budget_initial, fig.funds.budget_adjusted, fig.funds.spent) == (1200, 1250, 1226.3)
    assert fig.evaluation.execution_rate == pytest.approx(98.104)
    assert [(i.name, i.target, i.actual) for i in fig.indicators] == [
        ("助餐服务人次", "≥30000人次", 31250), ("服务投诉办结率", "100%", "100%"),
        ("老年人生活便利度", "明显提升", "明显提升"), ("老年人满意度", "≥90%", "95.5%")]
    assert fig.evaluation.score == 99.8
