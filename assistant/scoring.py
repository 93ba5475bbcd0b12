"""Scoring schemes as data (`schemes/*.yaml`) and the score sheet computed from the figures."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from assistant.achievement import VERDICTS, Level, level_of
from assistant.figures import Figures, Indicator
from assistant.targets import Parsed, parse_value

Verdict = Literal["已完成", "超额完成", "基本完成", "部分完成", "未完成", "待确认"]
PENDING: Verdict = "待确认"


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    weight: float
    level1: list[str]


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    share: float
    band: tuple[float, float]


class GradeBand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    grade: Literal["优", "良", "中", "差"]
    min: float


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    execution_rate: float = 90
    overshoot: float = 130
    basis_gap: float = 5
    unallocated: float = 10  # percent of 全年预算数 not arrived before a reviewer asks why
    adjustment: float = 20  # percent of 年初预算数 changed mid-year before a reviewer asks why
    cost_gap: float = 10  # percent by which a cost indicator may differ from spending ÷ output


class Scheme(BaseModel):
    """A scoring scheme: weights, qualitative bands, grade bands and review thresholds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    title: str
    citation: str  # how the report text names the rules; states no number of its own
    total: float
    execution_weight: float
    groups: list[Group]
    qualitative: dict[Literal["achieved", "basic", "partial", "not"], Band]
    grades: list[GradeBand]
    thresholds: Thresholds = Thresholds()

    def share(self, level: Level) -> float:
        """Return the share of the weight a qualitative indicator gets at this level.

        基本完成 sits at the bottom of the achieved band (80%) in a scheme that does not name it.
        """
        band = self.qualitative.get(level)
        return band.share if band else self.qualitative["achieved"].band[0]

    def group_of(self, level1: str) -> Group:
        """Return the group an indicator of this level-1 category is weighed in."""
        for group in self.groups:
            if level1 in group.level1:
                return group
        raise KeyError(level1)


def scheme_names() -> list[str]:
    """Return the names of the bundled schemes."""
    files = resources.files("assistant.schemes").iterdir()
    return sorted(f.name.removesuffix(".yaml") for f in files if f.name.endswith(".yaml"))


@cache
def load_scheme(name: str = "national") -> Scheme:
    """Return the bundled scheme of this name; raise KeyError naming the known ones."""
    if name not in scheme_names():
        raise KeyError(f"没有名为「{name}」的评分方案，可选：{'、'.join(scheme_names())}")
    text = resources.files("assistant.schemes").joinpath(f"{name}.yaml").read_text("utf-8")
    return Scheme.model_validate(yaml.safe_load(text))


# ---------------------------------------------------------------- formulas

def quantitative_score(op: str | None, target: float, actual: float, weight: float) -> float:
    """Return an indicator's score by the direction of its target, never above its weight."""
    if op in ("<=", "<"):
        if actual <= target:
            score = weight
        elif target <= 0 or actual >= 2 * target:
            score = 0.0
        else:
            score = (1 - (actual - target) / target) * weight
    elif op == "=" and target == 0:
        score = weight if actual <= 0 else 0.0
    elif target <= 0 or actual >= target:
        score = weight
    else:
        score = actual / target * weight
    return round(min(max(score, 0.0), weight), 2)


def execution_score(rate: float, weight: float) -> float:
    """Return weight × execution rate, capped at the weight."""
    return round(min(weight * rate / 100, weight), 2)


def grade_of(score: float, scheme: Scheme) -> str:
    """Return the grade whose band holds this score."""
    for band in sorted(scheme.grades, key=lambda b: -b.min):
        if score >= band.min:
            return band.grade
    return scheme.grades[-1].grade


def completion_rate(op: str | None, target: float, actual: float) -> float | None:
    """Return the direction-aware completion rate in percent (None when it is undefined)."""
    if op in ("<=", "<"):
        return None if actual == 0 else round(target / actual * 100, 2)
    return None if target == 0 else round(actual / target * 100, 2)


def verdict_of(op: str | None, target: float, actual: float, unit: str = "") -> Verdict:
    """Return 已完成 / 超额完成 / 未完成 for a quantitative indicator, by its direction.

    A rate target (unit %) met or passed is 已完成: 93% against ≥90% is a standard met, not a
    quantity exceeded, and reports do not call it 超额完成.
    """
    if op in ("<=", "<"):
        return "已完成" if actual <= target else "未完成"
    if op == "=" and target == 0:
        return "已完成" if actual <= 0 else "未完成"
    if actual > target:
        return "已完成" if unit == "%" else "超额完成"
    return "已完成" if actual == target else "未完成"


# ---------------------------------------------------------------- the score sheet

