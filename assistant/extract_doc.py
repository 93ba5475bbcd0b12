"""A submitted report as the extractor reads it: its paragraphs and its tables, in document order, each
table a grid of cell texts (assistant/tables.py) whose cells are named "表1 第5行第3列".

Word tables are read from their XML: a cell spanning columns (gridSpan) and a cell continuing a vertical
merge (vMerge) carry the text and the name of the merge's top-left cell, as a merged range of a sheet
does. PDF text is rebuilt into the same shapes by assistant/extract_pdf.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.reading import DocumentError, open_docx
from assistant.tables import Cell, Grid


@dataclass(frozen=True)
class Paragraph:
    """One non-empty paragraph of the body (not of a table): its number counted from 1, and its text."""

    n: int
    text: str

    @property
    def where(self) -> str:
        return f"第{self.n}段"


@dataclass(frozen=True)
class Document:
    """A report's paragraphs and tables in the order they stand (`items`), and where it came from."""

    source: str
    items: tuple[Paragraph | Grid, ...]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [i for i in self.items if isinstance(i, Paragraph)]

    @property
    def tables(self) -> list[Grid]:
        return [i for i in self.items if isinstance(i, Grid)]

    @property
    def text(self) -> str:
        """Return the narrative: the body paragraphs, one a line, without the tables."""
        return "\n".join(p.text for p in self.paragraphs)


def cell_ref(table: int, row: int, col: int) -> str:
    """Return how a user finds a cell: "表1 第5行第3列" (all counted from 1)."""
    return f"表{table} 第{row}行第{col}列"


_REF = re.compile(r"表(\d+) 第(\d+)行第(\d+)列")


def ref_position(ref: str) -> tuple[int, int, int] | None:
    """Return (table, row, column) of a cell name made by cell_ref, or None for another kind of place."""
    m = _REF.fullmatch(ref)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def read_docx_document(data: bytes, source: str) -> Document:
    """Return the paragraphs and tables of a Word file; raise DocumentError when it cannot be read."""
    document = open_docx(data)
    try:
        return Document(source, tuple(_items(document)))
    except DocumentError:
        raise
    except Exception:  # noqa: BLE001 - python-docx and lxml fail in many ways on a damaged package
        raise DocumentError("无法解析 Word 文件（内容已损坏）") from None


def _items(document: Any) -> list[Paragraph | Grid]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    out: list[Paragraph | Grid] = []
    paragraphs = tables = 0
    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            text = item.text.strip()
            if text:
                paragraphs += 1
                out.append(Paragraph(paragraphs, text))
        elif isinstance(item, Table):
            tables += 1
            out.append(table_grid(item, tables))
    return out


def table_grid(table: Any, number: int) -> Grid:
    """Return a Word table as a rectangular grid, merged cells resolved (see the module docstring)."""
    from docx.oxml.ns import qn
    from docx.table import _Cell

    rows: list[list[Cell | None]] = []
    for r, tr in enumerate(table._tbl.tr_lst):
        row: list[Cell | None] = [None] * tr.grid_before
        for tc in tr.tc_lst:
            col, span = len(row), max(tc.grid_span, 1)
            above = rows[r - 1][col] if r and col < len(rows[r - 1]) else None
            v_merge = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
            if v_merge is not None and v_merge.get(qn("w:val")) in (None, "continue") and above is not None:
                cell = above
            else:
                cell = Cell(_cell_text(_Cell(tc, table)), cell_ref(number, r + 1, col + 1))
            row += [cell] * span
        rows.append(row)
    width = max((len(row) for row in rows), default=0)
    grid = tuple(tuple(c if c is not None else Cell("", cell_ref(number, r + 1, k + 1))
                       for k, c in enumerate(row + [None] * (width - len(row))))
                 for r, row in enumerate(rows))
    return Grid(f"表{number}", grid)


def _cell_text(cell: Any) -> str:
    """Return a cell's paragraphs joined by line breaks, each stripped."""
    return "\n".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
