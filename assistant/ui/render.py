"""HTML fragments the page shows: every piece of user or model text goes through escape(), so text
is always shown as text, never read as markup."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from assistant.bureau import ReportReview
from assistant.bureau_out import grade_text, problems_text, status_of
from assistant.check import CheckResult
from assistant.facts import FactTable
from assistant.findings import Finding
from assistant.validation import terminal_safe

STATUS = {"supported": "有据", "derived": "可推算", "unsupported": "无据", "contradicted": "矛盾"}
SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
AUDIENCES = {"author": "项目数据本身的问题（请填报人核改数据文件）", "project": "项目存在的问题（报告应如实说明）"}

CSS = """
#title { font-size: 20px; font-weight: 600; padding-top: 8px; }
#status { min-height: 1.5em; color: #444; }
.hl { white-space: pre-wrap; line-height: 1.9; font-size: 15px; }
.hl mark { padding: 0 2px; border-radius: 3px; cursor: help; color: inherit; position: relative; }
.hl mark[data-tip]:hover::after, .hl mark[data-tip]:focus::after {
  content: attr(data-tip); position: absolute; left: 0; top: 1.7em; z-index: 20; white-space: nowrap;
  background: #333; color: #fff; padding: 2px 8px; border-radius: 4px; font-size: 13px; line-height: 1.6; }
.hl .n-supported { background: #d3f2d9; border-bottom: 2px solid #2f9e44; }
.hl .n-derived { background: #dbe8ff; border-bottom: 2px solid #3b5bdb; }
.hl .n-unsupported { background: #fff0c2; border-bottom: 2px solid #e67700; }
.hl .n-contradicted { background: #ffd6d6; border-bottom: 2px solid #c92a2a; }
.hl h4 { margin: 10px 0 2px; font-size: 15px; }
.legend mark { padding: 0 4px; margin-right: 6px; }
table.grid { border-collapse: collapse; width: 100%; font-size: 13px; }
table.grid td, table.grid th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
.sev-error { color: #c92a2a; font-weight: 600; }
.sev-warning { color: #b35c00; font-weight: 600; }
.sev-info { color: #555; }
.problems li { color: #c92a2a; }
.muted { color: #666; font-size: 13px; }
"""


def legend() -> str:
    """Return the key to the highlight colours."""
    marks = "".join(f'<mark class="n-{k}">{v}</mark>' for k, v in STATUS.items())
    return f'<div class="hl legend">数字颜色：{marks}（鼠标停在数字上或点击数字，可见对应事实）</div>'


def highlighted(text: str, result: CheckResult, table: FactTable, revision: int = 0) -> str:
    """Return the text with every checked number marked by status, its fact shown on hover or click."""
    out, at = [], 0
    for n in result.numbers:
        if n.status == "ignored":
            continue
        q = n.quantity
        out.append(escape(text[at:q.start]))
        tip = STATUS[n.status]
        if n.fact and n.fact in table:
            fact = table[n.fact]
            verb = "应为" if n.status == "contradicted" else "对应"
            tip += f"：{verb}「{fact.label}」{fact.display}" + (f"（{fact.formula}）" if fact.formula else "")
        out.append(f'<mark class="n-{n.status}" data-status="{n.status}" data-fact="{escape(n.fact)}" tabindex="0" '
                   f'data-tip="{escape(tip)}">{escape(text[q.start:q.end])}</mark>')
        at = q.end
    out.append(escape(text[at:]))
    return "".join(out)


def report_view(parts: Sequence[tuple[str, str, str]], revision: int) -> str:
    """Return the checked report: (section id, heading, highlighted body) in order."""
    body = "".join(f'<section data-section="{escape(sid)}"><h4>{escape(title)}</h4><div>{html}</div></section>'
                   for sid, title, html in parts)
    return f'<div class="hl" data-revision="{revision}">{body}</div>'


def problems(items: Iterable[tuple[str, str]], source: str = "") -> str:
    """Return the problems that stop a figures file from being used, each with its path in the file."""
    rows = "".join(f"<li><code>{escape(path or '（文件）')}</code>：{escape(msg)}</li>" for path, msg in items)
    if not rows:
        return ""
    head = f"{escape(source)} 无法使用，请修改后重新上传：" if source else "数据有误，请修改："
    return f'<div class="problems"><b>{head}</b><ul>{rows}</ul></div>'


def fact_table(table: FactTable) -> str:
    """Return the fact table: id, label, value as written, and the formula of derived facts."""
    rows = "".join(f"<tr><td><code>{escape(f.id)}</code></td><td>{escape(f.label)}</td><td>{escape(f.display)}</td>"
                   f"<td>{escape(f.formula or f.source)}</td></tr>" for f in table)
    return f'<table class="grid"><tr><th>编号</th><th>事实</th><th>数值</th><th>算式或来源</th></tr>{rows}</table>'


def score_sheet(table: FactTable) -> str:
    """Return the score sheet: each indicator's target, actual, verdict and score, then the total."""
    s = table.sheet
    rows = "".join(
        f"<tr><td>{escape(r.indicator.level1)}</td><td>{escape(r.indicator.name)}</td><td>{escape(r.target.text)}</td>"
        f"<td>{escape(r.actual.text)}</td><td>{escape(r.verdict)}</td><td>{_num(r.score)} / {_num(r.weight)}</td></tr>"
        for r in s.indicators)
    head = ("<tr><th>一级指标</th><th>指标</th><th>年度指标值</th><th>实际完成值</th><th>完成情况</th>"
            "<th>得分/分值</th></tr>")
    total = (f'<p>预算执行率 {_num(s.execution_rate)}%，得分 {_num(s.execution_score)} / {_num(s.execution_weight)}；'
             f"总分 <b>{_num(s.total)}</b>，等级 <b>{escape(str(s.grade))}</b></p>")
    return f'{total}<table class="grid">{head}{rows}</table>'


def _num(value: Any) -> str:
    return escape(f"{value:g}" if isinstance(value, float) else str(value))


def findings(items: Iterable[Finding], headings: dict[str, str] | None = None,
             placed: Iterable[tuple[str, Finding]] = ()) -> str:
    """Return the findings on the figures, grouped by audience, then the findings in the text by section."""
    groups: dict[str, list[Finding]] = {}
    for f in items:
        groups.setdefault(f.audience, []).append(f)
    html = ""
    for key, label in AUDIENCES.items():
        if groups.get(key):
            html += f'<h4 data-audience="{key}">{escape(label)}</h4><ul>{"".join(map(_finding, groups[key]))}</ul>'
    in_text = [(sid, f) for sid, f in placed]
    if in_text:
        names = headings or {}
        rows = "".join(_finding(f, names.get(sid, sid)) for sid, f in in_text)
        html += f'<h4 data-audience="text">报告文字中的问题（{len(in_text)} 处）</h4><ul>{rows}</ul>'
    return html or '<p class="muted">没有发现问题。</p>'


def _finding(f: Finding, where: str = "") -> str:
    place = f"〔{escape(where)}〕" if where else ""
    return (f'<li data-code="{escape(f.code)}"><span class="sev-{f.severity}">{SEVERITY[f.severity]}</span> '
            f"{place}{escape(f.message)} <code>{escape(f.code)}</code></li>")


def passages(hits: Sequence[Any], note: str) -> str:
    """Return search results: document title, section, metadata and the passage text."""
    if not hits:
        return f'<p class="muted">没有找到相关内容。{escape(note)}</p>'
    items = "".join(
        f"<li><b>{escape(p.title or p.doc)}</b> · {escape(p.section)} "
        f'<span class="muted">{escape(" · ".join(str(p.metadata.get(k, "")) for k in ("type", "department", "year")))}'
        f"</span><br>{escape(_snippet(p.text, 300))}</li>" for p in hits)
    return f'<p class="muted">检索方式：{escape(note)}</p><ol>{items}</ol>'


def sources(facts: Sequence[Any], passages: Sequence[Any], note: str) -> str:
    """Return a section's sources: the facts it states (label, value, formula) and the retrieved passages."""
    rows = "".join(f"<tr><td>{escape(f.label)}</td><td>{escape(f.display)}</td><td>{escape(f.formula)}</td></tr>"
                   for f in facts)
    html = (f'<b>本节引用的事实</b><table class="grid"><tr><th>事实</th><th>数值</th><th>算式</th></tr>{rows}</table>'
            if rows else '<p class="muted">本节未引用事实表中的数字。</p>')
    items = "".join(f"<li><b>{escape(p.title or p.doc)}</b> · {escape(p.section)}<br>"
                    f'<span class="muted">{escape(_snippet(p.text))}</span></li>' for p in passages)
    html += f"<b>参考资料</b><ul>{items}</ul>" if items else f'<p class="muted">参考资料：{escape(note or "无")}</p>'
    return html


def _snippet(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


REVIEW_HEAD = ("文件", "单位", "项目", "年度", "总分（自报→核算）", "等级", "执行率", "错误", "警告", "主要问题")


def review_rows(rows: Sequence[ReportReview]) -> list[list[str]]:
    """Return a batch review as the rows of the reviewer's table (plain text; the table shows it as text)."""
    out = []
    for r in rows:
        if r.problem:
            out.append([r.file, "", "", "", "", "", "", "", "", problems_text(r)])
            continue
        stated = f"{_plain(r.score_stated)}→" if r.score_stated is not None else ""
        out.append([r.file, r.unit, r.project, str(r.year or ""), f"{stated}{_plain(r.score)}", grade_text(r),
                    f"{_plain(r.rate)}%" if r.rate is not None else "", str(r.errors), str(r.warnings),
                    problems_text(r)])
    return [[terminal_safe(cell) for cell in row] for row in out]  # a control character shown as a sign


def review_summary(rows: Sequence[ReportReview]) -> str:
    """Return the count line above a batch review: how many reports, with errors, unreadable."""
    counts = {s: sum(status_of(r) == s for r in rows) for s in ("有错误", "无法读取", "有提示", "未发现问题")}
    parts = "，".join(f"{k} {v} 份" for k, v in counts.items() if v)
    return f'<p data-reports="{len(rows)}">共 {len(rows)} 份：{escape(parts)}。点击表中一行，查看该报告的核对结果。</p>'


def _plain(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
