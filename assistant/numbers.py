"""Reading every quantity out of Chinese report text.

`read_quantities(text)` returns every number-like span, in order, as a `Quantity`. A span is
either a claim (a figure the checker must match against the fact table) or carries the reason it
is not one in `ignored`:

- ``"year"``: 2024年, 2024 年度, 2021-2025年, 二〇二四年
- ``"date"``: 2025年5月13日, 5月13日, 1-6月, 2024-05-13, 一季度, 上半年, 半年度, 下一年度, 9:30, 90年代
- ``"doc_number"``: both numbers of 湛财预〔2024〕8号, 【2013】912号, [2024]8 号, （2024）3号
- ``"heading"``: 一、 （二） (二) 3. 1、 （1） at the start of a line (after spaces, # and **)
- ``"name"``: 5G, G20, 3D, ISO9001, 二十大, 十九届, 十四五, 百强, 500强, 双一流, 三农, 两个维护 ...
- ``"title"``: a number inside 《》
- ``"ordinal"``: 第一, 第3, 第二十
- ``"enumerator"``: (1) （2） inside a line, as in 包括：(1)技改评审；(2)贴息评审

Words that merely contain a numeral (一些, 统一, 进一步, 一次性, 十分, 千家万户, 一企一策 ...) and
Chinese numerals that do not read as a quantity (a lone 一/三 without a measure word, 三四) are not
returned at all.

A span (``start``/``end``/``text``) covers the number, its scale word, 余/多, its unit and the %
sign, never a qualifier before or after it (约, 超过, 以上) nor a 百分之 prefix's context. Ignored
spans are read the same way (2024年 has unit 年); their value is best effort (十四五 → 14).

Field semantics:

- ``value``: the number as written, before any scale word: 1.3068 for 1.3068万座, 13 for 13万元,
  99.84 for 99.84%, 13068 for 一万三千零六十八座, 13 for 十三万座 (a trailing 万/亿 is a scale).
- ``scale``: the multiplier of a scale word that is not part of the unit (万 in 1.3068万座 → 10000,
  3万余 → 10000, 100万 → 10000); 1 when there is none. Money scale words belong to the unit:
  13万元 has unit 万元 and scale 1.
- ``unit``: 元/千元/万元/百万元/千万元/亿元/万亿元 for money, "%" for percentages (also ％ and
  百分之…), the measure word for counts ("个", "座", "人次", "家（次）" with full-width brackets),
  "" for a bare number.
- ``base_value``: value × scale, converted to 元 for money (exact decimal arithmetic).
- ``base_unit``: "元", "%", the measure word, or "".
- ``kind``: "money", "percent", "count" (any measure word, including 分, 年, 公里, 个百分点) or
  "number".
- ``decimals``: digits after the decimal point as written (1,016.53亿元 → 2, 三点五 → 1).
- ``qualifier``: the first bound/approximation word found: before the number (约 大约 近 将近 接近
  超过 超 逾 不少于 不低于 不超过 不高于 不足 至少 ≥ ≤ > <), between number and unit (余 多,
  inside the span), or after the unit (以上 以下 左右 以内); "" if none.
- ``step``: for a share written as parts of a whole, the size of one part in percent: 三分之一 and
  3分之1 → 33.33 (value 33.33%), 千分之五 → 0.1 (value 0.5%), 三成 → 10 (value 30%). The checker
  reads such a share as a rounded figure (matching.same_parts). 0 for every other quantity, whose
  precision is its decimals.
- In a range such as 10-20家 or 3至5万元 the first bound takes the unit of the second.
- Money in 元, 角 and 分 is one amount: 5元5角 → 5.5元, 3元2角5分 → 3.25元.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from assistant.masks import find_masks, mask_reason
from assistant.numerals import CN_DIGITS, CN_NUMERALS, SCALES, SP, read_chinese
from assistant.vocabulary import QUALIFIER_SIGNS, QUALIFIERS_AFTER, QUALIFIERS_BEFORE

# Every run a pattern may repeat over is bounded or possessive, so reading is linear in the text.
_BARE_SCALES = set("百千万亿")

_MONEY_FACTORS = {
    "元": 1, "千元": 10**3, "万元": 10**4, "百万元": 10**6,
    "千万元": 10**7, "亿元": 10**8, "万亿元": 10**12,
}
_COUNT_UNITS = (
    "个 家 座 亩 项 次 人 户 天 所 台 套 件 名 场 期 批 份 篇 公里 千米 米 平方米 平方公里 立方米"
    " 公顷 吨 公斤 千克 辆 人次 家次 户次 批次 小时 分钟 日 个月 年 周年 周 分 倍 个百分点 百分点"
    " 个工作日 工作日 千瓦 千瓦时 兆瓦 张 本 条 处 间 栋 宗 笔 类 轮 岁 株 棵"
).split()
# The unit character followed by one of these starts another word (3分之一, 30年代, 人民币).
_UNIT_GUARDS = {
    "分": "之钟析局公行院会类级项别配布解", "年": "代级", "人": "民大", "场": "景所地",
    "期": "间限望末初", "台": "账风", "条": "例件款", "处": "理室长置", "类": "似型",
    "周": "边期围末转", "家": "庭乡属具电", "所": "有属得在以", "米": "饭",
}


def _unit_pattern() -> str:
    units = sorted(["元", *_COUNT_UNITS], key=len, reverse=True)
    parts = [re.escape(u) + (f"(?![{_UNIT_GUARDS[u]}])" if u in _UNIT_GUARDS else "")
             for u in units]
    return "|".join(parts)


_UNITS = _unit_pattern()
_AR = (r"(?:(?<![\dA-Za-z)）\]】〕.．])(?P<sign>[-−]))?(?<![\d.．])"
       r"(?P<ar>\d{1,3}(?:,\d{3})+(?:[.．]\d+)?(?!\d)|\d+(?:[.．]\d+)?)"
       rf"(?:{SP}(?P<scale>百万|千万|万亿|亿|万|千(?![瓦米克])|百(?!分)))?")
_CN = rf"(?P<cn>[{CN_NUMERALS}]+(?:点[{CN_DIGITS}]+[万亿]*)?)"
_NUMBER_RE = re.compile(
    rf"(?=[-−\d半{CN_NUMERALS}])(?P<pre>百分之)?(?:{_AR}|{_CN}|(?P<half>半))(?P<inner>余|多)?"
    rf"(?:{SP}(?:(?P<pct>[%％])|(?P<unit>{_UNITS})(?P<ci>[（(][次套个件台][）)])?))?"
)
_PREFIX_RE = re.compile(rf"(?:{'|'.join(QUALIFIERS_BEFORE)}|[{QUALIFIER_SIGNS}]){SP}\Z")
_SUFFIX_RE = re.compile(rf"{SP}({'|'.join(QUALIFIERS_AFTER)})")
_RANGE_GAP_RE = re.compile(rf"{SP}[-~～—–至到]{SP}")
# Shares written as parts of a whole, and 元 with 角/分: read before the plain numbers, whose
# matches inside them are dropped (三分之一 would otherwise be nothing, 5元5角 two numbers).
_PARTS_RE = re.compile(
    rf"(?=[{CN_NUMERALS}\d])(?<![{CN_NUMERALS}\d.．])(?P<lead>[{CN_NUMERALS}]++|\d++)(?:"
    rf"{SP}分之{SP}(?P<num>[{CN_DIGITS}十]+(?:点[{CN_DIGITS}]+)?|\d+(?:[.．]\d+)?)"
    rf"|(?P<tenths>成)(?![本员品果效绩立为交长都功熟型就份色分不群])"
    rf"|{SP}元{SP}(?P<jiao>[{CN_DIGITS}]|\d)角(?:{SP}(?P<fen>[{CN_DIGITS}]|\d)分)?)"
)

# A run of digits and separators, or of Chinese numerals, longer than any figure a report writes is
# one over-long token: reported as such, never converted (a 200,000-digit number would take minutes).
MAX_ARABIC = 32
MAX_CHINESE = 24
_OVERLONG_RE = re.compile(rf"[\d,.．]{{{MAX_ARABIC + 1},}}|[{CN_NUMERALS}点]{{{MAX_CHINESE + 1},}}")
_BLANK = "\ufffc"  # stands in for an over-long run while the patterns read the rest of the text


@dataclass(frozen=True)
class Quantity:
    """One number-like span of a text; see the module docstring for each field's meaning."""

    start: int
    end: int
    text: str
    value: float
    unit: str
    scale: float
    base_value: float
    base_unit: str
    kind: str
    decimals: int
    qualifier: str = ""
    ignored: str = ""
    step: float = 0.0

    @property
    def is_claim(self) -> bool:
        return not self.ignored


