"""Consistency findings on the figures themselves: what a reviewer catches in a 自评表."""

from __future__ import annotations

from collections.abc import Callable

from assistant.facts import FactTable, format_number
from assistant.findings import Finding
from assistant.scoring import BASIS_LABELS, IndicatorScore, grade_of

Rule = Callable[[FactTable], list[Finding]]


def diagnose(table: FactTable) -> list[Finding]:
    """Return every figure-level finding of the fact table, in the order of the 自评表."""
    out: list[Finding] = []
    for rule in RULES:
        out.extend(rule(table))
    return out


def _same_at_written_precision(reported: float, computed: float, decimals: int) -> bool:
    """Return whether a reported value equals the computed one at the precision it was written in."""
    return format_number(computed, decimals) == format_number(reported, decimals)


def _execution(table: FactTable) -> list[Finding]:
    funds, rate = table.figures.funds, table[table.rate_id]
    threshold = table.scheme.thresholds.execution_rate
    if float(rate.value) >= threshold:
        return []
    facts = (table.rate_id, "funds.spent", _basis_fact(table), "scheme.execution_threshold")
    if funds.deviation_reason:
        return [Finding("deviation_explained", f"预算执行率 {rate.display} 低于 {threshold:g}%，已说明原因：{funds.deviation_reason}",
                        table.rate_id, facts, cause="执行进度", reason=funds.deviation_reason)]
    return [Finding("low_execution", f"预算执行率 {rate.display}（{table['funds.spent'].display} ÷ "
                    f"{table[_basis_fact(table)].display}）低于 {threshold:g}%，未说明原因",
                    table.rate_id, facts, cause="执行进度")]


def _basis_fact(table: FactTable) -> str:
    return {"budget_adjusted": "funds.budget_adjusted", "budget_initial": "funds.budget_initial",
            "allocated": "funds.allocated"}[table.sheet.basis]


def _overspend(table: FactTable) -> list[Finding]:
    basis = _basis_fact(table)
    spent, budget = table["funds.spent"], table[basis]
    if float(spent.value) <= float(budget.value):
        return []
    rate = table[table.rate_id]
    return [Finding("spend_exceeds_budget", f"全年执行数 {spent.display} 超过{budget.label} {budget.display}"
                    f"（执行率 {rate.display}），须说明超支原因及资金来源", "funds.spent",
                    ("funds.spent", basis, table.rate_id), cause="预算编制",
                    reason=table.figures.funds.deviation_reason)]


def _basis_gap(table: FactTable) -> list[Finding]:
    rates = {b: table[f"rate.{b}"] for b in BASIS_LABELS if f"rate.{b}" in table}
    chosen = table[table.rate_id]
    gap = table.scheme.thresholds.basis_gap
    out = []
    for basis, fact in rates.items():
        if fact.id == chosen.id or abs(float(fact.value) - float(chosen.value)) <= gap:
            continue
        out.append(Finding("basis_inconsistent", f"报告按{BASIS_LABELS[table.sheet.basis]}计算的执行率为 "
                           f"{chosen.display}，按{BASIS_LABELS[basis]}计算则为 {fact.display}，两者相差超过 "
                           f"{gap:g} 个百分点，应在报告中写明所用口径", chosen.id, (chosen.id, fact.id),
                           cause="口径说明"))
    return out


def _reported(table: FactTable) -> list[Finding]:
    ev, sheet, out = table.figures.evaluation, table.sheet, []
    if ev.execution_rate is not None and "evaluation.execution_rate" in table:
        decimals = table["evaluation.execution_rate"].decimals
        if not _same_at_written_precision(ev.execution_rate, sheet.execution_rate, decimals):
            out.append(Finding("rate_mismatch", f"自报执行率 {format_number(ev.execution_rate, decimals)}% 与"
                               f"计算值 {table[table.rate_id].display} 不一致", "evaluation.execution_rate",
                               ("evaluation.execution_rate", table.rate_id), expected=table[table.rate_id].display))
    if ev.score is not None:
        decimals = table["evaluation.score"].decimals
        if not _same_at_written_precision(ev.score, sheet.total, decimals):
            out.append(Finding("score_mismatch", f"自报总分 {format_number(ev.score, decimals)} 分与按评分方案计算的 "
                               f"{table['score.total'].display} 不一致", "evaluation.score",
                               ("evaluation.score", "score.total"), expected=table["score.total"].display))
    if ev.grade is not None:
        score = ev.score if ev.score is not None else sheet.total
        band = grade_of(score, table.scheme)
        if band != ev.grade:
            out.append(Finding("grade_mismatch", f"自报等级「{ev.grade}」与总分 {score:g} 分所在等级「{band}」不符",
                               "evaluation.grade", ("evaluation.grade", "evaluation.score"), expected=band))
    return out


