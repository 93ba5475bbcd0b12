"""Excel workbooks in: every sheet as a grid of cell texts (merges resolved, addresses kept), then its projects.

Cells are read as Excel shows them: a formula by its cached result, a percent-formatted 0.9984 as
"99.84%", a date as 2025-05-13. A formula that was never calculated (a file written by a program and
not opened in Excel since) has no result to read; the cell says so, and a value read from it is refused
with its address.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.figures import Figures, FiguresError
from assistant.files import InputFileError, read_regular, size_text
from assistant.table_list import read_grid
from assistant.tables import Cell, Grid, to_figures

SUFFIXES = (".xlsx", ".xlsm")
_ERROR_VALUES = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
NO_CACHE = "公式没有计算结果（文件保存时未计算公式）；请在 Excel 或 WPS 中打开并保存后再导入"


@dataclass(frozen=True)
class SheetProject:
    """One project of a workbook: its figures, or the error naming every bad cell, and what was interpreted."""

    label: str  # "自评表.xlsx" for a one-project workbook, else "自评表.xlsx［Sheet2］"
    name: str  # the project's name, or where it was read when the name could not be
    figures: Figures | None
    error: FiguresError | None
    notes: tuple[str, ...] = ()


def read_workbook(path: Path) -> list[SheetProject]:
    """Return every project of a workbook; raise FiguresError when the file cannot be read or holds no 自评表."""
    source = str(path)
    found = [tp for grid in workbook_grids(path) for tp in read_grid(grid)]
    if not found:
        raise FiguresError(source, [("", "工作簿中没有找到自评表（应有“项目名称”一栏，以及“年初预算数”“全年执行数”"
                                         "或“三级指标”“年度指标值”“实际完成值”等表头）")])
    out = []
    for tp in found:
        label = path.name if len(found) == 1 else f"{path.name}［{tp.label}］"
        name = str(tp.data.get("project", {}).get("name") or tp.label)
        try:
            out.append(SheetProject(label, name, to_figures(tp, label), None, tuple(tp.notes)))
        except FiguresError as exc:
            out.append(SheetProject(label, name, None, exc, tuple(tp.notes)))
    return out


def read_xlsx_figures(path: Path) -> Figures:
    """Return the figures of a one-project workbook; raise FiguresError listing every bad cell."""
    projects = read_workbook(path)
    if len(projects) > 1:
        names = "、".join(p.name for p in projects[:5]) + ("等" if len(projects) > 5 else "")
        raise FiguresError(str(path), [("", f"工作簿中有 {len(projects)} 个项目（{names}）；"
                                            "请用 assistant draft 逐个起草，或用 assistant convert 拆成单个数据文件")])
    project = projects[0]
    if project.error:
        raise project.error
    assert project.figures is not None
    return project.figures


def workbook_grids(path: Path) -> list[Grid]:
    """Return every sheet of a workbook as a grid; raise FiguresError when the file is not a readable workbook."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    source = str(path)
    if path.suffix.lower() == ".xls":
        raise FiguresError(source, [("", "不支持旧版 .xls 格式；请在 Excel 或 WPS 中另存为 .xlsx")])
    try:
        data = read_regular(path)  # never a pipe or a device
    except InputFileError as exc:
        raise FiguresError(source, [("", str(exc).removeprefix(f"{path}："))]) from None
    _check_package(source, data)
    try:
        # Streaming mode reads a 500-sheet workbook several times faster; merges and formulas without a
        # cached result, which it does not report, are read from the sheet's XML.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [sheet_grid(ws, *_sheet_xml(book, ws)) for ws in book.worksheets]
        finally:
            book.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise FiguresError(source, [("", f"无法打开 Excel 工作簿（应为 .xlsx 文件）：{exc}")]) from None


# A workbook is a zip package: the sizes its directory declares are checked before anything is inflated,
# so a small file that would inflate to gigabytes is refused at once. Sheet XML is repetitive and
# compresses well (a generated 500-sheet workbook: about 12 times), hence a looser ratio than Word's.
MAX_INFLATED = 1 << 30
MAX_RATIO = 1000