def _chinese_reads_as_number(run: str, m: re.Match[str], prefix: str) -> bool:
    """Tell whether a Chinese numeral run is a quantity rather than part of a word."""
    measured = bool(m["unit"] or m["pct"] or m["pre"])
    if set(run) <= _BARE_SCALES:
        # 近百, 逾千 are numbers; a lone 百/万 is usually part of a word (百姓, 万家).
        return bool(prefix or m["pre"])
    if run[0] in _BARE_SCALES:
        return False
    if len(run) == 1:
        return measured
    # Multi-character runs need structure: 三四 or 七一 are not numbers in report prose.
    return any(c in "十百千万亿点零〇" for c in run)


def _read_number(m: re.Match[str], loose: bool) -> tuple[Decimal, int, str] | None:
    """Return (value, decimals, scale word) of the numeral in a number match, or None.

    With loose, a Chinese run that does not parse (十四五) is read by its longest parsing prefix:
    ignored spans only need an informative value.
    """
    if m["ar"]:
        digits = m["ar"].replace(",", "").replace("．", ".")
        value = Decimal(digits)
        decimals = len(digits.partition(".")[2])
        return (-value if m["sign"] else value), decimals, m["scale"] or ""
    if m["half"]:
        return Decimal("0.5"), 1, ""
    run = m["cn"]
    stop = 0 if loose else len(run) - 1
    for end in range(len(run), stop, -1):
        number = read_chinese(run[:end])
        if number is not None:
            return number
    return None


