"""Which fact a number's clause names: owners of facts, how much of a name a clause holds, bound words.

A report ties a number to a fact by naming it, and rarely by its full name: 「新增规上企业超过40家」,
「推动3个智慧园区项目落地」 (the name after the number), 「连续2年跻身全国数字百强市」 (the name split
around it). The checker therefore asks, for the clause around a number and then its sentence, which
*owner* (an indicator, a result of `facts:`, a fund source) the text names best, and ties the number to
that owner's facts. A value that merely equals some other fact's value is no tie.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant import vocabulary as v
from assistant.facts import FactTable
from assistant.numbers import Quantity

_CJK_PAIR = re.compile(r"(?=([\u4e00-\u9fff0-9A-Za-z]{2}))")  # every overlapping pair
_SPACE = re.compile(r"\s")
# A shared run shorter than this is a common word (企业, 项目, 资金), not a name, unless it is the whole
# name; a sentence is held to a longer run than the number's own clause (满意度 there names no indicator).
CLAUSE_RUN, SENTENCE_RUN = 3, 4
WHOLE = 1000  # a run no name reaches: only a whole name counts (the paragraph's opening sentence)
# Bound words that make a number after an indicator's name its target (不少于6个), and the words that keep a
# bound on the actual value (实际完成不少于28.4公里, 全年完成68个以上).
TRAILING_BOUNDS = {"以上", "以下", "以内"}
_TARGET_WORD = re.compile(r"目标|指标值|计划|任务")
_ACTUAL_WORD = re.compile(r"完成(?![率及])|实际|达到|实现|建成|累计")  # 完成率, 完成及时率 are names
# Integers this small, durations in years and the report's own counts (indicators …) equal some fact by
# chance too often: without a tie in the clause they support nothing.
SMALL = 12
_COUNTS = v.COUNT_INDICATORS.split(".")[0] + "."


@dataclass(frozen=True)
class Owner:
    """Whose facts these are, by the name the figures give: an indicator, a result, a fund source."""

    name: str
    facts: frozenset[str]
    pairs: frozenset[str]  # the name's two-character pieces, for a quick first look
    near: bool = False  # named only in the number's own clause (a group: 产出指标, 满意度指标)


@dataclass(frozen=True)
class Tie:
    """The owner a stretch of text names best, and how well: characters of the name it holds, the
    longest run of the name it holds, whether the number equals one of its facts, and how far it is."""

    owner: Owner
    covered: int
    run: int
    evidence: bool
    distance: int

    @property
    def rank(self) -> tuple[int, int, bool, int]:
        return self.covered, self.run, self.evidence, -self.distance


def owners(table: FactTable) -> list[Owner]:
    """Return the owners of facts in the table: indicators, results (facts:), fund sources and indicator
    groups, by name."""
    ids = [f.id for f in table]
    named = [(i.name, v.indicator_prefix(i.id)) for i in table.figures.indicators]
    named += [(x.name, v.result_id(n)) for n, x in enumerate(table.figures.facts)]
    named += [(r.name, f"{v.breakdown_key(n)}.") for n, r in enumerate(table.figures.funds.breakdown)]
    groups = [(g.name, v.group_prefix(n)) for n, g in enumerate(table.scheme.groups)]
    out = [Owner("预算执行率", frozenset({v.SCORE_EXECUTION, v.SCORE_EXECUTION_WEIGHT}) & set(ids),
                 frozenset(_pairs("预算执行率")), near=True)]  # 预算执行率得分9.8分（分值10分）
    for name, prefix in named + groups:
        facts = frozenset(i for i in ids if i.startswith(prefix) and (prefix.endswith(".") or i == prefix))
        if facts:
            out.append(Owner(name, facts, frozenset(_pairs(name)), (name, prefix) in groups))
    return out


def _pairs(text: str) -> Iterable[str]:
    return _CJK_PAIR.findall(text)


def _covered(name: str, pairs: set[str]) -> int:
    """Return how many characters of the name lie in a two-character piece the text also has."""
    hit = [False] * len(name)
    for i in range(len(name) - 1):
        if name[i:i + 2] in pairs:
            hit[i] = hit[i + 1] = True
    return sum(hit)


def _longest_run(name: str, window: str) -> tuple[int, int]:
    """Return the longest piece of the name found in the window, and where in the window it starts."""
    for size in range(len(name), 1, -1):
        for i in range(len(name) - size + 1):
            at = window.find(name[i:i + size])
            if at >= 0:
                return size, at
    return 0, -1


class Namer:
    """The owners of one fact table, and the best-named owner of any stretch of a text (cached per text)."""

    def __init__(self, table: FactTable):
        self.owners = owners(table)
        self.project = table.figures.project.name  # the project's own name names none of its indicators
        self._text = ""
        self._windows: dict[tuple[int, int], list[tuple[Owner, int, int, int]]] = {}

    def unnamed(self, text: str) -> str:
        """Return the text without the owners' names (维修完成及时率 holds 完成 but says no actual)."""
        for owner in self.owners:
            if owner.name in text:
                text = text.replace(owner.name, "")
        return text

    def named(self, text: str, start: int, end: int) -> list[tuple[Owner, int, int, int]]:
        """Return the owners text[start:end] names (a run of CLAUSE_RUN characters, or the whole name),
        each with the characters of its name held, its longest run and where that run starts in the text."""
        if text is not self._text:
            self._text, self._windows = text, {}
        key = (start, end)
        if key not in self._windows:
            window = text[start:end].replace(self.project, "　" * len(self.project))
            where: list[int] | range = range(len(window))
            if _SPACE.search(window):  # 新增 5G 基站 names 新增5G基站
                where = [i for i, c in enumerate(window) if not c.isspace()]
                window = _SPACE.sub("", window)
            pairs = set(_pairs(window))
            found = []
            for owner in self.owners:
                if len(owner.pairs & pairs) < min(2, len(owner.pairs)):
                    continue
                run, at = _longest_run(owner.name, window)
                if run >= CLAUSE_RUN or run == len(owner.name) >= 2:
                    found.append((owner, _covered(owner.name, pairs), run, start + where[at]))
            self._windows[key] = found
        return self._windows[key]

    def best(self, text: str, span: tuple[int, int], q: Quantity, fits: Callable[[str], bool],
             states: Callable[[str], bool], least: int = CLAUSE_RUN) -> frozenset[str]:
        """Return the facts, of a kind that fits the quantity, of the owner text[start:end] names best
        with a run of at least `least` characters (or the whole name): most of its name held, then the
        longest run, then a value equal to one of its facts, then the nearest. Empty when none."""
        ties = []
        for owner, covered, run, at in self.named(text, *span):
            if run < least and run != len(owner.name) or owner.near and least > CLAUSE_RUN:
                continue
            facts = frozenset(f for f in owner.facts if fits(f))
            if facts:
                distance = q.start - (at + run) if at < q.start else at - q.end
                ties.append(Tie(Owner(owner.name, facts, owner.pairs), covered, run,
                                any(states(f) for f in facts), abs(distance)))
        if not ties:
            return frozenset()
        return max(ties, key=lambda t: t.rank).owner.facts


def bound_facts(facts: frozenset[str], q: Quantity, clause_before: str) -> frozenset[str]:
    """Return the facts a bounded number may state: a bound (不少于6个, 目标为85公斤以上) states the target,
    unless 完成/实际/达到 stands before it in the clause, which keeps it an actual."""
    bounded = q.qualifier in v.BOUNDS or (q.qualifier in TRAILING_BOUNDS
                                               and _TARGET_WORD.search(clause_before) is not None)
    if not bounded:
        return facts
    targets = frozenset(f for f in facts if v.part_of(f) == "target")
    if _ACTUAL_WORD.search(clause_before) and not _TARGET_WORD.search(clause_before):
        return (facts - targets) or facts
    return targets or facts


def coincides(q: Quantity, fact_ids: Iterable[str]) -> bool:
    """Return whether equal value alone is too weak to support this counted number: a whole number up
    to 12, a duration in years, or a value only the report's own counts (count.*) have."""
    ids = list(fact_ids)
    if q.base_unit in ("", "元", "%"):  # a bare number stands in a table, tied by its column
        return False
    small = float(q.value).is_integer() and 0 < q.base_value <= SMALL and q.scale == 1
    return small or q.base_unit == "年" or all(i.startswith(_COUNTS) for i in ids)
