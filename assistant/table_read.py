"""Reading a grid into projects: header rows found by their wording, then the blocks under them.

A sheet holds one project (labels such as 项目名称 beside their values, the funds block, the indicator
table, 总分) or a list of projects with a 项目名称 column (assistant/table_list.py).
"""

from __future__ import annotations

import re

from assistant.table_words import (
    FACT_COLUMNS,
    FUNDS_COLUMNS,
    INDICATOR_COLUMNS,
    LABEL_NAMES,
    LEVELS,
    LIST_COLUMNS,
    OPERATORS,
    STOP_WORDS,
    SUBHEADERS,
    TOTAL_ROWS,
    header_columns,
    is_empty,
    is_example,
    label_of,
    label_value,
    level,
    norm,
    number,
    rate_note,
    value_or_text,
    year_in,
)
from assistant.tables import MONEY_FIELDS, Block, Cell, Grid, TableProject, money, money_unit, put_value


def headers(texts: list[list[str]]) -> dict[str, Block]:
    """Return the header rows found by their wording: funds, indicators (with any project columns), facts."""
    found: dict[str, tuple[int, dict[str, int]]] = {}
    for r, row in enumerate(texts):
        if "indicators" not in found:
            cols = header_columns(row, LIST_COLUMNS)
            if "name" in cols and ("target" in cols or "actual" in cols) and len(cols) >= 3:
                found["indicators"] = (r, cols)
                continue
        if "funds" not in found:
            cols = header_columns(row, FUNDS_COLUMNS)
            if len({"budget_initial", "budget_adjusted", "spent"} & cols.keys()) >= 2:
                found["funds"] = (r, cols)
                continue
        if "facts" not in found:
            cols = header_columns(row, FACT_COLUMNS)
            if {"name", "value"} <= cols.keys():
                found["facts"] = (r, cols)
    starts = sorted(r for r, _ in found.values())
    blocks = {}
    for kind, (r, cols) in found.items():
        limit = next((s for s in starts if s > r), len(texts))
        end = next((i for i in range(r + 1, limit) if is_stop(texts[i])), limit)
        blocks[kind] = Block(r, cols, end)
    return blocks


def is_stop(row: list[str]) -> bool:
    """Return whether a row ends a block: a label, a sign-off line, a note, or a title merged across."""
    filled = [t for t in row if t.strip()]
    if any(label_of(t) or norm(t).startswith(STOP_WORDS + ("注:", "注：")) for t in filled):
        return True
    return len(filled) >= 3 and len(set(filled)) == 1


# ---------------------------------------------------------------- one project on a sheet


def read_single(grid: Grid, heads: dict[str, Block]) -> TableProject:
    tp = TableProject(grid.name)
    inside = {r for b in heads.values() for r in range(b.row, b.end)}
    ind = heads.get("indicators")
    _read_labels(grid, tp, inside, ind.cols.get("score") if ind else None)
    if "project.year" not in tp.where and "project.year" not in tp.bad_paths:
        _year_from_title(grid, tp)
    if "funds" in heads:
        _read_funds(grid, tp, heads["funds"])
    else:
        tp.problem("funds", None, "未找到项目资金表头（年初预算数、全年预算数、全年执行数）")
    if ind:
        read_indicators(grid, tp, ind, ind.rows)
    if "facts" in heads:
        _read_facts(grid, tp, heads["facts"])
    for path, words in (("project.name", "项目名称"), ("project.unit", "实施单位"), ("project.year", "评价年度")):
        if path in tp.where or path in tp.bad_paths:
            continue
        if path in tp.blank:
            tp.problem(path, tp.blank[path], f"{words}为空")
        elif path == "project.year":
            tp.problem(path, None, "未找到评价年度（标题中的“2024年度”或“评价年度”一栏）")
        else:
            tp.problem(path, None, f"未找到「{words}」一栏")
    return tp


def _read_labels(grid: Grid, tp: TableProject, inside: set[int], score_col: int | None) -> None:
    """Read the single values named by a label cell (项目名称, 主管部门, 总分 …) outside the blocks."""
    for r, row in enumerate(grid.rows):
        if r in inside:
            continue
        for c, cell in enumerate(row):
            if c and row[c - 1].text == cell.text:
                continue
            path = label_of(cell.text)
            inline = None if path else label_value(cell.text)
            if inline:  # a label and its value in one cell ("等级：优")
                path = inline[0]
            if not path or path in tp.where or path in tp.bad_paths:
                continue
            value = Cell(inline[1], cell.ref) if inline else \
                _value_cell(grid, r, c, score_col if path == "evaluation.score" else None)
            if value is None:
                continue
            put_value(tp, path, value, LABEL_NAMES[path])


