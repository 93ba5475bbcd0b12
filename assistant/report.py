"""The Report model (sections → paragraphs → sentences with the facts they state) and its exports."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from assistant import vocabulary as v
from assistant.facts import Fact, FactTable, format_number
from assistant.findings import Finding
from assistant.provenance import Provenance
from assistant.templating import render
from assistant.text import split_sentences

# Template output marks each fact it states as ⟦fact-id⟧ (value and unit) or ⟦fact-id|n⟧ (value
# only); turning marks into text sentence by sentence is what gives every sentence its provenance.
# Each mark opens with STX, a control character the figures never hold: ⟦…⟧ typed into free text
# is therefore text, never a fact, and never an unknown id.
MARK_OPEN = "\x02⟦"
MARK = re.compile(r"\x02⟦([^⟧|]+)(?:\|(n))?⟧")


@dataclass(frozen=True)
class Sentence:
    """One sentence and the ids of the facts it states."""

    text: str
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.sentences)

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for s in self.sentences for f in s.facts))


@dataclass(frozen=True)
class Section:
    """A titled part of the report; `level` 1 is 一、…, level 2 is （一）…"""

    id: str
    title: str
    level: int
    paragraphs: tuple[Paragraph, ...] = ()
    writer: str = "template"
    findings: tuple[str, ...] = ()  # codes of the findings this section answers (problems, improvements)
    provenance: Provenance | None = None  # a model-written section: how it was settled

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


@dataclass(frozen=True)
class Report:
    """A drafted report: its sections, the fact table it was drafted from and the figure findings."""

    title: str
    sections: tuple[Section, ...]
    table: FactTable
    findings: tuple[Finding, ...] = ()

    def section(self, section_id: str) -> Section:
        """Return the section with this id."""
        return next(s for s in self.sections if s.id == section_id)


def paragraphs_from_marked(text: str, table: FactTable) -> tuple[Paragraph, ...]:
    """Return paragraphs from marked template output: each non-empty line is one, marks become facts."""
    out = []
    for line in text.splitlines():
        block = line.strip()
        if block:
            out.append(Paragraph(tuple(_sentence(s, table) for s in split_sentences(block) if s.strip())))
    return tuple(out)


def _sentence(marked: str, table: FactTable) -> Sentence:
    ids: list[str] = []

    def fill(m: re.Match[str]) -> str:
        fact: Fact = table[m.group(1)]
        ids.append(fact.id)
        return fact.number if m.group(2) else fact.display

    text = MARK.sub(fill, marked.strip())
    return Sentence(text, tuple(dict.fromkeys(ids)))


# ---------------------------------------------------------------- Markdown

def to_markdown(report: Report) -> str:
    """Return the report as Markdown: title, sections and the 自评表 as a table.

    Text is HTML-escaped (& < >): a name or reason from the figures may hold `<script>` or
    `<img onerror=…>`, and a Markdown viewer must show it, not run it.
    """
    lines = [f"# {_md(report.title)}", ""]
    lines += [f"{k}：{_md(v)}" for k, v in cover_lines(report)]
    lines.append("")
    for sec in report.sections:
        lines += [f"{'#' * (sec.level + 1)} {_md(sec.title)}", ""]
        for para in sec.paragraphs:
            lines += [_md(para.text), ""]
    lines += ["## 附：项目支出绩效自评表", ""]
    for n, row in enumerate(self_evaluation_rows(report.table)):
        cells = [_md(t) for c in row.cells for t in [c.text] + [""] * (c.span - 1)]  # a span leaves empty cells
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("|" + "---|" * TABLE_COLUMNS)
    return "\n".join(lines).rstrip() + "\n"


def _md(text: str) -> str:
    return html.escape(text, quote=False)


def cover_lines(report: Report) -> list[tuple[str, str]]:
    """Return the cover fields: project name, year, unit, fill date."""
    p = report.table.figures.project
    out = [("项目名称", p.name), ("评价年度", f"{p.year}年度"), ("评价单位", p.unit)]
    if p.fill_date:
        out.append(("填报日期", f"{p.fill_date.year}年{p.fill_date.month}月{p.fill_date.day}日"))
    return out


TABLE_COLUMNS = 10  # the 自评表's grid: 一级, 二级, 三级 (2), 指标值, 完成值, 分值, 得分, 偏差原因 (2)
_BASIS_NOTE = {"allocated": "按到位数", "budget_initial": "按年初预算数"}


@dataclass(frozen=True)
class Cell:
    """A 自评表 cell: its text, the grid columns it spans, its kind and the facts it states.

    kind is "head" (a label or column header: bold, centred), "number" (centred) or "text" (left).
    """

    text: str
    span: int = 1
    kind: str = "text"
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableRow:
    """A 自评表 row: its kind (project, funds_head, funds, goal_head, goal, indicator_head,
    indicator, total) and its cells, which span TABLE_COLUMNS grid columns in all."""

    kind: str
    cells: tuple[Cell, ...]


def self_evaluation_rows(table: FactTable) -> list[TableRow]:
    """Return the 自评表 rendered from prompts/self_evaluation_table.j2, row by row."""
    fig = table.figures
    text = render("self_evaluation_table.j2", t=table, project=fig.project, funds=fig.funds,
                  rows=table.sheet.indicators, overshoot=table.scheme.thresholds.overshoot,
                  basis_word=_BASIS_NOTE.get(table.sheet.basis, ""),
                  breakdown=_breakdown_rows(table))
    rows = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        kind, _, body = line.partition("> ")
        cells = tuple(_cell(c) for c in body.split(" | "))
        if sum(c.span for c in cells) != TABLE_COLUMNS:
            raise ValueError(f"自评表模板的一行不是 {TABLE_COLUMNS} 列：{line}")
        rows.append(TableRow(kind, cells))
    return rows


SOURCES = ("当年财政拨款", "上年结转资金", "其他资金")  # the 其中 rows of the national template


def _breakdown_rows(table: FactTable) -> list[dict[str, Any]]:
    """Return the 其中 rows: the breakdown of the figures (n = its index), completed with the
    template's other fund sources (n = None, shown as —) when it is by source. A breakdown that
    does not add up to the totals is left out (the three sources shown as —): a table whose parts
    contradict its total is not printed, and the author is told where the total stands."""
    rows = table.figures.funds.breakdown
    if not rows or not _adds_up(table):
        return [{"name": name, "n": None} for name in SOURCES]
    out: list[dict[str, Any]] = [{"name": r.name, "n": n} for n, r in enumerate(rows)]
    if all(r.name in SOURCES for r in rows):
        out += [{"name": name, "n": None} for name in SOURCES if name not in {r.name for r in rows}]
        out.sort(key=lambda b: SOURCES.index(b["name"]))
    return out


def _adds_up(table: FactTable) -> bool:
    """Return whether the breakdown's sums equal the totals at the precision they are shown."""
    for total_id, sum_id in ((v.FUNDS_BUDGET_ADJUSTED, v.BREAKDOWN_SUM_BUDGET), (v.FUNDS_SPENT, v.BREAKDOWN_SUM_SPENT)):
        total, summed = table[total_id], table[sum_id]
        decimals = max(total.decimals, summed.decimals)
        if format_number(float(total.value), decimals) != format_number(float(summed.value), decimals):
            return False
    return True


