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
    COMPUTED,
    CONTEXT,
    LIST_ITEM,
    PART_OF_WORD,
    PHRASE_END,
    POSTFIX,
    Cue,
    TextCues,
    cues_of,
)
from assistant.facts import Fact, FactTable, format_number
from assistant.numbers import Quantity, read_quantities
from assistant.text import sentence_ends
from assistant.ties import CLAUSE_RUN, SENTENCE_RUN, WHOLE, Namer, bound_facts
from assistant.vocabulary import APPROXIMATE, SCHEME_EXECUTION_THRESHOLD, group_id, id_matches

GRID = 64  # characters: the step of a look-around window where no clause or sentence bound is near


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

    def warm(self) -> Matcher:
        """Return the matcher with its caches built (fact values, cue words and their pattern, names
        with numerals), so that threads checking sections at once never build them concurrently."""
        _ = self.values, self.cues, self._cue_regex, self.names_with_numerals
        return self

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
        hits = [(m.start(), m.end(), self.cues[m.group()]) for m in self._cue_regex.finditer(text)
                if text[m.end():m.end() + 1] not in PART_OF_WORD.get(m.group(), "")]
        return TextCues(text, hits, [h[1] for h in hits],
                        [m.end() for m in CLAUSE_END.finditer(text)],
                        [m.end() for m in PHRASE_END.finditer(text)],
                        sentence_ends(text),
                        [q.start for q in quantities if q.is_claim])

    @cached_property
    def postfix(self) -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
        """Return the words after a number that say what it is: a group's name after a count of its
        indicators (三项产出指标), then POSTFIX."""
        groups = tuple((re.compile(rf"[ \t]*{re.escape(g.name)}"), (group_id(n, "count"),))
                       for n, g in enumerate(self.table.scheme.groups))
        return groups + POSTFIX

    @cached_property
    def namer(self) -> Namer:
        return Namer(self.table)

    def claimed(self, cues: TextCues, q: Quantity) -> frozenset[str]:
        """Return the ids of the facts the words around a quantity tie it to (empty when none).

        Words right after the number (尚有0.22万元未支出) decide first. Otherwise the nearest keyword
        before it in its clause says what the number is (预算, 执行率 …; after a comparison word the
        number is a threshold: 执行率低于90%), and the owner its clause, else its sentence, else its
        paragraph's opening sentence names best says whose it is (ties.Namer). A bound states a target.
        """
        for pattern, patterns in self.postfix:
            if pattern.match(cues.text, q.end):
                after = frozenset(fv.fact.id for fv in self.values
                                  if any(id_matches(p, fv.fact.id) for p in patterns) and _same_kind(q, fv))
                if after:  # 已到位资金中尚有0.22万元未支出: whose balance, said before it
                    after = _narrowed_by_earlier_cue(after, cues, cues.clause_start(q.start), q.start)
                    return self._respectively_or(after, cues, q)
        clause_start = _before_brackets(cues, cues.clause_start(q.start))
        sentence_start = cues.sentence_start(q.start)
        found = self._cue_before(cues, clause_start, q.start, q)
        if not found and COMPARISON.search(cues.text, clause_start, q.start):  # …为68.07%，低于90%
            found = self._yardsticks(q, cues.text[sentence_start:q.start])
        if "计算应为" in cues.text[clause_start:q.start]:  # restates what the sentence named before
            found = _narrowed_by_earlier_cue(found, cues, sentence_start, clause_start)
        at = cues.text.rfind("分别", sentence_start, q.start)
        if at >= 0:  # 分值分别为20分、15分: later items of a list share the cue before 分别
            found = found or self._cue_before(cues, cues.clause_start(at), at, q)
            return self._respectively_or(found, cues, q) if found else frozenset()
        named = self._named(cues, q)
        if found and not any(f.startswith("breakdown[") for f in named):  # a fund source's row goes by its name
            found = frozenset(f for f in found if not f.startswith("breakdown[")) or found
        facts = (found & named or found) if found and named else found or named
        return bound_facts(facts, q, self.namer.unnamed(cues.text[clause_start:q.start]))

    def _named(self, cues: TextCues, q: Quantity) -> frozenset[str]:
        """Return the facts of the owner named best in the quantity's clause, else its sentence, else (by
        a whole name) the opening sentence of its paragraph (（1）评审项目个数。年度指标值为…)."""
        text = cues.text
        values = self._values_by_id
        stated = {f.id for f in self.matches(q)}

        def fits(fact_id: str) -> bool:
            return fact_id in values and _same_kind(q, values[fact_id])

        def states(fact_id: str) -> bool:
            return fact_id in stated

        def around(bounds: list[int]) -> tuple[int, int]:
            # Where no bound is near, the look-around is snapped to a grid so neighbouring numbers share one
            # window and its naming is computed once (a text with no punctuation is otherwise quadratic).
            start = max(cues.bound_before(bounds, q.start), (q.start - CONTEXT) // GRID * GRID)
            end = min(len(text), -(-(q.end + CONTEXT) // GRID) * GRID)
            return start, _next_bound(bounds, q.end, end)

        sentence = around(cues.sentences)
        line_start = cues.line_start(q.start)
        opening = (line_start, _next_bound(cues.sentences, line_start, min(len(text), line_start + CONTEXT)))
        windows = [(around(cues.clauses), CLAUSE_RUN), (around(cues.phrases), CLAUSE_RUN), (sentence, SENTENCE_RUN)]
        if opening[1] <= sentence[0]:
            windows.append((opening, WHOLE))
        for span, least in windows:
            facts = self.namer.best(text, span, q, fits, states, least)
            if facts:
                return facts
        return frozenset()

    @cached_property
    def _values_by_id(self) -> dict[str, _FactValue]:
        return {fv.fact.id: fv for fv in self.values}

    def _respectively_or(self, facts: frozenset[str], cues: TextCues, q: Quantity) -> frozenset[str]:
        """Return the facts of the n-th name before 分别 for the n-th number after it, else the facts
        narrowed to the owner the quantity's clause or sentence names."""
        sentence_start = cues.sentence_start(q.start)
        at = cues.text.rfind("分别", sentence_start, q.start)
        if at >= 0:  # 甲、乙、丙……分值分别为20分、15分……: the n-th number is the n-th name's
            return self._respectively(facts, cues, sentence_start, at, q)
        return facts & self._named(cues, q) or facts

    def _respectively(self, facts: frozenset[str], cues: TextCues, start: int, at: int,
                      q: Quantity) -> frozenset[str]:
        """Return the facts of the item whose place in the list before 分别 matches the number's after it
        (each item of 甲、乙和丙 named whole or in part)."""
        names = []
        for item in LIST_ITEM.finditer(cues.text, start, at):
            named = [(covered, owner.facts & facts) for owner, covered, _, _ in
                     self.namer.named(cues.text, item.start(), item.end()) if owner.facts & facts]
            if named:
                names.append(max(named, key=lambda x: x[0])[1])
        index = bisect.bisect_left(cues.claims, q.start) - bisect.bisect_right(cues.claims, at)
        if len(names) > 1 and index < len(names):
            return names[index]
        return facts

    def _yardsticks(self, q: Quantity, before: str) -> frozenset[str]:
        """Return the scheme's thresholds a compared number may state: after an execution rate, the
        execution threshold (执行率为68.07%，低于90%)."""
        wanted = SCHEME_EXECUTION_THRESHOLD if re.search("执行率|支出率", before) else "scheme."
        return frozenset(fv.fact.id for fv in self.values if fv.fact.id.startswith(wanted) and _same_kind(q, fv))

    def _cue_before(self, cues: TextCues, start: int, end: int, q: Quantity) -> frozenset[str]:
        """Return the facts of the nearest claiming cue in [start, end) that fit the quantity's unit; the
        thresholds when a comparison word follows that cue (执行率低于90%)."""
        for _start, cue_end, cue in cues.hits_between(start, end):
            if cue.claims and COMPARISON.search(cues.text, cue_end, q.start):
                return self._yardsticks(q, cues.text[start:q.start])
            if not cue.claims:
                continue
            compatible = frozenset(fv.fact.id for fv in self.values if fv.fact.id in cue.claims and _same_kind(q, fv))
            if compatible:
                return compatible
        return frozenset()


def _narrowed_by_earlier_cue(found: frozenset[str], cues: TextCues, start: int, end: int) -> frozenset[str]:
    """Return the facts narrowed by a cue earlier in the sentence that claims some of them but not all:
    填报的总分为97.5分，按评分办法计算应为99.98分 (计算应为 alone may be any score or rate)."""
    if len(found) > 1:
        for _, _, cue in cues.hits_between(start, end):
            claims = cue.claims | {c for f in cue.claims for c in COMPUTED.get(f, ())}
            if 0 < len(found & claims) < len(found):
                return found & claims
    return found


def _before_brackets(cues: TextCues, start: int) -> int:
    """Return where the clause starts when it follows a bracketed aside: 执行率（执行数÷预算数）为90%."""
    if start and cues.text[start - 1] in "）)":
        lo = max(0, start - CONTEXT)
        opening = max(cues.text.rfind("（", lo, start), cues.text.rfind("(", lo, start))
        if opening >= 0:
            return cues.clause_start(opening)
    return start


def _next_bound(bounds: list[int], at: int, end: int) -> int:
    """Return the first boundary after `at`, at most `end`."""
    i = bisect.bisect_right(bounds, at)
    return min(bounds[i], end) if i < len(bounds) else end


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
