"""A folder's review written out: a workbook (one row per report, linked to its commented DOCX), the
same table in Markdown, and the table on the terminal. Rows are given already in severity order."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from assistant.bureau import ReportReview
from assistant.files import write_atomic, write_text_atomic
from assistant.validation import terminal_safe

OUTPUT_SUFFIXES = (".xlsx", ".md")
HEAD = ("文件", "单位", "项目", "年度", "自报总分", "核算总分", "等级", "执行率（%）", "错误", "警告",
        "主要问题", "批注文件")
WIDTHS = (28, 24, 30, 6, 9, 9, 6, 11, 6, 6, 80, 30)


def status_of(row: ReportReview) -> str:
    """Return the row's verdict in a word or two: 无法读取, 有错误, 有提示 or 未发现问题."""
    if row.problem:
        return "无法读取"
    return "有错误" if row.errors else "有提示" if row.warnings else "未发现问题"


def problems_text(row: ReportReview, sep: str = "\n") -> str:
    """Return the row's most serious findings numbered (1. … 2. …), or why it could not be read."""
    if row.problem:
        return f"无法读取：{row.problem}"
    lines = [f"{n}. {text}" for n, text in enumerate(row.top, start=1)]
    if row.note:
        lines.append(row.note)
    return sep.join(lines)


def grade_text(row: ReportReview) -> str:
    """Return the recomputed grade, with the stated one when it differs (良（自报优）)."""
    if row.grade_stated and row.grade_stated != row.grade:
        return f"{row.grade}（自报{row.grade_stated}）"
    return row.grade


def link(row: ReportReview, base: Path) -> str:
    """Return the commented DOCX's path relative to the folder an output is written in."""
    if not row.commented:
        return ""
    return Path(os.path.relpath(row.commented, base)).as_posix()


def _cells(row: ReportReview) -> list[Any]:
    if row.problem:
        return [row.file, "", "", None, None, None, "", None, None, None]
    return [row.file, row.unit, row.project, row.year, row.score_stated, row.score, grade_text(row), row.rate,
            row.errors, row.warnings]


def write_review_xlsx(rows: Sequence[ReportReview], path: Path) -> None:
    """Write the review as a workbook: a bold frozen header, one row per report in the order given,
    the findings wrapped, and each commented DOCX a hyperlink relative to the workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    ws = book.active
    ws.title = "审阅汇总"
    ws.append(HEAD)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wrap, red = Alignment(wrap_text=True, vertical="top"), Font(color="C00000")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate([*_cells(row), problems_text(row)], start=1):
            # a control character (ESC in a file name) is shown as a sign: a worksheet cannot hold it
            cell = ws.cell(r, c, terminal_safe(value) if isinstance(value, str) else value)
            if isinstance(value, str) and value.startswith("="):  # text stays text, never a formula
                cell.data_type = "s"
            cell.alignment = wrap
        if row.problem or row.errors:
            ws.cell(r, 11).font = red
        if target := link(row, path.parent):
            cell = ws.cell(r, 12, terminal_safe(Path(row.commented).name))
            cell.hyperlink = target
            cell.style = "Hyperlink"
    for n, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[ws.cell(1, n).column_letter].width = width
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:L{max(len(rows) + 1, 2)}"
    write_atomic(path, lambda tmp: book.save(tmp))


def review_markdown(rows: Sequence[ReportReview], base: Path, title: str = "绩效自评报告审阅汇总") -> str:
    """Return the review as a Markdown table (one row per report, in the order given) with a count line."""
    unreadable = sum(bool(r.problem) for r in rows)
    with_errors = sum(bool(r.errors) for r in rows if not r.problem)
    lines = [f"# {title}", "",
             f"共 {len(rows)} 份：有错误 {with_errors} 份，无法读取 {unreadable} 份，"
             f"其余 {len(rows) - with_errors - unreadable} 份未发现错误。", "",
             "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    for row in rows:
        cells = ["" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in _cells(row)]
        target = link(row, base)
        docx = f"[{md_cell(Path(row.commented).name)}](<{target}>)" if target else ""
        lines.append("| " + " | ".join([*(md_cell(c) for c in cells), md_cell(problems_text(row, " ")), docx]) + " |")
    return "\n".join(lines) + "\n"


def md_cell(text: str) -> str:
    """Return text safe inside a Markdown table cell: shown literally (no markup, no HTML, control
    characters as signs), on one line."""
    text = terminal_safe(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "\\`*_[]|#":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def write_review_md(rows: Sequence[ReportReview], path: Path) -> None:
    """Write the review as Markdown, links relative to the file's folder."""
    write_text_atomic(path, review_markdown(rows, path.parent))


def write_review(rows: Sequence[ReportReview], path: Path) -> None:
    """Write the review in the format its suffix names (.xlsx or .md)."""
    if path.suffix.lower() == ".md":
        write_review_md(rows, path)
    else:
        write_review_xlsx(rows, path)


def review_table(rows: Sequence[ReportReview]) -> Table:
    """Return the review for the terminal: file, score stated → recomputed, grade, rate, errors,
    warnings and the most serious finding, shortened (or why the file could not be read)."""
    table = Table(title="审阅结果（按严重程度排序）", title_justify="left")
    table.add_column("文件", overflow="fold", max_width=24)
    for name in ("总分", "等级", "执行率", "错误", "警告"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("最主要的问题", overflow="fold", min_width=20)
    for row in rows:
        first = f"无法读取：{row.problem}" if row.problem else (row.top[0] if row.top else "")
        first = first if len(first) <= 60 else first[:59] + "…"
        score = f"{_num(row.score_stated)}→{_num(row.score)}" if row.score_stated is not None else _num(row.score)
        numbers = ["—"] * 5 if row.problem else [score, grade_text(row), _num(row.rate, "%"), str(row.errors),
                                                 str(row.warnings)]
        style = "red" if row.problem or row.errors else ""
        table.add_row(Text(terminal_safe(row.file)), *numbers, Text(terminal_safe(first), style=style))
    return table


def _num(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:g}{unit}"
