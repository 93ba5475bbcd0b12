"""Matching every number in a text to the fact table; verdict claims; the check result (FORMAT.md §3)."""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

from assistant.diagnose import diagnose, diagnose_text
from assistant.facts import Fact, FactTable, format_number
from assistant.findings import Finding
from assistant.numbers import Quantity, read_quantities

APPROXIMATE = {"约", "大约", "近", "将近", "接近", "余", "多", "左右", "超过", "超", "逾", "不少于", "不低于",
               "至少", "以上", "不足"}
# Generic words that tie a number to kinds of fact (issue: 预算, 拨付/到位, 支出/执行, 支出率/执行率, 目标, 完成).
RATES = ("rate.budget_initial", "rate.budget_adjusted", "rate.allocated")
KEYWORDS: dict[str, tuple[str, ...]] = {
    "预算": ("funds.budget_initial", "funds.budget_adjusted", "breakdown[*].budget", "breakdown[*].budget_initial",
           "breakdown.sum_budget"),
    "年初预算": ("funds.budget_initial", "breakdown[*].budget_initial"),
    "全年预算": ("funds.budget_adjusted", "breakdown[*].budget", "breakdown.sum_budget"),
    "调整为": ("funds.budget_adjusted",), "调整后": ("funds.budget_adjusted",), "调整": ("funds.adjustment",),
    "追加": ("funds.adjustment",), "追加预算": ("funds.adjustment",), "调增": ("funds.adjustment",),
    "调减": ("funds.adjustment",),
    "到位": ("funds.allocated",), "拨付": ("funds.allocated",), "下达": ("funds.allocated",),
    "支出": ("funds.spent", "breakdown[*].spent", "breakdown.sum_spent"),
    "执行数": ("funds.spent", "breakdown[*].spent"), "执行": ("funds.spent", "breakdown[*].spent"),
    "使用": ("funds.spent",),
    "执行率": (*RATES, "breakdown[*].rate", "evaluation.execution_rate"),
    "支出率": (*RATES, "breakdown[*].rate", "evaluation.execution_rate"),
    "到位率": ("rate.allocation",),
    "超支": ("balance.overspend",), "结余": ("balance.*",), "结转": ("balance.*",), "未支出": ("balance.*",),
    "得分": ("score.execution", "score.total", "ind.*.score", "group.*.score", "evaluation.score"),
    "分数": ("score.total", "evaluation.score"), "总分": ("score.total", "evaluation.score"),
    "分值": ("score.execution_weight", "ind.*.weight", "group.*.weight"),
    "自评得分": ("score.total", "evaluation.score"), "各得": ("ind.*.score",),
    "合计": ("group.*.score", "group.*.weight", "breakdown.sum_*", "score.total", "count.indicators"),
    "满分": ("scheme.total",),
    "完成率": ("ind.*.completion",),
    "目标": ("ind.*.target",), "指标值": ("ind.*.target",),
    "完成": ("ind.*.actual", "count.met"), "实际": ("ind.*.actual",),
    **dict.fromkeys(("缺口", "相差", "差距", "还差", "尚差"), ("ind.*.gap",)),
    # Reported against computed values.
    "填报的总分": ("evaluation.score",), "自报总分": ("evaluation.score",),
    "填报的执行率": ("evaluation.execution_rate",), "自报执行率": ("evaluation.execution_rate",),
    "计算应为": ("score.total", *RATES, "ind.*.score"),
}
# Words naming the basis of an execution rate: they say what a rate is and whose it is.
BASES: dict[str, tuple[str, ...]] = {
    **{f"{how}{basis}": (fact,) for how in ("按", "以") for basis, fact in (
        ("年初预算数", "rate.budget_initial"), ("全年预算数", "rate.budget_adjusted"),
        ("调整后预算", "rate.budget_adjusted"), ("实际到位资金", "rate.allocated"), ("到位资金", "rate.allocated"))},
}
# Words right after a number that say what it is, overriding the words before it: 尚有0.22万元未支出,
# 七项指标中五项完成、两项未完成, 仅略高于93%的目标.
POSTFIX: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple((re.compile(p), facts) for p, facts in (
    (r"[ \t]*(?:尚|仍)?(?:未支出|未使用|未拨付|结余|结转)", ("balance.*",)),
    (r"[ \t]*(?:绩效)?指标", ("count.indicators",)),
    (r"[ \t]*超额完成", ("count.exceeded",)),
    (r"[ \t]*(?:未完成|部分完成|未达到|未达标)", ("count.missed",)),
    (r"[ \t]*(?:已|均已)?完成", ("count.met",)),
    (r"[ \t]*的(?:年度)?(?:目标|指标值)", ("ind.*.target",)),
))
BOUNDS = {"≥", "≤", ">", "<", "＞", "＜", "不少于", "不低于", "不超过", "不高于", "至少"}
# Between a keyword and its number, these make the number a yardstick, not the fact: 执行率低于90%.
_COMPARISON = re.compile(r"低于|高于|不到|未达到|未达|超出|少于|多于|不足")
_CLAUSE_END = re.compile(r"[，。；：！？\n|、（）()]")
_SENTENCE_END = re.compile(r"[。；！？\n]")
VERDICTS = re.compile(r"超额完成|全部未完成|均未完成|全部完成|全面完成|均已完成|完全符合预期"
                      r"|部分完成|基本完成|未完成|已完成")
