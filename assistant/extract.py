"""Figures recovered from a submitted report (`assistant extract`): the 自评表 found among its tables and
read with the same layout rules as an Excel 自评表 (assistant/table_read.py), what the table lacks taken
from what the narrative states, every value shown with where it was read, and what could not be read
listed, never guessed.

    extraction = extract_report(Path("报告.docx"))   # raises ExtractError when the file cannot be read at all
    extraction.figures      # Figures, or None when the table does not give a usable project
    extraction.readings     # what was read and where ("表1 第4行第6列", "第19段")
    extraction.unread       # plain-Chinese lines: what could not be read, and why
    extraction.text         # the narrative (paragraphs, no table), for checking against the figures
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.extract_doc import Document, Paragraph, read_docx_document
from assistant.extract_pdf import read_pdf_document
from assistant.extract_text import FUNDS_LABELS, narrative_funds, narrative_project
from assistant.figures import Figures, FiguresError
from assistant.files import InputFileError, read_regular
from assistant.reading import DocumentError
from assistant.report_text import MAX_REPORT_BYTES, MAX_REPORT_CHARS
from assistant.table_list import read_grid
from assistant.table_read import headers
from assistant.table_words import LABEL_NAMES, label_of, number
from assistant.tables import Cell, Grid, TableProject, to_figures
from assistant.vocabulary import BASIS_LABELS

SUFFIXES = (".docx", ".pdf")


class ExtractError(ValueError):
    """A report file that cannot be read at all; the message is one plain-Chinese line naming the file."""


@dataclass(frozen=True)
class Reading:
    """One value read: what it is, where it stands (a table cell or a paragraph), its value as read."""

    what: str  # 全年执行数, 指标3「资金使用合规性」实际完成值
    where: str  # 表1 第4行第6列, 第19段
    value: str
    path: str = ""  # the figures-file path it fills (funds.spent, indicators[2].actual)


@dataclass(frozen=True)
class StatedScore:
    """A score or weight the table states that the figures file has no field for (a row's 得分)."""

    what: str  # 预算执行率得分, 指标2「…」得分
    where: str
    value: float
    indicator: int | None = None  # the indicator's position, None for the execution row
    kind: str = "score"  # score | weight


@dataclass(frozen=True)
class Extraction:
    """What was recovered from a report: see the module docstring."""

    source: str
    figures: Figures | None
    readings: tuple[Reading, ...]
    unread: tuple[str, ...]
    notes: tuple[str, ...] = ()
    stated: tuple[StatedScore, ...] = ()
    document: Document = field(default_factory=lambda: Document("", ()))

    @property
    def text(self) -> str:
        """Return the narrative: the body paragraphs, one a line, without the tables."""
        return self.document.text

    @property
    def paragraphs(self) -> list[Paragraph]:
        return self.document.paragraphs


def extract_report(path: Path) -> Extraction:
    """Return the figures of a .docx/.pdf report with where each was read; raise ExtractError when the
    file cannot be read (missing, damaged, encrypted, too large, another type)."""
    return extract_document(read_document(path))


def read_document(path: Path) -> Document:
    """Return a report file's paragraphs and tables; raise ExtractError when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix in (".doc", ".wps"):
        raise ExtractError(f"{path}：不支持旧版 Word 格式（{suffix}），请在 Word 或 WPS 中另存为 .docx 或 PDF")
    if suffix not in SUFFIXES:
        raise ExtractError(f"{path}：不支持的文件类型「{suffix or '无扩展名'}」，请使用 .docx 或 .pdf")
    try:
        data = read_regular(path, MAX_REPORT_BYTES)
    except InputFileError as exc:
        raise ExtractError(str(exc)) from None
    try:
        document = (read_docx_document if suffix == ".docx" else read_pdf_document)(data, str(path))
    except DocumentError as exc:
        raise ExtractError(f"{path}：{exc}") from None
    if len(document.text) > MAX_REPORT_CHARS:
        raise ExtractError(f"{path}：正文过长（{len(document.text):,} 字，上限 {MAX_REPORT_CHARS:,} 字）")
    return document


def extract_document(document: Document) -> Extraction:
    """Return the figures of a document's 自评表 and narrative (see extract_report)."""
    grid = self_evaluation_grid(document)
    if grid is None:
        return Extraction(document.source, None, (), ("未找到自评表：文中没有含“项目名称”或“年初预算数”“全年执行数”"
                                                      "或“三级指标”“年度指标值”“实际完成值”等表头的表格",),
                          document=document)
    projects = read_grid(grid)
    if len(projects) != 1:
        return Extraction(document.source, None, (), (f"自评表中有 {len(projects)} 个项目，一份报告应只有一个项目",),
                          document=document)
    tp = projects[0]
    from_text = _fill_from_text(tp, document.paragraphs)
    unread = list(from_text)
    try:
        figures: Figures | None = to_figures(tp, document.source)
    except FiguresError as exc:
        figures = None
        unread = [f"{where}：{message}" if where and where != tp.label else message
                  for where, message in exc.problems] + unread
    stated = tuple(_stated_scores(grid, tp))
    unread += _absent(tp, stated)
    return Extraction(document.source, figures, tuple(_readings(tp)), tuple(unread), tuple(tp.notes), stated,
                      document)


# ---------------------------------------------------------------- finding the table


def self_evaluation_grid(document: Document) -> Grid | None:
    """Return the 自评表 as one grid: the tables that hold its headers or labels (Word splits it in two
    so the indicator header repeats), one below the other, under the title lines just above the first."""
    chosen = [g for g in document.tables if _is_self_evaluation(g)]
    if not chosen:
        return None
    first = document.items.index(chosen[0])
    titles: list[Paragraph] = []
    for item in reversed(document.items[:first]):
        # a title line is short and no sentence: （2024年度）, 项目支出绩效自评表, 单位：万元
        if not isinstance(item, Paragraph) or len(item.text) > 30 or item.text.endswith("。") or len(titles) == 3:
            break
        titles.insert(0, item)
    stacked = _without_repeated_headers([row for g in chosen for row in g.rows])
    rows = [(Cell(p.text, p.where),) for p in titles] + stacked
    width = max(len(row) for row in rows)
    padded = tuple(tuple(row) + tuple(Cell("", row[-1].ref) for _ in range(width - len(row))) for row in rows)
    return Grid(chosen[0].name, padded)


def _without_repeated_headers(rows: list[tuple[Cell, ...]]) -> list[tuple[Cell, ...]]:
    """Return the rows without the copies of a header row that a table repeats on each new page."""
    texts = [[c.text for c in row] for row in rows]
    keys = [tuple(dict.fromkeys(t for t in text if t.strip())) for text in texts]  # a page may split a merge
    heads = {keys[b.row] for b in headers(texts).values()}
    seen: set[tuple[str, ...]] = set()
    out = []
    for row, key in zip(rows, keys, strict=True):
        if key in heads and key in seen:
            continue
        seen.add(key)
        out.append(row)
    return out


def _is_self_evaluation(grid: Grid) -> bool:
    texts = [[c.text for c in row] for row in grid.rows]
    return bool(headers(texts)) or any(label_of(t) == "project.name" for row in texts for t in row)


# ---------------------------------------------------------------- what the narrative adds


def _fill_from_text(tp: TableProject, paragraphs: list[Paragraph]) -> list[str]:
    """Fill the project and funds values the table lacks from what the paragraphs state; return the
    lines for values the narrative states ambiguously."""
    for path, stated in narrative_project(paragraphs).items():
        if path not in tp.where and (path not in tp.bad_paths or _problem_paths(tp, (path,))):
            _drop_problems(tp, (path,))
            tp.put(path, stated.value, Cell(stated.text, stated.where), LABEL_NAMES[path] + "（正文）")
    funds = tp.data.setdefault("funds", {})
    unit = funds.setdefault("unit", "万元")
    found, ambiguous = narrative_funds(paragraphs, unit)
    unread = []
    copied = tp.where.get("funds.budget_initial", ("", ""))[1] == "全年预算数"
    for f in FUNDS_LABELS:
        path = f"funds.{f}"
        in_table = path in tp.where and not (f == "budget_initial" and copied)
        if not in_table and f in ambiguous:
            unread.append(ambiguous[f])
        if f not in found:
            continue
        stated = found[f]
        if in_table or (path in tp.bad_paths and path not in _problem_paths(tp, ("funds", path))):
            continue
        _drop_problems(tp, ("funds", path))
        tp.put(path, stated.value, Cell(stated.text, stated.where), FUNDS_LABELS[f] + "（正文）")
        if f == "budget_initial" and copied:
            tp.notes[:] = [n for n in tp.notes if "未填年初预算数" not in n]
    if "budget_initial" not in funds and "budget_adjusted" in funds and "funds.budget_initial" not in tp.bad_paths:
        ref, _ = tp.where["funds.budget_adjusted"]
        tp.put("funds.budget_initial", funds["budget_adjusted"], Cell("", ref), "全年预算数")
        tp.notes.append(f"{ref}：未写年初预算数，按全年预算数 {funds['budget_adjusted']} 计")
        _drop_problems(tp, ("funds", "funds.budget_initial"))
    return unread


def _problem_paths(tp: TableProject, paths: tuple[str, ...]) -> list[str]:
    """Return those of paths whose problems were only "not found" or "empty" (a value could fill them)."""
    return [p for p, (_, message) in zip(tp.problem_paths, tp.problems, strict=True)
            if p in paths and ("未找到" in message or message.endswith("为空"))]


def _drop_problems(tp: TableProject, paths: tuple[str, ...]) -> None:
    """Forget the "not found"/"empty" problems of paths, now that the narrative gives their values."""
    keep = [(p, problem) for p, problem in zip(tp.problem_paths, tp.problems, strict=True)
            if not (p in paths and ("未找到" in problem[1] or problem[1].endswith("为空")))]
    tp.problem_paths[:] = [p for p, _ in keep]
    tp.problems[:] = [problem for _, problem in keep]
    tp.bad_paths.difference_update(set(paths) - set(tp.problem_paths))


# ---------------------------------------------------------------- what was read, and what the table states


def _readings(tp: TableProject) -> list[Reading]:
    out = []
    for path, (ref, label) in tp.where.items():
        value = _at(tp.data, path)
        if value is None or path.endswith(".id"):
            continue
        out.append(Reading(_what(tp, path, label), ref, _shown(path, value, tp), path))
    return out


def _what(tp: TableProject, path: str, label: str) -> str:
    m = re.match(r"(indicators|funds\.breakdown|facts)\[(\d+)\]", path)
    if not m:
        return label
    item = _at(tp.data, m.group(0)) or {}
    kind = {"indicators": "指标", "funds.breakdown": "资金来源", "facts": "数据"}[m.group(1)]
    return f"{kind}{int(m.group(2)) + 1}「{item.get('name', '')}」{label}"


def _shown(path: str, value: Any, tp: TableProject) -> str:
    if path == "funds.rate_basis":
        return BASIS_LABELS.get(value, str(value))
    if path == "evaluation.execution_rate":
        return f"{value}%"
    if isinstance(value, list):
        return "；".join(str(v.get("title") or v.get("number")) if isinstance(v, dict) else str(v) for v in value)
    unit = tp.data.get("funds", {}).get("unit", "万元")
    money = path.startswith("funds.") and path.rsplit(".", 1)[-1] in (*FUNDS_LABELS, "budget")
    return f"{value}{unit}" if money and isinstance(value, int | float) else str(value)


def _at(data: Any, path: str) -> Any:
    node = data
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        try:
            node = node[int(part[1:-1])] if part.startswith("[") else node.get(part)
        except (IndexError, AttributeError, TypeError):
            return None
        if node is None:
            return None
    return node


def _stated_scores(grid: Grid, tp: TableProject) -> list[StatedScore]:
    """Return the 分值 and 得分 the table states for the execution row and each indicator row."""
    rows = {cell.ref: r for r, row in enumerate(grid.rows) for cell in row}
    blocks = headers([[c.text for c in row] for row in grid.rows])
    out = []
    funds, ind = blocks.get("funds"), blocks.get("indicators")
    if funds and "funds.spent" in tp.where and (r := rows.get(tp.where["funds.spent"][0])) is not None:
        for kind, words in (("weight", "预算执行率分值"), ("score", "预算执行率得分")):
            if kind in funds.cols and (v := number(grid.rows[r][funds.cols[kind]].text)) is not None:
                out.append(StatedScore(words, grid.rows[r][funds.cols[kind]].ref, float(v), None, kind))
    for n, item in enumerate(tp.data.get("indicators", [])):
        where = tp.where.get(f"indicators[{n}].name")
        r = rows.get(where[0]) if where else None
        if ind is None or r is None or "score" not in ind.cols:
            continue
        cell = grid.rows[r][ind.cols["score"]]
        if (v := number(cell.text)) is not None:
            out.append(StatedScore(f"指标{n + 1}「{item.get('name', '')}」得分", cell.ref, float(v), n))
    return out


def _absent(tp: TableProject, stated: tuple[StatedScore, ...]) -> list[str]:
    """Return what a check of the report needs but neither the table nor the text states."""
    out = []
    for path, words in (("evaluation.score", "总分"), ("evaluation.grade", "自评等级"),
                        ("evaluation.execution_rate", "执行率")):
        if path not in tp.where and path not in tp.bad_paths:
            out.append(f"未读到{words}：表中没有写明，无法核对")
    indicators = tp.data.get("indicators", [])
    no_weight = [n + 1 for n, ind in enumerate(indicators) if "weight" not in ind]
    if no_weight:
        out.append(f"未读到指标分值（第 {'、'.join(map(str, no_weight))} 个指标）：按评分方案分配")
    scored = {s.indicator for s in stated if s.indicator is not None}
    no_score = [n + 1 for n in range(len(indicators)) if n not in scored]
    if indicators and no_score:
        out.append(f"未读到指标得分（第 {'、'.join(map(str, no_score))} 个指标）：无法核对各指标得分")
    return out
