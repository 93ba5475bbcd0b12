"""Tables as plain grids of cell texts, and the projects read from them, each value kept with its cell.

A grid may come from a spreadsheet (assistant/xlsx.py), a Word table or PDF text: nothing here or in
assistant/table_read.py knows which. A project is the data of a figures file plus, for every path in it,
the cell it was read from, so `to_figures` names the cell of every problem (`Sheet1!D7：实际完成值为空`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.figures import Figures, FiguresError, figures_from_data
from assistant.table_words import (
    LABEL_NAMES,
    RATE_BASES,
    is_empty,
    norm,
    number,
    percent,
    year_in,
)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell's text and where a user finds it ("Sheet1!D7"; a merged cell gives its top-left cell)."""

    text: str
    ref: str
    problem: str = ""  # why the cell could not be read (a formula with no cached value, an error value)


@dataclass(frozen=True)
class Grid:
    """A rectangle of cells with merges resolved: every cell of a merged range carries the range's text."""

    name: str  # the sheet (or table) name, used where no single cell is to blame
    rows: tuple[tuple[Cell, ...], ...]


@dataclass
class TableProject:
    """One project read from a grid: figures data, the cell of each path, problems and notes."""

    label: str  # where it was read: "Sheet1", or "Sheet1 第3–9行" in a one-sheet list of projects
    data: dict[str, Any] = field(default_factory=dict)
    where: dict[str, tuple[str, str]] = field(default_factory=dict)  # path → (cell ref, column or field label)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (cell ref, message)
    notes: list[str] = field(default_factory=list)  # what had to be interpreted, shown back to the user
    bad_paths: set[str] = field(default_factory=set)  # paths already reported, not to be reported again
    blank: dict[str, Cell] = field(default_factory=dict)  # required values whose cell was found empty
    problem_paths: list[str] = field(default_factory=list)  # the path of each problem, in the order of problems

    def put(self, path: str, value: Any, cell: Cell, label: str) -> None:
        """Store value at a dotted path of data ("funds.spent", "indicators[2].actual"), remembering its cell."""
        node: Any = self.data
        parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
        for part, nxt in zip(parts, parts[1:], strict=False):
            key: Any = int(part[1:-1]) if part.startswith("[") else part
            if isinstance(key, int):
                while len(node) <= key:
                    node.append({})
                node = node[key]
            else:
                node = node.setdefault(key, [] if nxt.startswith("[") else {})
        node[parts[-1]] = value
        self.where[path] = (cell.ref, label)

    def problem(self, path: str, cell: Cell | None, message: str) -> None:
        """Record a problem of the value at path, located at cell (or at the sheet when there is none)."""
        self.problems.append((cell.ref if cell else self.label, message))
        self.problem_paths.append(path)
        self.bad_paths.add(path)





@dataclass(frozen=True)
class Block:
    """A header row, its field → column map, and the rows of data below it (end exclusive)."""

    row: int
    cols: dict[str, int]
    end: int

    @property
    def rows(self) -> range:
        return range(self.row + 1, self.end)



def put_value(tp: TableProject, path: str, cell: Cell, label: str) -> None:
    """Store a project-level value read from its cell, converted for its path; a bad one becomes a problem."""
    text = cell.text.strip()
    if cell.problem:
        tp.problem(path, cell, f"{label}：{cell.problem}")
        return
    if is_empty(text):
        tp.blank.setdefault(path, cell)
        return
    value: Any = text
    if path == "project.year":
        value = year_in(text)
        if value is None:
            tp.problem(path, cell, f"{label}应为四位年份，收到「{text}」")
            return
    elif path == "project.basis":
        value = [basis_entry(p.strip()) for p in re.split(r"[\n；;]", text) if p.strip()]
    elif path == "project.fill_date":
        value = _date(text)
    elif path == "funds.rate_basis":
        value = RATE_BASES.get(norm(text))
        if value is None:
            tp.problem(path, cell, f"{label}应为 全年预算数、年初预算数 或 实际到位数，收到「{text}」")
            return
    elif path in ("evaluation.score",) or path.startswith("funds.budget") or path in ("funds.allocated",
                                                                                      "funds.spent"):
        value = number(text)
        if value is None:
            tp.problem(path, cell, f"{label}应为数字，收到「{text}」")
            return
    elif path == "evaluation.execution_rate":
        value, scaled = percent(text)
        if value is None:
            tp.problem(path, cell, f"{label}应为百分数，收到「{text}」")
            return
        if scaled:
            tp.notes.append(f"{cell.ref}：执行率「{text}」按 {value:g}% 理解")
    elif path == "evaluation.grade" and text[:1] in "优良中差":
        value = text[:1]
    tp.put(path, value, cell, label)


