"""What a report's paragraphs state that its 自评表 may lack: the funds chain (年初预算, 全年预算数, 到位,
支出) and the cover's 项目名称, 实施单位 and 评价年度.

An amount is taken for a field only when the nearest funds word before it, in its own clause, names
that field, and no other word about money (结余, 未到位, 其中 …) stands between them. A field the
narrative states with two different amounts is not taken at all: it is listed as unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.extract_doc import Paragraph
from assistant.numbers import read_quantities
from assistant.table_words import label_of, year_in

# The nearest of these before an amount names its field; longer words first, so 年初预算 is not 预算.
FUNDS_CUES: tuple[tuple[str, str], ...] = (
    ("年初预算", "budget_initial"), ("年初批复", "budget_initial"), ("年初安排", "budget_initial"),
    ("调整后预算", "budget_adjusted"), ("全年预算", "budget_adjusted"), ("调整后", "budget_adjusted"),
    ("预算调整为", "budget_adjusted"),
    ("实际到位", "allocated"), ("到位资金", "allocated"), ("资金到位", "allocated"), ("到位", "allocated"),
    ("实际拨付", "allocated"), ("拨付", "allocated"),
    ("全年执行数", "spent"), ("实际支出", "spent"), ("执行数", "spent"), ("支出", "spent"), ("执行", "spent"),
)
# Words about another amount: between a cue and the number they mean the number is not the cue's field.
_OTHER_MONEY = ("结余", "余额", "结转", "未到位", "未支出", "未执行", "差额", "相差", "其中", "用于", "调增", "调减",
                "增加", "减少", "超支", "尚有", "还有", "剩余", "占", "比", "较", "未")
_CUE = re.compile("|".join(re.escape(w) for w, _ in sorted(FUNDS_CUES, key=lambda p: -len(p[0]))))
_OTHER = re.compile("|".join(re.escape(w) for w in _OTHER_MONEY))
_CLAUSE_END = re.compile(r"[，,；;。！？!?\n：:（(]")
FUNDS_LABELS = {"budget_initial": "年初预算数", "budget_adjusted": "全年预算数", "allocated": "实际到位数",
                "spent": "全年执行数"}
_SCALE = {"元": 1, "万元": 1e4, "亿元": 1e8}


@dataclass(frozen=True)
class Stated:
    """A value the narrative states: the field, the value in the table's unit, its words and paragraph."""

    path: str
    value: float | int | str
    text: str
    where: str


def narrative_funds(paragraphs: list[Paragraph], unit: str) -> tuple[dict[str, Stated], dict[str, str]]:
    """Return each funds field the paragraphs state with one value (in `unit`), and for each field stated
    with different values (not taken) a plain-Chinese line saying so."""
    seen: dict[str, list[Stated]] = {}
    for p in paragraphs:
        for q in read_quantities(p.text):
            if not q.is_claim or q.base_unit != "元" or not q.base_value > 0:
                continue
            field = _field_before(p.text, q.start, q.end)
            if field:
                value = _in_unit(q.base_value, unit)
                seen.setdefault(field, []).append(Stated(f"funds.{field}", value, q.text, p.where))
    found, unread = {}, {}
    for field, items in seen.items():
        values = {round(float(s.value), 6) for s in items}
        if len(values) == 1:
            found[field] = items[0]
        else:
            listed = "、".join(f"{s.where}「{s.text}」" for s in items[:4])
            unread[field] = f"正文中的{FUNDS_LABELS[field]}有不同的数（{listed}），无法确定，未采用"
    return found, unread


def _field_before(text: str, at: int, end: int) -> str | None:
    """Return the funds field the nearest cue before the amount at `at`–`end`, in its clause, names; None
    if none does, or another money word stands between (结余, 其中 …) or follows in the clause (…未到位)."""
    start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, at)), default=0)
    clause = text[start:at]
    cues = list(_CUE.finditer(clause))
    if not cues:
        return None
    last = cues[-1]
    stop = _CLAUSE_END.search(text, end)
    after = text[end:stop.start() if stop else len(text)]
    if any(o.end() > last.start() for o in _OTHER.finditer(clause)) or _OTHER.search(after):
        return None
    word = last.group()
    return next(f for w, f in FUNDS_CUES if w == word)


def _in_unit(base_value: float, unit: str) -> float | int:
    """Return an amount in 元 converted to the table's unit, without float noise."""
    value = round(base_value / _SCALE.get(unit, 1e4), 6)
    return int(value) if value.is_integer() else value


def narrative_project(paragraphs: list[Paragraph]) -> dict[str, Stated]:
    """Return 项目名称, 实施单位 and 评价年度 as the cover lines state them ("项目名称：…"), the year
    also from the title ("2024年度…自评报告"); only the first lines are read, where a cover stands."""
    found: dict[str, Stated] = {}
    for p in paragraphs[:12]:
        m = re.match(r"([^：:]{2,10})[：:]\s*(\S.*)", p.text)
        path = label_of(m.group(1)) if m else None
        if m and path in ("project.name", "project.unit", "project.year") and path not in found:
            value: str | int | None = m.group(2).strip()
            if path == "project.year":
                value = year_in(m.group(2))
            if value:
                found[path] = Stated(path, value, m.group(2).strip(), p.where)
    if "project.year" not in found:
        for p in paragraphs[:3]:
            if "年度" in p.text and (year := year_in(p.text)):
                found["project.year"] = Stated("project.year", year, p.text[:40], p.where)
                break
    return found