_CJK = re.compile(r"[\u4e00-\u9fff]{2}")
SWEEPING = {"全部完成", "全面完成", "均已完成", "完全符合预期"}
SWEEPING_NEGATIVE = {"全部未完成", "均未完成"}
# Which verdicts a text may state for each verdict of the figures (超额 is also 已完成; 部分 is also 未完成).
ALLOWED = {"超额完成": {"超额完成", "已完成"}, "已完成": {"已完成"}, "部分完成": {"部分完成", "基本完成", "未完成"},
           "基本完成": {"基本完成", "部分完成", "未完成"}, "未完成": {"未完成", "部分完成", "基本完成"},
           "待确认": set()}


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
                out.append(_FactValue(fact, claims[0].base_value, _unit_key(claims[0].base_unit)))
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
        """Return every cue word: generic keywords and fact labels (what a number is), and names
        (indicators, results, fund sources, groups, bases) that say whose number it is."""
        ids = [f.id for f in self.table]
        claims: dict[str, set[str]] = {}
        names: dict[str, set[str]] = {}
        for word, patterns in KEYWORDS.items():
            claims.setdefault(word, set()).update(i for p in patterns for i in ids if _glob(p, i))
        for word, patterns in BASES.items():
            facts = {i for p in patterns for i in ids if _glob(p, i)}
            claims.setdefault(word, set()).update(facts)
            names.setdefault(word, set()).update(facts)
        for fact in self.table:
            if not fact.id.startswith("group."):  # a group is named by its name, not 产出指标得分
                claims.setdefault(fact.label, set()).add(fact.id)
        for n, group in enumerate(self.table.scheme.groups):  # names only: 三项产出指标各得30分
            names.setdefault(group.name, set()).update(i for i in ids if i.startswith(f"group.{n + 1}."))
            claims.setdefault(f"{group.name}得", set()).update(i for i in ids if i == f"group.{n + 1}.score")
            names.setdefault(f"{group.name}得", set()).update(i for i in ids if i.startswith(f"group.{n + 1}."))
        claims.setdefault("预算执行率得", set()).add("score.execution")
        owned = [(ind.name, f"ind.{ind.id}.") for ind in self.table.figures.indicators]
        owned += [(x.name, f"fact.{n + 1}") for n, x in enumerate(self.table.figures.facts)]
        owned += [(r.name, f"breakdown[{n}].") for n, r in enumerate(self.table.figures.funds.breakdown)]
        for name, prefix in owned:
            facts = {i for i in ids if i.startswith(prefix) and (prefix.endswith(".") or i == prefix)}
            claims.setdefault(name, set()).update(facts)
            names.setdefault(name, set()).update(facts)
        words = set(claims) | set(names)
        return {w: Cue(w, frozenset(claims.get(w, ())), frozenset(names.get(w, ())))
                for w in sorted(words, key=len, reverse=True) if claims.get(w) or names.get(w)}

    def matches(self, q: Quantity) -> list[Fact]:
        """Return the facts this quantity states, after unit, scale and written-precision normalisation."""
        return [fv.fact for fv in self.values if _equal(q, fv)]

    @cached_property
    def _cue_regex(self) -> re.Pattern[str]:
        return re.compile("|".join(re.escape(w) for w in self.cues))  # longest first: 支出率 before 支出

    def read(self, text: str, quantities: list[Quantity]) -> TextCues:
        """Return where cue words and clause and sentence ends lie in a text (computed once per text)."""
        hits = [(m.start(), m.end(), self.cues[m.group()]) for m in self._cue_regex.finditer(text)]
        return TextCues(text, hits, [h[1] for h in hits],
                        [m.end() for m in _CLAUSE_END.finditer(text)],
                        [m.end() for m in _SENTENCE_END.finditer(text)],
                        [q.start for q in quantities if q.is_claim])

    def claimed(self, cues: TextCues, q: Quantity) -> frozenset[str]:
        """Return the ids of the facts the words before a quantity tie it to (empty when none).

        The cue nearest the quantity in its clause decides; a comparison word after the cue makes
        the number a yardstick instead (执行率低于90%).
        """
        for pattern, patterns in POSTFIX:
            if pattern.match(cues.text, q.end):
                after = frozenset(fv.fact.id for fv in self.values
                                  if any(_glob(p, fv.fact.id) for p in patterns) and _same_kind(q, fv))
                if after:
                    return self._narrow(after, cues, q)
        found = self._cue_before(cues, cues.bound_before(cues.clauses, q.start), q.start, q)
        sentence_start = cues.bound_before(cues.sentences, q.start)
        if not found:  # 分值分别为20分、15分: later items of a list share the cue before 分别
            at = cues.text.rfind("分别", sentence_start, q.start)
            if at >= 0:
                found = self._cue_before(cues, cues.bound_before(cues.clauses, at), at, q)
        if not found:
            return self._result_named_loosely(cues.text[sentence_start:q.start], q)
        return _bounds_are_targets(self._narrow(found, cues, q), q)

    def _result_named_loosely(self, before: str, q: Quantity) -> frozenset[str]:
        """Return the one other result (facts:) of this unit that the sentence names in other words
        (提供融资，累计… for 协调金融机构提供融资金额), when three or more of its two-character words
        are there and no other result of the unit has as many; else nothing."""
        words = _bigrams(before)
        scored = sorted(((len(_bigrams(fv.fact.label) & words), fv.fact.id) for fv in self.values
                         if fv.fact.id.startswith("fact.") and _same_kind(q, fv) and q.base_unit), reverse=True)
        if scored and scored[0][0] >= 3 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            return frozenset({scored[0][1]})
        return frozenset()

    def _cue_before(self, cues: TextCues, start: int, end: int, q: Quantity) -> frozenset[str]:
        """Return the facts of the nearest claiming cue in [start, end) that fit the quantity's unit."""
        for _start, cue_end, cue in cues.hits_between(start, end):
            if not cue.claims or _COMPARISON.search(cues.text, cue_end, q.start):
                continue
            compatible = frozenset(fv.fact.id for fv in self.values if fv.fact.id in cue.claims and _same_kind(q, fv))
            if compatible:
                return compatible
        return frozenset()

    def _narrow(self, facts: frozenset[str], cues: TextCues, q: Quantity) -> frozenset[str]:
        """Keep the facts of what the paragraph names nearest before the quantity (an indicator, a
        result, a fund source, a basis), if it names one."""
        sentence_start = cues.bound_before(cues.sentences, q.start)
        at = cues.text.rfind("分别", sentence_start, q.start)
        if at >= 0:  # 甲、乙、丙……分值分别为20分、15分……: the n-th number is the n-th name's
            return _respectively(facts, cues, sentence_start, at, q)
        line_start = cues.text.rfind("\n", 0, q.start) + 1
        for _, _, cue in cues.hits_between(line_start, q.start):
            if 0 < len(facts & cue.names) < len(facts):
                return facts & cue.names
        return facts