def _check_package(source: str, data: bytes) -> None:
    """Return nothing when the zip directory's declared sizes are sane; raise FiguresError if not."""

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FiguresError(source, [("", "无法打开 Excel 工作簿（文件损坏、已加密或不是 .xlsx 格式）")]) from None
    total = sum(m.file_size for m in members)
    if total > MAX_INFLATED:
        raise FiguresError(source, [("", f"工作簿解压后过大（{size_text(total)}，上限 {size_text(MAX_INFLATED)}），"
                                         "不会读取")])
    for m in members:
        if m.file_size > 1 << 20 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise FiguresError(source, [("", f"工作簿中的「{m.filename}」压缩比异常（{size_text(m.compress_size)} "
                                             f"解压为 {size_text(m.file_size)}），疑似压缩炸弹，不会读取")])


_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")  # a cached result; programs write an empty <v></v> or <v/> for none


def _sheet_xml(book: Any, ws: Any) -> tuple[list[tuple[int, int, int, int]], set[tuple[int, int]]]:
    """Return a sheet's merged ranges (first row, first column, last row, last column) and its formula cells
    that have no cached result."""
    xml = book._archive.read(ws._worksheet_path)
    merges = [(int(r1), _column(c1), int(r2), _column(c2)) for c1, r1, c2, r2 in _MERGE.findall(xml)]
    uncached = set()
    if b"<f" in xml or b":f>" in xml:
        for col, row, body in _CELL.findall(xml):
            if body and re.search(rb"<(?:\w+:)?f[\s>/]", body) and not _VALUE.search(body):
                uncached.add((int(row), _column(col)))
    return merges, uncached


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def sheet_grid(ws: Any, merges: list[tuple[int, int, int, int]], uncached: set[tuple[int, int]]) -> Grid:
    """Return a worksheet as a rectangular grid of cell texts, every cell of a merged range carrying the
    range's text and the address of its top-left cell."""
    from openpyxl.utils import get_column_letter

    ws.reset_dimensions()  # the stored dimension may be missing or wrong; read every row there is
    values: list[list[tuple[Any, str]]] = []
    for row in ws.iter_rows():
        values.append([(c.value, c.number_format if c.value is not None else "") for c in row])
    height = max([len(values)] + [m[2] for m in merges] + [r for r, _ in uncached])
    width = max([len(r) for r in values] + [m[3] for m in merges] + [c for _, c in uncached] + [1])
    letters = [get_column_letter(c) for c in range(1, width + 1)]
    rows: list[list[Cell]] = []
    for r in range(1, height + 1):
        row = values[r - 1] if r <= len(values) else []
        rows.append([_cell(row[c - 1] if c <= len(row) else (None, ""), f"{ws.title}!{letters[c - 1]}{r}",
                           (r, c) in uncached) for c in range(1, width + 1)])
    for r1, c1, r2, c2 in merges:
        anchor = rows[r1 - 1][c1 - 1]
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                rows[r - 1][c - 1] = anchor
    return Grid(ws.title, tuple(tuple(row) for row in rows))


def _cell(item: tuple[Any, str], ref: str, uncached: bool) -> Cell:
    value, number_format = item
    if value is None:
        return Cell("", ref, NO_CACHE if uncached else "")
    if isinstance(value, str) and value.strip() in _ERROR_VALUES:
        return Cell("", ref, f"公式结果为错误值 {value.strip()}")
    return Cell(cell_text(value, number_format or ""), ref)


def cell_text(value: Any, number_format: str) -> str:
    """Return a cell's value as text the way Excel shows its meaning: 0.9984 in a % format is "99.84%"."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        if "%" in number_format:
            return f"{_plain(value * 100)}%"
        return _plain(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


def _plain(value: float) -> str:
    """Return a number without float noise (0.1 + 0.2 → "0.3") or a trailing ".0"."""
    if isinstance(value, int):
        return str(value)
    value = round(value, 9)
    return str(int(value)) if value.is_integer() else repr(value)
