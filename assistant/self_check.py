"""A report checked against its own 自评表 (`assistant check REPORT` without --figures): the figures are
extracted from the report, its narrative is checked against them, the diagnostics run on them, and the
table's own arithmetic is redone: each row's 得分 from its 分值 and completion, and 总分 as the sum of
the rows.

A number of the narrative that the table does not state (a benefit figure, a count of meetings) cannot
be checked against the table: it is reported as `not_in_table` (info), not as an unsupported error.
A number the text ties to a figure of the table and states differently stays `contradicted_number`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.check import CheckResult
from assistant.extract import Extraction, StatedScore
from assistant.facts import FactTable, build_facts, format_number, precision
from assistant.findings import Finding
from assistant.report_check import check_report
from assistant.scoring import IndicatorScore, Scheme, execution_score, load_scheme, scheme_names
from assistant.targets import decimals_of
from assistant.vocabulary import BASIS_AMOUNT


@dataclass(frozen=True)
class SelfCheck:
    """The check of a report against its own table, and the fact table built from what was extracted."""

    result: CheckResult
    table: FactTable
    scheme: Scheme


def scheme_for(extraction: Extraction, default: Scheme, chosen: bool) -> Scheme:
    """Return the scheme to score the table with: the one asked for, else the default unless the table
    gives the execution row another 分值 that a bundled scheme has (20 → exec20)."""
    stated = next((s.value for s in extraction.stated if s.indicator is None and s.kind == "weight"), None)
    if chosen or stated is None or stated == default.execution_weight:
        return default
    for name in scheme_names():
        scheme = load_scheme(name)
        if scheme.execution_weight == stated:
            return scheme
    return default


def self_check(extraction: Extraction, scheme: Scheme) -> SelfCheck:
    """Return the check of an extracted report's narrative against its own figures (which must be set)."""
    if extraction.figures is None:
        raise ValueError("self_check needs extracted figures")
    table = build_facts(extraction.figures, scheme)
    result = check_report(extraction.text, table)
    findings = [_not_in_table(f) if f.code == "unsupported_number" else f for f in result.findings]
    figures_level = [f for f in findings if f.start is None and not _rounding_only(f, table)]
    in_text = sorted([f for f in findings if f.start is not None] + _repeated(result, figures_level, table),
                     key=lambda f: f.start or 0)
    arithmetic = row_scores(extraction.stated, table) + total_sum(extraction, table)
    return SelfCheck(CheckResult(result.numbers, tuple(figures_level + arithmetic + in_text)), table, scheme)


# What the unit reported, the finding that says it does not follow from the table, and the computed fact.
_REPORTED = {"evaluation.execution_rate": "rate_mismatch", "evaluation.score": "score_mismatch"}


def _repeated(result: CheckResult, figures_level: list[Finding], table: FactTable) -> list[Finding]:
    """Return miscomputed for each number of the text that repeats a rate or total the table states but
    its own amounts and scores do not give: the text agrees with the table, and both are wrong."""
    wrong = {f.fact: f for f in figures_level if f.code in _REPORTED.values()}
    out = []
    for n in result.numbers:
        finding = wrong.get(n.fact) if n.status in ("supported", "derived") else None
        if finding is None or _REPORTED.get(n.fact) != finding.code:
            continue
        q = n.quantity
        out.append(Finding("miscomputed", f"文中「{q.text}」与自评表所填相同，但按表中数据应为 {finding.expected}"
                           "", n.fact, finding.facts, start=q.start, end=q.end, text=q.text,
                           expected=finding.expected))
    return out


def _rounding_only(finding: Finding, table: FactTable) -> bool:
    """Return whether a stated rate or total differs from the computed one only as far as the table's own
    rounding allows: amounts shown to 0.01万元 give a rate (and an execution score) a little either way."""
    if finding.code not in ("rate_mismatch", "score_mismatch"):
        return False
    low, high = _rate_range(table)
    ev = table.figures.evaluation
    if finding.code == "rate_mismatch" and ev.execution_rate is not None:
        half = 0.5 * 10 ** -table["evaluation.execution_rate"].decimals
        return low - half <= ev.execution_rate <= high + half
    if finding.code == "score_mismatch" and ev.score is not None:
        slack = table.sheet.execution_weight * (high - low) / 100
        return abs(ev.score - table.sheet.total) <= slack + 0.5 * 10 ** -table["evaluation.score"].decimals
    return False


