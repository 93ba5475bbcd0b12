"""Excel workbooks out: figures as 自评表 sheets (the layout assistant/tables.py reads), the blank template,
and the summary of a batch.

The sheet carries every field of the figures file, so a figures file written here and read back is the
same figures; the fields a printed 自评表 lacks (立项依据, 佐证材料, 其他绩效数据 …) have rows of their own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.figures import LEVEL1, LEVEL2, ExtraFact, Figures, Indicator

BASIS_WORDS = {"budget_adjusted": "全年预算数", "budget_initial": "年初预算数", "allocated": "实际到位数"}
FUNDS_HEAD = ("年初预算数", "全年预算数", "实际到位数", "全年执行数", "分值", "执行率", "得分")
SOURCES = ("其中：当年财政拨款", "上年结转资金", "其他资金")
OPERATOR_CHOICES = "≥,≤,=,＞,＜,定性"
EXAMPLE_NOTE = "（示例）开头的行不会被读入；填写时覆盖或删除此行"


def indicator_head() -> list[tuple[str, str]]:
    """Return (field, header) of the indicator columns, including optional fields the model knows."""
    head = [("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"), ("op", "指标性质"),
            ("target", "年度指标值"), ("unit", "度量单位"), ("actual", "实际完成值"), ("weight", "分值"),
            ("score", "得分"), ("deviation_reason", "偏差原因分析及改进措施"), ("evidence", "佐证材料"),
            ("id", "指标编号")]
    if "achievement" in Indicator.model_fields:
        head.append(("achievement", "完成程度"))
    return head


def fact_head() -> list[tuple[str, str]]:
    """Return (field, header) of the 其他绩效数据 columns."""
    head = [("name", "数据名称"), ("value", "数值"), ("unit", "单位"), ("qualifier", "限定词")]
    if "group" in ExtraFact.model_fields:
        head.append(("group", "分组"))
    return head


def write_figures_workbook(figures: Sequence[Figures], path: Path) -> None:
    """Write one 自评表 sheet per project (named after it) to an .xlsx file."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    names: set[str] = set()
    for fig in figures:
        ws = book.create_sheet(_sheet_name(fig.project.name, names))
        _Sheet(ws).write(fig)
    book.save(path)


