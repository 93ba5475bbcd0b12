"""Checking a text: every number matched to the fact table, rates checked against the amounts beside
them, verdict words checked; the check result (FORMAT.md §3)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

from assistant.claims import check_claims
from assistant.cues import CONTEXT, Containment, TextCues
from assistant.facts import Fact, FactTable, format_number
from assistant.findings import Finding
from assistant.matching import Matcher, same_parts
from assistant.numbers import Quantity, read_quantities_upto
from assistant.text import sentence_ends
from assistant.ties import coincides
from assistant.vocabulary import part_of

# A text with more number-like spans than this is checked up to the piece where they are reached, and
# the rest is reported unchecked: a report has hundreds; more only makes a check take minutes.
MAX_NUMBERS = 20_000
_RATE_WORD = re.compile(r"执行率|支出率|到位率")
_ABOVE = re.compile(r"高于|超出|超过")


@dataclass(frozen=True)
class CheckedNumber:
    """A quantity read from the text and what the fact table says of it."""

    quantity: Quantity
    status: str  # supported | derived | ignored | unsupported | contradicted
    fact: str = ""

    def to_json(self) -> dict[str, Any]:
        q = self.quantity
        # A number too long for a float (5,000 digits) has no JSON value: null, never Infinity.
        out = {"start": q.start, "end": q.end, "text": q.text, "value": _finite(q.value), "unit": q.unit,
               "base_value": _finite(q.base_value), "base_unit": q.base_unit, "status": self.status}
        if self.fact:
            out["fact"] = self.fact
        if self.status == "ignored":
            out["reason"] = q.ignored
        if q.qualifier:
            out["qualifier"] = q.qualifier
        return out


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class CheckResult:
    """Every number of a text with its status, and the findings (FORMAT.md §3)."""

    numbers: tuple[CheckedNumber, ...]
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    def summary(self) -> dict[str, int]:
        """Return the counts of numbers by status and of findings by severity."""
        out = {"numbers": len(self.numbers)}
        for status in ("supported", "derived", "ignored", "unsupported", "contradicted"):
            out[status] = sum(n.status == status for n in self.numbers)
        out["errors"] = self.errors
        out["warnings"] = sum(f.severity == "warning" for f in self.findings)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary(), "numbers": [n.to_json() for n in self.numbers],
                "findings": [f.to_json() for f in self.findings]}



# ---------------------------------------------------------------- checking a text

def check_text(text: str, table: FactTable, matcher: Matcher | None = None) -> CheckResult:
    """Return every number of the text with its status, and the number and claim findings."""
    matcher = matcher or Matcher(table)
    numbers, findings = [], []
    quantities, read_to = read_quantities_upto(text, MAX_NUMBERS)
    if read_to < len(text):
        findings.append(Finding("unchecked_text", f"文中数字超过 {MAX_NUMBERS} 个，第 {read_to + 1} 字起的部分未核对；"
                                "请分段核对", start=read_to, end=len(text), text=text[read_to:read_to + 20]))
        text = text[:read_to]
    inside_name = Containment(matcher.name_spans(text))
    cues = matcher.read(text, quantities)
    for q in quantities:
        if q.is_claim and inside_name(q.start, q.end):
            q = replace(q, ignored="name")
        elif q.is_claim and _compared_to_whole(cues, q):
            q = replace(q, ignored="whole")
        number, finding = _check_quantity(cues, q, matcher)
        numbers.append(number)
        if finding:
            findings.append(finding)
    findings += _miscomputed(text, numbers, table)
    findings += check_claims(text, table)
    return CheckResult(tuple(numbers), tuple(sorted(findings, key=lambda f: (f.start or 0))))



def _compared_to_whole(cues: TextCues, q: Quantity) -> bool:
    """Return whether the number is 100% after 高于 (这一数字高于百分之百): the whole, not a fact. Below
    it (执行率低于100%) the sentence means the scheme's threshold and is checked against it."""
    if q.base_unit != "%" or q.base_value != 100 or q.step:
        return False
    return _ABOVE.search(cues.text, cues.clause_start(q.start), q.start) is not None


