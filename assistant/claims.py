"""Verdict claims: the words a text uses for how an indicator turned out (已完成, 超额完成, 全部完成 …),
checked against the score sheet."""

from __future__ import annotations

import re
from typing import Any

from assistant.cues import CONTEXT, Containment, named_loosely
from assistant.facts import FactTable
from assistant.findings import Finding
from assistant.vocabulary import indicator_id

VERDICTS = re.compile(r"超额完成|全部未完成|均未完成|全部完成|全面完成|均已完成|完全符合预期"
                      r"|部分完成|基本完成|未完成|已完成")
SWEEPING = {"全部完成", "全面完成", "均已完成", "完全符合预期"}
SWEEPING_NEGATIVE = {"全部未完成", "均未完成"}
# Which verdicts a text may state for each verdict of the figures (超额 is also 已完成; 部分 is also 未完成).
ALLOWED = {"超额完成": {"超额完成", "已完成"}, "已完成": {"已完成"}, "部分完成": {"部分完成", "基本完成", "未完成"},
           "基本完成": {"基本完成", "部分完成", "未完成"}, "未完成": {"未完成", "部分完成", "基本完成"},
           "待确认": set()}


def check_claims(text: str, table: FactTable) -> list[Finding]:
    """Return verdict words (已完成, 超额完成, 未完成, 全部完成 …) that the figures contradict."""
    rows = table.sheet.indicators
    names = sorted(((r.indicator.name, r) for r in rows), key=lambda x: -len(x[0]))
    missed = [r for r in rows if r.missed or r.pending]
    low = float(table[table.rate_id].value) < table.scheme.thresholds.execution_rate
    quoted = Containment(_quoted_spans(text, table))
    out = []
    for m in VERDICTS.finditer(text):
        if quoted(m.start(), m.end()):
            continue  # the unit's own words (尚未完成安装验收), quoted from the figures: not a verdict
        word = m.group()
        line_start = max(text.rfind("\n", max(0, m.start() - CONTEXT), m.start()) + 1, m.start() - CONTEXT)
        before = text[line_start:m.start()]
        if word in SWEEPING_NEGATIVE:
            met = [r for r in rows if r.verdict in ("已完成", "超额完成")]
            if met:
                message = f"文中称「{word}」，但指标「{met[0].indicator.name}」{met[0].verdict}"
                out.append(_claim(m, message, met[0], table))
            continue
        if word in SWEEPING:
            if (missed or low) and not re.search(r"[未不没]|尚|并非", before[-4:]):
                why = f"指标「{missed[0].indicator.name}」{missed[0].verdict}" if missed else \
                    f"预算执行率仅 {table[table.rate_id].display}"
                out.append(_claim(m, f"文中称「{word}」，但{why}", missed[0] if missed else None, table))
            continue
        if re.search(r"(?:无法|不能|难以|不可能|不会)$", before):
            continue  # 无法超额完成: a verdict denied is no claim
        if re.search(r"[0-9零〇一二两三四五六七八九十]+\s*[项个]$", before):
            continue  # 两项部分完成: a count of indicators, checked as a number
        row = _named_before(before, names)
        if row is not None and word not in ALLOWED[row.verdict]:
            message = f"指标「{row.indicator.name}」实际为「{row.verdict}」，文中写作「{word}」"
            out.append(_claim(m, message, row, table))
    return out


def _quoted_spans(text: str, table: FactTable) -> list[tuple[int, int]]:
    """Return where the figures' own free text (evidence, reasons, overview …) stands in the text."""
    fig = table.figures
    texts = [fig.project.overview, fig.project.goal, fig.process, fig.problems, fig.funds.deviation_reason]
    texts += [t for i in fig.indicators for t in (i.evidence, i.deviation_reason, i.target, i.actual)
              if isinstance(t, str)]
    pieces = {p.strip() for t in texts for p in re.split(r"[。；;\n]", t) if len(p.strip()) >= 4}
    return [(m.start(), m.end()) for p in pieces for m in re.finditer(re.escape(p), text)]


def _named_before(before: str, names: list[tuple[str, Any]]) -> Any:
    """Return the indicator named last before a verdict word in its sentence, else the one the sentence
    names in other words (`named_loosely`), else the one named last on its line, if any."""
    sentence = re.split(r"[。；！？]", before)[-1]
    return _last_named(sentence, names) or named_loosely(sentence, names) or _last_named(before, names)


def _last_named(text: str, names: list[tuple[str, Any]]) -> Any:
    """Return the row whose name appears last in the text, or None."""
    best, best_at = None, -1
    for name, row in names:
        at = text.rfind(name)
        if at > best_at:
            best, best_at = row, at
    return best


def _claim(m: re.Match[str], message: str, row: Any, table: FactTable) -> Finding:
    fact = indicator_id(row.indicator.id, "actual") if row is not None else table.rate_id
    expected = row.verdict if row is not None else ""
    return Finding("claim_contradiction", message, fact, (fact,), row.indicator.id if row else "",
                   start=m.start(), end=m.end(), text=m.group(), expected=expected)
