"""The fact table (FORMAT.md §2): every number a report may state, input or derived."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant import vocabulary as v
from assistant.figures import Figures
from assistant.scoring import IndicatorScore, Scheme, ScoreSheet, load_scheme, score_figures
from assistant.targets import decimals_of
from assistant.validation import YUAN_PER

MONEY_UNIT, MONEY_DECIMALS = "万元", 2  # how a report states money, whatever the figures' unit


@dataclass(frozen=True)
class Fact:
    """One number (or grade) with its label, unit, display precision and, if derived, its formula."""

    id: str
    label: str
    value: float | str
    unit: str = ""
    decimals: int = 0
    formula: str = ""  # empty for an input fact
    source: str = ""  # where an input fact was read: a path in the figures file, or the scheme
    qualifier: str = ""
    chosen: bool = False  # the execution rate on the basis the report uses

    @property
    def derived(self) -> bool:
        return bool(self.formula)

    @property
    def origin(self) -> v.Origin:
        """Return whether the fact was read (input) or computed from other facts (derived)."""
        return "derived" if self.formula else "input"

    @property
    def measure(self) -> v.Measure:
        """Return what the fact measures (money, rate, count, score, grade, quantity), by its id."""
        return v.measure_of(self.id)

    @property
    def number(self) -> str:
        """Return the value as written in a report, at the fact's display precision."""
        if isinstance(self.value, str):
            return self.value
        return format_number(self.value, self.decimals)

    @property
    def display(self) -> str:
        """Return the value with its unit, as a report states it ("138.78万元", "99.84%")."""
        return f"{self.number}{self.unit}"


def format_number(value: float, decimals: int) -> str:
    """Return value rounded half-up to `decimals` places, without thousands separators."""
    text = f"{round(value + (1e-9 if value >= 0 else -1e-9), decimals):.{decimals}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") else text


def precision(value: float, most: int = 2) -> int:
    """Return the fewest decimals (up to `most`) that show value rounded to `most` places."""
    return decimals_of(f"{value:.{most}f}", significant_zeros=False)


def _input_decimals(value: float) -> int:
    return decimals_of(repr(float(value)), significant_zeros=False)


@dataclass
class FactTable:
    """The facts of one project-year, with the score sheet and the notes on what was interpreted."""

    figures: Figures
    sheet: ScoreSheet
    facts: dict[str, Fact] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.facts.values())

    def __contains__(self, fact_id: str) -> bool:
        return fact_id in self.facts

    def __getitem__(self, fact_id: str) -> Fact:
        return self.facts[fact_id]

    @property
    def notes(self) -> list[str]:
        return self.sheet.notes

    def amount(self, fact_id: str) -> float:
        """Return a numeric fact's value as a float (an amount as shown, a rate …)."""
        return float(self.facts[fact_id].value)

    @property
    def money_unit(self) -> str:
        """Return the unit every amount of the table is stated in (万元)."""
        return MONEY_UNIT

    @property
    def scheme(self) -> Scheme:
        return self.sheet.scheme

    @property
    def rate_id(self) -> str:
        """Return the id of the execution rate on the chosen basis."""
        return v.rate_id(self.sheet.basis)

    def get(self, fact_id: str) -> Fact | None:
        """Return the fact with this id, or None."""
        return self.facts.get(fact_id)

    def add(self, fact: Fact) -> None:
        self.facts[fact.id] = fact


def build_facts(fig: Figures, scheme: Scheme | None = None) -> FactTable:
    """Return the fact table of the figures: inputs, derived values, scores and grade."""
    scheme = scheme or load_scheme()
    table = FactTable(fig, score_figures(fig, scheme))
    _funds(table)
    _breakdown(table)
    _indicators(table)
    _unit_costs(table)
    _scores(table)
    for n, extra in enumerate(fig.facts):
        table.add(Fact(v.result_id(n), extra.name, extra.value, extra.unit,
                       _input_decimals(extra.value), source=f"facts[{n}]", qualifier=extra.qualifier))
    _reported(table)
    return table


def _money(table: FactTable, fid: str, label: str, value: float, source: str) -> None:
    """Add an amount of the figures as a fact in 万元, whatever the figures' unit: a report states
    money in 万元, at most to the 0.01万元. The value is kept exact, so that a text that states it in
    元 (846320.5元) still matches the fact shown as 84.63万元."""
    wan = round(value * YUAN_PER[table.figures.funds.unit] / YUAN_PER[MONEY_UNIT], 6)
    table.add(Fact(fid, label, wan, MONEY_UNIT, min(_input_decimals(wan), MONEY_DECIMALS), source=source))


