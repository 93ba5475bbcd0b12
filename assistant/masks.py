"""The spans of report text whose numbers are not quantity claims, each with its reason (the `ignored` of
numbers.Quantity): titles, document numbers, dates, years, names, ordinals, enumerators and headings; and words
that merely contain a numeral (一些, 进一步 …), which are skipped altogether."""

from __future__ import annotations

import re

from assistant.numerals import CN_NUMERALS, SP

_YEAR_DIGITS = r"(?:[1１][9９]|[2２][0０])\d{2}"
_YEAR = rf"(?<![\d.．]){_YEAR_DIGITS}"
_DATE = "|".join([
    rf"{_YEAR}{SP}年{SP}\d{{1,2}}{SP}月(?:{SP}\d{{1,2}}{SP}[日号])?",
    rf"{_YEAR}[-/.]\d{{1,2}}[-/.]\d{{1,2}}(?!\d)",
    rf"(?<![\d.．])\d{{1,2}}(?:{SP}[-~～—至到]{SP}\d{{1,2}})?{SP}月"
    rf"(?:{SP}\d{{1,2}}{SP}[日号])?",
    r"(?<![十一二三四五六七八九])(?:十[一二]?|[一二三四五六七八九])月"
    r"(?:[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])?[日号]?",
    rf"第?{SP}[一二三四1-4１-４]{SP}季度",
    r"[上下]半年|半年度|[上下]一个?(?:年度|年|季度|月|周期)",
    rf"(?<![\d.．])(?:\d{{2,4}}|[一二三四五六七八九]十){SP}年代",
    r"(?<![\d.．])(?:[01]?\d|2[0-3])[:：][0-5]\d(?!\d)",
])
_YEARS = (rf"{_YEAR}{SP}(?:[-—–~～至到]{SP}{_YEAR_DIGITS}{SP})?年(?:度)?"
          r"|[〇零一二三四五六七八九]{4}年(?:度)?")
_DOC = (rf"[〔【\[［（(]{SP}{_YEAR_DIGITS}{SP}[〕】\]］）)]{SP}(?:第{SP})?\d+{SP}号")
_NAME = "|".join([
    r"(?<![\d.．])\d++(?:[.．]\d++)?+[A-Za-z]+", r"(?<![A-Za-z])[A-Za-z]++[ \t-]?\d+",
    r"(?:十[一二三四五六七八九]|二十[一二三四五六七八九]?)(?:大(?![型类项批于量幅])|届)",
    r"十[一二三四五六]五",
    r"(?:(?<!\d)\d++|(?<![一二三四五六七八九十百千])[一二三四五六七八九十百千]++)强(?![化调度烈大])",
    r"百千万工程|百县千镇万村|双一流|一带一路|三农|三公(?![里顷斤])|两新|两会|七一|五一|五位一体|四位一体",
    r"四个(?:意识|自信|全面)|两个(?:确立|维护|毫不动摇|结合|一百年)|一件事|一张(?:网|图|蓝图|清单)",
    r"[一二三四五]年(?:行动|攻坚)",
])
_SKIP_WORDS = (
    "一些 一般 一直 一体化 统一 进一步 一方面 万一 千方百计 十分 百姓 一次性 一线 同一 唯一 之一 "
    "一起 一定 一批 三方 第三方 一系列 一致 一切 一律 一旦 一同 一度 一向 一贯 一道 一并 一举 "
    "一流 一年来 一把手 千家万户 一分为二 一站式 一揽子 一盘棋 一条龙 一体 一手 万众 独一无二 "
    "举一反三 接二连三 一清二楚 一五一十 三番五次 三令五申 四面八方 五花八门 七上八下 十全十美 "
    "一举两得 成千上万 千千万万 千辛万苦 万无一失 九牛一毛 三三两两 一目了然 一如既往 一视同仁 "
    "一丝不苟 一应俱全 一刀切 一是 二是 三是 四是 五是 六是 七是 八是 九是 十是"
).split()
_NOT_NUM = "零〇一二两三四五六七八九十百千万亿"
_SKIP = (
    rf"(?<![{CN_NUMERALS}])(?:"
    + "|".join(sorted(_SKIP_WORDS, key=len, reverse=True))
    + rf"|一[^\s\d{_NOT_NUM}]一[^\s\d{_NOT_NUM}])(?![{CN_NUMERALS}])"
)
_ORDINAL = rf"第{SP}(?:\d+|[{CN_NUMERALS}]+)"
_ENUMERATOR = rf"[（(]{SP}(?:\d{{1,2}}|[一二三四五六七八九十]+){SP}[）)]"
# Every mask alternative starts with one of these characters; the lookahead on them lets the
# regex engine skip the other positions quickly (8x faster on report text).
_MASK_START = (r"《〔【［\[（(第上下半双\dA-Za-z" + CN_NUMERALS
               + "".join(sorted({w[0] for w in _SKIP_WORDS})))
# Order matters where two alternatives start at the same character: the first one wins.
_MASK_RE = re.compile(
    rf"(?=[{_MASK_START}])(?:(?P<title>《[^《》\n]{{0,200}}》)|(?P<doc_number>{_DOC})|(?P<date>{_DATE})"
    rf"|(?P<year>{_YEARS})|(?P<name>{_NAME})|(?P<skip>{_SKIP})|(?P<ordinal>{_ORDINAL})"
    rf"|(?P<enumerator>{_ENUMERATOR}))"
)
_HEADING_RE = re.compile(
    r"(?m)^[ \t\u3000]*(?:#{1,6}[ \t]*)?(?:\*\*)?[ \t]*"
    rf"(?P<h>[一二三四五六七八九十]+[、.．]"
    rf"|[（(]{SP}(?:[一二三四五六七八九十]+|\d{{1,2}}){SP}[）)]"
    r"|\d{1,2}(?:[.．]\d{1,2})*(?:、|[.．](?!\d)))"
)


Mask = tuple[int, int, str]


def find_masks(text: str) -> list[Mask]:
    """Return the sorted (start, end, reason) spans whose numbers are not claims."""
    masks = [(m.start(), m.end(), m.lastgroup or "") for m in _MASK_RE.finditer(text)]
    masks += [(m.start("h"), m.end("h"), "heading") for m in _HEADING_RE.finditer(text)]
    masks.sort(key=lambda mask: (mask[0], mask[2] != "heading"))
    return masks


def mask_reason(masks: list[Mask], p: int, start: int, end: int) -> tuple[int, str]:
    """Return (new cursor, reason of the first mask overlapping start..end or "")."""
    while p < len(masks) and masks[p][1] <= start:
        p += 1
    q = p
    while q < len(masks) and masks[q][0] < end:
        if masks[q][1] > start:
            return p, masks[q][2]
        q += 1
    return p, ""
