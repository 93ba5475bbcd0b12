"""Loading and rendering the template files in `prompts/` (shipped as package data)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2

_DIGITS = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿]")
_OP_WORDS = {"≥": "不少于", ">=": "不少于", ">": "高于", "＞": "高于", "≤": "不超过", "<=": "不超过",
             "<": "低于", "＜": "低于", "不少于": "不少于", "不低于": "不低于", "不超过": "不超过"}


def sentence(text: str) -> str:
    """Return free text ending with a full stop, so it can stand as a sentence."""
    text = text.strip()
    return text if not text or text[-1] in "。！？；" else text + "。"


def clause(text: str) -> str:
    """Return free text without its closing punctuation, so a template can continue it."""
    return text.strip().rstrip("。；;.！!")


def op_word(target_text: str) -> str:
    """Return the Chinese comparison word for a target's operator ("≥5" → 不少于), or ""."""
    for symbol, word in _OP_WORDS.items():
        if target_text.strip().startswith(symbol):
            return word
    return ""


def basis_of(label: str) -> str:
    """Return the basis named in an execution-rate label ("预算执行率（按全年预算数）" → 全年预算数)."""
    m = re.search(r"按(.+?)）", label)
    return m.group(1) if m else label


def cell(text: str) -> str:
    """Return text fit for one 自评表 cell: on one line, with no cell separator in it."""
    return " ".join(str(text).split()).replace("|", "／").replace("::", "：")


def has_digits(text: str) -> bool:
    """Return whether free text contains any numeral (Arabic or Chinese)."""
    return bool(_DIGITS.search(text))


@cache
def environment() -> jinja2.Environment:
    """Return the Jinja2 environment over the packaged prompts; a missing variable is an error."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("assistant.templates", ""),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,  # a block tag ending a line must not eat it: one line is one paragraph
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.filters.update(sentence=sentence, clause=clause, op_word=op_word, basis_of=basis_of,
                       has_digits=has_digits, cell=cell)
    return env


def render(name: str, **variables: Any) -> str:
    """Return the named template rendered with these variables."""
    return environment().get_template(name).render(**variables)
