"""The words every stage shares: how fact ids are spelled and what kind of number each names, the
bases of an execution rate, the comparison words of targets and texts, and the 【待补充】 mark.

Ids are built here and nowhere else; a pattern over ids is an id built with `ANY` in place of a
part (`indicator_id(ANY, "target")` is ``ind.*.target``) and is tested with `id_matches`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

# ---------------------------------------------------------------- fact ids

ANY = "*"

FUNDS_BUDGET_INITIAL = "funds.budget_initial"
FUNDS_BUDGET_ADJUSTED = "funds.budget_adjusted"
FUNDS_ALLOCATED = "funds.allocated"
FUNDS_SPENT = "funds.spent"
FUNDS_ADJUSTMENT = "funds.adjustment"
FUNDS_UNALLOCATED = "funds.unallocated"
RATE_ADJUSTMENT = "rate.adjustment"
BALANCE_BUDGET = "balance.budget"
BALANCE_OVERSPEND = "balance.overspend"
BALANCE_ALLOCATED = "balance.allocated"
RATE_ALLOCATION = "rate.allocation"
BREAKDOWN_SUM_BUDGET = "breakdown.sum_budget"
BREAKDOWN_SUM_SPENT = "breakdown.sum_spent"
SCHEME_TOTAL = "scheme.total"
SCHEME_EXECUTION_THRESHOLD = "scheme.execution_threshold"
SCHEME_OVERSHOOT = "scheme.overshoot"
SCORE_EXECUTION_WEIGHT = "score.execution_weight"
SCORE_EXECUTION = "score.execution"
SCORE_TOTAL = "score.total"
GRADE = "grade"
COUNT_INDICATORS = "count.indicators"
COUNT_MET = "count.met"
COUNT_EXCEEDED = "count.exceeded"
COUNT_MISSED = "count.missed"
COUNT_PENDING = "count.pending"
EVALUATION_SCORE = "evaluation.score"
EVALUATION_GRADE = "evaluation.grade"
EVALUATION_EXECUTION_RATE = "evaluation.execution_rate"

IndicatorPart = Literal["target", "actual", "weight", "score", "completion", "gap", "unit_cost", "*"]
BreakdownPart = Literal["budget_initial", "budget", "spent", "rate", "*"]


def rate_id(basis: str) -> str:
    """Return the id of the execution rate on a basis (``rate.budget_adjusted``)."""
    return f"rate.{basis}"


def indicator_prefix(indicator: str) -> str:
    """Return the prefix shared by an indicator's facts (``ind.I1.``)."""
    return f"ind.{indicator}."


def indicator_id(indicator: str, part: IndicatorPart) -> str:
    """Return the id of one fact of an indicator (``ind.I1.target``)."""
    return f"{indicator_prefix(indicator)}{part}"


def breakdown_key(n: int | str) -> str:
    """Return the key of the n-th breakdown row, counted from 0 as in the figures (``breakdown[0]``)."""
    return f"breakdown[{n}]"


def breakdown_id(n: int | str, part: BreakdownPart) -> str:
    """Return the id of one fact of the n-th breakdown row (``breakdown[0].spent``)."""
    return f"{breakdown_key(n)}.{part}"


def group_prefix(n: int | str) -> str:
    """Return the prefix of the facts of the scheme's n-th group, counted from 0 (ids count from 1)."""
    return f"group.{n + 1 if isinstance(n, int) else n}."


def group_id(n: int | str, part: Literal["weight", "score", "count", "*"]) -> str:
    """Return the id of a group's weight, score or indicator count (``group.1.score`` for the first group)."""
    return f"{group_prefix(n)}{part}"


def result_id(n: int | str) -> str:
    """Return the id of the n-th further result (`facts:` in the figures), counted from 0 (``fact.1``)."""
    return f"fact.{n + 1 if isinstance(n, int) else n}"


RESULT_PREFIX = "fact."
EVALUATION_PREFIX = "evaluation."


def part_of(fact_id: str) -> str:
    """Return the last part of an id (``target`` of ``ind.I1.target``)."""
    return fact_id.rsplit(".", 1)[-1]


@lru_cache(maxsize=4096)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(re.escape(pattern).replace(r"\*", r"[^.]+"))


def id_matches(pattern: str, fact_id: str) -> bool:
    """Return whether an id fits a pattern in which `ANY` stands for one part."""
    if ANY not in pattern:
        return pattern == fact_id
    return _pattern(pattern).fullmatch(fact_id) is not None


# ---------------------------------------------------------------- kinds of fact

Origin = Literal["input", "derived"]  # read from the figures or the scheme / computed from other facts
Measure = Literal["money", "rate", "count", "score", "grade", "quantity"]

