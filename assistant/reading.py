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

from assistant.files import size_text


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


# A Word file is a zip package that python-docx inflates whole. The sizes its directory declares are
# checked before anything is inflated (zipfile never inflates a member past its declared size), so a
# 1 MB file that would inflate to gigabytes is refused at once.
MAX_DOCX_INFLATED = 256 << 20  # all members together
MAX_DOCX_RATIO = 200  # inflated / stored, for members over 1 MB (text compresses about 10 times)
_DAMAGED = "无法打开 Word 文件（文件损坏、已加密或不是 .docx 格式）"


def open_docx(data: bytes) -> Any:
    """Return the Word document in data; raise DocumentError for a damaged, encrypted, non-.docx or
    oversized file, or one whose XML is malformed or expands entities."""
    # python-docx (and lxml under it) loads only when a Word file is read: `assistant check` on Markdown
    # stays fast.
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    _check_package(data)
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError):
        # Encrypted Word files are OLE containers, not zip packages, so they land here too.
        raise DocumentError(_DAMAGED) from None
    except etree.LxmlError:  # malformed XML, or entities lxml refuses to expand
        raise DocumentError("Word 文件内容损坏（XML 格式错误或含有不允许的实体）") from None


def _check_package(data: bytes) -> None:
    """Return nothing when the zip directory's declared sizes are sane; raise DocumentError if not."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DocumentError(_DAMAGED) from None
    total = sum(m.file_size for m in members)
    if total > MAX_DOCX_INFLATED:
        raise DocumentError(f"Word 文件解压后过大（{size_text(total)}，上限 {size_text(MAX_DOCX_INFLATED)}），不会读取")
    for m in members:
        if m.file_size > 1 << 20 and m.file_size > MAX_DOCX_RATIO * max(m.compress_size, 1):
            raise DocumentError(f"Word 文件中的「{m.filename}」压缩比异常（{size_text(m.compress_size)} 解压为 "
                                f"{size_text(m.file_size)}），疑似压缩炸弹，不会读取")


def read_docx(data: bytes) -> list[Block]:
    """Return the blocks of the Word document in data (see docx_blocks); raise DocumentError when it
    cannot be read, whatever fails inside python-docx on a damaged package."""
    document = open_docx(data)
    try:
        return list(docx_blocks(document))
    except Exception:  # noqa: BLE001 - python-docx and lxml fail in many ways on a damaged package
        raise DocumentError("无法解析 Word 文件（内容已损坏）") from None


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
