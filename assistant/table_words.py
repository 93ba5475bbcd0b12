"""The words of a 自评表: header and label vocabulary, and cell texts read as numbers, rates and levels.

Shared by every table source (spreadsheets, Word tables, PDF text); it works on texts only.
"""

from __future__ import annotations

import re

from assistant.figures import LEVEL1, LEVEL2

# ---------------------------------------------------------------- vocabulary

Vocab = dict[str, tuple[str, ...]]

FUNDS_COLUMNS: Vocab = {
    "budget_initial": ("年初预算数", "年初预算", "年初预算金额"),
    "budget_adjusted": ("全年预算数", "调整后预算数", "全年预算", "调整后预算", "预算调整后"),
    "allocated": ("实际到位数", "实际到位资金", "到位资金", "到位数", "实际拨付数", "拨付数", "资金到位数"),
    "spent": ("全年执行数", "执行数", "实际支出数", "实际支出", "支出数", "全年支出数", "全年实际支出"),
    "weight": ("分值",),
    "rate": ("执行率",),
    "score": ("得分",),
}
INDICATOR_COLUMNS: Vocab = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "指标名称", "具体指标", "绩效指标名称"),
    "op": ("指标性质", "指标方向", "比较符", "运算符"),
    "target": ("年度指标值", "指标值", "目标值", "年度目标值", "预期指标值", "预期值"),
    "unit": ("度量单位", "计量单位", "单位"),
    "actual": ("实际完成值", "完成值", "实际值", "全年实际值", "实际完成情况"),
    "achievement": ("完成程度",),
    "weight": ("分值", "权重"),
    "score": ("得分",),
    "deviation_reason": ("偏差原因分析及改进措施", "偏差原因", "未完成原因", "原因分析"),
    "evidence": ("佐证材料", "完成情况说明", "佐证"),
    "id": ("指标编号",),
}
FACT_COLUMNS: Vocab = {
    "name": ("数据名称",),
    "value": ("数值",),
    "unit": ("单位",),
    "qualifier": ("限定词",),
    "group": ("分组",),
}
# A list of projects on one sheet: the indicator columns plus one column per project-level value.
PROJECT_COLUMNS: Vocab = {
    "project.name": ("项目名称",),
    "project.department": ("主管部门", "主管单位"),
    "project.unit": ("实施单位", "预算单位", "项目单位", "单位名称"),
    "project.year": ("评价年度", "年度", "预算年度", "项目年度"),
    "project.goal": ("年度总体目标", "总体目标"),
    "funds.budget_initial": FUNDS_COLUMNS["budget_initial"],
    "funds.budget_adjusted": FUNDS_COLUMNS["budget_adjusted"],
    "funds.allocated": FUNDS_COLUMNS["allocated"],
    "funds.spent": FUNDS_COLUMNS["spent"],
    "funds.rate_basis": ("执行率口径",),
    "evaluation.execution_rate": ("执行率",),
    "evaluation.score": ("总分", "自评总分", "自评得分"),
    "evaluation.grade": ("自评等级", "绩效等级"),
}
LIST_COLUMNS: Vocab = {**INDICATOR_COLUMNS, **PROJECT_COLUMNS}
# Labels of single values, matched against a whole cell; the value is the next cell to the right.
LABELS: Vocab = {
    "project.name": ("项目名称",),
    "project.department": ("主管部门", "主管单位", "主管部门（单位）"),
    "project.unit": ("实施单位", "预算单位", "项目单位", "项目实施单位", "单位名称", "评价单位"),
    "project.year": ("评价年度", "年度", "项目年度", "预算年度", "自评年度"),
    "project.fill_date": ("填报日期", "填表日期"),
    "project.basis": ("立项依据", "立项依据文件"),
    "project.overview": ("项目概况",),
    "project.goal": ("年度总体目标", "总体目标", "年度绩效目标"),
    "funds.rate_basis": ("执行率口径",),
    "funds.deviation_reason": ("执行偏差原因", "资金执行偏差原因", "预算执行偏差原因"),
    "evaluation.score": ("总分", "自评总分", "自评得分"),
    "evaluation.grade": ("自评等级", "等级", "绩效等级"),
    "process": ("自评工作开展情况", "绩效自评工作开展情况"),
    "problems": ("存在问题", "存在的问题"),
}
LABEL_NAMES = {path: words[0] for path, words in LABELS.items()}
SUBHEADERS = ("预期目标", "实际完成情况")  # the two halves of 年度总体目标: the goal is the cell below 预期目标
STOP_WORDS = ("填表人", "联系电话", "审核人", "单位负责人", "财务负责人", "备注", "填报说明", "其他绩效数据")
TOTAL_ROWS = ("年度资金总额", "资金总额", "年度资金合计", "合计", "总额", "总计")
RATE_BASES = {"全年预算数": "budget_adjusted", "调整后预算数": "budget_adjusted", "budget_adjusted": "budget_adjusted",
              "年初预算数": "budget_initial", "budget_initial": "budget_initial", "实际到位数": "allocated",
              "到位资金": "allocated", "实际到位资金": "allocated", "allocated": "allocated"}
OPERATORS = {"≥": "≥", ">=": "≥", "＞=": "≥", "大于等于": "≥", "正向": "≥", "≤": "≤", "<=": "≤", "小于等于": "≤",
             "反向": "≤", "=": "=", "＝": "=", "等于": "=", ">": "＞", "＞": "＞", "大于": "＞", "<": "＜", "＜": "＜",
             "小于": "＜", "定性": "", "定量": ""}
