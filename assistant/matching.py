"""Matching a quantity of a text to the facts it may state: each numeric fact normalised like a
quantity in text, compared at the precision the text writes, and narrowed by the cues around it."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from assistant.cues import (
    CLAUSE_END,
    COMPARISON,
    CONTEXT,
    POSTFIX,
    Cue,
    TextCues,
    cues_of,
    named_loosely,
)
from assistant.facts import Fact, FactTable, format_number
from assistant.numbers import Quantity, read_quantities
from assistant.text import sentence_ends
from assistant.vocabulary import APPROXIMATE, BOUNDS, RESULT_PREFIX, id_matches, part_of


@dataclass(frozen=True)
class _FactValue:
    fact: Fact
    base_value: float
    base_unit: str


@lru_cache(maxsize=1024)
def _unit_key(unit: str) -> str:
    """Return a measure word compared loosely: brackets dropped (家（次） = 家次), 个 and 项 alike."""
    unit = re.sub(r"[（）()]", "", unit)
    return "个" if unit in ("个", "项") else unit


class Matcher:
    """The fact table prepared for matching: each numeric fact normalised like a quantity in text."""

    def __init__(self, table: FactTable):
        self.table = table

    @cached_property
    def values(self) -> list[_FactValue]:
        out = []
        for fact in self.table:
            if isinstance(fact.value, str):
                continue
            claims = [q for q in read_quantities(fact.display) if q.is_claim]
            if len(claims) == 1 and claims[0].text == fact.display:
                # The exact value in base units, not the displayed one: 84.63万元 shown for
                # 846320.5元 must still match a text that writes 846320.5元.
                q = claims[0]
                base = q.base_value if not q.value else q.base_value / q.value * float(fact.value)
                out.append(_FactValue(fact, base, _unit_key(q.base_unit)))
            else:  # a unit the reader does not know: compare in the fact's own unit
                out.append(_FactValue(fact, float(fact.value), _unit_key(fact.unit)))
        return out

    @cached_property
    def names_with_numerals(self) -> list[str]:
        """Return indicator and result names that contain a numeral (主平台两年累计获得专项资金)."""
        names = [i.name for i in self.table.figures.indicators] + [x.name for x in self.table.figures.facts]
        return [n for n in names if re.search(r"[0-9０-９一二两三四五六七八九十百千万]", n)]

    def name_spans(self, text: str) -> list[tuple[int, int]]:
        """Return where those names occur in the text: a number inside one is part of the name."""
        return [(m.start(), m.end()) for name in self.names_with_numerals
                for m in re.finditer(re.escape(name), text)]

    @cached_property
    def cues(self) -> dict[str, Cue]:
        """Return every cue word of the table (see `cues.cues_of`)."""
        return cues_of(self.table)

    def matches(self, q: Quantity) -> list[Fact]:
        """Return the facts this quantity states, after unit, scale and written-precision normalisation."""
        key = (q.value, q.unit, q.scale, q.base_value, q.base_unit, q.decimals, q.qualifier, q.step)
        found = self._matched.get(key)
        if found is None:  # a long text repeats its figures: each distinct one is compared once
            candidates = self._by_unit.get(_unit_key(q.base_unit), []) if q.base_unit else self.values
            found = self._matched[key] = [fv.fact for fv in candidates if _equal(q, fv)]
        return found

    @cached_property
    def _matched(self) -> dict[tuple[Any, ...], list[Fact]]:
        return {}

    @cached_property
    def _by_unit(self) -> dict[str, list[_FactValue]]:
        out: dict[str, list[_FactValue]] = {}
        for fv in self.values:
            out.setdefault(fv.base_unit, []).append(fv)
        return out

    @cached_property
    def _cue_regex(self) -> re.Pattern[str]:
        return re.compile("|".join(re.escape(w) for w in self.cues))  # longest first: 支出率 before 支出

    def read(self, text: str, quantities: list[Quantity]) -> TextCues:
        """Return where cue words and clause and sentence ends lie in a text (computed once per text)."""
        hits = [(m.start(), m.end(), self.cues[m.group()]) for m in self._cue_regex.finditer(text)]
        return TextCues(text, hits, [h[1] for h in hits],
                        [m.end() for m in CLAUSE_END.finditer(text)],
                        sentence_ends(text),
                        [q.start for q in quantities if q.is_claim])

    def claimed(self, cues: TextCues, q: Quantity) -> frozenset[str]:
        """Return the ids of the facts the words before a quantity tie it to (empty when none).

        The cue nearest the quantity in its clause decides; a comparison word after the cue makes
        the number a yardstick instead (执行率低于90%).
        """
        for pattern, patterns in POSTFIX:
            if pattern.match(cues.text, q.end):
                after = frozenset(fv.fact.id for fv in self.values
                                  if any(id_matches(p, fv.fact.id) for p in patterns) and _same_kind(q, fv))
                if after:
                    return self._narrow(after, cues, q)
        found = self._cue_before(cues, cues.clause_start(q.start), q.start, q)
        sentence_start = cues.sentence_start(q.start)
        if not found:  # 分值分别为20分、15分: later items of a list share the cue before 分别
            at = cues.text.rfind("分别", sentence_start, q.start)
            if at >= 0:
                found = self._cue_before(cues, cues.clause_start(at), at, q)
        if not found:
            return self._result_named_loosely(cues.text[max(sentence_start, q.start - CONTEXT // 2):q.start], q)
        return _bounds_are_targets(self._narrow(found, cues, q), q)

    def _result_named_loosely(self, before: str, q: Quantity) -> frozenset[str]:
        """Return the one other result (facts:) of this unit that the sentence names in other words
        (提供融资，累计… for 协调金融机构提供融资金额), when three or more of its two-character words
        are there and no other result of the unit has as many; else nothing."""
        if not q.base_unit:
            return frozenset()
        results = [(fv.fact.label, fv.fact.id) for fv in self.values
                   if fv.fact.id.startswith(RESULT_PREFIX) and _same_kind(q, fv)]
        found = named_loosely(before, results)
        return frozenset({found}) if found else frozenset()

    def _cue_before(self, cues: TextCues, start: int, end: int, q: Quantity) -> frozenset[str]:
        """Return the facts of the nearest claiming cue in [start, end) that fit the quantity's unit."""
        for _start, cue_end, cue in cues.hits_between(start, end):
            if not cue.claims or COMPARISON.search(cues.text, cue_end, q.start):
                continue
            compatible = frozenset(fv.fact.id for fv in self.values if fv.fact.id in cue.claims and _same_kind(q, fv))
            if compatible:
                return compatible
        return frozenset()

    def _narrow(self, facts: frozenset[str], cues: TextCues, q: Quantity) -> frozenset[str]:
        """Keep the facts of what the paragraph names nearest before the quantity (an indicator, a
        result, a fund source, a basis), if it names one."""
        sentence_start = cues.sentence_start(q.start)
        at = cues.text.rfind("分别", sentence_start, q.start)
        if at >= 0:  # 甲、乙、丙……分值分别为20分、15分……: the n-th number is the n-th name's
            return _respectively(facts, cues, sentence_start, at, q)
        for _, _, cue in cues.hits_between(cues.line_start(q.start), q.start, named=True):
            if 0 < len(facts & cue.names) < len(facts):
                return facts & cue.names
        return facts



