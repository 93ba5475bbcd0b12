"""What a reviewer asks about the project even when every figure is right: money that did not arrive,
a large mid-year adjustment, missing kinds of indicators, a cost indicator against spending ÷ output,
outputs met while the money was not spent, qualitative indicators with nothing to show for them.

Every finding here has the audience "project": it becomes a 存在的问题 with its 改进意见.
"""

from __future__ import annotations

from assistant.facts import FactTable, cost_output, format_number
from assistant.findings import Finding


def _share(part: float, whole: float) -> float:
    return abs(part) / whole * 100 if whole else 0.0


def funds_not_arrived(table: FactTable) -> list[Finding]:
    """Return funds_not_arrived when more of the 全年预算数 than the threshold never arrived."""
    if "funds.unallocated" not in table:
        return []
    f, limit = table.figures.funds, table.scheme.thresholds.unallocated
    if _share(f.adjusted - (f.allocated or 0), f.adjusted) <= limit:
        return []
    reason = f.deviation_reason
    message = (f"全年预算数 {table['funds.budget_adjusted'].display}，实际到位资金 {table['funds.allocated'].display}，"
               f"未到位 {table['funds.unallocated'].display}（资金到位率 {table['rate.allocation'].display}），"
               f"未到位资金超过全年预算数的 {limit:g}%")
    message += f"；已说明原因：{reason}" if reason else "，未说明资金未到位的原因"
    return [Finding("funds_not_arrived", message, "funds.unallocated",
                    ("funds.unallocated", "funds.allocated", "funds.budget_adjusted", "rate.allocation"),
                    cause="资金到位", reason=reason)]


def large_adjustment(table: FactTable) -> list[Finding]:
    """Return large_adjustment when the budget changed mid-year by more than the threshold."""
    if "rate.adjustment" not in table:
        return []
    f, limit = table.figures.funds, table.scheme.thresholds.adjustment
    if float(table["rate.adjustment"].value) <= limit:
        return []
    way = "调减" if f.adjusted < f.budget_initial else "调增"
    reason = f.deviation_reason
    message = (f"年初预算数 {table['funds.budget_initial'].display}，"
               f"全年预算数 {table['funds.budget_adjusted'].display}，年中{way} {table['funds.adjustment'].display}"
               f"（调整幅度 {table['rate.adjustment'].display}），"
               f"超过年初预算数的 {limit:g}%")
    message += f"；已说明原因：{reason}" if reason else "，未说明调整原因"
    return [Finding("large_adjustment", message, "funds.adjustment",
                    ("funds.adjustment", "funds.budget_initial", "funds.budget_adjusted", "rate.adjustment"),
                    cause="预算调整", reason=reason)]


def missing_indicator_kind(table: FactTable) -> list[Finding]:
    """Return missing_indicator_kind when no 效益 or no 满意度 indicator was set."""
    kinds = {r.indicator.level1 for r in table.sheet.indicators}
    missing = [k for k in ("效益指标", "满意度指标") if k not in kinds]
    if not missing:
        return []
    return [Finding("missing_indicator_kind", f"绩效指标中没有{'和'.join(missing)}，无法反映项目的"
                    f"{'和'.join({'效益指标': '实际效果', '满意度指标': '服务对象感受'}[k] for k in missing)}",
                    "count.indicators", ("count.indicators",), cause="、".join(missing))]


def cost_mismatch(table: FactTable) -> list[Finding]:
    """Return cost_mismatch for a cost indicator that differs from spending ÷ output by more than the threshold."""
    out, limit = [], table.scheme.thresholds.cost_gap
    for row in table.sheet.indicators:
        key = f"ind.{row.indicator.id}"
        computed = table.get(f"{key}.unit_cost")
        output = cost_output(table, row)
        if computed is None or output is None or not row.actual.value:
            continue
        gap = _share(float(computed.value) - row.actual.value, row.actual.value)
        if gap <= limit:
            continue
        made = f"ind.{output.indicator.id}.actual"
        out.append(Finding(
            "cost_mismatch",
            f"成本指标「{row.indicator.name}」填报为 {table[f'{key}.actual'].display}，按全年执行数 "
            f"{table['funds.spent'].display} ÷ {output.indicator.name} {table[made].display}"
            f" 计算为 {computed.display}，相差 {format_number(gap, 1)}%，超过 {limit:g}%；"
            "成本指标应与实际支出和产出相互印证",
            f"{key}.unit_cost", (f"{key}.unit_cost", f"{key}.actual", "funds.spent", made),
            row.indicator.id, cause="成本核算", reason=row.indicator.deviation_reason))
    return out


def output_met_low_execution(table: FactTable) -> list[Finding]:
    """Return output_met_low_execution when every quantity output was met while execution is below the threshold."""
    rate, threshold = table[table.rate_id], table.scheme.thresholds.execution_rate
    outputs = [r for r in table.sheet.indicators if r.indicator.level2 == "数量指标" and not r.pending]
    if float(rate.value) >= threshold or not outputs or any(r.missed for r in outputs):
        return []
    names = "、".join(f"「{r.indicator.name}」" for r in outputs)
    return [Finding("output_met_low_execution", f"数量指标{names}均已完成，但预算执行率仅 {rate.display}，"
                    f"低于 {threshold:g}%；产出已达到目标而资金未用完，需说明预算安排与实际需要的差距",
                    table.rate_id, (table.rate_id, "scheme.execution_threshold"), cause="预算编制",
                    reason=table.figures.funds.deviation_reason)]


def qualitative_without_evidence(table: FactTable) -> list[Finding]:
    """Return qualitative_without_evidence for qualitative indicators judged met with nothing to support it."""
    bare = [r for r in table.sheet.indicators if r.achievement in ("achieved", "basic") and not r.indicator.evidence
            and not r.indicator.deviation_reason]
    if not bare:
        return []
    names = "、".join(f"「{r.indicator.name}」" for r in bare)
    facts = tuple(f"ind.{r.indicator.id}.actual" for r in bare)
    return [Finding("qualitative_without_evidence", f"定性指标{names}只填写了完成情况的文字，没有佐证材料或具体"
                    "说明，完成程度无法核实", facts[0], facts, bare[0].indicator.id if len(bare) == 1 else "",
                    cause="佐证材料")]


PROJECT_RULES = [funds_not_arrived, large_adjustment, missing_indicator_kind, cost_mismatch,
                 output_met_low_execution, qualitative_without_evidence]
