"""Reading a report file (.md, .txt, .docx) as the plain text the checker reads."""

from __future__ import annotations

import html
from pathlib import Path

from assistant.files import InputFileError, read_regular
from assistant.reading import DocumentError, decode_text, read_docx


class ReportReadError(ValueError):
    """A report file that cannot be read; the message is in Chinese."""


# A report is tens of kilobytes (a Word file with pictures a few megabytes). Checking takes about a
# second a megabyte of text, so its text is held to 5 million characters (10 MB).
MAX_REPORT_BYTES = 50 << 20
MAX_REPORT_CHARS = 5_000_000


def read_report_text(path: Path | str) -> str:
    """Return the plain text of a .md/.txt/.docx report: paragraphs joined with "\\n", then table rows.

    Line endings are normalised (CRLF and a lone CR become "\\n"), so a file saved on any system reads alike.
    """
    text = _read(Path(path))
    if len(text) > MAX_REPORT_CHARS:
        raise ReportReadError(f"{path}：正文过长（{len(text):,} 字，上限 {MAX_REPORT_CHARS:,} 字），请分开核对")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read(path: Path) -> str:
    try:
        raw = read_regular(path, MAX_REPORT_BYTES)
    except InputFileError as exc:
        raise ReportReadError(str(exc)) from None
    suffix = path.suffix.lower()
    try:
        if suffix in (".md", ".txt"):
            text = decode_text(raw)
            return markdown_text(text) if suffix == ".md" else text
        if suffix == ".docx":
            return _docx_text(raw)
    except DocumentError as exc:
        raise ReportReadError(f"{path}：{exc}") from None
    raise ReportReadError(f"{path}：不支持的文件类型「{suffix or '无扩展名'}」，请使用 .md、.txt 或 .docx")


def markdown_text(markdown: str) -> str:
    """Return Markdown as its reader sees the words: HTML entities (&lt; &amp;) turned back into characters."""
    return html.unescape(markdown)


def _docx_text(data: bytes) -> str:
    """Return a Word report's paragraphs, one a line, then its table rows as "| a | b |"."""
    blocks = read_docx(data)
    lines = [b.text for b in blocks if not b.is_row]
    lines += ["| " + " | ".join(b.cells) + " |" for b in blocks if b.is_row]
    return "\n".join(lines)
