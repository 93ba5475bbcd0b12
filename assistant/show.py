"""Rich tables for people: the fact table, the score sheet and findings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from assistant.check import CheckResult
from assistant.facts import FactTable
from assistant.findings import Finding
from assistant.validation import terminal_safe


def _add_row(table: Table, *cells: str, style: str | None = None) -> None:
    """Add a row whose cells are shown literally: names and messages hold user text, and rich would
    read [b] or [link=…] in a plain string as markup (and fail on a stray [/oops])."""
    table.add_row(*(Text(terminal_safe(cell)) for cell in cells), style=style)


_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}
_NUMBER_STYLE = {"supported": "green", "derived": "cyan", "ignored": "dim", "unsupported": "bold red",
                 "contradicted": "bold red reverse"}


def show_score(table: FactTable, findings: list[Finding], console: Console | None = None) -> None:
    """Print the fact table, the score sheet, the notes and the findings."""
    console = console or Console()
    facts = Table(title="事实表", show_lines=False)
    for col in ("编号", "名称", "数值", "公式或来源"):
        facts.add_column(col)
    for fact in table:
        mark = "（采用）" if fact.chosen else ""
        _add_row(facts, fact.id, fact.label + mark, fact.display, fact.formula or fact.source)
    console.print(facts)
    console.print(score_sheet_table(table))
    for note in table.notes:
        console.print(f"说明：{note}", markup=False)
    show_findings(findings, console)


def score_sheet_table(table: FactTable) -> Table:
    """Return the score sheet as a rich table."""
    sheet = table.sheet
    out = Table(title=f"评分表（{sheet.scheme.title}）")
    for col in ("指标", "年度指标值", "实际完成值", "分值", "得分", "结论"):
        out.add_column(col)
    _add_row(out, "预算执行率", f"按{table[table.rate_id].label.split('按')[-1].rstrip('）')}",
                table[table.rate_id].display, table["score.execution_weight"].number,
                table["score.execution"].number, "")
    for r in sheet.indicators:
        key = f"ind.{r.indicator.id}"
        weight = table[f"{key}.weight"].number + ("（方案补）" if r.weight_filled else "")
        _add_row(out, r.indicator.name, r.target.text, table[f"{key}.actual"].display, weight,
                    table[f"{key}.score"].number, r.verdict)
    _add_row(out, "总分", "", "", table["scheme.total"].number, table["score.total"].number,
                f"等级：{sheet.grade}", style="bold")
    return out


def show_findings(findings: list[Finding], console: Console) -> None:
    """Print the findings as a table, or one line saying there are none."""
    if not findings:
        console.print("未发现问题。")
        return
    out = Table(title="发现的问题")
    for col in ("级别", "代码", "说明"):
        out.add_column(col)
    for f in findings:
        _add_row(out, f.severity, f.code, f.message, style=_STYLE[f.severity])
    console.print(out)


def show_check(text: str, result: CheckResult, console: Console | None = None) -> None:
    """Print the text with each number coloured by status, a summary line and the findings."""
    console = console or Console()
    if text:
        shown = Text(terminal_safe(text))  # same length: the numbers' offsets still hold
        for n in result.numbers:
            shown.stylize(_NUMBER_STYLE[n.status], n.quantity.start, n.quantity.end)
        console.print(shown)
        console.print()
        s = result.summary()
        console.print(f"数字 {s['numbers']} 个：有据 {s['supported']}，推算 {s['derived']}，不计 {s['ignored']}，"
                      f"无据 {s['unsupported']}，矛盾 {s['contradicted']}；错误 {s['errors']}，提示 {s['warnings']}",
                      markup=False)
    show_findings(list(result.findings), console)