def _value_cell(grid: Grid, r: int, c: int, column: int | None) -> Cell | None:
    """Return the cell holding a label's value: the next filled cell to its right, or below a 预期目标 header."""
    row = grid.rows[r]
    if column is not None and column > c:
        return row[column]
    label = row[c]
    for c2 in range(c + 1, len(row)):
        cell = row[c2]
        if cell.text == label.text or not cell.text.strip():
            continue
        if label_of(cell.text):
            break
        if norm(cell.text) in SUBHEADERS:
            below = grid.rows[r + 1][c2] if r + 1 < len(grid.rows) else None
            return below if below is not None and below.text.strip() else None
        return cell
    nxt = row[c + 1] if c + 1 < len(row) and row[c + 1].text != label.text else None
    return nxt if nxt is not None and label_of(label.text) in ("project.name", "project.unit", "project.year") else None


def _year_from_title(grid: Grid, tp: TableProject) -> None:
    for row in grid.rows[:4]:
        for cell in row:
            if "年度" in cell.text and (year := year_in(cell.text)):
                tp.put("project.year", year, cell, "评价年度")
                return


def _read_funds(grid: Grid, tp: TableProject, block: Block) -> None:
    """Read the funds block: the total row into funds.*, the other filled rows into funds.breakdown."""
    header = grid.rows[block.row]
    above = [c.text for row in grid.rows[max(0, block.row - 3): block.row] for c in row if "单位" in c.text]
    unit = money_unit([c.text for c in header] + above)
    tp.data.setdefault("funds", {})["unit"] = unit
    label_col = min(block.cols.values()) - 1
    total_seen = False
    for r in block.rows:
        row = grid.rows[r]
        name = re.sub(r"^其中\s*[：:]?", "", row[label_col].text.strip()) if label_col >= 0 else ""
        if not total_seen and (norm(name) in TOTAL_ROWS or not name):
            total_seen = True
            _funds_total(tp, row, block.cols, unit)
        elif name:
            _funds_row(tp, row, block.cols, unit, name)
    if not total_seen:
        tp.problem("funds", header[0], "项目资金表中未找到“年度资金总额”一行")


def _funds_total(tp: TableProject, row: tuple[Cell, ...], cols: dict[str, int], unit: str) -> None:
    values = {}
    for f, label in MONEY_FIELDS.items():
        if f in cols and (v := money(tp, f"funds.{f}", row[cols[f]], label, unit)) is not None:
            values[f] = v
            tp.put(f"funds.{f}", v, row[cols[f]], label)
    if "budget_initial" not in values and "budget_adjusted" in values and "funds.budget_initial" not in tp.bad_paths:
        cell = row[cols["budget_adjusted"]]
        tp.put("funds.budget_initial", values["budget_adjusted"], cell, "全年预算数")
        tp.notes.append(f"{cell.ref}：未填年初预算数，按全年预算数 {values['budget_adjusted']} 计")
    for f in ("budget_initial", "spent"):
        if f"funds.{f}" not in tp.where and f"funds.{f}" not in tp.bad_paths:
            cell = row[cols[f]] if f in cols else row[0]
            tp.problem(f"funds.{f}", cell, f"{MONEY_FIELDS[f]}为空")
    _funds_rate(tp, row, cols)


def _funds_rate(tp: TableProject, row: tuple[Cell, ...], cols: dict[str, int]) -> None:
    """Read the total row's 执行率, and the basis a note beside it names (99.84%（按到位数）)."""
    if "rate" not in cols or is_empty(row[cols["rate"]].text):
        return
    cell = row[cols["rate"]]
    text, basis = rate_note(cell.text.strip())
    if basis and "funds.rate_basis" not in tp.where:
        tp.put("funds.rate_basis", basis, cell, "执行率口径")
    put_value(tp, "evaluation.execution_rate", Cell(text, cell.ref, cell.problem), "执行率")


def _funds_row(tp: TableProject, row: tuple[Cell, ...], cols: dict[str, int], unit: str, name: str) -> None:
    """Read one breakdown row; a row left blank or all zero (其他资金 0) is not a breakdown item."""
    n = len(tp.data["funds"].get("breakdown", []))
    path = f"funds.breakdown[{n}]"
    got = {f: money(tp, f"{path}.{f}", row[cols[f]], label, unit)
           for f, label in MONEY_FIELDS.items() if f in cols and f != "allocated"}
    if not any(got.values()):
        return
    tp.put(f"{path}.name", name, row[0], "资金来源")
    initial, adjusted, spent = got.get("budget_initial"), got.get("budget_adjusted"), got.get("spent")
    budget_field = "budget_adjusted" if adjusted is not None else "budget_initial"
    tp.put(f"{path}.budget", adjusted if adjusted is not None else initial, row[cols[budget_field]], "全年预算数")
    if initial is not None and adjusted is not None:
        tp.put(f"{path}.budget_initial", initial, row[cols["budget_initial"]], "年初预算数")
    if spent is None:
        cell = row[cols["spent"]] if "spent" in cols else row[0]
        tp.problem(f"{path}.spent", cell, "全年执行数为空")
    else:
        tp.put(f"{path}.spent", spent, row[cols["spent"]], "全年执行数")


