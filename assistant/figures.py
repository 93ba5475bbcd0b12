"""The figures file (FORMAT.md §1): pydantic models and YAML/JSON loaders (targets are
read by targets.py).

A bad file is refused with every problem at once, each with its path and a plain Chinese message.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from assistant.files import InputFileError, read_regular
from assistant.targets import parse_value
from assistant.validation import (
    Amount,
    Identifier,
    Name,
    Number,
    Text,
    Value,
    Weight,
    Year,
    amount_problem,
    load_json,
    load_yaml,
    shown,
)

LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2 = (
    "数量指标", "质量指标", "时效指标", "成本指标", "经济成本指标", "社会成本指标", "生态环境成本指标",
    "经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标", "服务对象满意度指标",
)


class FiguresError(ValueError):
    """A figures file that cannot be used; `problems` holds (path, message) pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source} 有 {len(problems)} 处问题，未生成任何文件："]
        lines += [f"  - {path or '（文件）'}：{msg}" for path, msg in problems]
        super().__init__("\n".join(lines))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class BasisDoc(_Strict):
    """A document the project rests on: its number (某财预〔2024〕8号) and full title, either may be absent."""

    number: Text = ""
    title: Text = ""

    @field_validator("title")
    @classmethod
    def _no_brackets(cls, v: str) -> str:
        return v.strip().removeprefix("《").removesuffix("》")

    def cited(self) -> str:
        """Return the document as a report cites it: 《title》（number）, or whichever part is given."""
        if self.title and self.number:
            return f"《{self.title}》（{self.number}）"
        return f"《{self.title}》" if self.title else self.number


class Project(_Strict):
    name: Name
    unit: Name
    department: Text = ""
    year: Year
    fill_date: dt.date | None = None
    basis: list[Text | BasisDoc] = []
    overview: Text = ""
    goal: Text = ""


class BreakdownRow(_Strict):
    name: Name
    budget_initial: Amount | None = None
    budget: Amount
    spent: Amount


class Funds(_Strict):
    unit: Literal["元", "万元", "亿元"] = "万元"
    budget_initial: Amount
    budget_adjusted: Amount | None = None
    allocated: Amount | None = None
    spent: Amount
    rate_basis: Literal["budget_adjusted", "budget_initial", "allocated"] = "budget_adjusted"
    deviation_reason: Text = ""
    breakdown: list[BreakdownRow] = []

    @model_validator(mode="after")
    def _plausible_amounts(self) -> Funds:
        """Refuse amounts of ten trillion 元 or more, each on its own field (the limit depends on unit)."""
        amounts: list[tuple[tuple[str | int, ...], float | None]] = [
            ((name,), getattr(self, name)) for name in ("budget_initial", "budget_adjusted", "allocated", "spent")]
        for n, row in enumerate(self.breakdown):
            amounts += [(("breakdown", n, name), getattr(row, name)) for name in ("budget_initial", "budget", "spent")]
        errors = [InitErrorDetails(type=PydanticCustomError("value_error", problem), loc=loc, input=value)
                  for loc, value in amounts if (problem := amount_problem(value, self.unit))]
        if errors:
            raise ValidationError.from_exception_data("Funds", errors)
        return self

    @property
    def adjusted(self) -> float:
        """Return 全年预算数: budget_adjusted, or budget_initial when no adjustment was given."""
        return self.budget_initial if self.budget_adjusted is None else self.budget_adjusted


class Indicator(_Strict):
    id: Identifier = ""
    level1: Literal["产出指标", "效益指标", "满意度指标", "成本指标"]
    level2: str
    name: Name
    target: Value
    unit: Text = ""
    actual: Value
    achievement: Literal["已完成", "基本完成", "部分完成", "未完成"] | None = None
    weight: Weight | None = None
    evidence: Text = ""
    deviation_reason: Text = ""

    @field_validator("level2")
    @classmethod
    def _known_level2(cls, v: str) -> str:
        if v not in LEVEL2:
            raise ValueError(f"二级指标「{v}」不在可选范围内（{'、'.join(LEVEL2)}）")
        return v


class ExtraFact(_Strict):
    name: Name
    value: Number
    unit: Text = ""
    qualifier: Text = ""
    group: Text = ""  # the theme a benefits paragraph groups this fact under