def _bounds_are_targets(facts: frozenset[str], q: Quantity) -> frozenset[str]:
    """Return only the targets among the facts when the number is written as a bound (≥35公里)."""
    targets = frozenset(f for f in facts if f.endswith(".target"))
    return targets if q.qualifier in BOUNDS and targets else facts


def _respectively(facts: frozenset[str], cues: TextCues, start: int, at: int, q: Quantity) -> frozenset[str]:
    """Return the facts of the name whose place in the list before 分别 matches the number's after it."""
    names = [cue.names for s, _, cue in reversed(cues.hits_between(start, at)) if cue.names & facts]
    index = sum(1 for s in cues.claims if at < s < q.start)
    if len(names) > 1 and index < len(names):
        return facts & names[index]
    return facts


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
    sentences: list[int]
    claims: list[int]  # where the quantities that are claims start

    @staticmethod
    def bound_before(bounds: list[int], at: int) -> int:
        """Return the last boundary at or before `at` (0 when none)."""
        i = bisect.bisect_right(bounds, at)
        return bounds[i - 1] if i else 0

    def hits_between(self, start: int, end: int) -> list[tuple[int, int, Cue]]:
        """Return the cue hits inside [start, end), nearest to `end` first."""
        out = []
        for i in range(bisect.bisect_right(self.ends, end) - 1, -1, -1):
            hit = self.hits[i]
            if hit[1] <= start:
                break
            if hit[0] >= start:
                out.append(hit)
        return out