def read_indicators(grid: Grid, tp: TableProject, block: Block, rows: range | list[int]) -> None:
    """Read indicator rows; blank 一级/二级 cells repeat the row above, the template's example row is skipped."""
    missing = [words[0] for f, words in INDICATOR_COLUMNS.items()
               if f in ("level1", "level2", "name", "target", "actual") and f not in block.cols]
    if missing:
        tp.problem("indicators", grid.rows[block.row][0], f"指标表缺少「{'」「'.join(missing)}」列")
        return
    above = {"level1": "", "level2": ""}
    for r in rows:
        row = grid.rows[r]
        cells = {f: row[c] for f, c in block.cols.items() if c < len(row)}
        if all(is_empty(cells[f].text) for f in ("name", "target", "actual")):
            continue
        if is_example(cells["name"].text):
            tp.notes.append(f"{cells['name'].ref}：示例行，未读入")
            continue
        _indicator(tp, len(tp.data.setdefault("indicators", [])), cells, above)


def _indicator(tp: TableProject, n: int, cells: dict[str, Cell], above: dict[str, str]) -> None:
    path = f"indicators[{n}]"
    tp.data["indicators"].append({})
    for f in ("level1", "level2"):
        text = cells[f].text.strip() or above[f]
        above[f] = text
        if text:
            tp.put(f"{path}.{f}", level(text, LEVELS[f]), cells[f], INDICATOR_COLUMNS[f][0])
        else:
            tp.problem(f"{path}.{f}", cells[f], f"{INDICATOR_COLUMNS[f][0]}为空")
    for f in ("name", "target", "actual"):
        if cells[f].problem:
            tp.problem(f"{path}.{f}", cells[f], f"{INDICATOR_COLUMNS[f][0]}：{cells[f].problem}")
        elif is_empty(cells[f].text):
            tp.problem(f"{path}.{f}", cells[f], f"{INDICATOR_COLUMNS[f][0]}为空")
    if not is_empty(cells["name"].text):
        tp.put(f"{path}.name", cells["name"].text.strip(), cells["name"], "三级指标")
    _target(tp, path, cells)
    if not is_empty(cells["actual"].text) and not cells["actual"].problem:
        tp.put(f"{path}.actual", value_or_text(cells["actual"].text), cells["actual"], "实际完成值")
    if "weight" in cells and not is_empty(text := cells["weight"].text.strip()):
        weight = number(text)
        if weight is None:
            tp.problem(f"{path}.weight", cells["weight"], f"分值应为数字，收到「{text}」")
        else:
            tp.put(f"{path}.weight", weight, cells["weight"], "分值")
    for f in ("unit", "deviation_reason", "evidence", "id", "achievement"):
        if f in cells and not is_empty(text := cells[f].text.strip()):
            tp.put(f"{path}.{f}", text, cells[f], INDICATOR_COLUMNS[f][0])


def _target(tp: TableProject, path: str, cells: dict[str, Cell]) -> None:
    """Store the target, with the 指标性质 column's operator written in front of a bare value."""
    text = cells["target"].text.strip()
    if is_empty(text) or cells["target"].problem:
        return
    op_text = cells["op"].text.strip() if "op" in cells else ""
    op = OPERATORS.get(norm(op_text)) if op_text else ""
    if op is None:
        tp.problem(f"{path}.target", cells["op"],
                   f"指标性质「{op_text}」无法识别（可填 ≥、≤、=、＞、＜，或 正向、反向、定性）")
        return
    has_op = bool(re.match(r"[≥≤<>=＞＜＝]|不少于|不低于|不超过|不高于|大于|小于|高于|低于", text))
    if op and not has_op:
        tp.put(f"{path}.target", f"{op}{text}", cells["target"], "年度指标值")
    else:
        tp.put(f"{path}.target", value_or_text(text), cells["target"], "年度指标值")


def _read_facts(grid: Grid, tp: TableProject, block: Block) -> None:
    """Read the 其他绩效数据 block: other quantified results a narrative may cite."""
    for r in block.rows:
        cells = {f: grid.rows[r][c] for f, c in block.cols.items()}
        if not cells["name"].text.strip() and not cells["value"].text.strip():
            continue
        path = f"facts[{len(tp.data.setdefault('facts', []))}]"
        tp.data["facts"].append({})
        tp.put(f"{path}.name", cells["name"].text.strip(), cells["name"], "数据名称")
        value = number(cells["value"].text)
        if value is None:
            tp.problem(f"{path}.value", cells["value"], f"数值应为数字，收到「{cells['value'].text.strip()}」")
        else:
            tp.put(f"{path}.value", value, cells["value"], "数值")
        for f in ("unit", "qualifier", "group"):
            if f in cells and (text := cells[f].text.strip()):
                tp.put(f"{path}.{f}", text, cells[f], FACT_COLUMNS[f][0])