class Evaluation(_Strict):
    score: Number | None = None
    grade: Literal["优", "良", "中", "差"] | None = None
    execution_rate: Number | None = None


class Figures(_Strict):
    project: Project
    funds: Funds
    indicators: list[Indicator] = []
    facts: list[ExtraFact] = []
    evaluation: Evaluation = Evaluation()
    process: Text = ""
    problems: Text = ""


# A target that starts with a comparison sign and has no digit at all (≥abc): a slip, not a qualitative target.
_OPERATOR_ONLY = re.compile(r"^[≥≤<>=＞＜＝][^0-9０-９]*$")


# ---------------------------------------------------------------- loading

_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知字段（请检查拼写，或删除该字段）",
    "float_parsing": "应为数字，收到「{input}」",
    "float_type": "应为数字，收到「{input}」",
    "int_parsing": "应为整数，收到「{input}」",
    "int_type": "应为整数，收到「{input}」",
    "int_from_float": "应为整数，收到「{input}」",
    "greater_than_equal": "应不小于 {ge}，收到「{input}」",
    "less_than_equal": "应不大于 {le}，收到「{input}」",
    "string_too_short": "不能为空",
    "string_type": "应为文字，收到「{input}」",
    "list_type": "应为列表",
    "model_type": "应为键值结构（映射）",
    "dict_type": "应为键值结构（映射）",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD，收到「{input}」",
    "date_parsing": "日期格式应为 YYYY-MM-DD，收到「{input}」",
    "date_type": "日期格式应为 YYYY-MM-DD，收到「{input}」",
    "finite_number": "应为有限的数字，收到「{input}」",
    "string_pattern_mismatch": "「{input}」含有不能用于编号的字符（空白、⟦、⟧ 或 |）",
}


_BRANCH = re.compile(r"^[a-z-]+\[.*\]$")  # pydantic's name of a validated union branch


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "float", "int", "constrained-str", "BasisDoc") or _BRANCH.match(str(part)):
            continue  # union branch names, not part of the user's path
        else:
            out += f".{part}" if out else str(part)
    return out


def error_message(err: Any) -> str:
    """Return one pydantic error as a plain-Chinese sentence (also used for settings and options)."""
    kind = err["type"]
    if kind == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", "")).replace(" or ", ", ").replace("'", "")
        return f"取值「{shown(err['input'])}」不在可选范围内（{expected}）"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    ctx = err.get("ctx", {})
    if kind == "greater_than_equal" and ctx.get("ge") == 0:
        return f"不能为负数，收到「{shown(err['input'])}」"
    template = _MESSAGES.get(kind)
    return template.format(input=shown(err.get("input")), **ctx) if template else str(err["msg"])


def _validation_problems(exc: ValidationError) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for err in exc.errors():
        path = _path(err["loc"])
        seen.setdefault(path, error_message(err))  # a union reports one error per branch: keep the first
    return list(seen.items())


