"""The text toolkit every stage reads Chinese report text with: where sentences end, and what a
heading number looks like (一、 （一） 1. （1） 第一章, and Markdown #)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters that end a sentence; a line break ends one too.
SENTENCE_ENDS = "。！？；!?;"
_AFTER_END = re.compile(rf"(?<=[{SENTENCE_ENDS}\n])")
_AFTER_STOP = re.compile(rf"(?<=[{SENTENCE_ENDS}])")
_END = re.compile(rf"[{SENTENCE_ENDS}\n]")


def split_sentences(text: str, at_line_breaks: bool = True) -> list[str]:
    """Return text cut after each sentence end (and line break, unless told not to), keeping every
    character, so the pieces' lengths add up to the text's and offsets still hold."""
    return (_AFTER_END if at_line_breaks else _AFTER_STOP).split(text)


def sentence_ends(text: str) -> list[int]:
    """Return the offsets just after each sentence end and line break, in order."""
    return [m.end() for m in _END.finditer(text)]


# ---------------------------------------------------------------- headings

CN_NUM = "一二三四五六七八九十百零〇"
# Numbering styles of Chinese official documents, outermost first, with the level each marks.
HEADING_STYLES: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("chapter", 0, re.compile(rf"^第[{CN_NUM}]+[章节部分]")),
    ("cn", 1, re.compile(rf"^[{CN_NUM}]+[、．.]")),
    ("paren-cn", 2, re.compile(rf"^[（(][{CN_NUM}]+[）)]")),
    ("arabic", 3, re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))")),
    ("paren-arabic", 4, re.compile(r"^[（(]\d{1,2}[）)]")),
)
MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class HeadingNumber:
    """The number a heading starts with: its style (cn, paren-cn …), level (1 for 一、) and where it ends."""

    style: str
    level: int
    end: int


def heading_number(text: str) -> HeadingNumber | None:
    """Return the heading number text starts with, or None."""
    for style, level, pattern in HEADING_STYLES:
        match = pattern.match(text)
        if match:
            return HeadingNumber(style, level, match.end())
    return None


def without_heading_number(text: str) -> str:
    """Return text without the heading number it starts with ("（二）项目绩效目标" → 项目绩效目标)."""
    number = heading_number(text)
    return text[number.end:] if number else text


def clean_heading(text: str) -> str:
    """Return heading text without Markdown emphasis and with single spaces."""
    text = re.sub(r"(\*\*|__|`)", "", text).strip().strip("*").strip()
    return re.sub(r"\s+", " ", text)
