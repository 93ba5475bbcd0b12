"""A PDF report rebuilt into paragraphs and table grids (assistant/extract_doc.py's Document).

Made for PDFs a word processor exported (LibreOffice, Word): their tables are drawn as ruling lines and
their text as positioned fragments. The ruling lines that touch one another form a table; the distinct
heights of its horizontal lines are row boundaries and the distinct positions of its vertical lines
column boundaries. Two neighbouring cells with no line between them are one merged cell. Each text
fragment goes to the cell its starting point lies in, and the lines of a wrapped cell are joined again.
The fragments outside every table are grouped into lines and then paragraphs: a line that starts
indented or with a heading number (六、 （一） 1.), or in another font size, starts a new paragraph, and
so does one after a short line that ends a sentence or holds no comma (a title, a cover line). A line's
end is only estimated (a justified line is stretched), so a short line alone does not end a paragraph.

A scanned PDF has no text to read; it is refused with that reason.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.extract_doc import Document, Paragraph, cell_ref
from assistant.reading import DocumentError
from assistant.tables import Cell, Grid
from assistant.text import heading_number

_TOL = 2.5  # points: lines this close are one boundary (Word draws two tables one point apart as one)
_PAGE_NUMBER = re.compile(r"[—\-－\s\d第页/]*")
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])[ \t]+|[ \t]+(?=[^\x00-\x7f])")


@dataclass(frozen=True)
class _Fragment:
    x: float
    y: float
    size: float
    text: str


@dataclass
class _Page:
    fragments: list[_Fragment] = field(default_factory=list)
    horizontal: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x1, x2)
    vertical: list[tuple[float, float, float]] = field(default_factory=list)  # (x, y1, y2), y1 < y2


def read_pdf_document(data: bytes, source: str) -> Document:
    """Return the paragraphs and tables of a PDF; raise DocumentError when it cannot be read."""
    pages = _pages(data)
    if not any(p.fragments for p in pages):
        raise DocumentError("PDF 中没有可提取的文字（可能是扫描件），无法读取自评表")
    items: list[tuple[str, Any]] = []  # ("line", _Fragment-line) or ("table", rows)
    for page in pages:
        items += _page_items(page)
    return Document(source, tuple(_document_items(items)))


def _pages(data: bytes) -> list[_Page]:
    # pypdf loads only when a PDF is read, and logs its repairs of a damaged file in English: kept quiet.
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError("PDF 文件已加密，无法读取")
        return [_read_page(page) for page in reader.pages]
    except DocumentError:
        raise
    except FileNotDecryptedError:
        raise DocumentError("PDF 文件已加密，无法读取") from None
    except Exception:  # noqa: BLE001 - pypdf fails in many ways on damaged files
        raise DocumentError("无法解析 PDF 文件（文件损坏或不是 PDF）") from None


def _read_page(page: Any) -> _Page:
    out = _Page()
    path: list[tuple[float, float]] = []

    def point(cm: list[float], x: float, y: float) -> tuple[float, float]:
        return cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5]

    def before(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op == b"m":
            path[:] = [point(cm, float(args[0]), float(args[1]))]
        elif op == b"l" and path:
            path.append(point(cm, float(args[0]), float(args[1])))
        elif op in (b"S", b"s", b"f", b"F", b"B") and len(path) >= 2:
            for (x1, y1), (x2, y2) in zip(path, path[1:], strict=False):
                _segment(out, x1, y1, x2, y2)
            path.clear()
        elif op == b"re":
            x, y = point(cm, float(args[0]), float(args[1]))
            x2, y2 = point(cm, float(args[0]) + float(args[2]), float(args[1]) + float(args[3]))
            if abs(x2 - x) < 2 or abs(y2 - y) < 2:  # a thin filled rectangle is a ruling line
                _segment(out, x, y, x2, y2)

    def text(chunk: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if chunk.strip():
            x, y = point(cm, tm[4], tm[5])
            out.fragments.append(_Fragment(x, y, abs(size * (tm[3] or 1) * (cm[3] or 1)), chunk.replace("\n", "")))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return out


def _segment(page: _Page, x1: float, y1: float, x2: float, y2: float) -> None:
    if abs(y1 - y2) < 1 and abs(x1 - x2) >= 1:
        page.horizontal.append(((y1 + y2) / 2, min(x1, x2), max(x1, x2)))
    elif abs(x1 - x2) < 1 and abs(y1 - y2) >= 1:
        page.vertical.append(((x1 + x2) / 2, min(y1, y2), max(y1, y2)))


# ---------------------------------------------------------------- tables from ruling lines


@dataclass
class _Table:
    top: float
    rows: list[list[tuple[int, int, str]]]  # each cell: (anchor row, anchor column, text)
    box: tuple[float, float, float, float]  # x1, y1, x2, y2


def _page_items(page: _Page) -> list[tuple[float, str, Any]]:
    """Return the page's tables and text lines, top to bottom, as (top, kind, item)."""
    tables = [t for c in _components(page) if (t := _table(page, *c)) is not None]
    loose = [f for f in page.fragments if not any(_inside(f, t.box) for t in tables)]
    items: list[tuple[float, str, Any]] = [(t.top, "table", t) for t in tables]
    items += [(line[0].y, "line", line) for line in _lines(loose)]
    return sorted(items, key=lambda item: -item[0])