def _measure(scale_word: str, m: re.Match[str]) -> tuple[str, int, str, str]:
    """Return (unit, scale, base unit, kind) for a number with its scale word and unit."""
    scale = SCALES.get(scale_word, 1)
    if m["pct"] or m["pre"]:
        return "%", scale, "%", "percent"
    unit = m["unit"] or ""
    if unit == "元":
        return scale_word + "元", 1, "元", "money"
    if unit:
        unit += f"（{m['ci'][1]}）" if m["ci"] else ""
        return unit, scale, unit, "count"
    return "", scale, "", "number"


def _base(value: Decimal, scale: int, unit: str) -> float:
    return float(value * scale * _MONEY_FACTORS.get(unit, 1))


def _qualifier(text: str, start: int, end: int, inner: str = "") -> tuple[str, str]:
    """Return (prefix qualifier, qualifier to report) around the number at text[start:end]."""
    before = _PREFIX_RE.search(text, max(0, start - 6), start)
    prefix = before.group().strip() if before else ""
    after = _SUFFIX_RE.match(text, end)
    return prefix, prefix or inner or (after.group(1) if after else "")


def _to_quantity(text: str, m: re.Match[str], reason: str) -> Quantity | None:
    """Return the Quantity for one number match, or None when it is not number-like."""
    prefix, qualifier = _qualifier(text, m.start(), m.end(), m["inner"] or "")
    if m["cn"] and reason in ("", "title") and not _chinese_reads_as_number(m["cn"], m, prefix):
        return None
    if m["half"] and not (m["unit"] or m["pct"]):
        return None
    number = _read_number(m, loose=bool(reason))
    if number is None:
        return None
    value, decimals, scale_word = number
    unit, scale, base_unit, kind = _measure(scale_word, m)
    return Quantity(
        start=m.start(), end=m.end(), text=m.group(), value=float(value), unit=unit,
        scale=float(scale), base_value=_base(value, scale, unit), base_unit=base_unit,
        kind=kind, decimals=decimals, qualifier=qualifier, ignored=reason,
    )


