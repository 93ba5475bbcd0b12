"""The checker's mutation benchmark, its machinery: mutants of a faithful text (each changes one claim),
equivalent rewrites (each states the same facts), and whether the checker or a naive guard flags them.

A mutant is caught when an error finding covers its span; an equivalent rewrite must raise nothing new.
`assistant.evaluation.benchmarks.run_mutations` runs it over the cases and the hand-written reports.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cn2an

from assistant.check import CheckedNumber, check_text
from assistant.facts import Fact, FactTable, format_number
from assistant.matching import Matcher
from assistant.numbers import Quantity, read_quantities

MONEY_UNITS = ("亿元", "万元", "元")


@dataclass(frozen=True)
class Text:
    name: str
    text: str
    table: FactTable


@dataclass(frozen=True)
class Mutant:
    kind: str
    text: str
    spans: tuple[tuple[int, int], ...]  # where the change is, in the mutated text


def claims(t: Text) -> list[Quantity]:
    """Return the quantities the checker accepts as stating a fact (the ones worth mutating)."""
    return [n.quantity for n in tied(t)]


def tied(t: Text) -> list[CheckedNumber]:
    """Return the numbers the checker accepts as stating a fact, each with that fact."""
    result = check_text(t.text, t.table)
    return [n for n in result.numbers if n.status in ("supported", "derived")]


def replace_span(kind: str, text: str, start: int, end: int, new: str) -> Mutant:
    """Return the text with [start, end) replaced by new, as a mutant of this kind."""
    return Mutant(kind, text[:start] + new + text[end:], ((start, start + len(new)),))


# ---------------------------------------------------------------- mutation kinds

_DIGITS = re.compile(r"\d")


def digit_change(t: Text, q: Quantity, rng: random.Random) -> Iterator[Mutant]:
    positions = [m.start() for m in _DIGITS.finditer(q.text)]
    if positions:
        p = rng.choice(positions)
        new = q.text[:p] + str((int(q.text[p]) + rng.randint(1, 9)) % 10) + q.text[p + 1:]
        yield replace_span("digit change", t.text, q.start, q.end, new)


def digit_transposition(t: Text, q: Quantity, rng: random.Random) -> Iterator[Mutant]:
    digits = [m.start() for m in _DIGITS.finditer(q.text)]
    pairs = [(a, b) for a, b in zip(digits, digits[1:], strict=False) if b == a + 1 and q.text[a] != q.text[b]]
    if pairs:
        a, b = rng.choice(pairs)
        new = q.text[:a] + q.text[b] + q.text[a] + q.text[b + 1:]
        yield replace_span("digit transposition", t.text, q.start, q.end, new)


def unit_scale(t: Text, q: Quantity, rng: random.Random) -> Iterator[Mutant]:
    unit = next((u for u in MONEY_UNITS if q.text.endswith(u)), None)
    if unit:
        other = rng.choice([u for u in MONEY_UNITS if u != unit])
        yield replace_span("unit scale", t.text, q.start, q.end, q.text[: -len(unit)] + other)


def percentage_change(t: Text, q: Quantity, rng: random.Random) -> Iterator[Mutant]:
    if q.base_unit == "%" and _DIGITS.search(q.text):
        step = rng.choice([-5, -1, 1, 5]) * (10 ** -q.decimals if q.decimals else 1)
        number = re.search(r"\d+(?:\.\d+)?", q.text)
        assert number
        new_value = format_number(float(number.group()) + step, q.decimals)
        new = q.text[: number.start()] + new_value + q.text[number.end():]
        yield replace_span("percentage change", t.text, q.start, q.end, new)


_CN = "一二三四五六七八九"


def chinese_numeral_change(t: Text, q: Quantity, rng: random.Random) -> Iterator[Mutant]:
    positions = [i for i, c in enumerate(q.text) if c in _CN]
    if positions and not _DIGITS.search(q.text):
        p = rng.choice(positions)
        new_char = rng.choice([c for c in _CN if c != q.text[p]])
        yield replace_span("Chinese-numeral change", t.text, q.start, q.end, q.text[:p] + new_char + q.text[p + 1:])


def rounding(t: Text, q: Quantity, rng: random.Random) -> Iterator[Mutant]:
    """Round beyond the written precision: 99.84% → 100%, 138.78万元 → 139万元, 3021座 → 3000座."""
    number = re.search(r"\d+(?:\.\d+)?", q.text)
    if not number or q.qualifier:
        return
    value = float(number.group())
    if q.decimals:
        rounded = format_number(value, 0)
    else:
        magnitude = 10 if value >= 20 else 0
        if not magnitude:
            return
        rounded = format_number(round(value / magnitude) * magnitude, 0)
    if float(rounded) != value:
        new = q.text[: number.start()] + rounded + q.text[number.end():]
        yield replace_span("rounding beyond precision", t.text, q.start, q.end, new)


def swap(t: Text, quantities: list[Quantity], rng: random.Random) -> Iterator[Mutant]:
    """Swap two values of the same unit within one paragraph (预算 ↔ 支出)."""
    by_paragraph: dict[int, list[Quantity]] = {}
    for q in quantities:
        by_paragraph.setdefault(t.text.rfind("\n", 0, q.start), []).append(q)
    for group in by_paragraph.values():
        pairs = [(a, b) for i, a in enumerate(group) for b in group[i + 1:]
                 if a.base_unit == b.base_unit and a.base_value != b.base_value and a.base_unit]
        if pairs:
            a, b = rng.choice(pairs)
            text = t.text[: a.start] + b.text + t.text[a.end: b.start] + a.text + t.text[b.end:]
            shift = len(b.text) - len(a.text)
            yield Mutant("values swapped", text, ((a.start, a.start + len(b.text)),
                                                  (b.start + shift, b.start + shift + len(a.text))))


_FLIPS = {"超额完成": "未完成", "已完成": "未完成", "未完成": "已完成", "部分完成": "超额完成"}


def verdict_flip(t: Text) -> Iterator[Mutant]:
    for m in re.finditer("|".join(_FLIPS), t.text):
        if re.search(r"(?:无法|不能|难以)$", t.text[: m.start()]) or t.text[m.end(): m.end() + 1] == "的":
            continue  # a denied verdict (无法超额完成) or an attribute (未完成的任务) states no verdict
        new = _FLIPS[m.group()]
        yield replace_span("verdict flip", t.text, m.start(), m.end(), new)


# ---------------------------------------------------------------- mutations a coincidence could hide (issue 13)

# Facts that state one thing in several ways (a rate on each basis, the budget before and after adjustment):
# a value moved between them may still be true, so they count as one owner.
_OWNERS = (("rate.", "rate"), ("evaluation.execution_rate", "rate"), ("funds.budget", "budget"),
           ("breakdown.sum_budget", "budget"), ("funds.spent", "spent"), ("breakdown.sum_spent", "spent"),
           ("balance.", "balance"), ("score.total", "score"), ("evaluation.score", "score"))
_OWNED = re.compile(r"ind\.[^.]+|breakdown\[\d+\]|fact\.\d+|group\.\d+|scheme|count")
_BOUND_WORDS = ("≥", "≤", ">", "<", "不少于", "不低于", "不超过", "不高于", "至少")


def owner(fact_id: str) -> str:
    """Return whose fact this is (ind.reviews, fact.3, breakdown[1], rate …): values moved within one owner
    may still be true, so the mutations below move values between owners only."""
    for prefix, name in _OWNERS:
        if fact_id.startswith(prefix):
            return name
    m = _OWNED.match(fact_id)
    return m.group() if m else fact_id


def _unit(unit: str) -> str:
    return re.sub(r"[（）()]", "", unit)


def _with_value(q: Quantity, number: str) -> str | None:
    """Return the quantity's text with its Arabic number replaced, or None when it has none."""
    m = _ARABIC_GROUPED.search(q.text)
    return q.text[: m.start()] + number + q.text[m.end():] if m else None