def _inside(f: _Fragment, box: tuple[float, float, float, float]) -> bool:
    return box[0] - 1 <= f.x <= box[2] and box[1] <= f.y <= box[3]


def _components(page: _Page) -> list[tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]]:
    """Return the groups of ruling lines that touch one another: (horizontal, vertical) per group."""
    h, v = page.horizontal, page.vertical
    parent = list(range(len(h) + len(v)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (y, x1, x2) in enumerate(h):
        for j, (x, y1, y2) in enumerate(v):
            if x1 - _TOL <= x <= x2 + _TOL and y1 - _TOL <= y <= y2 + _TOL:
                parent[find(i)] = find(len(h) + j)
    groups: dict[int, tuple[list[Any], list[Any]]] = {}
    for i, line in enumerate(h):
        groups.setdefault(find(i), ([], []))[0].append(line)
    for j, line in enumerate(v):
        groups.setdefault(find(len(h) + j), ([], []))[1].append(line)
    return list(groups.values())


def _bounds(values: list[float]) -> list[float]:
    """Return distinct positions, those within the tolerance taken as one."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > _TOL:
            out.append(value)
    return out


def _table(page: _Page, horizontal: list[Any], vertical: list[Any]) -> _Table | None:
    ys = _bounds([y for y, _, _ in horizontal])[::-1]  # top first
    xs = _bounds([x for x, _, _ in vertical])
    if len(ys) < 2 or len(xs) < 2:
        return None  # an underline or a frame, not a table
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    anchor = {(r, c): (r, c) for r in range(n_rows) for c in range(n_cols)}

    def ruled(lines: list[Any], at: float, lo: float, hi: float) -> bool:
        mid = (lo + hi) / 2
        return any(abs(pos - at) <= _TOL and a - _TOL <= mid <= b + _TOL for pos, a, b in lines)

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not ruled(vertical, xs[c + 1], ys[r + 1], ys[r]):
                anchor[(r, c + 1)] = anchor[(r, c)]
            if r + 1 < n_rows and not ruled(horizontal, ys[r + 1], xs[c], xs[c + 1]):
                anchor[(r + 1, c)] = anchor[(r, c)]
    texts: dict[tuple[int, int], list[_Fragment]] = {}
    for f in page.fragments:
        r = next((k for k in range(n_rows) if ys[k + 1] <= f.y + 1 <= ys[k]), None)
        c = next((k for k in range(n_cols) if xs[k] <= f.x + 1 <= xs[k + 1]), None)
        if r is not None and c is not None:
            texts.setdefault(anchor[(r, c)], []).append(f)
    rows = [[(*anchor[(r, c)], _cell_text(texts.get(anchor[(r, c)], []))) for c in range(n_cols)]
            for r in range(n_rows)]
    return _Table(ys[0], rows, (xs[0], ys[-1], xs[-1], ys[0]))


def _cell_text(fragments: list[_Fragment]) -> str:
    """Return a cell's fragments in reading order, the lines of a wrapped cell joined again."""
    return "".join(_line_text(line) for line in _lines(fragments)).strip()


# ---------------------------------------------------------------- lines and paragraphs


def _lines(fragments: list[_Fragment]) -> list[list[_Fragment]]:
    """Return the fragments grouped into lines (baselines within 2 points), top to bottom, left to right."""
    lines: list[list[_Fragment]] = []
    for f in sorted(fragments, key=lambda f: (-f.y, f.x)):
        if lines and abs(lines[-1][0].y - f.y) <= 2:
            lines[-1].append(f)
        else:
            lines.append([f])
    return [sorted(line, key=lambda f: f.x) for line in lines]


def _line_text(line: list[_Fragment]) -> str:
    return _CJK_GAP.sub("", "".join(f.text for f in line))


def _line_end(line: list[_Fragment]) -> float:
    """Return where a line ends, estimated from its last fragment: CJK characters a font size wide, others half."""
    last = line[-1]
    return last.x + sum(1.0 if ord(ch) > 0x2E7F else 0.5 for ch in last.text) * last.size


def _ends_paragraph(line: list[_Fragment], right: float) -> bool:
    """Return whether a line ends its paragraph: it stops short of the margin after a sentence's end (a
    line's end is only estimated, so a short line alone is not enough), or it is a short line with no
    comma or full stop (a title, a heading, a cover line such as 评价年度：2024年度)."""
    text = _line_text(line)
    short = _line_end(line) < right - 3 * line[-1].size
    return short and (text.endswith(("。", "！", "？", "；", "：", ":")) or not re.search(r"[，。；,;]", text))


def _document_items(items: list[tuple[float, str, Any]]) -> list[Paragraph | Grid]:
    """Return paragraphs and grids in reading order; a table continued on the next page is one grid."""
    lines = [item for _, kind, item in items if kind == "line"]
    left = min((line[0].x for line in lines), default=0.0)
    ends = sorted(_line_end(line) for line in lines)
    right = ends[len(ends) * 3 // 4] if ends else 0.0  # most lines of a body run to the margin; a title may not
    out: list[Paragraph | Grid] = []
    current: list[str] = []
    previous: list[_Fragment] | None = None
    tables = paragraphs = 0
    pending: list[list[tuple[int, int, str]]] = []

    def flush_paragraph() -> None:
        nonlocal paragraphs
        text = "".join(current).strip()
        current.clear()
        if text:
            paragraphs += 1
            out.append(Paragraph(paragraphs, text))

    def flush_table() -> None:
        nonlocal tables
        if pending:
            tables += 1
            out.append(_grid(pending, tables))
            pending.clear()

    for _, kind, item in items:
        if kind == "table":
            flush_paragraph()
            offset = len(pending)
            rows = [[(r + offset, c, t) for r, c, t in row] for row in item.rows]
            if pending and rows and _row_fragment(pending[-1], rows[0]):
                _join_row(pending, rows.pop(0))
            pending.extend(rows)
            previous = None
            continue
        text = _line_text(item)
        if _PAGE_NUMBER.fullmatch(text) and len(text) <= 12:
            continue  # a page number between the parts of a table, or under the text
        flush_table()
        starts = (previous is None or item[0].x > left + 0.8 * item[0].size or heading_number(text) is not None
                  or abs(item[0].size - previous[0].size) > 0.6
                  or _ends_paragraph(previous, right))
        if starts:
            flush_paragraph()
        current.append(text)
        previous = item
    flush_paragraph()
    flush_table()
    return out


def _row_fragment(last: list[tuple[int, int, str]], first: list[tuple[int, int, str]]) -> bool:
    """Return whether a table's first row on a page is the rest of the row the previous page ended with
    (a row allowed to break across pages): it fills only some of the columns that row fills, and fewer
    than half of them. A real next row fills its numbers; a merged cell continued from above is empty."""
    filled = {c for _, c, t in first if t}
    before = {c for _, c, t in last if t}
    return bool(filled) and filled <= before and len(filled) * 2 < len(before)


def _join_row(pending: list[list[tuple[int, int, str]]], fragment: list[tuple[int, int, str]]) -> None:
    """Append the text of a row's rest to the cells of the row it continues (every cell of a merge alike)."""
    last, seen = pending[-1], set()
    for c, (r, k, text) in enumerate(fragment):
        if not text or (r, k) in seen or c >= len(last):
            continue
        seen.add((r, k))  # a merged cell of the rest stands in several columns: its text is added once
        anchor = last[c][:2]
        for row in pending:
            row[:] = [(ar, ac, t + text) if (ar, ac) == anchor else (ar, ac, t) for ar, ac, t in row]


def _grid(rows: list[list[tuple[int, int, str]]], number: int) -> Grid:
    """Return the rows of a table as a grid whose merged cells carry their anchor's text and name."""
    width = max(len(row) for row in rows)
    out = []
    for r, row in enumerate(rows):
        cells = [Cell(text, cell_ref(number, ar + 1, ac + 1)) for ar, ac, text in row]
        cells += [Cell("", cell_ref(number, r + 1, c + 1)) for c in range(len(row), width)]
        out.append(tuple(cells))
    return Grid(f"表{number}", tuple(out))
