"""The report text's parts that must answer the figures' findings: a 存在问题 or 改进意见 part that is
empty or says 无 while the figures have errors or warnings (missing_improvements)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.facts import FactTable
from assistant.findings import Finding
from assistant.text import heading_number

PART_WORDS = ("存在的问题", "存在问题", "改进意见", "改进措施")
# What a part holds when it says nothing: "无", "暂无", a dash, or nothing at all.
_SAYS_NOTHING = re.compile(r"(无|暂无|没有|无问题|不存在问题|无改进意见|/|／|-|—+)?")
_NOISE = re.compile(r"[\s。．.；;：:，,*_|>#]")


@dataclass(frozen=True)
class _Heading:
    line: int
    start: int
    end: int  # end of the heading line
    level: int
    title: str
    inline: str  # text after "：" on the heading line ("存在问题：无")


@dataclass(frozen=True)
class _Part:
    title: str
    start: int
    end: int
    body: str


def diagnose_text(text: str, table: FactTable, findings: list[Finding]) -> list[Finding]:
    """Return missing_improvements for each 存在问题 / 改进意见 part of the text that is empty or "无"
    while the figures have error or warning findings.

    Only findings about the figures count (those without a span in the text): a wrong number in the
    text is the text's fault, not a problem of the project for 存在问题 to discuss. A text without
    such headings (an excerpt) raises nothing. `table` is part of the contract for text rules that
    need facts; this one needs only the findings.
    """
    serious = [f for f in findings if f.severity in ("error", "warning") and f.start is None
               and f.code != "missing_improvements"]
    if not serious:
        return []
    facts = tuple(dict.fromkeys(f.fact for f in serious if f.fact))
    return [Finding("missing_improvements", _missing_message(part, serious), facts=facts, start=part.start,
                    end=part.end, text=text[part.start:part.end])
            for part in _parts(text) if _SAYS_NOTHING.fullmatch(_NOISE.sub("", part.body))]


def _missing_message(part: _Part, serious: list[Finding]) -> str:
    words = _NOISE.sub("", part.body)
    said = f"只写了「{words}」" if words else "没有内容"
    needs = [w for k, w in (("问题", "逐项写明存在的问题"), ("改进", "针对每项问题提出改进措施")) if k in part.title]
    return (f"「{part.title}」{said}，但数据诊断发现 {len(serious)} 项须说明的问题（如：{serious[0].message}）；"
            f"应{'并'.join(needs)}")


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _heading(n: int, start: int, line: str) -> _Heading | None:
    """Return the line as a heading (Markdown #, a heading number, or a part word first), or None."""
    stripped = line.strip()
    marks = re.match(r"#{1,6}", stripped)
    rest = stripped[marks.end():].strip() if marks else stripped
    number = heading_number(rest)
    level = number.level if number else None
    if not marks and level is None and not rest.startswith(PART_WORDS):
        return None
    colon = re.search(r"[：:]", rest)
    title, inline = (rest[:colon.start()], rest[colon.end():]) if colon else (rest, "")
    if not marks and ("。" in title or len(title) > 40):
        return None  # a numbered sentence ("1. 资金管理情况。……"), not a heading
    # an unnumbered "存在问题：" sits below every heading
    depth = len(marks.group()) if marks else 9 if level is None else level
    return _Heading(n, start, start + len(line), depth, title.strip(), inline.strip())


def _parts(text: str) -> list[_Part]:
    """Return each 存在问题 / 改进意见 part: its heading and the text it holds."""
    lines = _lines(text)
    heads = [h for n, (start, line) in enumerate(lines) if (h := _heading(n, start, line))]
    out = [p for start, line in lines if (p := _table_part(start, line))]
    for k, h in enumerate(heads):
        if not any(w in h.title for w in PART_WORDS):
            continue
        later = heads[k + 1:]
        stop = next((g.line for g in later if g.level <= h.level), len(lines))
        children = [g for g in later if g.line < stop]
        own_end = later[0].line if later else len(lines)
        body = "\n".join([h.inline] + [line for _, line in lines[h.line + 1:own_end]])
        if not body.strip() and children:
            if any(any(w in g.title for w in PART_WORDS) for g in children):
                continue  # a heading over sub-parts (五、……存在的问题和……): the sub-part answers
            body, own_end = "\n".join(line for _, line in lines[h.line + 1:stop]), stop
        end = lines[own_end][0] if own_end < len(lines) else len(text)
        out.append(_Part(h.title, h.start, max(h.end, _rstrip_end(text, end)), body))
    return sorted(out, key=lambda p: p.start)


def _rstrip_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _table_part(start: int, line: str) -> _Part | None:
    """Return a table row whose first cell names a part ("| 存在问题及改进措施 | 无 |"), or None."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.strip().startswith("|") else []
    if len(cells) < 2 or not any(w in cells[0] for w in PART_WORDS):
        return None
    return _Part(cells[0], start, start + len(line.rstrip()), " ".join(cells[1:]))