def write_template(path: Path) -> None:
    """Write the blank 自评表 template: headers, drop-down lists, an example indicator row, a 填写说明 sheet."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "自评表"
    _Sheet(ws).write(None)
    notes = book.create_sheet("填写说明")
    for r, line in enumerate(_INSTRUCTIONS, start=1):
        notes.cell(r, 1, line)
    notes.column_dimensions["A"].width = 110
    book.save(path)


_INSTRUCTIONS = (
    "每个工作表填写一个项目；一个工作簿可以有多个项目工作表，起草时每个项目各生成一份报告。",
    "金额单位以“项目资金（万元）”中的单位为准，可改为元或亿元。",
    "指标性质填 ≥、≤、=、＞、＜ 或“定性”；年度指标值可只填数字，单位写在度量单位一栏。",
    "实际完成值可填数字、百分数，或按实际情况填写文字（如“已完成”“部分完成”）。",
    "执行率口径填 全年预算数（默认）、年初预算数 或 实际到位数。",
    f"指标表中{EXAMPLE_NOTE}。",
    "其他绩效数据：报告中可以引用的其他量化成果，每行一项。",
)


@dataclass(frozen=True)
class SummaryRow:
    """One project of a batch as the summary workbook lists it."""

    project: str
    source: str
    score: float | None
    grade: str
    rate: float | None
    errors: int | None
    warnings: int | None
    output: str
    status: str
    problem: str = ""


def write_summary(rows: Sequence[SummaryRow], path: Path) -> None:
    """Write the batch summary: one row per project with its score, grade, rate, findings and output file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = "起草汇总"
    head = ("项目", "来源", "总分", "等级", "执行率（%）", "错误", "警告", "输出文件", "状态", "问题")
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row.project, row.source, row.score, row.grade, row.rate, row.errors, row.warnings,
                   row.output, row.status, row.problem])
    for letter, width in zip("ABCDEFGHIJ", (36, 30, 8, 6, 12, 6, 6, 40, 8, 60), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    book.save(path)


def _sheet_name(name: str, taken: set[str]) -> str:
    """Return a legal, unused sheet name (31 characters, no []:*?/\\) for a project."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or "项目"
    candidate, n = base[:31], 1
    while candidate in taken:
        n += 1
        suffix = f"({n})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


class _Sheet:
    """Writes one project in the template layout; None writes the blank template with an example row."""

    WIDTH = 12  # columns A–L

    def __init__(self, ws: Any) -> None:
        from openpyxl.styles import Alignment, Font

        self.ws = ws
        self.r = 1
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="center")

    def put(self, row: int, col: int, value: Any, *, bold: bool = False) -> None:
        """Write a value; text starting with "=" stays text, never a formula."""
        if value is None or value == "":
            return
        cell = self.ws.cell(row, col, value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
        if bold:
            cell.font = self.bold

    def merge(self, row: int, first: int, last: int, value: Any, *, rows: int = 1, bold: bool = False) -> None:
        self.put(row, first, value, bold=bold)
        if last > first or rows > 1:
            self.ws.merge_cells(start_row=row, start_column=first, end_row=row + rows - 1, end_column=last)
        self.ws.cell(row, first).alignment = self.wrap

    def write(self, fig: Figures | None) -> None:
        self._header(fig)
        self._funds(fig)
        self._indicators(fig)
        self._facts(fig)
        texts = (("自评工作开展情况", fig.process if fig else ""), ("存在问题", fig.problems if fig else ""))
        for label, text in texts:
            self.put(self.r, 1, label, bold=True)
            self.merge(self.r, 2, self.WIDTH, text)
            self.r += 1
        for letter, width in zip("ABCDEFGHIJKLM", (14, 16, 24, 9, 14, 9, 14, 8, 8, 30, 30, 12, 10), strict=True):
            self.ws.column_dimensions[letter].width = width
        self._print_layout()

    def _print_layout(self) -> None:
        """Borders round the table, a larger title, and a landscape page as wide as the table."""
        from openpyxl.styles import Alignment, Border, Font, Side

        line = Side(style="thin")
        box = Border(left=line, right=line, top=line, bottom=line)
        last = len(indicator_head())
        for row in self.ws.iter_rows(min_row=3, max_row=self.r - 1, max_col=last):
            if any(c.value is not None for c in row) or row[0].coordinate in self.ws.merged_cells:
                for cell in row:
                    cell.border = box
        title = self.ws.cell(1, 1)
        title.font = Font(bold=True, size=16)
        title.alignment = self.ws.cell(2, 1).alignment = Alignment(horizontal="center", vertical="center")
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.print_title_rows = "1:2"

    def _header(self, fig: Figures | None) -> None:
        p = fig.project if fig else None
        self.merge(1, 1, self.WIDTH, "项目支出绩效自评表", bold=True)
        self.merge(2, 1, self.WIDTH, f"（{p.year}年度）" if p else "（    年度）")
        self.put(3, 1, "项目名称", bold=True)
        self.merge(3, 2, 6, p.name if p else "")
        self.put(3, 7, "评价年度", bold=True)
        self.put(3, 8, p.year if p else "")
        self.put(3, 9, "填报日期", bold=True)
        if p and p.fill_date:
            self.merge(3, 10, self.WIDTH, dt.datetime.combine(p.fill_date, dt.time()))
            self.ws.cell(3, 10).number_format = "yyyy-mm-dd"
        else:
            self.merge(3, 10, self.WIDTH, "")
        self.put(4, 1, "主管部门", bold=True)
        self.merge(4, 2, 6, p.department if p else "")
        self.put(4, 7, "实施单位", bold=True)
        self.merge(4, 8, self.WIDTH, p.unit if p else "")
        basis = "\n".join(b if isinstance(b, str) else b.cited() for b in p.basis) if p else ""
        for r, (label, text) in enumerate((("立项依据", basis),
                                           ("项目概况", p.overview if p else "")), start=5):
            self.put(r, 1, label, bold=True)
            self.merge(r, 2, self.WIDTH, text)
        self.merge(7, 1, 1, "年度总体目标", rows=2, bold=True)
        self.merge(7, 2, 6, "预期目标", bold=True)
        self.merge(7, 7, self.WIDTH, "实际完成情况", bold=True)
        self.merge(8, 2, 6, p.goal if p else "")
        self.merge(8, 7, self.WIDTH, "")
        self.r = 9

    def _funds(self, fig: Figures | None) -> None:
        f = fig.funds if fig else None
        head = self.r
        rows: list[tuple[str, list[Any]]] = [("年度资金总额", [
            f.budget_initial, f.budget_adjusted, f.allocated, f.spent] if f else [])]
        if f and f.breakdown:
            rows += [(b.name, [b.budget_initial, b.budget, None, b.spent]) for b in f.breakdown]
        else:
            rows += [(name, []) for name in SOURCES]
        self.merge(head, 1, 1, f"项目资金（{f.unit if f else '万元'}）", rows=len(rows) + 1, bold=True)
        for c, word in enumerate(FUNDS_HEAD, start=3):
            self.put(head, c, word, bold=True)
        for i, (name, values) in enumerate(rows, start=1):
            self.put(head + i, 2, name)
            for c, value in enumerate(values, start=3):
                self.put(head + i, c, value)
        rate = fig.evaluation.execution_rate if fig else None
        if rate is not None:
            self.put(head + 1, 8, rate / 100)
            self.ws.cell(head + 1, 8).number_format = "0.00%"
        self.r = head + len(rows) + 1
        self.put(self.r, 1, "执行率口径", bold=True)
        self.put(self.r, 2, BASIS_WORDS[f.rate_basis] if f else "全年预算数")
        self._choices('"全年预算数,年初预算数,实际到位数"', f"B{self.r}")
        self.put(self.r, 3, "执行偏差原因", bold=True)
        self.merge(self.r, 4, self.WIDTH, f.deviation_reason if f else "")
        self.r += 1

    def _indicators(self, fig: Figures | None) -> None:
        head = indicator_head()
        top = self.r
        for c, (_, word) in enumerate(head, start=1):
            self.put(top, c, word, bold=True)
        items = fig.indicators if fig else [_EXAMPLE]
        for i, ind in enumerate(items, start=1):
            values = {**ind.model_dump(), "op": "", "score": None}
            if fig is None:
                values.update(target=5, op="≥")
            for c, (field, _) in enumerate(head, start=1):
                if field not in ("level1", "level2"):
                    self.put(top + i, c, values.get(field))
        self._level_merges(top, items)
        last = top + max(len(items), 1) + (40 if fig is None else 0)
        self._choices(f'"{",".join(LEVEL1)}"', f"A{top + 1}:A{last}")
        self._choices(f'"{",".join(LEVEL2)}"', f"B{top + 1}:B{last}")
        self._choices(f'"{OPERATOR_CHOICES}"', f"D{top + 1}:D{last}")
        self.r = top + len(items) + 1 + (3 if fig is None else 0)
        score = fig.evaluation.score if fig else None
        grade = fig.evaluation.grade if fig else None
        self.put(self.r, 1, "总分", bold=True)
        self.put(self.r, 9, score)
        self.put(self.r, 10, "自评等级", bold=True)
        self.put(self.r, 11, grade)
        self._choices('"优,良,中,差"', f"K{self.r}")
        self.r += 2

    def _level_merges(self, top: int, items: Sequence[Indicator]) -> None:
        """Write 一级/二级指标, merging a run of equal cells down as printed 自评表 do."""
        for col, key in ((1, lambda i: items[i].level1), (2, lambda i: (items[i].level1, items[i].level2))):
            start = 0
            for i in range(1, len(items) + 1):
                if i == len(items) or key(i) != key(start):
                    text = items[start].level1 if col == 1 else items[start].level2
                    self.merge(top + 1 + start, col, col, text, rows=i - start)
                    start = i

    def _facts(self, fig: Figures | None) -> None:
        self.merge(self.r, 1, self.WIDTH, "其他绩效数据（报告中可引用的其他量化成果，每行一项）", bold=True)
        self.r += 1
        head = fact_head()
        for c, (_, word) in enumerate(head, start=1):
            self.put(self.r, c, word, bold=True)
        for fact in fig.facts if fig else []:
            self.r += 1
            data = fact.model_dump()
            for c, (field, _) in enumerate(head, start=1):
                self.put(self.r, c, data.get(field))
        self.r += 2

    def _choices(self, formula: str, cells: str) -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        rule = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False)
        rule.error = "请从下拉列表中选择"
        self.ws.add_data_validation(rule)
        rule.add(cells)


_EXAMPLE = Indicator(level1="产出指标", level2="数量指标", name="（示例）完成评审项目数", target="≥5", unit="个",
                     actual=6, weight=20, evidence=EXAMPLE_NOTE)
