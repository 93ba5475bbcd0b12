"""Reading a report file (.md, .txt, .docx) as the plain text the checker reads."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

from assistant.files import InputFileError, read_regular


class ReportReadError(ValueError):
    """A report file that cannot be read; the message is in Chinese."""


def read_report_text(path: Path | str) -> str:
    """Return the plain text of a .md/.txt/.docx report: paragraphs joined with "\\n", then table rows.

    Line endings are normalised (CRLF and a lone CR become "\\n"), so a file saved on any system reads alike.
    """
    text = _read(Path(path))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read(path: Path) -> str:
    try:
        raw = read_regular(path)
    except InputFileError as exc:
        raise ReportReadError(str(exc)) from None
    suffix = path.suffix.lower()
    if suffix in (".md", ".txt"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            return markdown_text(text) if suffix == ".md" else text
        raise ReportReadError(f"{path}：无法识别文件编码（应为 UTF-8 或 GB18030）")
    if suffix == ".docx":
        return _docx_text(io.BytesIO(raw), path)
    raise ReportReadError(f"{path}：不支持的文件类型「{suffix or '无扩展名'}」，请使用 .md、.txt 或 .docx")


def markdown_text(markdown: str) -> str:
    """Return Markdown as its reader sees the words: HTML entities (&lt; &amp;) turned back into characters."""
    return html.unescape(markdown)


def _docx_text(data: Any, path: Path) -> str:
    import zipfile

    import docx

    try:
        doc = docx.Document(data)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReportReadError(f"{path}：不是有效的 Word 文档（{exc}）") from None
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:
                if not cells or cell.text != cells[-1]:  # a merged cell repeats: keep it once
                    cells.append(cell.text)
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