def _rate_range(table: FactTable) -> tuple[float, float]:
    """Return the lowest and highest execution rate (percent) the table's amounts allow, each amount
    anywhere within half a unit of the last decimal the amounts are written to."""
    spent, base = table["funds.spent"], table[BASIS_AMOUNT[table.sheet.basis]]
    decimals = max(decimals_of(repr(float(spent.value)), significant_zeros=False),
                   decimals_of(repr(float(base.value)), significant_zeros=False))
    half = 0.5 * 10 ** -decimals
    s, b = float(spent.value), float(base.value)
    if b - half <= 0:
        return table.sheet.execution_rate, table.sheet.execution_rate
    return (s - half) / (b + half) * 100, (s + half) / (b - half) * 100


def _not_in_table(finding: Finding) -> Finding:
    return replace(finding, code="not_in_table",
                   message=f"自评表中没有与「{finding.text}」相符的数字，无法核对（正文所述数字须有表中数据支持）")


def row_scores(stated: tuple[StatedScore, ...], table: FactTable) -> list[Finding]:
    """Return line_score_mismatch for each row whose stated 得分 does not follow from its 分值 and completion."""
    sheet, out = table.sheet, []
    weights = {s.indicator: s.value for s in stated if s.kind == "weight"}
    for s in stated:
        if s.kind != "score":
            continue
        if s.indicator is None:
            weight = weights.get(None, sheet.execution_weight)
            low = high = execution_score(sheet.execution_rate, weight)
            how = f"分值 {_n(weight)}分 × 执行率 {table[table.rate_id].display}（不超过分值）"
        else:
            if s.indicator >= len(sheet.indicators):
                continue
            row = sheet.indicators[s.indicator]
            if row.pending:
                continue
            weight = row.weight
            low, high, how = _indicator_range(row, table.scheme)
        decimals = _decimals(s.value)
        if s.value > weight + 0.005:
            message = f"{s.where}：{s.what} {_n(s.value)}分，超过该项分值 {_n(weight)}分"
        elif low - 0.005 <= s.value <= high + 0.005 or format_number(low, decimals) == format_number(s.value, decimals):
            continue
        else:
            expected = _n(low) if low == high else f"{_n(low)}–{_n(high)}"
            message = f"{s.where}：{s.what} {_n(s.value)}分，按{how}应为 {expected}分"
        out.append(Finding("line_score_mismatch", message, "score.execution" if s.indicator is None else "",
                           expected=_n(low), field=_field(s)))
    return out


def _indicator_range(row: IndicatorScore, scheme: Scheme) -> tuple[float, float, str]:
    """Return the lowest and highest score a rule allows for an indicator row, and the rule in words."""
    if row.achievement is None:
        how = f"年度指标值 {row.target.text}、实际完成值 {row.actual.text}、分值 {_n(row.weight)}分计算"
        return row.score, row.score, how
    band = scheme.qualitative[row.achievement].band
    low, high = round(band[0] * row.weight, 2), round(band[1] * row.weight, 2)
    return low, high, f"定性指标“{row.verdict}”的得分区间（分值的 {band[0]:.0%}–{band[1]:.0%}）"


def total_sum(extraction: Extraction, table: FactTable) -> list[Finding]:
    """Return total_not_sum when the stated 总分 is not the sum of the stated row scores (every row stated)."""
    fig = extraction.figures
    scores = [s for s in extraction.stated if s.kind == "score"]
    if fig is None or fig.evaluation.score is None or not fig.indicators:
        return []
    rows = {s.indicator for s in scores}
    if None not in rows or any(n not in rows for n in range(len(fig.indicators))):
        return []
    summed = round(sum(s.value for s in scores), 2)
    decimals = max(_decimals(fig.evaluation.score), max(_decimals(s.value) for s in scores))
    if format_number(summed, decimals) == format_number(fig.evaluation.score, decimals):
        return []
    where = next((r.where for r in extraction.readings if r.path == "evaluation.score"), "")
    terms = " + ".join(_n(s.value) for s in scores)
    return [Finding("total_not_sum", f"{where}：自评表总分 {_n(fig.evaluation.score)}分，但各行得分之和为 "
                    f"{_n(summed)}分（{terms}）；总分应等于预算执行率得分与各指标得分之和", "evaluation.score",
                    ("evaluation.score",), expected=_n(summed), field="evaluation.score")]


def _field(s: StatedScore) -> str:
    return "funds" if s.indicator is None else f"indicators[{s.indicator}]"


def _decimals(value: float) -> int:
    return precision(value)


def _n(value: float) -> str:
    """Return a score as a table writes it (two decimals at most, no trailing zeros)."""
    return format_number(value, precision(value))