def _derived_money(table: FactTable, fid: str, label: str, value: float, formula: str,
                   inputs: list[str]) -> None:
    """Add an amount computed from the figures' amounts, in 万元 at the most precise of its inputs' decimals."""
    decimals = max(table[i].decimals for i in inputs)
    wan = value * YUAN_PER[table.figures.funds.unit] / YUAN_PER[MONEY_UNIT]
    table.add(Fact(fid, label, round(wan, max(decimals, 6)), MONEY_UNIT, decimals, formula))


def _rate(table: FactTable, fid: str, label: str, num: float, den: float, formula: str,
          chosen: bool = False) -> None:
    value = round(num / den * 100, 2)
    table.add(Fact(fid, label, value, "%", precision(value), formula, chosen=chosen))


def _funds(table: FactTable) -> None:
    f = table.figures.funds
    _money(table, v.FUNDS_BUDGET_INITIAL, "年初预算数", f.budget_initial, "funds.budget_initial")
    _money(table, v.FUNDS_BUDGET_ADJUSTED, "全年预算数", f.adjusted,
           "funds.budget_adjusted" if f.budget_adjusted is not None else "funds.budget_initial")
    if f.allocated is not None:
        _money(table, v.FUNDS_ALLOCATED, "实际到位资金", f.allocated, "funds.allocated")
    _money(table, v.FUNDS_SPENT, "全年执行数", f.spent, "funds.spent")
    if f.adjusted != f.budget_initial:
        _derived_money(table, v.FUNDS_ADJUSTMENT, "预算调整额", abs(f.adjusted - f.budget_initial),
                       "|全年预算数 − 年初预算数|", [v.FUNDS_BUDGET_INITIAL, v.FUNDS_BUDGET_ADJUSTED])
        if f.budget_initial:
            _rate(table, v.RATE_ADJUSTMENT, "预算调整幅度", abs(f.adjusted - f.budget_initial), f.budget_initial,
                  "|全年预算数 − 年初预算数| ÷ 年初预算数 × 100")
    _rates(table)
    _derived_money(table, v.BALANCE_BUDGET, "预算结余", f.adjusted - f.spent, "全年预算数 − 全年执行数",
                   [v.FUNDS_BUDGET_ADJUSTED, v.FUNDS_SPENT])
    if f.spent > f.adjusted:
        _derived_money(table, v.BALANCE_OVERSPEND, "超支金额", f.spent - f.adjusted, "全年执行数 − 全年预算数",
                       [v.FUNDS_BUDGET_ADJUSTED, v.FUNDS_SPENT])
    if f.allocated is not None:
        _derived_money(table, v.BALANCE_ALLOCATED, "已到位未支出资金", f.allocated - f.spent,
                       "实际到位资金 − 全年执行数", [v.FUNDS_ALLOCATED, v.FUNDS_SPENT])
        if f.adjusted:
            _rate(table, v.RATE_ALLOCATION, "资金到位率", f.allocated, f.adjusted,
                  "实际到位资金 ÷ 全年预算数 × 100")
        if f.allocated < f.adjusted:
            _derived_money(table, v.FUNDS_UNALLOCATED, "未到位资金", f.adjusted - f.allocated,
                           "全年预算数 − 实际到位资金", [v.FUNDS_BUDGET_ADJUSTED, v.FUNDS_ALLOCATED])


def _rates(table: FactTable) -> None:
    """Add the execution rate on each basis, as the score sheet computed it."""
    f = table.figures.funds
    for basis, rate in table.sheet.rates.items():
        if basis == "budget_initial" and f.adjusted == f.budget_initial and f.rate_basis != basis:
            continue  # the same rate as on 全年预算数: one fact is enough
        table.add(Fact(v.rate_id(basis), v.rate_label(basis), rate, "%", precision(rate),
                       f"全年执行数 ÷ {v.BASIS_LABELS[basis]} × 100", chosen=basis == f.rate_basis))