def _glob(pattern: str, fact_id: str) -> bool:
    if "*" not in pattern:
        return pattern == fact_id
    regex = re.escape(pattern).replace(r"\*", r"[^.]+")
    return re.fullmatch(regex, fact_id) is not None


def _same_kind(q: Quantity, fv: _FactValue) -> bool:
    return not q.base_unit or _unit_key(q.base_unit) == fv.base_unit


def _equal(q: Quantity, fv: _FactValue) -> bool:
    """Return whether a quantity states this fact value, within the precision it is written with."""
    if not _same_kind(q, fv):
        return False
    if q.step:
        return _same_parts(q, fv.base_value)
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


def _same_parts(q: Quantity, base: float) -> bool:
    """Return whether a share written in parts (三分之二, 三成, 千分之五) states base, a percentage.

    Such a share is a rounded figure: it states what lies within half a part of it and within half a
    percentage point (三分之二: 66.17%–67.16%; 三成: 29.5%–30.5%), or with 约, 近, 以上 … within five
    points (约七成: 65%–75%). A whole percentage would be held exactly; a share cannot be.
    """
    limit = 5.0 if q.qualifier in APPROXIMATE else 0.5
    return abs(base - q.base_value) < min(q.step / 2, limit)


# ---------------------------------------------------------------- checking a text

