"""Reading a qualitative 实际完成值 as a drafter does: the level of achievement its words state.

Real 自评表 write actuals as free text (达成预期指标, 封账前全部完成, 按时完成, 基本及时, 部分实现,
尚未完成). This module holds the vocabulary, in the order it is applied, and returns one of four
levels, or None when the words do not say (the indicator is then 待确认, never scored as met):

1. a stated `achievement:` in the figures wins (read elsewhere, not here);
2. a negated fault is good news: 未发生安全事故, 无投诉, 零差错 → 已完成;
3. a negated whole is partial: 未全部完成, 未完全达到 → 部分完成;
4. a negated achievement word is a miss: 未完成, 尚未实现, 没有按时, 不及时, 不合规 → 未完成;
5. 基本, 大部分, 大体, 逐步, 有所, 较好 → 基本完成;
6. 部分, 初步, 一定程度 → 部分完成; 延期, 滞后, 逾期, 推迟 (done, but late) → 部分完成;
7. an achievement word (达成, 达到, 实现, 完成, 按时, 如期, 及时, 合规, 符合, 明显, 提升 …) → 已完成.
The target's own words repeated (target 逐步提升, actual 逐步提升) are 已完成 before any of these.
"""

from __future__ import annotations

import re
from typing import Literal

Level = Literal["achieved", "basic", "partial", "not"]
VERDICTS: dict[str, str] = {"achieved": "已完成", "basic": "基本完成", "partial": "部分完成", "not": "未完成"}
LEVEL_OF_VERDICT = {v: k for k, v in VERDICTS.items()}

# Faults whose absence is the goal: "未发生安全事故" states success, not failure.
_FAULTS = ("事故", "投诉", "违规", "违纪", "违法", "差错", "问题", "损失", "纠纷", "信访", "上访", "舆情",
           "滞留", "挪用", "浪费", "隐患", "案件", "通报", "处罚")
_NEGATIONS = ("未", "没有", "没", "无", "零", "不存在", "杜绝", "尚未", "未能", "无法", "不能", "不")
_ACHIEVE_WORDS = ("完成", "达成", "达到", "实现", "按时", "如期", "按期", "及时", "合规", "符合", "满足",
                  "通过", "到位", "落实", "达标", "满意", "规范", "明显", "显著", "有效", "安全", "提升",
                  "提高", "改善", "增强", "建立", "建成", "覆盖", "良好", "优秀", "保障", "执行")
_NEGATED_FAULT = re.compile(
    r"(?:未|没有|没|无|零|杜绝|不存在)(?:发生|出现|发现|产生|收到|造成|接到)?[^，,。；;]{0,6}?(?:"
    + "|".join(_FAULTS) + ")")
_NEGATED_WHOLE = re.compile(r"(?:未|没有|尚未|未能|不)(?:全部|完全|全面|足额|100%)")
_NEGATED = re.compile(r"(?:尚未|未能|没有|未|没|无法|不能|不)(?:能|够|按|予|再|曾)?(?:"
                      + "|".join(_ACHIEVE_WORDS) + ")")
_PARTIAL = ("部分", "初步", "一定程度", "延期", "延迟", "滞后", "逾期", "推迟", "偏低", "不足")
_BASIC = ("基本", "大部分", "大体", "大致", "逐步", "有所", "较好", "总体较")
_EXACT_ACHIEVED = ("是", "有", "无", "零", "0", "好", "优", "良好", "优秀")
_NOISE = re.compile(r"[\s。．.！!；;，,、：:“”\"'「」（）()]")
# Words that start with a negation but do not negate: 不断提升 is good news.
_NOT_NEGATIONS = re.compile(r"不断|不少于|不低于|无缝|无偿|不定期")


def read_level(actual: str, target: str = "") -> Level | None:
    """Return the level of achievement a qualitative actual states, or None when its words do not say."""
    text = _NOISE.sub("", actual)
    if not text:
        return None
    if text in _EXACT_ACHIEVED or (target and text == _NOISE.sub("", target)):
        return "achieved"
    rest = _NEGATED_FAULT.sub("", _NOT_NEGATIONS.sub("", text))
    good_news = rest != text
    if _NEGATED_WHOLE.search(rest):
        return "partial"
    if _NEGATED.search(rest) or rest.startswith(("未", "否", "不", "没")):
        return "not"
    if any(w in rest for w in _BASIC):  # before 部分: 大部分完成 is 基本完成
        return "basic"
    if any(w in rest for w in _PARTIAL):
        return "partial"
    if any(w in rest for w in _ACHIEVE_WORDS) or good_news:
        return "achieved"
    return None


def level_of(stated: str, actual: str, target: str = "") -> Level | None:
    """Return the stated achievement (已完成 …) when given, else the level the actual's words state."""
    if stated:
        return LEVEL_OF_VERDICT[stated]  # type: ignore[return-value]
    return read_level(actual, target)