def _breakdown(table: FactTable) -> None:
    rows = table.figures.funds.breakdown
    for n, row in enumerate(rows):
        key = v.breakdown_key(n)
        if row.budget_initial is not None:
            _money(table, v.breakdown_id(n, "budget_initial"), f"{row.name}年初预算数", row.budget_initial,
                   f"funds.{key}.budget_initial")
        _money(table, v.breakdown_id(n, "budget"), f"{row.name}全年预算数", row.budget, f"funds.{key}.budget")
        _money(table, v.breakdown_id(n, "spent"), f"{row.name}执行数", row.spent, f"funds.{key}.spent")
        if row.budget:
            _rate(table, v.breakdown_id(n, "rate"), f"{row.name}执行率", row.spent, row.budget,
                  f"{row.name}执行数 ÷ {row.name}全年预算数 × 100")
    if rows:
        budgets = [v.breakdown_id(n, "budget") for n in range(len(rows))]
        spents = [v.breakdown_id(n, "spent") for n in range(len(rows))]
        _derived_money(table, v.BREAKDOWN_SUM_BUDGET, "分项全年预算数合计",
                       sum(r.budget for r in rows), "各分项全年预算数之和", budgets)
        _derived_money(table, v.BREAKDOWN_SUM_SPENT, "分项执行数合计", sum(r.spent for r in rows),
                       "各分项执行数之和", spents)


def _indicators(table: FactTable) -> None:
    for row in table.sheet.indicators:
        ind = row.indicator
        where = f"indicators[{table.figures.indicators.index(ind)}]"
        for what, parsed, label in (("target", row.target, "年度指标值"), ("actual", row.actual, "实际完成值")):
            # An actual that cannot be judged (≥266米) is kept as written: its number states nothing.
            as_text = parsed.value is None or (what == "actual" and bool(row.pending))
            value = parsed.text if as_text else parsed.value
            table.add(Fact(v.indicator_id(ind.id, what), f"{ind.name}{label}", value, "" if as_text else parsed.unit,
                           parsed.decimals, source=f"{where}.{what}"))
        table.add(Fact(v.indicator_id(ind.id, "weight"), f"{ind.name}分值", row.weight, "分", precision(row.weight),
                       "评分方案按组均分" if row.weight_filled else "", source=f"{where}.weight"))
        if row.pending:  # no score is stated for an indicator whose completion cannot be judged
            table.add(Fact(v.indicator_id(ind.id, "score"), f"{ind.name}得分", "待确认", formula=row.formula))
        else:
            table.add(Fact(v.indicator_id(ind.id, "score"), f"{ind.name}得分", row.score, "分", precision(row.score),
                           row.formula))
        if row.completion is not None:
            table.add(Fact(v.indicator_id(ind.id, "completion"), f"{ind.name}完成率", row.completion, "%",
                           precision(row.completion), "实际完成值 ÷ 年度指标值 × 100（反向指标取倒数）"))
        if row.verdict == "未完成" and row.target.value is not None and row.actual.value is not None:
            gap = abs(row.target.value - row.actual.value)
            decimals = max(row.target.decimals, row.actual.decimals)
            # A difference of two percentages is in 个百分点, never in %.
            unit = "个百分点" if row.target.unit == "%" else row.target.unit
            table.add(Fact(v.indicator_id(ind.id, "gap"), f"{ind.name}与目标差距", round(gap, decimals),
                           unit, decimals, "|年度指标值 − 实际完成值|"))


def cost_output(table: FactTable, row: IndicatorScore) -> IndicatorScore | None:
    """Return the output (数量指标) a cost indicator is per unit of, or None.

    The cost names its unit of output after "/" (万元/公里) or as 每… in its name (每公里养护成本);
    the output is the met-or-missed quantity indicator measured in that unit.
    """
    ind = row.indicator
    if "成本" not in ind.level1 + ind.level2 or row.actual.value is None or row.pending:
        return None
    money = row.target.unit.split("/")[0]
    per = row.target.unit.split("/", 1)[1] if "/" in row.target.unit else ""
    if not per and "每" in ind.name:
        per = ind.name.split("每", 1)[1]
    if money not in YUAN_PER or not per:
        return None
    return next((r for r in table.sheet.indicators if r.indicator.level2 == "数量指标" and r.actual.value
                 and not r.pending and r.actual.unit and per.startswith(r.actual.unit)), None)