_KINDS = {"h": "head", "n": "number"}


def _cell(raw: str) -> Cell:
    """Return the cell written "text::attr::attr" (attrs: a span, h or n, @fact,fact)."""
    text, *attrs = raw.strip().split("::")
    span, kind, facts = 1, "text", ()
    for attr in attrs:
        if attr.isdigit():
            span = int(attr)
        elif attr in _KINDS:
            kind = _KINDS[attr]
        elif attr.startswith("@"):
            facts = tuple(filter(None, attr[1:].split(",")))
    return Cell(text.strip(), span, kind, facts)


# ---------------------------------------------------------------- JSON

def to_json(report: Report) -> str:
    """Return the report with provenance (sentences → fact ids), the fact table and the score sheet."""
    return json.dumps(report_data(report), ensure_ascii=False, allow_nan=False, indent=2)


def report_data(report: Report) -> dict[str, Any]:
    """Return the JSON-ready dict of the report."""
    t = report.table
    return {
        "title": report.title,
        "project": t.figures.project.model_dump(mode="json"),
        "scheme": t.scheme.name,
        "sections": [_section_data(s) for s in report.sections],
        "facts": [fact_data(fact) for fact in t],
        "score_sheet": score_sheet_data(t),
        "findings": [f.to_json() for f in report.findings],
        "interpretations": t.notes,
    }


def _section_data(sec: Section) -> dict[str, Any]:
    return {
        "id": sec.id, "title": sec.title, "level": sec.level, "writer": sec.writer,
        "findings": list(sec.findings), **(sec.provenance.to_json() if sec.provenance else {}),
        "paragraphs": [[{"text": s.text, "facts": list(s.facts)} for s in p.sentences] for p in sec.paragraphs],
    }


def fact_data(fact: Fact) -> dict[str, Any]:
    """Return one fact as a JSON-ready dict."""
    return {"id": fact.id, "label": fact.label, "value": fact.value, "unit": fact.unit,
            "decimals": fact.decimals, "display": fact.display, "formula": fact.formula,
            "source": fact.source, "qualifier": fact.qualifier, "chosen": fact.chosen}


def score_sheet_data(t: FactTable) -> dict[str, Any]:
    """Return the score sheet as a JSON-ready dict."""
    s = t.sheet
    return {
        "scheme": {"name": s.scheme.name, "title": s.scheme.title, "total": s.scheme.total},
        "execution": {"basis": s.basis, "rates": s.rates, "rate": s.execution_rate,
                      "weight": s.execution_weight, "score": s.execution_score},
        "indicators": [
            {"id": r.indicator.id, "level1": r.indicator.level1, "level2": r.indicator.level2,
             "name": r.indicator.name, "target": r.target.text, "op": r.target.op,
             "target_value": r.target.value, "actual": r.actual.text, "actual_value": r.actual.value,
             "unit": r.target.unit, "weight": r.weight, "weight_filled": r.weight_filled,
             "score": r.score, "completion": r.completion, "verdict": r.verdict, "formula": r.formula}
            for r in s.indicators
        ],
        "total": s.total,
        "grade": s.grade,
        "notes": s.notes,
    }
