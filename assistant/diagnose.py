"""Consistency findings on the figures themselves (what a reviewer catches in a 自评表); the report
text's parts that must answer them are diagnose_text.py's."""

from __future__ import annotations

from collections.abc import Callable

from assistant import vocabulary as v
from assistant.diagnose_project import (
    cost_mismatch,
    funds_not_arrived,
    large_adjustment,
    missing_indicator_kind,
    output_met_low_execution,
    qualitative_without_evidence,
)
from assistant.facts import FactTable, format_number, precision
from assistant.findings import Finding
from assistant.scoring import IndicatorScore, Scheme, grade_of
from assistant.vocabulary import BASIS_AMOUNT, BASIS_LABELS

Rule = Callable[[FactTable], list[Finding]]

# Rates that can rise above 100% (growth), for which "≥100%" is an ordinary, exceedable target.
_GROWTH_WORDS = ("增长", "增幅", "增速", "增加", "提高", "提升", "同比", "环比")


def diagnose(table: FactTable) -> list[Finding]:
    """Return every figure-level finding of the fact table, in the order of the 自评表."""
    out: list[Finding] = []
    for rule in RULES:
        out.extend(rule(table))
    return out


def _num(value: float) -> str:
    """Return a computed number as a report writes it (two decimals at most, no trailing zeros)."""
    return format_number(value, precision(value))


def _same_at_written_precision(reported: float, computed: float, decimals: int) -> bool:
    """Return whether a reported value equals the computed one at the precision it was written in."""
    return format_number(computed, decimals) == format_number(reported, decimals)


def _precision_words(decimals: int) -> str:
    return "取整" if decimals == 0 else f"保留 {decimals} 位小数"


def _rate_formula(table: FactTable, basis: str) -> str:
    """Return "全年执行数 412.6万元 ÷ 实际到位资金 500万元" for the rate on this basis."""
    amount = table[BASIS_AMOUNT[basis]]
    return f"全年执行数 {table['funds.spent'].display} ÷ {amount.label} {amount.display}"


# ---------------------------------------------------------------- funds

def _execution(table: FactTable) -> list[Finding]:
    rate, threshold = table[table.rate_id], table.scheme.thresholds.execution_rate
    if float(rate.value) >= threshold:
        return []
    basis = BASIS_AMOUNT[table.sheet.basis]
    facts = (table.rate_id, "funds.spent", basis, "scheme.execution_threshold")
    what = (f"预算执行率 {rate.display}（{_rate_formula(table, table.sheet.basis)}）低于评分方案规定的 "
            f"{threshold:g}%")
    reason = table.figures.funds.deviation_reason
    if reason:
        return [Finding("deviation_explained", f"{what}；已说明原因：{reason}", table.rate_id, facts,
                        cause="执行进度", reason=reason)]
    return [Finding("low_execution", f"{what}，执行率低于该值须说明原因，但未填写执行偏差原因", table.rate_id,
                    facts, cause="执行进度")]


def _overspend(table: FactTable) -> list[Finding]:
    basis = BASIS_AMOUNT[table.sheet.basis]
    spent, budget = table["funds.spent"], table[basis]
    if float(spent.value) <= float(budget.value):
        return []
    over = format_number(float(spent.value) - float(budget.value), max(spent.decimals, budget.decimals))
    reason = table.figures.funds.deviation_reason
    message = (f"全年执行数 {spent.display} 超过{budget.label} {budget.display}，超支 {over}{spent.unit}"
               f"（执行率 {table[table.rate_id].display}）；支出不应超过预算，超支须说明原因和资金来源")
    message += f"，已说明原因：{reason}" if reason else "，未说明原因"
    return [Finding("spend_exceeds_budget", message, "funds.spent", ("funds.spent", basis, table.rate_id),
                    cause="预算编制", reason=reason)]


def _basis_gap(table: FactTable) -> list[Finding]:
    chosen, gap = table[table.rate_id], table.scheme.thresholds.basis_gap
    out = []
    for basis in BASIS_LABELS:
        other = table.get(v.rate_id(basis))
        if other is None or other.id == chosen.id:
            continue
        diff = abs(float(other.value) - float(chosen.value))
        if diff <= gap:
            continue
        ours = table.sheet.basis
        out.append(Finding(
            "basis_inconsistent",
            f"执行率按{BASIS_LABELS[ours]}计算为 {chosen.display}（{_rate_formula(table, ours)}），按"
            f"{BASIS_LABELS[basis]}计算为 {other.display}（{_rate_formula(table, basis)}），相差 {_num(diff)} "
            f"个百分点，超过评分方案规定的 {gap:g} 个百分点；报告和自评表应写明执行率所用的口径",
            chosen.id, (chosen.id, other.id), cause="口径说明", field="funds.rate_basis"))
    return out