def check_text(text: str, table: FactTable, matcher: Matcher | None = None) -> CheckResult:
    """Return every number of the text with its status, and the number and claim findings."""
    matcher = matcher or Matcher(table)
    numbers, findings = [], []
    names = matcher.name_spans(text)
    quantities = read_quantities(text)
    cues = matcher.read(text, quantities)
    for q in quantities:
        if q.is_claim and any(a <= q.start and q.end <= b for a, b in names):
            q = replace(q, ignored="name")
        number, finding = _check_quantity(cues, q, matcher)
        numbers.append(number)
        if finding:
            findings.append(finding)
    findings += _miscomputed(text, numbers, table)
    findings += check_claims(text, table)
    return CheckResult(tuple(numbers), tuple(sorted(findings, key=lambda f: (f.start or 0))))


def check_report(text: str, table: FactTable, figures: list[Finding] | None = None) -> CheckResult:
    """Return the check of a report text plus the diagnostics of its figures (computed unless the
    caller already has them, as the drafter does) and of its sections."""
    result = check_text(text, table)
    figures = diagnose(table) if figures is None else figures
    in_text = sorted(result.findings + tuple(diagnose_text(text, table, figures)), key=lambda f: f.start or 0)
    return CheckResult(result.numbers, tuple(figures) + tuple(in_text))


def _check_quantity(cues: TextCues, q: Quantity, m: Matcher) -> tuple[CheckedNumber, Finding | None]:
    if not q.is_claim:
        return CheckedNumber(q, "ignored"), None
    matches = m.matches(q)
    claimed = m.claimed(cues, q)
    if claimed:
        chosen = [f for f in matches if f.id in claimed]
        if chosen:
            return _found(q, chosen), None
        expected = min((f for f in m.table if f.id in claimed), key=_preference)
        finding = Finding("contradicted_number", f"{expected.label}应为 {expected.display}，文中为 {q.text}",
                          expected.id, (expected.id,), start=q.start, end=q.end, text=q.text,
                          expected=expected.display)
        return CheckedNumber(q, "contradicted", expected.id), finding
    if matches:
        return _found(q, matches), None
    finding = Finding("unsupported_number", f"事实表中没有与「{q.text}」相符的数字", start=q.start, end=q.end,
                      text=q.text)
    return CheckedNumber(q, "unsupported"), finding


def _preference(fact: Fact) -> int:
    """Rank facts a number may state: the chosen rate, then inputs, then derived, and last what the
    unit itself reported (evaluation.*), which is checked, never trusted."""
    reported = fact.id.startswith("evaluation.")
    return 0 if fact.chosen else 1 + reported * 2 + fact.derived


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
        if len(money) < 2:
            continue
        for n in inside:
            q = n.quantity
            if q.base_unit != "%" or n.status in ("supported", "derived"):
                continue
            if not re.search(r"执行率|支出率|到位率", text[sentence:q.start]):
                continue
            ratios = [a.base_value / b.base_value * 100 for a in money for b in money if a is not b and b.base_value]
            if not any(_rate_reads_as(q, r) for r in ratios):
                out.append(Finding("miscomputed", f"{q.text}与同句所列金额算不出（{'、'.join(x.text for x in money)}）",
                                   start=q.start, end=q.end, text=q.text))
    return out


def _rate_reads_as(q: Quantity, rate: float) -> bool:
    """Return whether a rate in percent, rounded as the text writes this percentage, gives it."""
    return _same_parts(q, rate) if q.step else format_number(rate, q.decimals) == format_number(q.value, q.decimals)


def _by_sentence(text: str, numbers: list[CheckedNumber]) -> list[tuple[int, list[CheckedNumber]]]:
    """Return the numbers grouped by the sentence they stand in, with each sentence's start."""
    groups: dict[int, list[CheckedNumber]] = {}
    bounds = [m.end() for m in _SENTENCE_END.finditer(text)]
    for n in numbers:
        groups.setdefault(TextCues.bound_before(bounds, n.quantity.start), []).append(n)
    return list(groups.items())


