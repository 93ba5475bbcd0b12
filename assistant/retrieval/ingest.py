"""Loading corpus files (.md, .txt, .docx, .pdf) into plain documents with their metadata."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant import reading

SUFFIXES = (".md", ".txt", ".docx", ".pdf")
# Files that describe a folder rather than belong to the corpus.
IGNORED_NAMES = {"readme.md", "readme.txt"}
Scalar = str | int | float | bool


class LoadError(Exception):
    """A file that cannot be read; the message is a short Chinese reason."""


@dataclass(frozen=True)
class Document:
    """One loaded file: its text as Markdown-like lines and its front-matter metadata."""

    path: str
    title: str
    text: str
    metadata: dict[str, Scalar] = field(default_factory=dict, hash=False, compare=False)


def discover(root: Path, outside: list[Path] | None = None) -> Iterator[Path]:
    """Return the corpus files under root in a stable order, skipping hidden ones and READMEs.

    Only regular files are returned (never a pipe or device), and only those inside root: a link
    that leads out of the folder is not read (it would make a private file searchable, and send it
    to a chat model); it is added to `outside` so the caller can name it.
    """
    base = root.resolve()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            if path.name.lower() in IGNORED_NAMES:
                continue
            if not path.resolve().is_relative_to(base):
                if outside is not None:
                    outside.append(path)
                continue
            yield path


def file_hash(path: Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_document(path: Path, name: str) -> Document:
    """Return the document at path (name is how the index refers to it); raise LoadError if unreadable."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".md", ".txt"):
            raw = decode_text(path.read_bytes())
        elif suffix == ".docx":
            raw = _read_docx(path)
        elif suffix == ".pdf":
            raw = _read_pdf(path)
        else:
            raise LoadError(f"不支持的文件格式（{suffix}）")
    except OSError as exc:
        raise LoadError(f"无法读取文件（{exc.strerror or exc}）") from None
    meta, body = split_front_matter(raw)
    if not body.strip():
        raise LoadError("文件中没有可提取的文字")
    meta.setdefault("type", _type_from_path(Path(name)))
    if isinstance(meta.get("year"), str) and str(meta["year"]).strip().isdigit():
        meta["year"] = int(str(meta["year"]).strip())  # filters compare years as numbers
    title = str(meta.pop("title", "") or _first_heading(body) or path.stem)
    return Document(path=name, title=title, text=body, metadata=meta)


def decode_text(data: bytes) -> str:
    """Return bytes decoded as `reading.decode_text` does; raise LoadError when no encoding fits."""
    try:
        return reading.decode_text(data)
    except reading.DocumentError as exc:
        raise LoadError(str(exc)) from None


FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Scalar], str]:
    """Return (metadata, body) from text that may start with a YAML front-matter block."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        raise LoadError("文件开头的元数据（YAML）格式有误") from None
    if not isinstance(data, dict):
        return {}, text[match.end():]
    return {str(k): _scalar(v) for k, v in data.items() if v is not None}, text[match.end():]


def _scalar(value: Any) -> Scalar:
    # Chroma metadata holds scalars only, so lists become one 、-joined string.
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def _type_from_path(rel: Path) -> str:
    folders = {p.lower() for p in rel.parts[:-1]}
    if folders & {"policy", "policies", "政策"}:
        return "policy"
    if folders & {"report", "reports", "报告"}:
        return "report"
    return "other"


def _first_heading(body: str) -> str:
    for line in body.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip().strip("*").strip()
        if line.strip():
            return ""
    return ""


def _read_docx(path: Path) -> str:
    try:
        doc = reading.open_docx(path.read_bytes())
        return "\n".join(_docx_lines(doc))
    except reading.DocumentError as exc:
        raise LoadError(str(exc)) from None
    except Exception:  # noqa: BLE001 - a damaged package can fail deep inside lxml or python-docx
        raise LoadError("无法解析 Word 文件（内容已损坏）") from None


def _docx_lines(doc: Any) -> Iterator[str]:
    """Return a Word document as Markdown-like lines: headings with #, table rows as "a | b"."""
    for block in reading.docx_blocks(doc):
        if block.is_row:
            cells = [c.strip() for c in block.cells]
            # Merged cells repeat their text in every grid position; keep one copy.
            unique = [c for i, c in enumerate(cells) if c and (i == 0 or c != cells[i - 1])]
            if unique:
                yield " | ".join(unique)
        elif text := block.text.strip():
            yield ("#" * block.heading + " " + text) if block.heading else text


def _read_pdf(path: Path) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import DependencyError, FileNotDecryptedError
    except ImportError:
        raise LoadError("未安装 pypdf，无法读取 PDF 文件") from None

    # pypdf logs what it repairs in a damaged file ("EOF marker not found") in English; a file it
    # cannot read is reported once, in Chinese, through LoadError.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("PDF 文件已加密，无法读取")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (FileNotDecryptedError, DependencyError):
        raise LoadError("PDF 文件已加密，无法读取") from None
    except Exception:  # noqa: BLE001 - pypdf fails in many ways on damaged files
        raise LoadError("无法解析 PDF 文件（文件损坏或格式不受支持）") from None
    text = "\n".join(pages)
    if not text.strip():
        raise LoadError("PDF 中没有可提取的文字（可能是扫描件）")
    return text
