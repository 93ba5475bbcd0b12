"""Value rules of the figures file that every loader shares: numbers, text and keys that make sense.

The pydantic models in figures.py use these annotated types, so a YAML, JSON or spreadsheet
loader gets the same refusals: numbers are finite and never booleans, amounts stay below
10^13 元, text holds no control or invisible characters, and a key written twice is an error.
"""

from __future__ import annotations

import json
import math
import unicodedata
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BeforeValidator, Field

MAX_YUAN = 10**13  # no budget line of one project reaches ten trillion 元
MAX_NUMBER = 10**15  # any other quantity: beyond this it is a typing slip, not a measurement
YUAN_PER = {"元": 1, "万元": 10**4, "亿元": 10**8}
# Letters that render as blank space although they are not whitespace to str.strip().
_BLANK_LETTERS = set("\u115f\u1160\u3164\uffa0\u2800")
_KNOWN = {"\u200b": "零宽空格", "\u200c": "零宽非连接符", "\u200d": "零宽连接符", "\u2060": "零宽不换行符",
          "\ufeff": "零宽不换行空格", "\u200e": "从左到右标记", "\u200f": "从右到左标记", "\u00ad": "软连字符"}


def shown(value: Any, limit: int = 40) -> str:
    """Return a value as a message quotes it: control characters escaped, long values cut short."""
    text = "true" if value is True else "false" if value is False else str(value)
    text = "".join(f"\\u{ord(c):04x}" if _invisible(c) else c for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def terminal_safe(text: str) -> str:
    """Return text fit for a terminal: each control or invisible character becomes one visible sign.

    ESC becomes ␛ (the Control Pictures block), other invisible characters �, so an escape sequence
    in a file name or report is shown, never obeyed, and character offsets into the text still hold.
    """
    return "".join(_picture(c) if _invisible(c) else c for c in text)


def _picture(char: str) -> str:
    code = ord(char)
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"


def _invisible(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in "\n\t"


def _clean_text(text: str) -> str:
    """Return text with line endings normalised; raise ValueError naming a control or invisible character."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for n, char in enumerate(text, 1):
        if _invisible(char):
            kind = "控制字符" if unicodedata.category(char) == "Cc" else "不可见字符"
            name = _KNOWN.get(char, unicodedata.name(char, ""))
            raise ValueError(f"第 {n} 个字符是{kind} U+{ord(char):04X}{f'（{name}）' if name else ''}，请删除")
    return text


def _visible(text: str) -> str:
    """Return a name that has something to read; raise ValueError when it is blank or invisible only."""
    if text and all(c.isspace() or c in _BLANK_LETTERS for c in text):
        raise ValueError("只含空白或不可见字符，请填写实际内容")
    return text


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"应为数字，收到是/否值「{shown(value)}」（若是文字，请加引号）")
    return value


def _bounded(value: Any) -> Any:
    """Return a number that is finite and below MAX_NUMBER in size; other values pass unchanged."""
    value = _no_bool(value)
    if isinstance(value, int) and abs(value) >= MAX_NUMBER:
        raise ValueError(f"数值过大（「{shown(value)}」），请检查是否多写了数字")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"应为有限的数字，收到「{shown(value)}」")
    if isinstance(value, float) and abs(value) >= MAX_NUMBER:
        raise ValueError(f"数值过大（「{shown(value)}」），请检查是否多写了数字")
    return value


Text = Annotated[str, AfterValidator(_clean_text)]
# An indicator id becomes part of fact ids (ind.<id>.actual) and of the marks templates write.
Identifier = Annotated[str, AfterValidator(_clean_text), Field(pattern=r"^[^\s⟦⟧|]*$")]
Name = Annotated[str, Field(min_length=1), AfterValidator(_clean_text), AfterValidator(_visible)]
Number = Annotated[float, BeforeValidator(_no_bool), AfterValidator(_bounded)]
Year = Annotated[int, BeforeValidator(_no_bool), Field(ge=1990, le=2100)]
Weight = Annotated[float, BeforeValidator(_no_bool), Field(ge=0, le=100)]
Amount = Annotated[float, BeforeValidator(_no_bool), AfterValidator(_bounded), Field(ge=0)]
# A target or actual: a number, or text (≥5, 95%, 合规); either way checked like the types above.
Value = Annotated[Text | float | int, BeforeValidator(_bounded)]


def amount_problem(value: float | None, unit: str) -> str:
    """Return why an amount in this unit is out of range, or "" when it is plausible."""
    if value is None or value * YUAN_PER.get(unit, 1) < MAX_YUAN:
        return ""
    limit = MAX_YUAN // YUAN_PER.get(unit, 1)
    return f"金额「{shown(value)}」{unit}超出合理范围（应小于 {limit:,}{unit}），请检查单位和位数"


# ---------------------------------------------------------------- duplicate keys

def load_json(text: str) -> tuple[Any, list[tuple[str, str]]]:
    """Return parsed JSON and the keys written twice in one object, as (path, message) pairs."""
    data = json.loads(text, object_pairs_hook=_Pairs.of)
    problems: list[tuple[str, str]] = []
    _walk_pairs(data, "", problems)
    return data, problems


class _Pairs(dict[str, Any]):
    """A JSON object that remembers which of its keys were written more than once."""

    twice: tuple[str, ...] = ()

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> _Pairs:
        out = cls()
        twice = []
        for key, value in pairs:
            if key in out:
                twice.append(key)
            out[key] = value
        out.twice = tuple(dict.fromkeys(twice))
        return out


def _walk_pairs(data: Any, path: str, problems: list[tuple[str, str]]) -> None:
    if isinstance(data, dict):
        for key in getattr(data, "twice", ()):
            problems.append((_join(path, key), f"键「{shown(key)}」出现了不止一次，无法确定该用哪个值"))
        for key, value in data.items():
            _walk_pairs(value, _join(path, key), problems)
    elif isinstance(data, list):
        for n, item in enumerate(data):
            _walk_pairs(item, f"{path}[{n}]", problems)


def load_yaml(text: str) -> tuple[Any, list[tuple[str, str]]]:
    """Return parsed YAML (safe types only) and the keys written twice in one mapping."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        problems: list[tuple[str, str]] = []
        if node is not None:
            _walk_nodes(node, "", problems, set())
        return (loader.construct_document(node) if node is not None else None), problems
    finally:
        loader.dispose()


def _walk_nodes(node: yaml.Node, path: str, problems: list[tuple[str, str]], seen: set[int]) -> None:
    if id(node) in seen:  # an alias: its node was walked where the anchor is (and may contain itself)
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or key == "<<":  # complex keys and merges are left to the model's checks
                continue
            line = key_node.start_mark.line + 1
            if key in lines:
                problems.append((_join(path, key), f"键「{shown(key)}」写了两次（第 {lines[key]} 行和第 {line} 行），"
                                                   "无法确定该用哪个值"))
            lines.setdefault(key, line)
            _walk_nodes(value_node, _join(path, key), problems, seen)
    elif isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            _walk_nodes(item, f"{path}[{n}]", problems, seen)


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)