def _semantic_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Return problems pydantic cannot see: the rate basis, duplicate indicator ids, empty basis entries.

    A target and an actual that do not fit together (free text, a number on a qualitative target,
    different units) are loaded, not refused: the score sheet marks the indicator 待确认.
    """
    problems = _funds_problems(data.get("funds"))
    ids: set[str] = set()
    raw = data.get("indicators")
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        try:
            ind = Indicator.model_validate(item)
        except ValidationError:
            continue  # already reported by the model validation
        where = f"indicators[{i}]"
        if ind.id and ind.id in ids:
            problems.append((f"{where}.id", f"指标编号「{ind.id}」重复"))
        ids.add(ind.id)
        target = parse_value(ind.target, ind.unit)
        if target.qualitative and _OPERATOR_ONLY.match(target.text):
            problems.append((f"{where}.target", f"年度指标值「{shown(target.text)}」有比较符号却没有数值，"
                                                "应写成「≥5」「≤3天」「≥95%」这样的形式，或写成文字（如「合规」）"))
    basis = data.get("project", {}).get("basis") if isinstance(data.get("project"), dict) else None
    for i, doc in enumerate(basis if isinstance(basis, list) else []):
        if isinstance(doc, dict) and not any(str(doc.get(k) or "").strip() for k in ("number", "title")):
            problems.append((f"project.basis[{i}]", "依据文件应至少写明文号（number）或标题（title）"))
    return problems


def _funds_problems(raw: Any) -> list[tuple[str, str]]:
    """Return problems with the execution-rate basis: it must be given and not zero."""
    if not isinstance(raw, dict):
        return []
    basis = raw.get("rate_basis", "budget_adjusted")
    if basis == "allocated" and raw.get("allocated") is None:
        return [("funds.rate_basis", "执行率口径为 allocated（按实际到位资金计算），但未填写 funds.allocated")]
    field = "budget_initial" if basis == "budget_adjusted" and raw.get("budget_adjusted") is None else basis
    if raw.get(field) == 0:
        return [(f"funds.{field}", "执行率口径对应的金额为 0，无法计算执行率")]
    return []


# A figures file is a few kilobytes; one of 50 MB took gigabytes of memory to validate.
MAX_FIGURES_BYTES = 5 << 20


# YAML aliases share one object many times over: nine levels of nine make 387 million values to
# validate from a file of ten lines. A figures file holds hundreds of values.
MAX_FIGURES_NODES = 200_000


def _expanded_size(data: Any, seen: dict[int, int]) -> int:
    """Return how many values data holds with every shared list or mapping counted each time it is used."""
    if not isinstance(data, dict | list):
        return 1
    if id(data) not in seen:
        seen[id(data)] = 0  # a mapping that contains itself counts once
        items = data.values() if isinstance(data, dict) else data
        seen[id(data)] = min(1 + sum(_expanded_size(x, seen) for x in items), MAX_FIGURES_NODES + 1)
    return seen[id(data)]


def read_figures(path: Path) -> Figures:
    """Return the figures of a YAML or JSON file; raise FiguresError listing all problems.

    (`sources.load_figures` also reads a one-project workbook.)"""
    source = str(path)
    try:
        text = read_regular(path, MAX_FIGURES_BYTES).decode("utf-8-sig")
    except InputFileError as exc:
        raise FiguresError(source, [("", str(exc).removeprefix(f"{path}："))]) from None
    except UnicodeDecodeError as exc:
        raise FiguresError(source, [("", f"无法读取文件（应为 UTF-8 编码的 YAML 或 JSON）：第 {exc.start + 1} 个字节"
                                         "不是 UTF-8 编码")]) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    data = _parse_text(source, path.suffix.lower(), text)
    return figures_from_data(data, source)


def _parse_text(source: str, suffix: str, text: str) -> Any:
    try:
        if suffix in (".json", ".yaml", ".yml"):
            data, twice = load_json(text) if suffix == ".json" else load_yaml(text)
            if twice:
                raise FiguresError(source, twice)
            return data
    except json.JSONDecodeError as exc:
        raise FiguresError(source, [("", f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}")]) from None
    except RecursionError:
        raise FiguresError(source, [("", "嵌套层数过深，不是有效的项目数据结构")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "未知位置"
        raise FiguresError(source, [("", f"YAML 格式错误：{where}，{getattr(exc, 'problem', exc)}")]) from None
    raise FiguresError(source, [("", f"不支持的文件类型「{suffix or '无扩展名'}」，"
                                      "请使用 .yaml、.yml、.json 或 .xlsx")])


def figures_from_data(data: Any, source: str = "（数据）") -> Figures:
    """Return validated figures from already-parsed data; raise FiguresError listing every problem."""
    if not isinstance(data, dict):
        raise FiguresError(source, [("", "文件内容应为键值结构（project、funds、indicators ……）")])
    if _expanded_size(data, {}) > MAX_FIGURES_NODES:
        raise FiguresError(source, [("", f"内容展开后超过 {MAX_FIGURES_NODES:,} 项（YAML 锚点与别名层层引用），"
                                         "不是有效的项目数据")])
    problems = _semantic_problems(data)
    try:
        fig = Figures.model_validate(data)
    except ValidationError as exc:
        raise FiguresError(source, _validation_problems(exc) + problems) from None
    if problems:
        raise FiguresError(source, problems)
    return _with_ids(fig)


def _with_ids(fig: Figures) -> Figures:
    """Return the figures with every indicator given an id (its own, or one from its position)."""
    indicators = [
        ind if ind.id else ind.model_copy(update={"id": f"i{n + 1}"})
        for n, ind in enumerate(fig.indicators)
    ]
    return fig.model_copy(update={"indicators": indicators})