def _breakdown(table: FactTable) -> list[Finding]:
    if "breakdown.sum_budget" not in table:
        return []
    rows, out = table.figures.funds.breakdown, []
    pairs = (("funds.budget_adjusted", "breakdown.sum_budget", "budget"),
             ("funds.spent", "breakdown.sum_spent", "spent"))
    for total_id, sum_id, column in pairs:
        total, summed = table[total_id], table[sum_id]
        decimals = max(total.decimals, summed.decimals)
        # Equal at the precision the amounts were written in: 174.0 and 174 are the same sum.
        if format_number(float(total.value), decimals) == format_number(float(summed.value), decimals):
            continue
        terms = " + ".join(f"{r.name} {table[v.breakdown_id(n, column)].display}" for n, r in enumerate(rows))
        diff = format_number(abs(float(total.value) - float(summed.value)), decimals)
        out.append(Finding("breakdown_sum_mismatch",
                           f"{summed.label} {summed.display}（{terms}）与{total.label} {total.display} 不一致，"
                           f"相差 {diff}{total.unit}；各分项之和应等于合计数", sum_id, (sum_id, total_id),
                           cause="报表填报", expected=total.display))
    return out


# ---------------------------------------------------------------- weights and what the unit reported

def _weights(table: FactTable) -> list[Finding]:
    sheet, full = table.sheet, table.scheme.total
    if sheet.weights_given is None:
        return []
    total = sheet.weights_given
    indicators = total - sheet.execution_weight
    return [Finding("weights_sum", f"预算执行率分值 {sheet.execution_weight:g}分与各指标分值合计 {_num(indicators)}分，"
                    f"加总为 {_num(total)}分，不等于评分方案的满分 {full:g}分；各项分值之和应等于满分"
                    "（草稿已按比例折算）",
                    "scheme.total", ("scheme.total", "score.execution_weight"), cause="报表填报",
                    field="indicators[].weight")]


def _reported_rate(table: FactTable) -> list[Finding]:
    ev = table.figures.evaluation
    if ev.execution_rate is None:
        return []
    reported, chosen = table["evaluation.execution_rate"], table[table.rate_id]
    if _same_at_written_precision(ev.execution_rate, float(chosen.value), reported.decimals):
        return []
    message = (f"自报执行率 {reported.display} 与按{BASIS_LABELS[table.sheet.basis]}计算的 {chosen.display}"
               f"（{_rate_formula(table, table.sheet.basis)}）{_precision_words(reported.decimals)}后仍不一致")
    for basis in BASIS_LABELS:
        other = table.get(v.rate_id(basis))
        if other is not None and other.id != chosen.id and \
                _same_at_written_precision(ev.execution_rate, float(other.value), reported.decimals):
            message += f"；自报值与按{BASIS_LABELS[basis]}计算的 {other.display} 相符，两者口径不同"
            break
    return [Finding("rate_mismatch", message, "evaluation.execution_rate", ("evaluation.execution_rate", chosen.id),
                    cause="报表填报", expected=chosen.display)]


def _reported_score(table: FactTable) -> list[Finding]:
    ev, sheet = table.figures.evaluation, table.sheet
    if ev.score is None:
        return []
    reported, computed = table["evaluation.score"], table["score.total"]
    if _same_at_written_precision(ev.score, sheet.total, reported.decimals):
        return []
    lines = _num(sum(r.score for r in sheet.indicators))
    message = (f"自报总分 {reported.display} 与按评分方案计算的 {computed.display}（预算执行率得分 "
               f"{table['score.execution'].display} + 各指标得分合计 {lines}分）{_precision_words(reported.decimals)}"
               f"后仍不一致{_rounded_line(table, ev.score)}")
    return [Finding("score_mismatch", message, "evaluation.score", ("evaluation.score", "score.total"),
                    cause="报表填报", expected=computed.display)]


def _rounded_line(table: FactTable, reported: float) -> str:
    """Return a note when the gap is one score line rounded to a whole number (8.62 分记为 9 分)."""
    sheet = table.sheet
    lines = [("预算执行率得分", sheet.execution_score)]
    lines += [(f"指标「{r.indicator.name}」得分", r.score) for r in sheet.indicators]
    for label, score in lines:
        whole = float(format_number(score, 0))
        if whole != score and abs((reported - sheet.total) - (whole - score)) < 0.005:
            return f"；差额与把{label} {_num(score)}分记为 {whole:g}分相符，得分应按公式计算，不应取整"
    return ""


def _reported_grade(table: FactTable) -> list[Finding]:
    ev, sheet = table.figures.evaluation, table.sheet
    if ev.grade is None:
        return []
    # The grade must fit the right score: the reported one when it holds, the computed one otherwise.
    if ev.score is not None and _same_at_written_precision(ev.score, sheet.total, table["evaluation.score"].decimals):
        score, whose, fact = ev.score, "自报总分", "evaluation.score"
    else:
        score, whose, fact = sheet.total, "按评分方案计算的总分", "score.total"
    band = grade_of(score, table.scheme)
    if band == ev.grade:
        return []
    return [Finding("grade_mismatch", f"自报等级「{ev.grade}」与{whose} {_num(score)}分不符：该分数所在等级为"
                    f"「{band}」（{_band_text(band, table.scheme)}）", "evaluation.grade", ("evaluation.grade", fact),
                    cause="报表填报", expected=band)]