def check_claims(text: str, table: FactTable) -> list[Finding]:
    """Return verdict words (已完成, 超额完成, 未完成, 全部完成 …) that the figures contradict."""
    rows = table.sheet.indicators
    names = sorted(((r.indicator.name, r) for r in rows), key=lambda x: -len(x[0]))
    missed = [r for r in rows if r.missed or r.pending]
    low = float(table[table.rate_id].value) < table.scheme.thresholds.execution_rate
    quoted = _quoted_spans(text, table)
    out = []
    for m in VERDICTS.finditer(text):
        if any(a <= m.start() and m.end() <= b for a, b in quoted):
            continue  # the unit's own words (尚未完成安装验收), quoted from the figures: not a verdict
        word, line_start = m.group(), text.rfind("\n", 0, m.start()) + 1
        before = text[line_start:m.start()]
        if word in SWEEPING_NEGATIVE:
            met = [r for r in rows if r.verdict in ("已完成", "超额完成")]
            if met:
                message = f"文中称「{word}」，但指标「{met[0].indicator.name}」{met[0].verdict}"
                out.append(_claim(m, message, met[0], table))
            continue
        if word in SWEEPING:
            if (missed or low) and not re.search(r"[未不没]|尚|并非", before[-4:]):
                why = f"指标「{missed[0].indicator.name}」{missed[0].verdict}" if missed else \
                    f"预算执行率仅 {table[table.rate_id].display}"
                out.append(_claim(m, f"文中称「{word}」，但{why}", missed[0] if missed else None, table))
            continue
        if re.search(r"(?:无法|不能|难以|不可能|不会)$", before):
            continue  # 无法超额完成: a verdict denied is no claim
        if re.search(r"[0-9零〇一二两三四五六七八九十]+\s*[项个]$", before):
            continue  # 两项部分完成: a count of indicators, checked as a number
        row = _named_before(before, names)
        if row is not None and word not in ALLOWED[row.verdict]:
            message = f"指标「{row.indicator.name}」实际为「{row.verdict}」，文中写作「{word}」"
            out.append(_claim(m, message, row, table))
    return out


def _quoted_spans(text: str, table: FactTable) -> list[tuple[int, int]]:
    """Return where the figures' own free text (evidence, reasons, overview …) stands in the text."""
    fig = table.figures
    texts = [fig.project.overview, fig.project.goal, fig.process, fig.problems, fig.funds.deviation_reason]
    texts += [t for i in fig.indicators for t in (i.evidence, i.deviation_reason, i.target, i.actual)
              if isinstance(t, str)]
    pieces = {p.strip() for t in texts for p in re.split(r"[。；;\n]", t) if len(p.strip()) >= 4}
    return [(m.start(), m.end()) for p in pieces for m in re.finditer(re.escape(p), text)]


def _named_before(before: str, names: list[tuple[str, Any]]) -> Any:
    """Return the indicator whose name appears last before a verdict word on its line, if any.

    People shorten names (管网更新改造 for 更新改造供水管网): when no name appears whole, the one
    sharing the most two-character words with the sentence wins, if it shares at least three and no
    other indicator shares as many.
    """
    best, best_at = None, -1
    for name, row in names:
        at = before.rfind(name)
        if at > best_at:
            best, best_at = row, at
    if best is not None:
        return best
    sentence = _bigrams(re.split(r"[。；！？]", before)[-1])
    shared = sorted(((len(_bigrams(name) & sentence), row) for name, row in names), key=lambda x: -x[0])
    if shared and shared[0][0] >= 3 and (len(shared) == 1 or shared[1][0] < shared[0][0]):
        return shared[0][1]
    return None


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1) if _CJK.fullmatch(text[i:i + 2])}


def _claim(m: re.Match[str], message: str, row: Any, table: FactTable) -> Finding:
    fact = f"ind.{row.indicator.id}.actual" if row is not None else table.rate_id
    expected = row.verdict if row is not None else ""
    return Finding("claim_contradiction", message, fact, (fact,), row.indicator.id if row else "",
                   start=m.start(), end=m.end(), text=m.group(), expected=expected)
