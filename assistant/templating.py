"""Loading and rendering the template files in `prompts/` (shipped as package `assistant.prompts`)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from assistant import vocabulary as v
from assistant.vocabulary import BASIS_LABELS, OP_WORDS, basis_of_rate

_DIGITS = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿]")


def sentence(text: str) -> str:
    """Return free text ending with a full stop, so it can stand as a sentence."""
    text = text.strip()
    return text if not text or text[-1] in "。！？；" else text + "。"


def clause(text: str) -> str:
    """Return free text without its closing punctuation, so a template can continue it."""
    return text.strip().rstrip("。；;.！!")


def op_word(op: str | None) -> str:
    """Return the word a draft writes for a target's operator (">=" → 不少于), or "" for none or "="."""
    return OP_WORDS.get(op or "", "")


def basis_of(rate: str) -> str:
    """Return the basis an execution-rate fact divides by ("rate.allocated" → 实际到位资金)."""
    return BASIS_LABELS[basis_of_rate(rate)]


def cell(text: str) -> str:
    """Return text fit for one 自评表 cell: on one line, with no cell separator in it."""
    return " ".join(str(text).split()).replace("|", "／").replace("::", "：")


def has_digits(text: str) -> bool:
    """Return whether free text contains any numeral (Arabic or Chinese)."""
    return bool(_DIGITS.search(text))


@cache
def environment(folder: Path | None = None) -> jinja2.Environment:
    """Return the Jinja2 environment over the packaged prompts, a template in `folder` (the
    templates_dir setting) taking the place of the packaged one of the same name; a missing variable
    is an error."""
    packaged = jinja2.PackageLoader("assistant.prompts", "")
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder), packaged]) if folder else packaged,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,  # a block tag ending a line must not eat it: one line is one paragraph
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.filters.update(sentence=sentence, clause=clause, op_word=op_word, basis_of=basis_of,
                       has_digits=has_digits, cell=cell)
    # Fact ids are spelled by the vocabulary, never concatenated in a template.
    env.globals.update(ind_id=v.indicator_id, breakdown_id=v.breakdown_id, rate_id=v.rate_id,
                       missing=v.missing)
    return env


def render(name: str, templates: Path | None = None, **variables: Any) -> str:
    """Return the named template rendered with these variables (from `templates` when it holds it)."""
    return environment(templates).get_template(name).render(**variables)