def _bounds_are_targets(facts: frozenset[str], q: Quantity) -> frozenset[str]:
    """Return only the targets among the facts when the number is written as a bound (≥35公里)."""
    targets = frozenset(f for f in facts if part_of(f) == "target")
    return targets if q.qualifier in BOUNDS and targets else facts


def _respectively(facts: frozenset[str], cues: TextCues, start: int, at: int, q: Quantity) -> frozenset[str]:
    """Return the facts of the name whose place in the list before 分别 matches the number's after it."""
    names = [cue.names for s, _, cue in reversed(cues.hits_between(start, at)) if cue.names & facts]
    index = bisect.bisect_left(cues.claims, q.start) - bisect.bisect_right(cues.claims, at)
    if len(names) > 1 and index < len(names):
        return facts & names[index]
    return facts


def _same_kind(q: Quantity, fv: _FactValue) -> bool:
    return not q.base_unit or _unit_key(q.base_unit) == fv.base_unit


def _equal(q: Quantity, fv: _FactValue) -> bool:
    """Return whether a quantity states this fact value, within the precision it is written with."""
    if not _same_kind(q, fv):
        return False
    if q.step:
        return same_parts(q, fv.base_value)
    if not q.base_unit and fv.base_unit:  # a bare number: compare in the fact's own written unit
        return _same_at(q, float(fv.fact.value), 1.0)
    if q.value == 0:
        return fv.base_value == 0
    return _same_at(q, fv.base_value, q.base_value / q.value)


def _same_at(q: Quantity, base: float, factor: float) -> bool:
    """Return whether base, expressed in the quantity's written unit, reads as the written value.

    Rounding to the written decimals is allowed (99.8% states 99.84), except for a whole number
    that is not marked approximate: 100% does not state 99.84, nor 139万元 138.78.
    """
    in_unit = base / factor
    if format_number(in_unit, q.decimals) != format_number(q.value, q.decimals):
        return False
    return q.decimals > 0 or abs(in_unit - q.value) < 1e-6 * max(1.0, abs(q.value)) or q.qualifier in APPROXIMATE


def same_parts(q: Quantity, base: float) -> bool:
    """Return whether a share written in parts (三分之二, 三成, 千分之五) states base, a percentage.

    Such a share is a rounded figure: it states what lies within half a part of it and within half a
    percentage point (三分之二: 66.17%–67.16%; 三成: 29.5%–30.5%), or with 约, 近, 以上 … within five
    points (约七成: 65%–75%). A whole percentage would be held exactly; a share cannot be.
    """
    limit = 5.0 if q.qualifier in APPROXIMATE else 0.5
    return abs(base - q.base_value) < min(q.step / 2, limit)