@dataclass(frozen=True)
class IndicatorScore:
    """One indicator's line on the score sheet."""

    indicator: Indicator
    target: Parsed
    actual: Parsed
    group: str
    weight: float
    weight_filled: bool
    score: float
    completion: float | None
    verdict: Verdict
    achievement: str | None  # qualitative indicators only: achieved / basic / partial / not
    formula: str
    pending: str = ""  # why the completion cannot be judged (verdict 待确认, no score); empty when scored

    @property
    def missed(self) -> bool:
        return self.verdict in ("未完成", "部分完成", "基本完成")

    def far_above(self, overshoot: float) -> bool:
        """Return whether a positive indicator reached `overshoot` percent of its target or more."""
        return self.completion is not None and self.completion >= overshoot and self.target.op not in ("<=", "<")


@dataclass(frozen=True)
class ScoreSheet:
    """Execution and indicator scores, total and grade, with notes on everything interpreted."""

    scheme: Scheme
    basis: str
    rates: dict[str, float]  # execution rate on every basis the figures allow, in percent
    execution_rate: float
    execution_weight: float
    execution_score: float
    indicators: list[IndicatorScore]
    total: float
    grade: str
    notes: list[str]
    weights_given: float | None = None  # execution + indicator weights as the figures gave them, when rescaled


def score_figures(fig: Figures, scheme: Scheme) -> ScoreSheet:
    """Return the score sheet of the figures under the scheme."""
    notes: list[str] = []
    weights = _fill_weights(fig.indicators, scheme, notes)
    given = scheme.execution_weight + sum(w for w, _ in weights.values())
    if fig.indicators and abs(given - scheme.total) >= 0.005:
        weights = _rescale(weights, scheme, given, notes)
    rows = [_score_indicator(ind, scheme, weights[ind.id], notes) for ind in fig.indicators]
    rates = execution_rates(fig)
    rate = rates[fig.funds.rate_basis]
    exec_score = execution_score(rate, scheme.execution_weight)
    total = round(exec_score + sum(r.score for r in rows), 2)
    return ScoreSheet(scheme, fig.funds.rate_basis, rates, rate, scheme.execution_weight, exec_score,
                      rows, total, grade_of(total, scheme), notes,
                      round(given, 2) if abs(given - scheme.total) >= 0.005 else None)


def _rescale(weights: dict[str, tuple[float, bool]], scheme: Scheme, given: float,
             notes: list[str]) -> dict[str, tuple[float, bool]]:
    """Return indicator weights scaled so that they and the execution weight add up to the scheme total.

    A draft never prints a total above the maximum: weights that add up to 110 are rescaled for the
    draft (each × 90 ÷ 100), and the review note tells the author to correct the figures.
    """
    room, summed = scheme.total - scheme.execution_weight, given - scheme.execution_weight
    if summed <= 0:
        return weights
    ids = list(weights)
    out = {i: (round(weights[i][0] * room / summed, 2), weights[i][1]) for i in ids}
    last = ids[-1]
    out[last] = (round(room - sum(out[i][0] for i in ids[:-1]), 2), out[last][1])  # no rounding residue
    notes.append(f"各项分值合计 {given:g} 分，不等于满分 {scheme.total:g} 分；草稿按比例把各指标分值折算为合计 "
                 f"{room:g} 分（各指标分值 × {room:g} ÷ {summed:g}），请在自评表中改正分值")
    return out


def execution_rates(fig: Figures) -> dict[str, float]:
    """Return spent ÷ basis × 100 on each basis that has a non-zero amount."""
    f = fig.funds
    bases = {"budget_adjusted": f.adjusted, "budget_initial": f.budget_initial, "allocated": f.allocated}
    return {k: round(f.spent / v * 100, 2) for k, v in bases.items() if v}


def _score_indicator(ind: Indicator, scheme: Scheme, weight: tuple[float, bool],
                     notes: list[str]) -> IndicatorScore:
    target = parse_value(ind.target, ind.unit)
    actual = parse_value(ind.actual, ind.unit or target.unit)
    group, (w, filled) = scheme.group_of(ind.level1).name, weight
    for parsed, what in ((target, "年度指标值"), (actual, "实际完成值")):
        if parsed.note:
            notes.append(f"指标「{ind.name}」的{what}{parsed.note}")
    if ind.achievement or target.qualitative or actual.qualitative:
        return _score_qualitative(ind, scheme, (target, actual), group, weight)
    why = _unscorable(target, actual)
    if why:
        return _pending_row(ind, (target, actual), group, weight, why)
    assert actual.value is not None and target.value is not None
    op = target.op
    if op is None:
        op = "="
        notes.append(f"指标「{ind.name}」的年度指标值「{target.text}」未写比较符，"
                     f"按 ={target.text} 计分（目标大于 0 时同 ≥）")
    score = quantitative_score(op, target.value, actual.value, w)
    return IndicatorScore(ind, target, actual, group, w, filled, score,
                          completion_rate(op, target.value, actual.value),
                          verdict_of(op, target.value, actual.value, target.unit), None, _formula(op))