# The measure of each id pattern; the first that fits wins. "quantity" is in the unit the figures give
# (an indicator's target, a further result).
_MEASURES: tuple[tuple[str, Measure], ...] = (
    ("funds.*", "money"), ("balance.*", "money"), (breakdown_id(ANY, "rate"), "rate"),
    (breakdown_id(ANY, ANY), "money"), ("breakdown.*", "money"), ("rate.*", "rate"),
    (indicator_id(ANY, "completion"), "rate"), (indicator_id(ANY, "weight"), "score"),
    (indicator_id(ANY, "score"), "score"), (indicator_id(ANY, ANY), "quantity"), (group_id(ANY, "count"), "count"),
    (group_id(ANY, ANY), "score"),
    ("score.*", "score"), (SCHEME_TOTAL, "score"), ("scheme.*", "rate"), ("count.*", "count"),
    (GRADE, "grade"), (EVALUATION_SCORE, "score"), (EVALUATION_GRADE, "grade"),
    (EVALUATION_EXECUTION_RATE, "rate"), (result_id(ANY), "quantity"),
)


def measure_of(fact_id: str) -> Measure:
    """Return what a fact measures: money, a rate (%), a count (项), a score (分), a grade or a quantity."""
    for pattern, measure in _MEASURES:
        if id_matches(pattern, fact_id):
            return measure
    raise KeyError(f"未知的事实编号「{fact_id}」")


# ---------------------------------------------------------------- bases of the execution rate

# The amount an execution rate divides by, in the order the figures file lists the bases.
BASIS_LABELS = {"budget_adjusted": "全年预算数", "budget_initial": "年初预算数", "allocated": "实际到位资金"}
BASIS_AMOUNT = {"budget_adjusted": FUNDS_BUDGET_ADJUSTED, "budget_initial": FUNDS_BUDGET_INITIAL,
                "allocated": FUNDS_ALLOCATED}
RATE_IDS = tuple(rate_id(basis) for basis in ("budget_initial", "budget_adjusted", "allocated"))
# How a text names a basis after 按 or 以 (按全年预算数, 以到位资金计算).
BASIS_WORDS: tuple[tuple[str, str], ...] = (
    ("年初预算数", "budget_initial"), ("全年预算数", "budget_adjusted"), ("调整后预算", "budget_adjusted"),
    ("实际到位资金", "allocated"), ("到位资金", "allocated"),
)


def basis_of_rate(fact_id: str) -> str:
    """Return the basis of an execution-rate id (``rate.allocated`` → allocated)."""
    return fact_id.removeprefix("rate.")


def rate_label(basis: str) -> str:
    """Return the label of the execution rate on a basis (预算执行率（按全年预算数）)."""
    return f"预算执行率（按{BASIS_LABELS[basis]}）"


# ---------------------------------------------------------------- comparison words

Op = Literal[">=", ">", "<=", "<", "="]

# How a target writes its operator before the number (longest first where one word starts another).
PREFIX_OPS: tuple[tuple[str, Op], ...] = (
    ("≥", ">="), (">=", ">="), ("＞=", ">="), ("不少于", ">="), ("不低于", ">="), ("至少", ">="),
    ("大于等于", ">="), ("≤", "<="), ("<=", "<="), ("不超过", "<="), ("不高于", "<="), ("不多于", "<="),
    ("小于等于", "<="), ("控制在", "<="), (">", ">"), ("＞", ">"), ("大于", ">"), ("高于", ">"),
    ("超过", ">"), ("<", "<"), ("＜", "<"), ("小于", "<"), ("低于", "<"), ("少于", "<"),
    ("=", "="), ("＝", "="), ("达到", ">="),
)
# … and after it.
SUFFIX_OPS: tuple[tuple[str, Op], ...] = (
    ("及以上", ">="), ("以上", ">="), ("及以下", "<="), ("以下", "<="), ("以内", "<="),
)
# The word a draft writes for each operator (a bare or "=" target gets none).
OP_WORDS: dict[str, str] = {">=": "不少于", ">": "高于", "<=": "不超过", "<": "低于"}
# The sign a note shows for each operator.
OP_SIGNS: dict[str, str] = {">=": "≥", ">": "＞", "<=": "≤", "<": "＜", "=": "="}

# Words a text writes right before a number to bound it or make it approximate (约, 超过, ≥).
QUALIFIERS_BEFORE = ("大约", "约", "将近", "接近", "近", "超过", "超", "逾", "不少于", "不低于", "不超过",
                     "不高于", "不足", "至少")
QUALIFIER_SIGNS = "≥≤><＞＜⩾⩽≧≦"
# … and right after it.
QUALIFIERS_AFTER = ("以上", "以下", "左右", "以内")
# Qualifiers that let a whole number stand for a value it rounds to (约139万元 states 138.78).
APPROXIMATE = frozenset({"约", "大约", "近", "将近", "接近", "余", "多", "左右", "超过", "超", "逾", "不少于",
                         "不低于", "至少", "以上", "不足"})
# Qualifiers that make a number a bound, as a target is written (≥35公里).
BOUNDS = frozenset({"≥", "≤", ">", "<", "＞", "＜", "不少于", "不低于", "不超过", "不高于", "至少"})
# Between a keyword and its number, these make the number a yardstick, not the fact: 执行率低于90%.
YARDSTICK_WORDS = ("低于", "高于", "不到", "未达到", "未达", "超出", "少于", "多于", "不足")

# ---------------------------------------------------------------- the mark of missing content

MISSING_MARK = "【待补充"  # how every mark of content the figures do not give begins


def missing(what: str) -> str:
    """Return the mark a draft writes where the figures do not give what a section needs."""
    return f"{MISSING_MARK}：{what}】"