def _spread_range_units(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """Give the first bound of a range (10-20家, 3至5万元) the unit of the second."""
    out = list(quantities)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.ignored or b.ignored or a.unit or a.scale != 1 or not b.unit or a.kind == "overlong":
            continue
        if not _RANGE_GAP_RE.fullmatch(text, a.end, b.start):
            continue
        value = Decimal(repr(a.value))
        scale = int(b.scale)
        out[i] = replace(a, unit=b.unit, scale=b.scale, base_unit=b.base_unit, kind=b.kind,
                         base_value=_base(value, scale, b.unit))
    return out


def _plain_value(written: str) -> tuple[Decimal, int] | None:
    """Return (value, decimals) of a numeral written in Arabic or Chinese digits, or None."""
    if written[0].isdigit():
        digits = written.replace("．", ".")
        return Decimal(digits), len(digits.partition(".")[2])
    number = read_chinese(written)
    return None if number is None or number[2] else number[:2]


def _parts_quantity(text: str, m: re.Match[str], reason: str) -> Quantity | None:
    """Return the Quantity of a share (三分之一, 三成) or of a 元角分 amount, or None."""
    qualifier = _qualifier(text, m.start(), m.end())[1]
    if m["jiao"]:
        parts = [_plain_value(m[g]) if m[g] else (Decimal(0), 0) for g in ("lead", "jiao", "fen")]
        if any(part is None or part[1] for part in parts):
            return None
        yuan, jiao, fen = (part[0] for part in parts if part is not None)
        amount = float(yuan + jiao / 10 + fen / 100)
        return Quantity(m.start(), m.end(), m.group(), amount, "元", 1.0, amount, "元", "money",
                        2 if m["fen"] else 1, qualifier, reason)
    whole: tuple[Decimal, int] | None = (Decimal(10), 0)
    if m["tenths"]:
        if len(m["lead"]) > 1 or m["lead"] in "十百千万亿〇零0":  # 七八成 is a guess, not a figure
            return None
        parts_of = _plain_value(m["lead"])
    else:
        parts_of, whole = _plain_value(m["num"]), _plain_value(m["lead"])
    if parts_of is None or whole is None or whole[1] or not 0 < parts_of[0] <= whole[0] or whole[0] == 100:
        return None  # not a share, or 百分之…, which the plain reading takes as a percentage
    step = Decimal(100) / whole[0] / Decimal(10) ** parts_of[1]
    share = float(parts_of[0] * 100 / whole[0])
    return Quantity(m.start(), m.end(), m.group(), share, "%", 1.0, share, "%", "percent", 0, qualifier, reason,
                    step=float(step))


def _overlong(text: str) -> tuple[str, list[Quantity]]:
    """Return the text with over-long runs blanked out, and those runs as quantities of kind "overlong"."""
    runs = list(_OVERLONG_RE.finditer(text))
    if not runs:
        return text, []
    pieces, last, out = [], 0, []
    for m in runs:
        pieces += [text[last:m.start()], _BLANK * (m.end() - m.start())]
        last = m.end()
        shown = m.group()[:12] + "…"
        out.append(Quantity(m.start(), m.end(), shown, math.nan, "", 1.0, math.nan, "", "overlong", 0))
    pieces.append(text[last:])
    return "".join(pieces), out


def read_quantities(text: str) -> list[Quantity]:
    """Return every number-like span in text, in order, each a claim or marked ignored.

    An over-long run (more than MAX_ARABIC digits and separators, or MAX_CHINESE Chinese numerals) is
    one claim of kind "overlong", value NaN, whose text is its first characters and "…"; the checker
    reports it.
    """
    return read_quantities_upto(text)[0]


def read_quantities_upto(text: str, limit: int | None = None) -> tuple[list[Quantity], int]:
    """Return the quantities of text read in pieces of about CHUNK characters cut at line or sentence
    ends, stopping after the piece where `limit` quantities are reached, and where reading stopped
    (len(text) when it read everything). Memory and time stay proportional to what is read."""
    out: list[Quantity] = []
    start = 0
    while start < len(text) and (limit is None or len(out) < limit):
        end = _chunk_end(text, start)
        piece = _read_piece(text[start:end])
        out += piece if not start else [replace(q, start=q.start + start, end=q.end + start) for q in piece]
        start = end
    return out, start


CHUNK = 20_000
_CUTS = ("\n", "。", "；", "！", "？", "，")
_UNCUTTABLE = re.compile(rf"[\dA-Za-z,.．{CN_NUMERALS}点%％]")


def _chunk_end(text: str, start: int) -> int:
    """Return where the piece of text from start ends: the last line or sentence end (else clause end)
    before start + CHUNK, else the first character after it that cannot be inside a number."""
    limit = start + CHUNK
    if limit >= len(text):
        return len(text)
    for mark in _CUTS:
        at = text.rfind(mark, start + CHUNK // 2, limit)
        if at >= 0:
            return at + 1
    while limit < len(text) and _UNCUTTABLE.match(text, limit):
        limit += 1
    return limit


def _read_piece(text: str) -> list[Quantity]:
    """Return the quantities of one piece of text (see read_quantities)."""
    text, out = _overlong(text)
    masks = find_masks(text)
    taken: list[tuple[int, int]] = []
    p = 0
    for m in _PARTS_RE.finditer(text):
        # A share overrides a skip word (十分之一 is not 十分) but not a title or a document number.
        p, reason = mask_reason(masks, p, m.start(), m.end())
        quantity = _parts_quantity(text, m, "" if reason == "skip" else reason)
        if quantity is not None:
            out.append(quantity)
            taken.append((m.start(), m.end()))
    p = t = 0
    for m in _NUMBER_RE.finditer(text):
        while t < len(taken) and taken[t][1] <= m.start():  # both in text order: one pass
            t += 1
        if t < len(taken) and taken[t][0] < m.end():
            continue
        p, reason = mask_reason(masks, p, m.start(), m.end())
        if reason == "skip":
            continue
        quantity = _to_quantity(text, m, reason)
        if quantity is not None:
            out.append(quantity)
    out.sort(key=lambda q: q.start)
    return _spread_range_units(text, out)