_ARABIC_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def _other_values(t: Text, n: CheckedNumber) -> list[Fact]:
    """Return facts of other owners written in this number's unit, whose value no fact of its owner has."""
    own = owner(n.fact)
    taken = {f.number for f in t.table if owner(f.id) == own}
    out, seen = [], set()
    for f in t.table:
        if (isinstance(f.value, str) or owner(f.id) == own or _unit(f.unit) != _unit(n.quantity.unit)
                or f.number in taken or f.number in seen):
            continue
        seen.add(f.number)
        out.append(f)
    return out


def _states_its_fact(m: Mutant, fact: str, matcher: Matcher) -> bool:
    """Return whether the changed number still states the fact it replaced (then it is no mutation)."""
    start, end = m.spans[-1]
    new = [q for q in read_quantities(m.text) if q.start <= start < q.end or start <= q.start < end]
    return any(fact in {f.id for f in matcher.matches(q)} for q in new if q.is_claim)


def coincidence(t: Text, n: CheckedNumber, rng: random.Random) -> Iterator[Mutant]:
    """Replace a value by another fact's value of the same unit (新增优质中小企业54家 → 30家)."""
    others = _other_values(t, n)
    new = _with_value(n.quantity, rng.choice(others).number) if others else None
    if new:
        yield replace_span("coincidence", t.text, n.quantity.start, n.quantity.end, new)