def _unit_costs(table: FactTable) -> None:
    """Add spending ÷ output for each cost indicator whose output the figures give, in the cost's unit."""
    for row in table.sheet.indicators:
        output = cost_output(table, row)
        if output is None or output.actual.value is None or row.actual.value is None:
            continue
        money = row.target.unit.split("/")[0]
        value = table.amount(v.FUNDS_SPENT) * YUAN_PER[MONEY_UNIT] / YUAN_PER[money] / output.actual.value
        decimals = max(row.actual.decimals, row.target.decimals)
        table.add(Fact(v.indicator_id(row.indicator.id, "unit_cost"), f"{row.indicator.name}（全年执行数 ÷ "
                       f"{output.indicator.name}）", round(value, decimals), row.target.unit, decimals,
                       f"全年执行数 ÷ {output.indicator.name}实际完成值"))


def _scores(table: FactTable) -> None:
    sheet, scheme = table.sheet, table.scheme
    rows = sheet.indicators
    met = sum(r.verdict in ("已完成", "超额完成") for r in rows)
    table.add(Fact(v.SCHEME_TOTAL, "满分", scheme.total, "分", precision(scheme.total), source="scheme"))
    table.add(Fact(v.SCHEME_EXECUTION_THRESHOLD, "执行率须说明原因的下限", scheme.thresholds.execution_rate,
                   "%", precision(scheme.thresholds.execution_rate), source="scheme"))
    table.add(Fact(v.SCHEME_OVERSHOOT, "超目标须说明原因的比例", scheme.thresholds.overshoot, "%",
                   precision(scheme.thresholds.overshoot), source="scheme"))
    table.add(Fact(v.SCORE_EXECUTION_WEIGHT, "预算执行率分值", sheet.execution_weight, "分",
                   precision(sheet.execution_weight), source="scheme"))
    table.add(Fact(v.SCORE_EXECUTION, "预算执行率得分", sheet.execution_score, "分",
                   precision(sheet.execution_score), "预算执行率分值 × 执行率，不超过分值"))
    for n, group in enumerate(scheme.groups):
        members = [r for r in rows if r.group == group.name]
        if members:
            weight, score = sum(r.weight for r in members), sum(r.score for r in members)
            table.add(Fact(v.group_id(n, "weight"), f"{group.name}分值", round(weight, 2), "分",
                           precision(weight), "该组指标分值之和"))
            table.add(Fact(v.group_id(n, "score"), f"{group.name}得分", round(score, 2), "分",
                           precision(score), "该组指标得分之和"))
            table.add(Fact(v.group_id(n, "count"), f"{group.name}个数", len(members), "项", formula="该组指标计数"))
    table.add(Fact(v.SCORE_TOTAL, "自评总分", sheet.total, "分", precision(sheet.total), "各项得分之和"))
    table.add(Fact(v.GRADE, "绩效等级", sheet.grade, formula="按总分所在等级区间"))
    table.add(Fact(v.COUNT_INDICATORS, "绩效指标个数", len(rows), "项", source="indicators"))
    table.add(Fact(v.COUNT_MET, "完成的指标个数", met, "项", formula="已完成与超额完成的指标计数"))
    # Kept even when zero: "两项超额完成" must be checked against 0, not matched to another count.
    table.add(Fact(v.COUNT_EXCEEDED, "超额完成的指标个数", sum(r.verdict == "超额完成" for r in rows), "项",
                   formula="超额完成的指标计数"))
    table.add(Fact(v.COUNT_MISSED, "未完成的指标个数", sum(r.missed for r in rows), "项",
                   formula="未完成、部分完成与基本完成的指标计数"))
    pending = sum(bool(r.pending) for r in rows)
    if pending:
        table.add(Fact(v.COUNT_PENDING, "完成程度待确认的指标个数", pending, "项", formula="待确认的指标计数"))


def _reported(table: FactTable) -> None:
    ev = table.figures.evaluation
    if ev.score is not None:
        table.add(Fact(v.EVALUATION_SCORE, "单位自报总分", ev.score, "分", _input_decimals(ev.score),
                       source="evaluation.score"))
    if ev.grade is not None:
        table.add(Fact(v.EVALUATION_GRADE, "单位自报等级", ev.grade, source="evaluation.grade"))
    if ev.execution_rate is not None:
        table.add(Fact(v.EVALUATION_EXECUTION_RATE, "单位自报执行率", ev.execution_rate, "%",
                       _input_decimals(ev.execution_rate), source="evaluation.execution_rate"))
