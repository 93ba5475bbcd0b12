"""Reading documents as text: the encodings office text files come in, and a Word file's paragraphs
and table rows. The checker (`report_text`) and the corpus loader (`retrieval.ingest`) both read
through here; each lays the blocks out as it needs."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


class DocumentError(ValueError):
    """A document that cannot be read; the message is a short Chinese reason."""


def decode_text(data: bytes) -> str:
    """Return bytes decoded as UTF-16 with a BOM, UTF-8 (with or without BOM), or GB18030; raise
    DocumentError when none fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 covers GBK and GB2312, the usual Chinese office encodings
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("无法识别文件编码（既不是 UTF-8 也不是 GB18030）")


@dataclass(frozen=True)
class Block:
    """A paragraph (`cells` empty; `heading` its Heading N level, 0 for body text) or a table row (`cells`)."""

    text: str = ""
    heading: int = 0
    cells: tuple[str, ...] = ()

    @property
    def is_row(self) -> bool:
        return bool(self.cells)


def open_docx(data: bytes) -> Any:
    """Return the Word document in data; raise DocumentError for a damaged, encrypted or non-.docx file."""
    # python-docx (and lxml under it) loads only when a Word file is read: `assistant check` on Markdown
    # stays fast.
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError):
        # Encrypted Word files are OLE containers, not zip packages, so they land here too.
        raise DocumentError("无法打开 Word 文件（文件损坏、已加密或不是 .docx 格式）") from None


def docx_blocks(doc: Any) -> Iterator[Block]:
    """Return the document's paragraphs and table rows in the order they stand."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for item in doc.iter_inner_content():
        if isinstance(item, Paragraph):
            yield Block(item.text, _heading_level(item.style.name if item.style is not None else ""))
        elif isinstance(item, Table):
            for row in item.rows:
                yield Block(cells=tuple(_once(c.text for c in row.cells)))


def _once(cells: Iterator[str]) -> list[str]:
    """Return cell texts with a merged cell once: python-docx repeats it in every grid column it spans."""
    out: list[str] = []
    for text in cells:
        if not out or text != out[-1]:
            out.append(text)
    return out


def _heading_level(style: str) -> int:
    match = re.fullmatch(r"(?:Heading|标题)\s*(\d)", style.strip())
    return int(match.group(1)) if match else 0