def _band_text(grade: str, scheme: Scheme) -> str:
    """Return the score range of a grade in words ("80 分及以上、不足 90 分")."""
    bands = sorted(scheme.grades, key=lambda b: b.min)
    at = next(n for n, b in enumerate(bands) if b.grade == grade)
    low = f"{bands[at].min:g}分及以上" if bands[at].min > 0 else ""
    high = f"不足 {bands[at + 1].min:g}分" if at + 1 < len(bands) else ""
    return "、".join(p for p in (low, high) if p)


# ---------------------------------------------------------------- indicators

def _indicators(table: FactTable) -> list[Finding]:
    out = []
    for n, row in enumerate(table.sheet.indicators):
        out.extend(_indicator_form(row, n))
        out.extend(_indicator_deviation(table, row))
    return out


def _indicator_form(row: IndicatorScore, n: int) -> list[Finding]:
    """Return findings on how the target and actual are written: a copied target, an unmeasurable one."""
    ind, target, actual = row.indicator, row.target, row.actual
    target_id, actual_id = v.indicator_id(ind.id, "target"), v.indicator_id(ind.id, "actual")
    facts, out = (target_id, actual_id), []
    copied = target.qualitative and actual.text == target.text and target.text[:1] in "≥≤<>＞＜="
    where = f"indicators[{n}]"
    if row.pending and not (actual.op is not None or copied):
        out.append(Finding("achievement_unclear", f"指标「{ind.name}」{row.pending}（{where}.actual）；草稿中该指标"
                           "记为“待确认”、暂不计分，请核实后填写实际完成值，或用 achievement 字段写明完成程度"
                           "（已完成、基本完成、部分完成、未完成）", actual_id, facts, ind.id, cause="报表填报",
                           field=f"{where}.actual"))
    if actual.op is not None or copied:
        how = "照抄了年度指标值的写法" if actual.text == target.text else "带有比较符，是目标值的写法"
        out.append(Finding("target_as_actual", f"指标「{ind.name}」的实际完成值「{actual.text}」{how}（年度指标值"
                           f"「{target.text}」）；实际完成值应填写实际达到的数值，草稿中该指标暂不计分",
                           actual_id, facts, ind.id, cause="报表填报", field=f"{where}.actual"))
    if target.unit == "%" and target.op in (">=", ">") and (target.value or 0) >= 100 \
            and not any(w in ind.name for w in _GROWTH_WORDS):
        out.append(Finding("impossible_target", f"指标「{ind.name}」的年度指标值「{target.text}」：比率最高为 100%，"
                           "该目标无法超额完成，不能区分绩效高低", target_id, facts, ind.id, cause="指标设置"))
    elif target.value is not None and not target.unit:
        out.append(Finding("impossible_target", f"指标「{ind.name}」的年度指标值「{target.text}」没有计量单位，"
                           "无法衡量完成情况；应写明单位（个、%、万元等）", target_id, facts, ind.id,
                           cause="计量单位"))
    return out


def _indicator_deviation(table: FactTable, row: IndicatorScore) -> list[Finding]:
    """Return the finding on a missed target or a large overshoot, explained or not."""
    ind, overshoot = row.indicator, table.scheme.thresholds.overshoot
    target_id, actual_id = v.indicator_id(ind.id, "target"), v.indicator_id(ind.id, "actual")
    missed, over = row.missed, row.far_above(overshoot)
    if not (missed or over) or row.pending:
        return []
    facts = (target_id, actual_id)
    target, actual = row.target.text, table[actual_id].display
    if row.target.qualitative:  # words, quoted so the sentence still reads: 年度指标值「及时」
        target, actual = f"「{target}」", f"「{actual}」"
    head = f"指标「{ind.name}」年度指标值 {target}，实际 {actual}"
    if missed:
        rate = f"（完成率 {row.completion:g}%）" if row.completion is not None else ""
        message, cause = f"{head}，{row.verdict}{rate}", "目标未达成"
    else:
        message = f"{head}，完成率 {row.completion:g}%，达到评分方案规定须说明原因的 {overshoot:g}% 以上"
        cause = "目标设置偏低"
    # A qualitative shortfall is often explained in its evidence (个别活动因天气原因顺延): never ask again.
    reason = ind.deviation_reason or (ind.evidence if missed and row.achievement else "")
    if reason:
        return [Finding("deviation_explained", f"{message}；已说明原因：{reason}", actual_id, facts, ind.id,
                        cause=cause, reason=reason)]
    code = "underachievement_unexplained" if missed else "overachievement_unexplained"
    return [Finding(code, f"{message}，未说明偏差原因", actual_id, facts, ind.id, cause=cause)]


RULES: list[Rule] = [_execution, _overspend, funds_not_arrived, large_adjustment, output_met_low_execution,
                     _basis_gap, _breakdown, _weights, _indicators, cost_mismatch, missing_indicator_kind,
                     qualitative_without_evidence, _reported_rate, _reported_score, _reported_grade]