def _score_qualitative(ind: Indicator, scheme: Scheme, values: tuple[Parsed, Parsed], group: str,
                       weight: tuple[float, bool]) -> IndicatorScore:
    """Return the line of an indicator judged by words: the stated achievement, else the actual's words."""
    target, actual = values
    if ind.achievement:
        level = level_of(ind.achievement, actual.text)
    elif actual.op is not None:
        return _pending_row(ind, values, group, weight, f"实际完成值「{actual.text}」是目标值的写法")
    elif not actual.qualitative:
        return _pending_row(ind, values, group, weight,
                            f"年度指标值「{target.text}」为文字，实际完成值「{actual.text}」为数值，无法对照")
    elif not target.qualitative and any(c.isdigit() for c in actual.text):
        return _pending_row(ind, values, group, weight, f"实际完成值「{actual.text}」中的数值无法读出")
    else:
        level = level_of("", actual.text, target.text)
    if level is None:
        return _pending_row(ind, values, group, weight, f"无法从「{actual.text}」判断完成程度")
    share, verdict = scheme.share(level), VERDICTS[level]
    how = "填报的完成程度" if ind.achievement else "按实际完成值的文字判断"
    return IndicatorScore(ind, target, actual, group, weight[0], weight[1], round(weight[0] * share, 2), None,
                          verdict, level, f"定性指标，{how}为{verdict}：分值 × {share:g}")  # type: ignore[arg-type]


def _unscorable(target: Parsed, actual: Parsed) -> str:
    """Return why two numbers cannot be compared (a copied target, different units), or ""."""
    if actual.op is not None:
        return f"实际完成值「{actual.text}」是目标值的写法"
    if target.unit and actual.unit and target.unit != actual.unit:
        return f"实际完成值的单位「{actual.unit}」与年度指标值的单位「{target.unit}」不一致"
    return ""


def _pending_row(ind: Indicator, values: tuple[Parsed, Parsed], group: str, weight: tuple[float, bool],
                 why: str) -> IndicatorScore:
    """Return the line of an indicator whose completion cannot be judged: 待确认, no score."""
    return IndicatorScore(ind, values[0], values[1], group, weight[0], weight[1], 0.0, None, PENDING, None,
                          f"完成程度待确认，暂不计分（{why}）", pending=why)


def _formula(op: str) -> str:
    if op in ("<=", "<"):
        return "反向指标：A ≤ T 得满分；T < A < 2T 得 (1 − (A − T) ÷ T) × 分值；A ≥ 2T 得 0 分"
    if op == "=":
        return "等于型指标：T = 0 时 A ≤ 0 得满分，否则 0 分；T > 0 时同正向指标"
    return "正向指标：A ≥ T 得满分，否则得 A ÷ T × 分值"


def _fill_weights(indicators: list[Indicator], scheme: Scheme,
                  notes: list[str]) -> dict[str, tuple[float, bool]]:
    """Return each indicator's weight and whether the scheme filled it in."""
    out = {i.id: (i.weight, False) for i in indicators if i.weight is not None}
    if len(out) == len(indicators):
        return out  # type: ignore[return-value]
    members = {g.name: [i for i in indicators if i.level1 in g.level1] for g in scheme.groups}
    empty = [g for g in scheme.groups if not members[g.name]]
    present = [g for g in scheme.groups if members[g.name]]
    spare = sum(g.weight for g in empty)
    base = sum(g.weight for g in present)
    if empty and present:
        notes.append(f"未设置{'、'.join(g.name for g in empty)}，其分值 {spare:g} 分按比例并入"
                     f"{'、'.join(g.name for g in present)}")
    for g in present:
        budget = g.weight + (spare * g.weight / base if base else 0)
        out.update(_share_group(g.name, budget, members[g.name], notes))
    return out  # type: ignore[return-value]


def _share_group(name: str, budget: float, members: list[Indicator],
                 notes: list[str]) -> dict[str, tuple[float, bool]]:
    given = sum(i.weight for i in members if i.weight is not None)
    missing = [i for i in members if i.weight is None]
    out = {i.id: (i.weight, False) for i in members if i.weight is not None}
    if not missing:
        return out  # type: ignore[return-value]
    rest = max(round(budget - given, 2), 0.0)
    each = round(rest / len(missing), 2)
    for n, ind in enumerate(missing):
        last = n == len(missing) - 1
        out[ind.id] = (round(rest - each * (len(missing) - 1), 2) if last else each, True)
    notes.append(f"{name}共 {budget:g} 分，已填分值 {given:g} 分，余 {rest:g} 分由 {len(missing)} 个"
                 f"未填分值的指标均分（{'、'.join(i.name for i in missing)}）")
    return out  # type: ignore[return-value]
