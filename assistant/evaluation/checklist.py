"""What a 财政局 reviewer checks in any draft, however it was written: the report's parts found by
their headings, no fault of the figures file published as a problem of the project, no stock
sentence repeated across many cases, no figure that cannot be (a score above its maximum).

tests/test_reviewer_checklist.py holds the same checks over every case's template draft."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from assistant.check import CheckResult
from assistant.findings import AUDIENCE
from assistant.sections import SECTIONS
from assistant.text import MD_HEADING, clean_heading, without_heading_number

# Words that only a fault of the figures file (for its author) would put in a text.
AUTHOR_WORDS = ("自评表填报", "分项与合计", "分值合计不等于", "报表内部数据", "照抄", "填报不规范", "口径需要说明")
# Stock sentences no figure supports (DOMAIN.md): a draft states a cause only when the figures give it.
STOCK_PHRASES = ("严格执行财务管理", "预算编制对实际支出需求估计不足", "目标设置偏保守", "可衡量、可考核",
                 "集中检查", "指标偏少", "预算结余")
APPENDIX = re.compile(r"^(?:#+\s*)?附[：:]", re.M)
# The outline's titles, and the other names reports give the parts the checklist reads.
_TITLES = {without_heading_number(s.title): s.id for s in SECTIONS} | {
    "存在问题": "lessons.problems", "存在的主要问题": "lessons.problems", "主要问题": "lessons.problems",
    "改进措施": "improvements", "改进建议": "improvements", "下一步改进措施": "improvements",
    "下一步工作计划和改进措施": "improvements", "主要经验及做法": "lessons.experience"}
_OUTLINE_LABEL = re.compile(r"^(?:\d+\.|（\d+）)\s*[^。，]{2,12}。")
_COVER_FIELD = re.compile(r"^\S{2,6}：[^。]*$")


def narrative(text: str) -> str:
    """Return a report's text without the 自评表 appendix."""
    m = APPENDIX.search(text)
    return text[: m.start()] if m else text


def heading_of(line: str) -> str | None:
    """Return the id of the outline section a line is the heading of, or None."""
    m = MD_HEADING.match(line.strip())
    title = clean_heading(m.group(2) if m else line)
    return _TITLES.get(without_heading_number(title).strip()) if len(title) <= 40 else None


def split_sections(text: str) -> dict[str, str]:
    """Return the body text under each outline heading found in a report (headings found by title)."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in narrative(text).splitlines():
        section = heading_of(line)
        if section is not None:
            current = out.setdefault(section, [])
        elif current is not None and line.strip():
            current.append(line.strip())
    return {k: "\n".join(v) for k, v in out.items()}


def sentences(text: str) -> set[str]:
    """Return the report's sentences, digits masked, headings, cover fields and the table left out. A
    【待补充】 mark standing alone is an instruction to whoever completes the draft, not a sentence of it."""
    lines = [_OUTLINE_LABEL.sub("", line) for line in narrative(text).splitlines()
             if line and not line.startswith("#") and heading_of(line) is None and not _COVER_FIELD.match(line)]
    parts = re.split(r"(?<=[。；！？])|\n", "\n".join(lines))
    return {re.sub(r"\d+(?:\.\d+)?", "N", re.sub(r"^\s*(?:\d+\.|（\d+）)\s*", "", p)).strip() for p in parts
            if len(p.strip()) > 8 and not re.fullmatch(r"【待补充：[^】]*】。?", p.strip())}


def common_sentences(texts: Iterable[str], share: float = 1 / 3) -> set[str]:
    """Return the sentences found in more than `share` of the texts."""
    bags = [sentences(t) for t in texts]
    counts = Counter(s for bag in bags for s in bag)
    return {s for s, n in counts.items() if n > len(bags) * share}


def author_faults(problems: str, improvements: str, codes: Iterable[str] = ()) -> int:
    """Return how many faults of the figures file a draft publishes as the project's problems: author
    words in 存在的问题/改进意见, plus author finding codes the sections record (drafts made here)."""
    text = problems + improvements
    return sum(w in text for w in AUTHOR_WORDS) + sum(AUDIENCE.get(c) == "author" for c in codes)


def stock_phrases(text: str) -> int:
    """Return how many stock sentences no figure supports (严格执行财务管理制度 …) the narrative holds."""
    return sum(p in narrative(text) for p in STOCK_PHRASES)


def impossible_figures(text: str, check: CheckResult, maximum: float) -> int:
    """Return how many figures of the narrative cannot be: a score above the scheme's maximum, or a
    negative amount of money."""
    end = len(narrative(text))
    scores = [n for n in check.numbers if n.quantity.start < end and n.status != "ignored"
              and n.quantity.unit == "分" and n.quantity.value > maximum + 1e-9]
    negative = [n for n in check.numbers if n.quantity.start < end and n.quantity.base_unit == "元"
                and n.quantity.value < 0]
    return len(scores) + len(negative)
