"""Mutation benchmark for the checker: faithful texts, mutated ones, equivalent rewrites, a naive baseline.

Faithful texts are the template drafts of every example case plus the hand-written reports in
eval/handwritten/ (front matter names their figures file). Each mutation changes one claim; it is
caught when an error finding covers its span. Equivalent rewrites must raise nothing new.

Run: python eval/mutations.py [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cn2an
import yaml

from assistant.check import check_text
from assistant.draft import draft_report
from assistant.facts import FactTable, build_facts, format_number
from assistant.figures import read_figures
from assistant.matching import Matcher
from assistant.numbers import Quantity, read_quantities
from assistant.report import to_markdown

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "eval" / "cases"
HANDWRITTEN = ROOT / "eval" / "handwritten"
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


def faithful_texts() -> list[Text]:
    """Return the template drafts of every case and the hand-written reports."""
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        report = draft_report(read_figures(path))
        out.append(Text(f"draft:{path.stem}", to_markdown(report).split("## 附：")[0], report.facts))
    for path in sorted(HANDWRITTEN.glob("*.md")):
        raw = path.read_text("utf-8")
        _, front, body = raw.split("---", 2)
        figures = ROOT / yaml.safe_load(front)["figures"]
        out.append(Text(f"hand:{path.stem}", body.lstrip("\n"), build_facts(read_figures(figures))))
    return out


def claims(t: Text) -> list[Quantity]:
    """Return the quantities the checker accepts as stating a fact (the ones worth mutating)."""
    result = check_text(t.text, t.table)
    return [n.quantity for n in result.numbers if n.status in ("supported", "derived")]


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


PER_QUANTITY: list[Callable[[Text, Quantity, random.Random], Iterator[Mutant]]] = [
    digit_change, digit_transposition, unit_scale, percentage_change, chinese_numeral_change, rounding]


def mutants(t: Text, rng: random.Random) -> list[Mutant]:
    """Return every mutant of a faithful text that changes what it claims (not what is still a fact)."""
    quantities = claims(t)
    matcher = Matcher(t.table)
    out: list[Mutant] = []
    for q in quantities:
        for kind in PER_QUANTITY:
            out += [m for m in kind(t, q, rng) if not _still_a_fact(m, matcher)]
    out += list(swap(t, quantities, rng))
    out += list(verdict_flip(t))
    return out


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


def run(seed: int = 11) -> dict[str, object]:
    """Return the benchmark's figures: recall per kind and false alarms, ours and the baseline's."""
    rng = random.Random(seed)
    texts = faithful_texts()
    kinds: dict[str, list[tuple[bool, bool]]] = {}
    for t in texts:
        for m in mutants(t, rng):
            kinds.setdefault(m.kind, []).append((caught_by_checker(m, t.table), caught_by_baseline(m, t.table)))
    clean = [(check_text(t.text, t.table).errors > 0, bool(baseline_flags(t.text, t.table))) for t in texts]
    equiv: dict[str, list[tuple[bool, bool]]] = {}
    for t in texts:
        before = check_text(t.text, t.table).errors
        base_before = len(baseline_flags(t.text, t.table))
        for e in equivalents(t):
            equiv.setdefault(e.kind, []).append((check_text(e.text, t.table).errors > before,
                                                 len(baseline_flags(e.text, t.table)) > base_before))
    return {"texts": len(texts), "kinds": kinds, "clean": clean, "equivalents": equiv}


def speed() -> dict[str, float]:
    """Return checking speed: a 10,000-character report in-process, and the command on the sample report."""
    path = CASES / "sample-2024.yaml"
    report = draft_report(read_figures(path))
    text = to_markdown(report)
    text = (text * (10000 // len(text) + 1))[:10000]
    check_text(text, report.facts)
    times = []
    for _ in range(30):
        start = time.perf_counter()
        check_text(text, report.facts)
        times.append((time.perf_counter() - start) * 1000)
    sample = ROOT.parent / "shared/reference/sample-report-2024.md"
    walls = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "check", str(sample), "--figures", str(path), "--json"],
                       capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
    return {"in_process_ms": statistics.median(times), "command_s": statistics.median(walls)}


def _pct(pairs: list[tuple[bool, bool]], i: int) -> str:
    return f"{100 * sum(p[i] for p in pairs) / len(pairs):.1f}%" if pairs else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run()
    timing = speed()
    if args.json:
        print(json.dumps({**figures, **timing}, ensure_ascii=False))
        return
    print(f"faithful texts: {figures['texts']}")
    print(f"{'mutation kind':28} {'n':>5} {'ours':>8} {'baseline':>9}")
    for kind, pairs in figures["kinds"].items():  # type: ignore[union-attr]
        print(f"{kind:28} {len(pairs):5d} {_pct(pairs, 0):>8} {_pct(pairs, 1):>9}")
    clean = figures["clean"]
    print(f"{'false alarms, clean texts':28} {len(clean):5d} {_pct(clean, 0):>8} {_pct(clean, 1):>9}")  # type: ignore[arg-type]
    for kind, pairs in figures["equivalents"].items():  # type: ignore[union-attr]
        print(f"{'false alarms, ' + kind:28} {len(pairs):5d} {_pct(pairs, 0):>8} {_pct(pairs, 1):>9}")
    print(f"check a 10,000-character report in-process: median {timing['in_process_ms']:.1f} ms (goal ≤ 20 ms)")
    print(f"`assistant check` on the sample report, whole process: median {timing['command_s']:.2f} s (goal ≤ 1.5 s)")


if __name__ == "__main__":
    main()