def _breakdown(table: FactTable) -> list[Finding]:
    if "breakdown.sum_budget" not in table:
        return []
    out = []
    for total_id, sum_id in (("funds.budget_adjusted", "breakdown.sum_budget"), ("funds.spent", "breakdown.sum_spent")):
        total, summed = table[total_id], table[sum_id]
        if abs(float(total.value) - float(summed.value)) > 0.5 * 10 ** -max(total.decimals, summed.decimals):
            out.append(Finding("breakdown_sum_mismatch", f"分项{summed.label.removeprefix('分项')} {summed.display} 与"
                               f"{total.label} {total.display} 不一致", sum_id, (sum_id, total_id),
                               cause="报表填报", expected=total.display))
    return out


def _weights(table: FactTable) -> list[Finding]:
    sheet = table.sheet
    total = sheet.execution_weight + sum(r.weight for r in sheet.indicators)
    if not sheet.indicators or abs(total - table.scheme.total) < 0.005:
        return []
    return [Finding("weights_sum", f"预算执行率分值 {sheet.execution_weight:g} 与各指标分值合计为 {total:g} 分，"
                    f"不等于满分 {table.scheme.total:g} 分", "scheme.total",
                    ("scheme.total", "score.execution_weight"), cause="报表填报")]


def _indicators(table: FactTable) -> list[Finding]:
    out = []
    overshoot = table.scheme.thresholds.overshoot
    for row in table.sheet.indicators:
        out.extend(_indicator(row, overshoot))
    return out


def _indicator(row: IndicatorScore, overshoot: float) -> list[Finding]:
    ind, key = row.indicator, f"ind.{row.indicator.id}"
    facts = (f"{key}.target", f"{key}.actual")
    out = []
    if row.actual.op is not None or (row.target.qualitative and row.actual.text == row.target.text
                                      and row.target.text[:1] in "≥≤<>＞＜="):
        out.append(Finding("target_as_actual", f"指标「{ind.name}」的实际完成值「{row.actual.text}」是目标值的写法，"
                           "应填写实际达到的数值", f"{key}.actual", facts, ind.id, cause="报表填报"))
    if row.target.unit == "%" and row.target.op in (">=", ">") and (row.target.value or 0) >= 100:
        out.append(Finding("impossible_target", f"指标「{ind.name}」的目标「{row.target.text}」无法超额完成，"
                           "目标值设置不能反映绩效差异", f"{key}.target", facts, ind.id, cause="指标设置"))
    missed = row.verdict in ("未完成", "部分完成")
    over = row.completion is not None and row.completion >= overshoot and row.target.op not in ("<=", "<")
    if not (missed or over):
        return out
    reason = ind.deviation_reason
    what = "未完成目标" if missed else f"完成率 {row.completion:g}%，达到目标的 {overshoot:g}% 以上"
    message = f"指标「{ind.name}」目标 {row.target.text}，实际 {row.actual.text}{row.actual.unit if row.actual.value is not None and row.actual.unit not in row.actual.text else ''}，{what}"
    cause = "目标未达成" if missed else "目标设置偏低"
    if reason:
        out.append(Finding("deviation_explained", f"{message}；已说明原因：{reason}", f"{key}.actual", facts,
                           ind.id, cause=cause, reason=reason))
    else:
        code = "underachievement_unexplained" if missed else "overachievement_unexplained"
        out.append(Finding(code, f"{message}，未说明偏差原因", f"{key}.actual", facts, ind.id, cause=cause))
    return out


RULES: list[Rule] = [_execution, _overspend, _basis_gap, _breakdown, _weights, _indicators, _reported]