def basis_entry(text: str) -> str | dict[str, str]:
    """Return one 立项依据 line: 《title》（number） and 《title》 as a document, anything else as written."""
    m = re.fullmatch(r"《(.+?)》\s*(?:[（(]\s*(.+?)\s*[）)])?", text)
    if not m:
        return text
    return {"title": m.group(1), "number": m.group(2)} if m.group(2) else {"title": m.group(1)}


def _date(text: str) -> str:
    """Return a date as YYYY-MM-DD when written as 2025/5/13 or 2025年5月13日; other text unchanged."""
    m = re.fullmatch(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else text


# ---------------------------------------------------------------- funds, indicators, facts

MONEY_FIELDS = {"budget_initial": "年初预算数", "budget_adjusted": "全年预算数", "allocated": "实际到位数",
                 "spent": "全年执行数"}


def money_unit(texts: list[str]) -> str:
    """Return the money unit the headers state (万元 unless they say 元 or 亿元)."""
    joined = "".join(texts)
    if "亿元" in joined:
        return "亿元"
    if "万元" in joined:
        return "万元"
    return "元" if re.search(r"[（(：:]\s*元|单位\s*[：:]?\s*元", joined) else "万元"


def money(tp: TableProject, path: str, cell: Cell, label: str, unit: str) -> float | int | None:
    """Return an amount from its cell (None when empty); text with a unit must use the table's unit."""
    text = cell.text.strip().translate(str.maketrans("，", ","))
    if cell.problem:
        tp.problem(path, cell, f"{label}：{cell.problem}")
        return None
    if is_empty(text):
        return None
    written = re.search(r"(亿元|万元|元)$", text)
    if written and written.group(1) != unit:
        tp.problem(path, cell, f"{label}的单位「{written.group(1)}」与表头的「{unit}」不一致")
        return None
    value = number(text[: written.start()] if written else text)
    if value is None:
        tp.problem(path, cell, f"{label}应为数字，收到「{text}」")
    return value


# ---------------------------------------------------------------- validation with cell locations


def to_figures(tp: TableProject, source: str) -> Figures:
    """Return the validated figures of a project read from a table; raise FiguresError naming every bad cell."""
    problems = list(tp.problems)
    try:
        fig = figures_from_data(tp.data, source)
    except FiguresError as exc:
        problems += [located for path, msg in exc.problems if (located := _locate(tp, path, msg))]
    else:
        if not problems:
            return fig
    raise FiguresError(source, sorted(problems, key=_position))


def _position(problem: tuple[str, str]) -> tuple[int, int, int]:
    """Return a problem's place in reading order: sheet-level ones first, then by row and column."""
    m = re.search(r"!([A-Z]+)(\d+)$", problem[0])
    if not m:
        return (0, 0, 0)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (1, int(m.group(2)), col)


def _locate(tp: TableProject, path: str, message: str) -> tuple[str, str] | None:
    """Return a validation problem at the cell its path was read from; None when already reported there."""
    if any(path == bad or path.startswith((bad + ".", bad + "[")) or bad.startswith((path + ".", path + "["))
           for bad in tp.bad_paths):
        return None  # the same value, a part of it or a whole containing it was already reported
    probe = path
    while probe:
        if probe in tp.where:
            ref, label = tp.where[probe]
            return ref, message if label in message else f"{label}：{message}"
        parent = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", probe)
        probe = "" if parent == probe else parent
    return tp.label, f"{LABEL_NAMES.get(path, path)}：{message}"