EXAMPLE_MARKS = ("（示例）", "(示例)", "示例：")

_SPACE = re.compile(r"\s+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％，－＋（）：", "0123456789.%,-+():")


def norm(text: str) -> str:
    """Return text as compared with the vocabulary: no spaces, half-width digits and brackets, no trailing colon."""
    return _SPACE.sub("", text).translate(_FULLWIDTH).rstrip(":")


_NORM_VOCABS: dict[int, list[tuple[str, str]]] = {}


def match(text: str, vocab: Vocab) -> str | None:
    """Return the field whose longest synonym the header text contains, or None (long texts are never headers)."""
    t = norm(text)
    if not t or len(t) > 24:
        return None
    pairs = _NORM_VOCABS.get(id(vocab))
    if pairs is None:  # the vocabularies are module constants: sort each once, longest synonym first
        pairs = _NORM_VOCABS[id(vocab)] = sorted(
            ((norm(w), f) for f, words in vocab.items() for w in words), key=lambda p: -len(p[0]))
    return next((f for w, f in pairs if w in t), None)


def label_of(text: str) -> str | None:
    """Return the path a label cell names ("项目名称：" → project.name), matching the whole cell."""
    t = norm(text)
    if not t or len(t) > 16:
        return None
    return _LABEL_INDEX.get(t)


_LABEL_INDEX = {norm(w): path for path, words in LABELS.items() for w in words}


def header_columns(texts: list[str], vocab: Vocab) -> dict[str, int]:
    """Return field → column for a header row, each field taken by its leftmost column."""
    cols: dict[str, int] = {}
    for c, text in enumerate(texts):
        f = match(text, vocab)
        if f and f not in cols and (c == 0 or texts[c - 1] != text):  # a merged header counts once
            cols[f] = c
    return cols


# ---------------------------------------------------------------- values

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def number(text: str) -> int | float | None:
    """Return the number a cell's text holds ("1,016.53", "１８９", " 6 "), or None when it holds something else."""
    t = text.strip().translate(_FULLWIDTH).replace(",", "").replace(" ", "")
    if not _NUMBER.fullmatch(t):
        return None
    return float(t) if "." in t else int(t)


# What a cell holds when it says "nothing here": a dash or a slash (Word tables write — in a row with no
# amount), or only the mark a draft leaves for the author to fill (【待补充：偏差原因】).
_EMPTY = re.compile(r"[—–―\-－/／\s]*|\s*【待补充[^】]*】\s*")


def is_empty(text: str) -> bool:
    """Return whether a cell says nothing: blank, only dashes or slashes, or only a 【待补充】 mark."""
    return _EMPTY.fullmatch(text) is not None


_BASIS_NOTE = re.compile(r"[（(]\s*按(.{1,8}?)(?:计算|计)?\s*[)）]\s*$")
_BASIS_WORDS = (("到位", "allocated"), ("拨付", "allocated"), ("年初", "budget_initial"),
                ("调整后", "budget_adjusted"), ("全年预算", "budget_adjusted"))


def rate_note(text: str) -> tuple[str, str | None]:
    """Return a rate's text without a basis note, and the basis the note names ("99.84%（按到位数）" →
    ("99.84%", "allocated")); a text without a note comes back as it is, with None."""
    m = _BASIS_NOTE.search(text)
    if not m:
        return text, None
    basis = next((b for w, b in _BASIS_WORDS if w in m.group(1)), None)
    return (text[:m.start()].strip(), basis) if basis else (text, None)


def label_value(text: str) -> tuple[str, str] | None:
    """Return (path, value) of a cell holding a label and its value together ("等级：优"), or None."""
    m = re.match(r"\s*([^：:\n]{1,12})[：:]\s*(\S.*)", text, re.S)
    if not m:
        return None
    path = label_of(m.group(1))
    return (path, m.group(2).strip()) if path else None


def value_or_text(text: str) -> int | float | str:
    """Return a target or actual as written: a bare number as a number, anything else as its text."""
    n = number(text)
    return text.strip() if n is None else n


def percent(text: str) -> tuple[float | None, bool]:
    """Return a rate as a percent number ("99.84%" → 99.84), and whether a bare fraction was scaled (0.9984)."""
    t = text.strip().translate(_FULLWIDTH)
    if t.endswith("%"):
        n = number(t[:-1])
        return (None if n is None else float(n)), False
    n = number(t)
    if n is None:
        return None, False
    if 0 < n <= 1.5:  # a fraction written without a percent format; no real execution rate is 1.5%
        return round(n * 100, 9), True
    return float(n), False


def level(text: str, choices: tuple[str, ...]) -> str:
    """Return an indicator level in its full form ("产出" → 产出指标), or the text unchanged."""
    t = norm(text)
    if t in choices:
        return t
    if t + "指标" in choices:
        return t + "指标"
    return text.strip()


def is_example(text: str) -> bool:
    """Return whether an indicator name marks the template's example row."""
    return text.strip().startswith(EXAMPLE_MARKS)


LEVELS = {"level1": LEVEL1, "level2": LEVEL2}


def year_in(text: str) -> int | None:
    """Return the year a title or a year cell states ("2024年度", "2024年", "2024"), or None."""
    m = re.search(r"((?:19|20)\d{2})\s*(?:年度?|$)", norm(text))
    return int(m.group(1)) if m else None
