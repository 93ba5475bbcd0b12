"""Targets and actuals read from how a 自评表 writes them (≥5, 不少于五个, ≤202.6, 95%, 合规): operator,
value, unit and written decimals, or qualitative text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.numbers import read_quantities
from assistant.vocabulary import OP_SIGNS, PREFIX_OPS, SUFFIX_OPS, Op


@dataclass(frozen=True)
class Parsed:
    """A target or actual value read from its text: operator, number, unit, or qualitative text."""

    text: str
    op: Op | None
    value: float | None
    unit: str
    decimals: int
    note: str = ""  # what had to be interpreted, shown back to the user

    @property
    def qualitative(self) -> bool:
        return self.value is None


_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(.*)$")
_UNIT = re.compile(r"^[%％]$|^[\u4e00-\u9fff（）()a-zA-Z/²³]{1,8}$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％，", "0123456789.%,")


def decimals_of(text: str, significant_zeros: bool = True) -> int:
    """Return how many decimals a written number has ("138.78" → 2, "189" → 0, "202.60" → 2).

    With significant_zeros False, trailing zeros do not count ("189.0" → 0): for a float's repr,
    where they are an artefact of the type rather than something a person wrote.
    """
    if "." not in text:
        return 0
    frac = text.split(".", 1)[1]
    return len(frac if significant_zeros else frac.rstrip("0"))


def parse_value(raw: str | float, unit: str = "") -> Parsed:
    """Return a target or actual read into operator, value and unit; qualitative text keeps value None."""
    if isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, int | float):
        return Parsed(str(raw), None, float(raw), unit, decimals_of(repr(raw), False))
    text = raw.strip().translate(_FULLWIDTH).replace(",", "")
    op, rest, word = _strip_prefix(text)
    rest, suffix_op, suffix = _strip_suffix(rest)
    if op and suffix_op and op != suffix_op:
        return Parsed(raw.strip(), None, None, unit, 0)
    op = op or suffix_op
    m = _NUMBER.match(rest)
    if m and (not m.group(2) or _UNIT.match(m.group(2))):
        number, written_unit, value = m.group(1), m.group(2).replace("％", "%"), float(m.group(1))
        decimals = decimals_of(number)
    else:  # the number in words, as the checker reads it: 不少于五个, 一万两千人次
        read = _one_quantity(rest)
        if read is None:
            return Parsed(raw.strip(), None, None, unit, 0)
        value, written_unit, decimals = read
        number, word = f"{value:g}", word or rest
    note = ""
    if word or suffix:
        shown = f"{OP_SIGNS[op or '=']}{number}{written_unit or unit}"
        note = f"「{raw.strip()}」按 {shown} 理解"
    return Parsed(raw.strip(), op, value, written_unit or unit, decimals, note)


def _one_quantity(text: str) -> tuple[float, str, int] | None:
    """Return (value, unit, decimals) when the whole text is one quantity as report text writes it."""
    found = [q for q in read_quantities(text) if q.is_claim]
    if len(found) != 1 or (found[0].start, found[0].end) != (0, len(text)) or found[0].step:
        return None
    q = found[0]
    value = q.value if q.kind == "money" else q.value * q.scale
    return value, q.unit, q.decimals


def _strip_prefix(text: str) -> tuple[Op | None, str, str]:
    for word, op in PREFIX_OPS:
        if text.startswith(word):
            is_word = not re.match(r"[≥≤<>=＞＜＝]", word)
            return op, text[len(word):].strip(), word if is_word else ""
    return None, text, ""


def _strip_suffix(text: str) -> tuple[str, Op | None, str]:
    for word, op in SUFFIX_OPS:
        if text.endswith(word):
            return text[: -len(word)].strip(), op, word
    return text, None, ""
