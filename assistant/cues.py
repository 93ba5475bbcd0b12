"""The cue vocabulary: the words before or after a number that say which facts it may state
(预算, 执行率, an indicator's name …), and where they stand in one text.

`cues_of(table)` lists every cue word of one fact table; `TextCues` holds where those words and the
clause and sentence ends lie in one text. `named_loosely` is the one rule for a name written in
other words (管网更新改造 for 更新改造供水管网).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TypeVar

from assistant import vocabulary as v
from assistant.facts import FactTable
from assistant.vocabulary import ANY, RATE_IDS, id_matches

T = TypeVar("T")

_IND_SCORE, _IND_WEIGHT = v.indicator_id(ANY, "score"), v.indicator_id(ANY, "weight")
_GROUP_SCORE, _GROUP_WEIGHT = v.group_id(ANY, "score"), v.group_id(ANY, "weight")
_BALANCES = "balance.*"
_RATES = (*RATE_IDS, v.breakdown_id(ANY, "rate"), v.EVALUATION_EXECUTION_RATE)
_SCORE_TOTAL = (v.SCORE_TOTAL, v.EVALUATION_SCORE)
# Generic words that tie a number to kinds of fact (预算, 拨付/到位, 支出/执行, 支出率/执行率, 目标, 完成).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "预算": (v.FUNDS_BUDGET_INITIAL, v.FUNDS_BUDGET_ADJUSTED, v.breakdown_id(ANY, "budget"),
           v.breakdown_id(ANY, "budget_initial"), v.BREAKDOWN_SUM_BUDGET),
    "年初预算": (v.FUNDS_BUDGET_INITIAL, v.breakdown_id(ANY, "budget_initial")),
    "全年预算": (v.FUNDS_BUDGET_ADJUSTED, v.breakdown_id(ANY, "budget"), v.BREAKDOWN_SUM_BUDGET),
    "调整为": (v.FUNDS_BUDGET_ADJUSTED,), "调整后": (v.FUNDS_BUDGET_ADJUSTED,), "调整": (v.FUNDS_ADJUSTMENT,),
    "追加": (v.FUNDS_ADJUSTMENT,), "追加预算": (v.FUNDS_ADJUSTMENT,), "调增": (v.FUNDS_ADJUSTMENT,),
    "调减": (v.FUNDS_ADJUSTMENT,), "较年初增加": (v.FUNDS_ADJUSTMENT,), "较年初减少": (v.FUNDS_ADJUSTMENT,),
    "调整幅度": (v.RATE_ADJUSTMENT,),
    # Whose balance (已到位资金中尚有…未支出, 全年预算数中尚有…未支出).
    "到位资金中": (v.BALANCE_ALLOCATED,), "预算数中": (v.BALANCE_BUDGET,), "预算中": (v.BALANCE_BUDGET,),
    "到位": (v.FUNDS_ALLOCATED,), "拨付": (v.FUNDS_ALLOCATED,), "下达": (v.FUNDS_ALLOCATED,),
    "支出": (v.FUNDS_SPENT, v.breakdown_id(ANY, "spent"), v.BREAKDOWN_SUM_SPENT),
    "执行数": (v.FUNDS_SPENT, v.breakdown_id(ANY, "spent")), "执行": (v.FUNDS_SPENT, v.breakdown_id(ANY, "spent")),
    "使用": (v.FUNDS_SPENT,),
    "执行率": _RATES, "支出率": _RATES,
    "到位率": (v.RATE_ALLOCATION,),
    "超支": (v.BALANCE_OVERSPEND,), "结余": (_BALANCES,), "结转": (_BALANCES,), "未支出": (_BALANCES,),
    "得分": (v.SCORE_EXECUTION, v.SCORE_TOTAL, _IND_SCORE, _GROUP_SCORE, v.EVALUATION_SCORE),
    "分数": _SCORE_TOTAL, "总分": _SCORE_TOTAL,
    "分值": (v.SCORE_EXECUTION_WEIGHT, _IND_WEIGHT, _GROUP_WEIGHT),
    "自评得分": _SCORE_TOTAL, "各得": (_IND_SCORE,), "项目得分": _SCORE_TOTAL, "执行率得分": (v.SCORE_EXECUTION,),
    "合计": (_GROUP_SCORE, _GROUP_WEIGHT, "breakdown.sum_*", v.SCORE_TOTAL, v.COUNT_INDICATORS),
    "满分": (v.SCHEME_TOTAL,), "绩效指标": (v.COUNT_INDICATORS,), "设置指标": (v.COUNT_INDICATORS,),
    "完成率": (v.indicator_id(ANY, "completion"),),
    "目标": (v.indicator_id(ANY, "target"),), "指标值": (v.indicator_id(ANY, "target"),),
    "完成": (v.indicator_id(ANY, "actual"), v.COUNT_MET), "实际": (v.indicator_id(ANY, "actual"),),
    **dict.fromkeys(("缺口", "相差", "差距", "还差", "尚差"), (v.indicator_id(ANY, "gap"),)),
    # Reported against computed values.
    "填报的总分": (v.EVALUATION_SCORE,), "自报总分": (v.EVALUATION_SCORE,),
    "填报的执行率": (v.EVALUATION_EXECUTION_RATE,), "自报执行率": (v.EVALUATION_EXECUTION_RATE,),
    "计算应为": (v.SCORE_TOTAL, *RATE_IDS, _IND_SCORE),
}
# Words naming the basis of an execution rate (按全年预算数): they say what a rate is and whose it is.
BASES: dict[str, tuple[str, ...]] = {
    f"{how}{word}": (v.rate_id(basis),) for how in ("按", "以") for word, basis in v.BASIS_WORDS
}
# Words right after a number that say what it is, overriding the words before it: 尚有0.22万元未支出,
# 七项指标中五项完成、两项未完成, 仅略高于93%的目标.
POSTFIX: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple((re.compile(p), facts) for p, facts in (
    (r"[ \t]*(?:尚|仍)?(?:未能?支出|未能?使用|未拨付|结余|结转)", (_BALANCES,)),
    (r"[ \t]*(?:尚|仍)?未到位", (v.FUNDS_UNALLOCATED,)),
    (r"[ \t]*(?:绩效)?指标", (v.COUNT_INDICATORS,)),
    (r"[ \t]*超额完成", (v.COUNT_EXCEEDED,)),
    (r"[ \t]*(?:未完成|部分完成|未达到|未达标)", (v.COUNT_MISSED,)),
    (r"[ \t]*(?:已|均已)?完成", (v.COUNT_MET,)),
    (r"[ \t]*的(?:年度)?(?:目标|指标值)", (v.indicator_id(ANY, "target"),)),
))
# Between a keyword and its number, these make the number a yardstick, not the fact: 执行率低于90%.
# 不少于, 不低于 are bounds, not comparisons.
COMPARISON = re.compile("|".join(f"(?<!不){w}" for w in v.YARDSTICK_WORDS))
CLAUSE_END = re.compile(r"[，。；：！？\n|、（）()]")
PHRASE_END = re.compile(r"[，。；：！？\n|]")  # a clause with its lists (甲、乙) and asides （…） kept whole
LIST_ITEM = re.compile(r"[^、，,和及与]+")
# A keyword followed by one of these is part of a longer word (完成率, 维修完成及时率), not the keyword.
PART_OF_WORD = {"完成": "率及"}
# What the unit reported, and the computed facts a restatement of it names (填报的总分为…，计算应为…).
COMPUTED = {v.EVALUATION_SCORE: (v.SCORE_TOTAL,), v.EVALUATION_EXECUTION_RATE: RATE_IDS}
_CJK_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")  # every overlapping pair of Chinese characters
# How far before a number the checker looks for what names it (clause, sentence, line): a bound, so
# a text without punctuation or line breaks is checked in time linear in its length.
CONTEXT = 400


@dataclass(frozen=True)
class Cue:
    """A word that ties a number to facts: `claims` what the number may be, `names` whose it is."""

    word: str
    claims: frozenset[str]
    names: frozenset[str]


@dataclass(frozen=True)
class TextCues:
    """Cue words found in one text (start, end, fact ids; sorted by end) and its clause/sentence ends."""

    text: str
    hits: list[tuple[int, int, Cue]]
    ends: list[int]
    clauses: list[int]
    phrases: list[int]  # clause ends other than 、 and brackets
    sentences: list[int]
    claims: list[int]  # where the quantities that are claims start

    @staticmethod
    def bound_before(bounds: list[int], at: int) -> int:
        """Return the last boundary at or before `at` (0 when none)."""
        i = bisect.bisect_right(bounds, at)
        return bounds[i - 1] if i else 0

    def clause_start(self, at: int) -> int:
        """Return where the clause holding `at` starts, at most CONTEXT characters back."""
        return max(self.bound_before(self.clauses, at), at - CONTEXT)

    def sentence_start(self, at: int) -> int:
        """Return where the sentence holding `at` starts, at most CONTEXT characters back."""
        return max(self.bound_before(self.sentences, at), at - CONTEXT)

    def line_start(self, at: int) -> int:
        """Return where the line holding `at` starts, at most CONTEXT characters back."""
        return max(self.text.rfind("\n", max(0, at - CONTEXT), at) + 1, at - CONTEXT)

    @cached_property
    def _named(self) -> tuple[list[tuple[int, int, Cue]], list[int]]:
        named = [h for h in self.hits if h[2].names]
        return named, [h[1] for h in named]

    def hits_between(self, start: int, end: int, named: bool = False) -> list[tuple[int, int, Cue]]:
        """Return the cue hits inside [start, end) (with named, only those that say whose a number
        is), nearest to `end` first."""
        hits, ends = self._named if named else (self.hits, self.ends)
        out = []
        for i in range(bisect.bisect_right(ends, end) - 1, -1, -1):
            hit = hits[i]
            if hit[1] <= start:
                break
            if hit[0] >= start:
                out.append(hit)
        return out


def cues_of(table: FactTable) -> dict[str, Cue]:
    """Return every cue word of a fact table, longest first: generic keywords and fact labels (what a
    number is), and names (indicators, results, fund sources, groups, bases) that say whose it is."""
    ids = [f.id for f in table]
    claims: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    for word, patterns in KEYWORDS.items():
        claims.setdefault(word, set()).update(i for p in patterns for i in ids if id_matches(p, i))
    for word, patterns in BASES.items():
        facts = {i for p in patterns for i in ids if id_matches(p, i)}
        claims.setdefault(word, set()).update(facts)
        names.setdefault(word, set()).update(facts)
    for fact in table:  # a group is named by its name, not 产出指标得分; a result by its name (ties.Namer)
        if not fact.id.startswith(("group.", v.RESULT_PREFIX)):
            claims.setdefault(fact.label, set()).add(fact.id)
    for n, group in enumerate(table.scheme.groups):  # names only: 三项产出指标各得30分
        mine = {i for i in ids if i.startswith(v.group_prefix(n))}
        names.setdefault(group.name, set()).update(mine)
        claims.setdefault(f"{group.name}得", set()).update(i for i in ids if i == v.group_id(n, "score"))
        names.setdefault(f"{group.name}得", set()).update(mine)
    claims.setdefault("预算执行率得", set()).add(v.SCORE_EXECUTION)
    for name, facts in _owned(table, ids):  # what a name claims is decided by ties.Namer
        names.setdefault(name, set()).update(facts)
    words = set(claims) | set(names)
    return {w: Cue(w, frozenset(claims.get(w, ())), frozenset(names.get(w, ())))
            for w in sorted(words, key=len, reverse=True) if claims.get(w) or names.get(w)}


def _owned(table: FactTable, ids: list[str]) -> list[tuple[str, set[str]]]:
    """Return each indicator, result and fund source by name, with the facts that are its own."""
    fig = table.figures
    prefixes = [(ind.name, v.indicator_prefix(ind.id)) for ind in fig.indicators]
    prefixes += [(row.name, f"{v.breakdown_key(n)}.") for n, row in enumerate(fig.funds.breakdown)]
    out = [(name, {i for i in ids if i.startswith(prefix)}) for name, prefix in prefixes]
    out += [(x.name, {v.result_id(n)} & set(ids)) for n, x in enumerate(fig.facts)]
    return out


class Containment:
    """Tells whether a span lies inside one of the given spans, in logarithmic time."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [a for a, _ in spans]
        self.reach: list[int] = []  # the furthest end among the spans up to each one
        for _, b in spans:
            self.reach.append(max(b, self.reach[-1]) if self.reach else b)

    def __call__(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start)
        return bool(i) and self.reach[i - 1] >= end


def bigrams(text: str) -> set[str]:
    """Return the two-character Chinese words of a text."""
    return set(_CJK_PAIR.findall(text))


@lru_cache(maxsize=4096)
def _name_bigrams(name: str) -> frozenset[str]:
    return frozenset(bigrams(name))


def named_loosely(text: str, candidates: Iterable[tuple[str, T]]) -> T | None:
    """Return the candidate whose name shares the most two-character words with the text, when it
    shares at least three and no other candidate shares as many; else None.

    People shorten names (管网更新改造 for 更新改造供水管网), so a name need not appear whole.
    """
    words = bigrams(text)
    scored = [(len(_name_bigrams(name) & words), item) for name, item in candidates]
    best = max((score for score, _ in scored), default=0)
    winners = [item for score, item in scored if score == best]
    return winners[0] if best >= 3 and len(winners) == 1 else None