def _check_quantity(cues: TextCues, q: Quantity, m: Matcher) -> tuple[CheckedNumber, Finding | None]:
    if not q.is_claim:
        return CheckedNumber(q, "ignored"), None
    matches = [] if q.kind == "overlong" else m.matches(q)
    claimed = m.claimed(cues, q)
    if claimed:
        chosen = [f for f in matches if f.id in claimed]
        if chosen:
            return _found(q, chosen), None
        expected = min((f for f in m.table if f.id in claimed), key=_expected_rank)
        finding = Finding("contradicted_number", f"{expected.label}应为 {expected.display}，文中为 {q.text}",
                          expected.id, (expected.id,), start=q.start, end=q.end, text=q.text,
                          expected=expected.display)
        return CheckedNumber(q, "contradicted", expected.id), finding
    if matches and not coincides(q, (f.id for f in matches)):
        return _found(q, matches), None
    message = (f"数字过长（{q.end - q.start} 个字符），无法核对：「{q.text}」" if q.kind == "overlong"
               else f"事实表中没有与「{q.text}」相符的数字")
    finding = Finding("unsupported_number", message, start=q.start, end=q.end, text=q.text)
    return CheckedNumber(q, "unsupported"), finding


def _preference(fact: Fact) -> int:
    """Rank facts a number may state: the chosen rate, then inputs, then derived, and last what the
    unit itself reported (evaluation.*), which is checked, never trusted."""
    reported = fact.id.startswith("evaluation.")
    return 0 if fact.chosen else 1 + reported * 2 + fact.derived


def _expected_rank(fact: Fact) -> tuple[int, bool]:
    """Rank the facts a contradicted number may have meant to state, as _preference does; when the words
    name an indicator but not which of its figures (培训人数650人), a report states what was done, so its
    actual comes before its target."""
    return _preference(fact), part_of(fact.id) != "actual"


def _found(q: Quantity, facts: list[Fact]) -> CheckedNumber:
    """Return the number as supported by an input fact, or derived from a computed one."""
    best = min(facts, key=_preference)
    return CheckedNumber(q, "derived" if best.derived else "supported", best.id)


def _miscomputed(text: str, numbers: list[CheckedNumber], table: FactTable) -> list[Finding]:
    """Return rates stated beside their two amounts in one sentence when the rate does not follow."""
    out = []
    for sentence, inside in _by_sentence(text, numbers):
        inside = [n for n in inside if n.status != "ignored"]
        money = [n.quantity for n in inside if n.quantity.base_unit == "元"]
        if not 2 <= len(money) <= 12:  # more amounts than that is a list, not a rate beside its two amounts
            continue
        ratios = [a.base_value / b.base_value * 100 for a in money for b in money if a is not b and b.base_value]
        for n in inside:
            q = n.quantity
            if q.base_unit != "%" or n.status in ("supported", "derived"):
                continue
            if not _RATE_WORD.search(text, max(sentence, q.start - CONTEXT), q.start):
                continue
            if not any(_rate_reads_as(q, r) for r in ratios):
                out.append(Finding("miscomputed", f"{q.text}与同句所列金额算不出（{'、'.join(x.text for x in money)}）",
                                   start=q.start, end=q.end, text=q.text))
    return out


def _rate_reads_as(q: Quantity, rate: float) -> bool:
    """Return whether a rate in percent, rounded as the text writes this percentage, gives it."""
    return same_parts(q, rate) if q.step else format_number(rate, q.decimals) == format_number(q.value, q.decimals)


def _by_sentence(text: str, numbers: list[CheckedNumber]) -> list[tuple[int, list[CheckedNumber]]]:
    """Return the numbers grouped by the sentence they stand in, with each sentence's start."""
    groups: dict[int, list[CheckedNumber]] = {}
    bounds = sentence_ends(text)
    for n in numbers:
        groups.setdefault(TextCues.bound_before(bounds, n.quantity.start), []).append(n)
    return list(groups.items())
