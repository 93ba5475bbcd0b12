"""The metrics of one draft of one case, computed from its text alone (so a draft made here, read from
a run folder, or written by a person is scored the same way), plus what the drafter recorded where
there is a record (section finding codes, how model-written sections were settled)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant import vocabulary as v
from assistant.check import CheckedNumber
from assistant.evaluation.cases import Case, IndicatorExpectation, ProblemExpectation, Stated
from assistant.evaluation.checklist import (
    author_faults,
    impossible_figures,
    narrative,
    split_sections,
    stock_phrases,
)
from assistant.evaluation.results import ChatMetrics, DraftMetrics
from assistant.facts import FactTable, format_number
from assistant.numbers import Quantity, read_quantities
from assistant.report_check import check_report
from assistant.sections import SECTIONS

CLAIM_CODES = ("claim_contradiction", "miscomputed")
WRITTEN = [s.id for s in SECTIONS if s.template]  # sections with a body of their own
BUDGETS = (v.FUNDS_BUDGET_INITIAL, v.FUNDS_BUDGET_ADJUSTED)
GRADE = re.compile(r"等级(?:评定)?(?:为|是|：|:)?\s*[“\"「『]?(优秀|良好|中等|优|良|中|差)")
GRADE_WORDS = {"优秀": "优", "良好": "良", "中等": "中"}
PENDING_WORDS = ("待确认", "确认完成程度")


@dataclass(frozen=True)
class Draft:
    """A draft to measure: its plain text (paragraphs one a line, the 自评表 after), how long it took,
    and where the drafter recorded them, the finding codes of 存在的问题/改进意见 and the chat record."""

    text: str
    seconds: float = 0.0
    codes: tuple[str, ...] = ()
    chat: ChatMetrics | None = None


def measure(case: Case, draft: Draft, table: FactTable) -> DraftMetrics:
    """Return the metrics of one draft against its case's expectations and fact table."""
    check = check_report(draft.text, table)
    story = narrative(draft.text)
    told = [n for n in check.numbers if n.quantity.end <= len(story) and n.status != "ignored"]
    counted = [n for n in check.numbers if n.status != "ignored"]
    missing = _missing(case, story, told, table)
    parts = split_sections(draft.text)
    unanswered = [f"{p.code}（{p.about}）" if p.about else p.code for p in case.expect.problems
                  if not _answers(p, parts.get("lessons.problems", ""), parts.get("improvements", ""))]
    score = next((n.quantity for n in told if n.fact == v.SCORE_TOTAL), None)
    grade = GRADE.search(story)
    stated_grade = GRADE_WORDS.get(grade.group(1), grade.group(1)) if grade else ""
    return DraftMetrics(
        numbers=len(counted), supported=_count(counted, "supported"), derived=_count(counted, "derived"),
        unsupported=_count(counted, "unsupported"), contradicted=_count(counted, "contradicted"),
        claim_errors=sum(f.code in CLAIM_CODES for f in check.findings),
        required=len(case.expect.required), stated=len(case.expect.required) - len(missing), missing=tuple(missing),
        sections=len(WRITTEN), sections_present=sum(bool(parts.get(s)) for s in WRITTEN),
        problems=len(case.expect.problems), problems_answered=len(case.expect.problems) - len(unanswered),
        unanswered=tuple(unanswered), stated_score=score.value if score else None, stated_grade=stated_grade,
        score_right=score is not None and _equal(score, case.expect.score, "分"),
        grade_right=stated_grade == case.expect.grade,
        author_faults=author_faults(parts.get("lessons.problems", ""), parts.get("improvements", ""), draft.codes),
        impossible=impossible_figures(draft.text, check, table.scheme.total), seconds=draft.seconds,
        boilerplate=stock_phrases(draft.text), chat=draft.chat)


def _count(numbers: list[CheckedNumber], status: str) -> int:
    return sum(n.status == status for n in numbers)


