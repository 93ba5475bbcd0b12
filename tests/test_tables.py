"""The 自评表 read from a plain grid of cell texts (no spreadsheet involved): layouts, wording, values, problems."""

from __future__ import annotations

import pytest

from assistant.figures import FiguresError
from assistant.table_list import read_grid
from assistant.table_words import match, number, percent
from assistant.tables import Cell, Grid, money_unit, to_figures

COLUMNS = "ABCDEFGHIJKLMN"


def grid(rows: list[list[str]], name: str = "Sheet1", merged: dict[str, str] | None = None) -> Grid:
    """Return a grid of the texts; `merged` maps a cell to the anchor whose text and address it carries."""
    cells = [[Cell(text, f"{name}!{COLUMNS[c]}{r + 1}") for c, text in enumerate(row)] for r, row in enumerate(rows)]
    for ref, anchor in (merged or {}).items():
        r, c = int(ref[1:]) - 1, COLUMNS.index(ref[0])
        ar, ac = int(anchor[1:]) - 1, COLUMNS.index(anchor[0])
        cells[r][c] = cells[ar][ac]
    return Grid(name, tuple(tuple(row) for row in cells))


NATIONAL = [
    ["项目支出绩效自评表", "项目支出绩效自评表", "项目支出绩效自评表", "", "", "", "", "", ""],
    ["（2024年度）", "", "", "", "", "", "", "", ""],
    ["项目名称", "农村公路养护工程", "", "", "", "", "", "", ""],
    ["主管部门", "江北市交通运输局", "", "", "实施单位", "江北市公路事务中心", "", "", ""],
    ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", ""],
    ["项目资金（万元）", "年度资金总额", "300", "360", "350.5", "10", "97.36%", "9.74", ""],
    ["项目资金（万元）", "其中：当年财政拨款", "300", "320", "312.5", "", "", "", ""],
    ["项目资金（万元）", "上年结转资金", "", "40", "38", "", "", "", ""],
    ["项目资金（万元）", "其他资金", "0", "0", "0", "", "", "", ""],
    ["年度总体目标", "预期目标", "预期目标", "预期目标", "实际完成情况", "", "", "", ""],
    ["年度总体目标", "完成年度养护任务", "", "", "已完成", "", "", "", ""],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
     "偏差原因分析及改进措施"],
    ["绩效指标", "产出指标", "数量指标", "日常养护里程", "≥860公里", "872", "30", "30", ""],
    ["绩效指标", "产出指标", "质量指标", "验收合格率", "100%", "100%", "20", "20", ""],
    ["绩效指标", "效益指标", "社会效益指标", "优良中等路率", "≥80%", "78%", "30", "29.25", "部分路段水毁"],
    ["绩效指标", "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "93%", "10", "10", ""],
    ["总分", "总分", "总分", "总分", "总分", "总分", "100", "99.0", ""],
    ["填表人：张三", "", "联系电话：123", "", "", "", "", "", ""],
]


def test_national_layout_with_merges_and_subheaders() -> None:
    g = grid(NATIONAL)
    [tp] = read_grid(g)
    fig = to_figures(tp, "t")
    assert (fig.project.name, fig.project.unit, fig.project.department, fig.project.year) == (
        "农村公路养护工程", "江北市公路事务中心", "江北市交通运输局", 2024)
    assert fig.project.goal == "完成年度养护任务"
    f = fig.funds
    assert (f.unit, f.budget_initial, f.budget_adjusted, f.spent) == ("万元", 300, 360, 350.5)
    # the all-zero 其他资金 row is not a breakdown item; 其中： is not part of the name
    assert [(b.name, b.budget_initial, b.budget, b.spent) for b in f.breakdown] == [
        ("当年财政拨款", 300, 320, 312.5), ("上年结转资金", None, 40, 38)]
    assert [(i.level1, i.level2, i.name, i.target, i.actual, i.weight) for i in fig.indicators] == [
        ("产出指标", "数量指标", "日常养护里程", "≥860公里", 872, 30),
        ("产出指标", "质量指标", "验收合格率", "100%", "100%", 20),
        ("效益指标", "社会效益指标", "优良中等路率", "≥80%", "78%", 30),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "93%", 10)]
    assert fig.indicators[2].deviation_reason == "部分路段水毁"
    assert (fig.evaluation.score, fig.evaluation.execution_rate) == (99.0, 97.36)


def test_operator_and_unit_columns_other_wording_and_fill_down() -> None:
    rows = [
        ["2023年度项目支出绩效自评表", "", "", "", "", "", "", ""],
        ["项目名称：", "饮水工程维修", "预算单位", "某县水利局", "", "", "", ""],
        ["金额单位：元", "", "", "", "", "", "", ""],
        ["", "", "年初预算", "调整后预算数", "实际到位资金", "实际支出", "执行率", ""],
        ["", "合计", "１,２００,０００", "1,200,000.00", "1180000", "1,150,000", "0.9583", ""],
        ["一级指标", "二级指标", "指标名称", "指标性质", "指标值", "计量单位", "完成值", "权重"],
        ["产出", "数量", "维修工程处数", "≥", "12", "处", "12", "25"],
        ["", "", "维修及时率", "正向", "95", "%", "96", "25"],
        ["", "时效", "完工时间", "定性", "按期完工", "", "已完成", "20"],
        ["满意度", "服务对象满意度", "用水户满意度", "≥", "90", "%", "92", "20"],
        ["", "", "", "", "", "", "", ""],
        ["执行率口径", "实际到位数", "", "", "", "", "", ""],
    ]
    [tp] = read_grid(grid(rows))
    fig = to_figures(tp, "t")
    assert (fig.project.year, fig.project.unit) == (2023, "某县水利局")
    f = fig.funds
    assert (f.unit, f.budget_initial, f.budget_adjusted, f.allocated, f.spent, f.rate_basis) == (
        "元", 1200000, 1200000, 1180000, 1150000, "allocated")
    assert fig.evaluation.execution_rate == 95.83
    assert any("95.83%" in note for note in tp.notes)  # the bare fraction was scaled, and says so
    assert [(i.level1, i.level2, i.target, i.unit, i.actual) for i in fig.indicators] == [
        ("产出指标", "数量指标", "≥12", "处", 12), ("产出指标", "数量指标", "≥95", "%", 96),
        ("产出指标", "时效指标", "按期完工", "", "已完成"), ("满意度指标", "服务对象满意度指标", "≥90", "%", 92)]