def _name_of(t: Text, fact_id: str) -> str:
    """Return the name an indicator or a result fact goes by in the figures, or ""."""
    fig = t.table.figures
    if m := re.fullmatch(r"fact\.(\d+)", fact_id):
        return fig.facts[int(m.group(1)) - 1].name
    if m := re.match(r"ind\.([^.]+)\.", fact_id):
        return next((i.name for i in fig.indicators if i.id == m.group(1)), "")
    return ""


_SENTENCE = re.compile(r"[。；！？\n]")


def _shortened_name(t: Text, n: CheckedNumber, rng: random.Random,
                    front: bool = False) -> tuple[int, str, str] | None:
    """Return where the number's own name stands in its sentence, the name, and a shorter way of saying it
    (two characters dropped at one end, or with `front` at the start only, as people drop a verb:
    新增优质中小企业 → 优质中小企业), or None."""
    name = _name_of(t, n.fact)
    q = n.quantity
    if len(name) < (6 if front else 5):
        return None
    start = max((m.end() for m in _SENTENCE.finditer(t.text, 0, q.start)), default=0)
    end = next((m.start() for m in _SENTENCE.finditer(t.text, q.end)), len(t.text))
    at = t.text.find(name, start, end)
    if at < 0 or at < q.end and q.start < at + len(name):
        return None
    short = name[2:] if front else rng.choice([name[2:], name[:-2]])
    others = [o for o in _owner_names(t) if o != name]
    if not re.search(r"[\u4e00-\u9fff]{3}", short) or any(short in o for o in others):
        return None  # too short to name anything, or the start of another name too (项目覆盖乡镇/行政村)
    return at, name, short


def _owner_names(t: Text) -> list[str]:
    fig = t.table.figures
    return [i.name for i in fig.indicators] + [x.name for x in fig.facts] + [r.name for r in fig.funds.breakdown]


def name_shortened(t: Text, n: CheckedNumber, rng: random.Random) -> Iterator[Mutant]:
    """Say a fact's name shorter and put another fact's value of the same unit beside it."""
    found, others = _shortened_name(t, n, rng), _other_values(t, n)
    new = _with_value(n.quantity, rng.choice(others).number) if others else None
    if found and new:
        at, name, short = found
        q = n.quantity
        if at < q.start:
            shift = len(short) - len(name)
            text = t.text[:at] + short + t.text[at + len(name): q.start] + new + t.text[q.end:]
            span = (q.start + shift, q.start + shift + len(new))
        else:
            text = t.text[: q.start] + new + t.text[q.end: at] + short + t.text[at + len(name):]
            span = (q.start, q.start + len(new))
        yield Mutant("name shortened", text, (span,))


def target_bound(t: Text, n: CheckedNumber, rng: random.Random) -> Iterator[Mutant]:
    """Write the actual value (or, without one, another value) as a target's bound: 不少于5个 → 不少于6个."""
    q = n.quantity
    if not n.fact.endswith(".target") or q.qualifier not in _BOUND_WORDS:
        return
    actual = t.table.get(n.fact.removesuffix(".target") + ".actual")
    if actual is not None and not isinstance(actual.value, str) and actual.number != t.table[n.fact].number:
        number = actual.number
    else:
        others = _other_values(t, n)
        number = rng.choice(others).number if others else ""
    new = _with_value(q, number) if number else None
    if new:
        yield replace_span("target bound changed", t.text, q.start, q.end, new)


def number_moved(t: Text, numbers: list[CheckedNumber], rng: random.Random) -> Iterator[Mutant]:
    """Copy a number into a sentence about another fact of the same unit, in place of that fact's value."""
    sentence = {n.quantity.start: max((m.end() for m in _SENTENCE.finditer(t.text, 0, n.quantity.start)),
                                      default=0) for n in numbers}
    for b in numbers:
        sources = [a for a in numbers if sentence[a.quantity.start] != sentence[b.quantity.start]
                   and owner(a.fact) != owner(b.fact) and _unit(a.quantity.unit) == _unit(b.quantity.unit)
                   and a.quantity.text != b.quantity.text and _DIGITS.search(a.quantity.text)]
        if sources:
            a = rng.choice(sources)
            yield replace_span("number moved", t.text, b.quantity.start, b.quantity.end, a.quantity.text)


PER_TIE: list[Callable[[Text, CheckedNumber, random.Random], Iterator[Mutant]]] = [
    coincidence, name_shortened, target_bound]


PER_QUANTITY: list[Callable[[Text, Quantity, random.Random], Iterator[Mutant]]] = [
    digit_change, digit_transposition, unit_scale, percentage_change, chinese_numeral_change, rounding]