def _missing(case: Case, story: str, told: list[CheckedNumber], table: FactTable) -> list[str]:
    """Return the labels of the required items the narrative does not state."""
    out = [s.label for s in case.expect.funds if not _states(s, told, table)]
    if not any(n.fact == v.SCORE_TOTAL and _equal(n.quantity, case.expect.score, "分") for n in told):
        out.append("自评总分")
    names = [ind.name for ind in case.expect.indicators]
    for ind in case.expect.indicators:
        passages = _passages(story, ind.name, names)
        for item in (ind.target, ind.actual):
            if item is None:
                continue
            if not (_states(item, told, table) if item.fact else any(item.text in p for p in passages)):
                out.append(item.label)
        if not _verdict_stated(ind, passages):
            out.append(f"{ind.name}：{ind.verdict}")
    return out


def _states(item: Stated, told: list[CheckedNumber], table: FactTable) -> bool:
    """Return whether a number of the narrative is tied to the item's fact and has its value."""
    facts = {item.fact}
    if item.fact in BUDGETS and all(b in table for b in BUDGETS) and \
            table.amount(BUDGETS[0]) == table.amount(BUDGETS[1]):
        facts.update(BUDGETS)  # one budget stated once: the checker may tie it to either
    return item.value is not None and any(n.fact in facts and _equal(n.quantity, item.value, item.unit) for n in told)


def _passages(story: str, name: str, names: list[str]) -> list[str]:
    """Return the stretches of the narrative about an indicator: from its name to the next other
    indicator's name or the end of the line."""
    others = [n for n in names if n != name and name not in n]
    out = []
    for line in story.splitlines():
        for m in re.finditer(re.escape(name), line):
            ends = [i for o in others if (i := line.find(o, m.end())) >= 0]
            out.append(line[m.start(): min(ends, default=len(line))])
    return out


def _verdict_stated(ind: IndicatorExpectation, passages: list[str]) -> bool:
    words = PENDING_WORDS if ind.verdict == "待确认" else (ind.verdict,)
    return any(w in p for p in passages for w in words)


def _answers(problem: ProblemExpectation, problems: str, improvements: str) -> bool:
    """Return whether both the problems and the improvements name every term of a finding."""
    def names(text: str, terms: tuple[str, ...]) -> bool:
        return all(any(alt in text for alt in term.split("|")) for term in terms)
    return names(problems, problem.problems) and names(improvements, problem.improvements)


def _equal(q: Quantity, value: float, unit: str) -> bool:
    """Return whether a quantity of the text states value (in unit) at the precision it is written with."""
    expected = _quantity(value, unit)
    if expected is None or expected.base_unit != q.base_unit:
        return False
    per = q.base_value / q.value if q.value else 1.0
    return abs(q.base_value - expected.base_value) <= 0.5 * 10 ** -q.decimals * abs(per) + 1e-9


def _quantity(value: float, unit: str) -> Quantity | None:
    found = read_quantities(f"{format_number(value, 6).rstrip('0').rstrip('.')}{unit}")
    return found[0] if found else None


def attempt_tokens(attempts: list[tuple[dict[str, int], int, int]]) -> tuple[int, int]:
    """Return the prompt and reply tokens of a section's turns: the server's usage where it reported
    one (input/output or prompt/completion tokens), else our own count."""
    prompt = reply = 0
    for usage, counted_prompt, counted_reply in attempts:
        prompt += usage.get("input_tokens", usage.get("prompt_tokens", counted_prompt))
        reply += usage.get("output_tokens", usage.get("completion_tokens", counted_reply))
    return prompt, reply


def chat_metrics(sections: list[tuple[str, bool, bool, int, int]]) -> ChatMetrics:
    """Return the chat record of a draft from (writer, repaired, fallback, prompt tokens, reply tokens) per
    model-written section."""
    return ChatMetrics(len(sections), sum(w != "template" for w, *_ in sections), sum(r for _, r, *_ in sections),
                       sum(f for _, _, f, *_ in sections), sum(s[3] for s in sections), sum(s[4] for s in sections))