def test_every_problem_at_once_with_its_cell() -> None:
    rows = [row[:] for row in NATIONAL]
    rows[5][4] = "一百多"  # 全年执行数
    rows[12][5] = ""  # 实际完成值
    rows[13][1] = "产出"  # fine: read as 产出指标
    rows[14][2] = "社会效果指标"  # not a known level-2
    rows[15][6] = "十分"  # 分值
    with pytest.raises(FiguresError) as err:
        to_figures(read_grid(grid(rows))[0], "表.xlsx")
    lines = str(err.value).splitlines()
    assert lines[0] == "表.xlsx 有 4 处问题，未生成任何文件："
    assert lines[1:] == [
        "  - Sheet1!E6：全年执行数应为数字，收到「一百多」",
        "  - Sheet1!F13：实际完成值为空",
        "  - Sheet1!C15：二级指标「社会效果指标」不在可选范围内（" + lines[3].split("（", 1)[1],
        "  - Sheet1!G16：分值应为数字，收到「十分」",
    ]


def test_a_list_of_projects_on_one_sheet() -> None:
    head = ["项目名称", "实施单位", "年度", "年初预算数（万元）", "全年执行数", "一级指标", "二级指标", "三级指标",
            "年度指标值", "实际完成值"]
    rows = [
        head,
        ["甲项目", "甲局", "2024", "100", "98", "产出指标", "数量指标", "培训人次", "≥500", "520"],
        ["", "", "", "", "", "效益指标", "社会效益指标", "就业率", "≥80%", "85%"],
        ["乙项目", "乙局", "2024", "50", "20", "产出指标", "数量指标", "检测批次", "≥100", ""],
        ["丙项目", "丙局", "2024", "80", "80", "产出指标", "质量指标", "合格率", "≥95%", "96%"],
        ["丙项目", "丙局", "2024", "90", "80", "满意度指标", "服务对象满意度指标", "满意度", "≥90%", "91%"],
    ]
    projects = read_grid(grid(rows, "汇总"))
    assert [p.label for p in projects] == ["汇总 第2–3行", "汇总 第4行", "汇总 第5–6行"]
    first = to_figures(projects[0], "t")
    assert (first.project.name, first.funds.budget_initial, first.funds.spent) == ("甲项目", 100, 98)
    assert [i.name for i in first.indicators] == ["培训人次", "就业率"]
    with pytest.raises(FiguresError) as err:
        to_figures(projects[1], "t")
    assert "汇总!J4：实际完成值为空" in str(err.value)
    with pytest.raises(FiguresError) as err:
        to_figures(projects[2], "t")
    assert "汇总!D6：年初预算数「90」与本项目 汇总!D5 的「80」不一致" in str(err.value)


def test_free_text_actuals_are_kept_as_written() -> None:
    rows = [row[:] for row in NATIONAL]
    rows[13][4:6] = ["按时完成", "封账前全部完成"]
    [tp] = read_grid(grid(rows))
    fig = to_figures(tp, "t")
    assert (fig.indicators[1].target, fig.indicators[1].actual) == ("按时完成", "封账前全部完成")


def test_a_grid_without_a_table_has_no_project() -> None:
    assert read_grid(grid([["填写说明"], ["每个工作表填写一个项目。"]])) == []


@pytest.mark.parametrize(("text", "field"), [
    ("年初预算数（万元）", "budget_initial"), ("全年预算数", "budget_adjusted"), ("调整后预算数", "budget_adjusted"),
    ("全年执行数", "spent"), ("实际支出", "spent"), ("执 行 率", "rate"),
    ("全年执行数低于年初预算数的原因是部分工程款待结算审计后支付", None),
])
def test_header_wording(text: str, field: str | None) -> None:
    from assistant.table_words import FUNDS_COLUMNS

    assert match(text, FUNDS_COLUMNS) == field


@pytest.mark.parametrize(("text", "value"), [("1,016.53", 1016.53), ("１８９", 189), (" 6 ", 6), ("6个", None),
                                             ("-5", -5), ("", None)])
def test_numbers_stored_as_text(text: str, value: float | None) -> None:
    assert number(text) == value


@pytest.mark.parametrize(("text", "value", "scaled"), [("99.84%", 99.84, False), ("０.９９８４", 99.84, True),
                                                       ("97.5", 97.5, False), ("九成", None, False)])
def test_rates(text: str, value: float | None, scaled: bool) -> None:
    assert percent(text) == (value, scaled)


@pytest.mark.parametrize(("texts", "unit"), [
    (["项目资金（万元）"], "万元"), (["年初预算数（元）"], "元"), (["金额单位：元"], "元"), (["单位：亿元"], "亿元"),
    (["年初预算数"], "万元")])
def test_money_unit_from_headers(texts: list[str], unit: str) -> None:
    assert money_unit(texts) == unit
