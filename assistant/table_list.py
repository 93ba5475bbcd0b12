"""The projects of a grid (`read_grid`: one 自评表, or a list of projects), and such a list on one
sheet: one indicator per row, with a 项目名称 column naming each row's project.

Project-level values (主管部门, 年初预算数 …) may be repeated on every row of a project, written on its
first row only, or merged down; a blank 项目名称 continues the project above.
"""

from __future__ import annotations

from assistant.table_read import headers, read_indicators, read_single
from assistant.table_words import PROJECT_COLUMNS, label_of, norm
from assistant.tables import Block, Cell, Grid, TableProject, money, money_unit, put_value

_LABELS = {path: words[0] for path, words in PROJECT_COLUMNS.items()}


def read_grid(grid: Grid) -> list[TableProject]:
    """Return the projects in a grid: none (no 自评表), one, or several (a list with a project column)."""
    texts = [[c.text for c in row] for row in grid.rows]
    heads = headers(texts)
    indicators = heads.get("indicators")
    if indicators and "project.name" in indicators.cols:
        return read_list(grid, indicators)
    if not heads and not any(label_of(t) == "project.name" for row in texts for t in row):
        return []
    return [read_single(grid, heads)]


def read_list(grid: Grid, block: Block) -> list[TableProject]:
    """Return one project per distinct 项目名称, in the order they first appear."""
    name_col = block.cols["project.name"]
    groups: dict[str, list[int]] = {}
    current = ""
    orphans: list[int] = []
    for r in block.rows:
        row = grid.rows[r]
        if not any(c.text.strip() for c in row):
            continue
        current = row[name_col].text.strip() or current
        if current:
            groups.setdefault(current, []).append(r)
        else:
            orphans.append(r)
    header = [c.text for c in grid.rows[block.row]]
    unit = money_unit(header)
    projects = [_project(grid, block, rows, unit) for rows in groups.values()]
    if orphans:
        tp = TableProject(f"{grid.name} 第{orphans[0] + 1}行")
        tp.problem("project.name", grid.rows[orphans[0]][name_col], "项目名称为空（第一行须写明项目名称）")
        projects.insert(0, tp)
    return projects


def _project(grid: Grid, block: Block, rows: list[int], unit: str) -> TableProject:
    first, last = rows[0] + 1, rows[-1] + 1
    tp = TableProject(f"{grid.name} 第{first}行" if first == last else f"{grid.name} 第{first}–{last}行")
    tp.data["funds"] = {"unit": unit}
    for path, col in block.cols.items():
        if path.startswith(("project.", "funds.", "evaluation.")):
            cell = _one_value(tp, path, [grid.rows[r][col] for r in rows])
            if cell is None:
                continue
            if path.startswith("funds.") and path != "funds.rate_basis":
                value = money(tp, path, cell, _LABELS[path], unit)
                if value is not None:
                    tp.put(path, value, cell, _LABELS[path])
            else:
                put_value(tp, path, cell, _LABELS[path])
    funds = tp.data["funds"]
    if "budget_initial" not in funds and "budget_adjusted" in funds:
        funds["budget_initial"] = funds["budget_adjusted"]
        tp.where["funds.budget_initial"] = tp.where["funds.budget_adjusted"]
    for path in ("project.unit", "project.year", "funds.budget_initial", "funds.spent"):
        if path in tp.where or path in tp.bad_paths:
            continue
        if path in tp.blank or path in block.cols:
            tp.problem(path, tp.blank.get(path) or grid.rows[rows[0]][block.cols[path]], f"{_LABELS[path]}为空")
        else:
            tp.problem(path, None, f"未找到「{_LABELS[path]}」列")
    read_indicators(grid, tp, block, rows)
    return tp


def _one_value(tp: TableProject, path: str, cells: list[Cell]) -> Cell | None:
    """Return the project's cell for a value: the first filled one; a different value on a later row is a problem."""
    filled = [c for c in cells if c.text.strip()]
    if not filled:
        return None
    for other in filled[1:]:
        if norm(other.text) != norm(filled[0].text):
            tp.problem(path, other, f"{_LABELS[path]}「{other.text.strip()}」与本项目 {filled[0].ref} 的"
                                    f"「{filled[0].text.strip()}」不一致")
            break
    return filled[0]