def mutants(t: Text, rng: random.Random) -> list[Mutant]:
    """Return every mutant of a faithful text that changes what it claims (not what is still a fact)."""
    numbers = tied(t)
    quantities = [n.quantity for n in numbers]
    matcher = Matcher(t.table)
    out: list[Mutant] = []
    for q in quantities:
        for kind in PER_QUANTITY:
            out += [m for m in kind(t, q, rng) if not _still_a_fact(m, matcher)]
    out += list(swap(t, quantities, rng))
    out += list(verdict_flip(t))
    owners = {f.id: owner(f.id) for f in t.table}
    for n in numbers:
        for tie_kind in PER_TIE:
            out += [m for m in tie_kind(t, n, rng) if not _states_its_fact(m, n.fact, matcher)]
    by_start = {n.quantity.start: n for n in numbers}
    out += [m for m in number_moved(t, numbers, rng)
            if not _moved_into_its_owner(m, by_start, owners, matcher)]
    return out


def _moved_into_its_owner(m: Mutant, by_start: dict[int, CheckedNumber], owners: dict[str, str],
                          matcher: Matcher) -> bool:
    """Return whether a moved number still states some fact of the owner it replaced (no mutation then)."""
    start, _ = m.spans[0]
    replaced = by_start[start]
    new = [q for q in read_quantities(m.text) if q.start == start and q.is_claim]
    return any(owners[f.id] == owners[replaced.fact] for q in new for f in matcher.matches(q))


def _still_a_fact(m: Mutant, matcher: Matcher) -> bool:
    """Return whether a mutated number happens to equal some fact: that is no longer a mutation."""
    start, end = m.spans[0]
    new = [q for q in read_quantities(m.text) if q.start <= start < q.end or start <= q.start < end]
    return any(matcher.matches(q) for q in new if q.is_claim)


# ---------------------------------------------------------------- equivalent rewrites

def equivalents(t: Text) -> list[Mutant]:
    """Return rewrites that state the same facts: unit conversion, Chinese numerals, separators, 百分之.

    Only numbers written exactly are rewritten: 138.8万元 (a rounding of 138.78) in 元 would become
    1388000元, which claims more precision than the text had and is not equivalent.
    """
    out = []
    matcher = Matcher(t.table)
    for q in claims(t):
        if not any(abs(fv.base_value - q.base_value) < 1e-6 for fv in matcher.values if fv.fact in matcher.matches(q)):
            continue
        for kind, new in _rewrites(q):
            out.append(replace_span(kind, t.text, q.start, q.end, new))
    for n in tied(t):  # the name said shorter, the value kept
        found = _shortened_name(t, n, random.Random(n.quantity.start), front=True)
        if found:
            at, name, short = found
            out.append(replace_span("name shortened", t.text, at, at + len(name), short))
    return out


def _rewrites(q: Quantity) -> Iterator[tuple[str, str]]:
    number = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([^\d,，]*)", q.text)
    if not number:
        return  # already rewritten by a person (separators, Chinese numerals): leave it
    digits, unit = number.groups()
    value = float(digits)
    if unit == "万元":
        yield "unit conversion", f"{format_number(value * 10000, max(q.decimals - 4, 0))}元"
    if unit == "亿元":
        yield "unit conversion", f"{format_number(value * 10000, max(q.decimals - 4, 0))}万元"
    chinese = cn2an.an2cn(str(int(value))) + unit
    if q.decimals == 0 and 0 < value < 100000 and unit not in ("%",) and chinese != "十分":
        yield "Chinese numerals", chinese  # 十分 reads as "very", and no one writes ten points so
    if q.decimals == 0 and value >= 1000 and "." not in digits:
        yield "separators", f"{int(value):,}{unit}"
    if unit == "%":
        yield "百分之", "百分之" + cn2an.an2cn(digits)


# ---------------------------------------------------------------- scoring

def caught_by_checker(m: Mutant, table: FactTable) -> bool:
    """Return whether an error finding covers the change, or the count it qualifies (两项|超额完成)."""
    findings = check_text(m.text, table).findings
    return any(f.severity == "error" and f.start is not None and f.end is not None
               and any(f.start < e and s - 1 <= f.end for s, e in m.spans) for f in findings)


_ARABIC = re.compile(r"\d+(?:\.\d+)?")


def baseline_flags(text: str, table: FactTable) -> list[tuple[int, int]]:
    """Return the spans a naive guard flags: Arabic numbers whose string is not a fact's value string."""
    allowed = {f.number for f in table if not isinstance(f.value, str)}
    return [(m.start(), m.end()) for m in _ARABIC.finditer(text) if m.group() not in allowed]


def caught_by_baseline(m: Mutant, table: FactTable) -> bool:
    return any(s < e2 and s2 < e for s, e in baseline_flags(m.text, table) for s2, e2 in m.spans)

