"""The 自评表 in Word, laid out like the national template: columns sized to their content, labels
bold and centred, numbers centred, text left, 一级/二级 indicator cells merged down, rows never
split across pages, the indicator header repeated on every page."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from assistant.facts import FactTable
from assistant.report import TABLE_COLUMNS, Cell, TableRow, self_evaluation_rows

# Grid columns (cm) on a 15.6 cm text width: 一级, 二级, 三级 (two), 年度指标值, 实际完成值, 分值,
# 得分, 偏差原因分析及改进措施 (two). 三级 and 偏差原因 are two grid columns each so that the funds
# block can hold seven amounts and give 执行率 the width of its basis note.
WIDTHS_CM = (1.8, 1.8, 1.5, 1.5, 1.8, 1.8, 1.2, 1.35, 1.25, 1.6)
CELL_MARGIN_CM = 0.1
# Rows above the 总分 row kept on its page, so that the total never stands alone.
KEEP_WITH_TOTAL = 2
GROUP_ON_ONE_PAGE = 8  # a 一级 group of up to this many rows is kept on one page

Writer = Callable[[Paragraph, str], None]  # writes a cell's text into its paragraph (highlighting marks)


def add_self_evaluation_table(doc: DocxDocument, t: FactTable, styles: dict[str, str],
                              write: Writer) -> dict[str, Paragraph]:
    """Add the 自评表 and return, for each fact a cell states, that cell's paragraph.

    The table is two Word tables one point apart: Word repeats only the rows at the top of a
    table on a new page, and the row to repeat is the indicator header, not the project's name.
    styles maps "head", "number", "text" and "joint" to paragraph style ids.
    """
    assert len(WIDTHS_CM) == TABLE_COLUMNS
    rows = self_evaluation_rows(t)
    split = next(n for n, r in enumerate(rows) if r.kind == "indicator_head")
    places: dict[str, Paragraph] = {}
    top = _table(doc, rows[:split], styles, write, places)
    _bottom_border(top, "nil")  # the lower table's top border is the line between them
    joint = doc.add_paragraph()
    joint._p.style = styles["joint"]
    lower = _table(doc, rows[split:], styles, write, places)
    _mark_header(lower.rows[0])
    _keep_together(top, range(len(top.rows) - 1))
    last = len(lower.rows) - 1
    _keep_together(lower, {0, *_grouped(rows[split:]), *range(max(1, last - KEEP_WITH_TOTAL), last)})
    return places


def _grouped(rows: Sequence[TableRow]) -> list[int]:
    """Return the indicator rows to keep with the row below: within a 一级 group of at most
    GROUP_ON_ONE_PAGE rows (else within its 二级 group), so that a page break never falls inside a
    merged 一级/二级 cell, whose text Word shows only on the page where it starts."""
    out = []
    for n, row in enumerate(rows[:-1]):
        below = rows[n + 1]
        if row.kind != "indicator" or below.kind != "indicator":
            continue
        level1 = [r for r in rows if r.kind == "indicator" and r.cells[0].text == row.cells[0].text]
        same = below.cells[0].text == row.cells[0].text
        if same and (len(level1) <= GROUP_ON_ONE_PAGE or below.cells[1].text == row.cells[1].text):
            out.append(n)
    return out


def _table(doc: DocxDocument, rows: Sequence[TableRow], styles: dict[str, str], write: Writer,
           places: dict[str, Paragraph]) -> Table:
    table = doc.add_table(rows=len(rows), cols=TABLE_COLUMNS)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_layout(table)
    above: TableRow | None = None
    for r, row in enumerate(rows):
        tcs = _spans(table, r, row.cells)
        for col, (cell, tc) in enumerate(zip(row.cells, tcs, strict=True)):
            merged = _merge_down(row, above, col)
            if merged:
                tc.vMerge = "continue"
            elif _merge_down(_next(rows, r), row, col):
                tc.vMerge = "restart"
            box = _Cell(tc, table)
            box.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            para = box.paragraphs[0]
            para._p.style = styles[cell.kind]
            if not merged:
                write(para, cell.text)
                for fact in cell.facts:
                    places.setdefault(fact, para)
        _cant_split(table.rows[r])
        above = row
    return table


def _next(rows: Sequence[TableRow], r: int) -> TableRow | None:
    return rows[r + 1] if r + 1 < len(rows) else None


def _merge_down(row: TableRow | None, above: TableRow | None, col: int) -> bool:
    """Return whether the row's cell number col continues the cell above it: the goal's label,
    and an indicator's 一级 (and, under the same 一级, 二级) when it repeats the row above."""
    if row is None or above is None:
        return False
    if row.kind == "goal" and above.kind == "goal_head":
        return col == 0
    if row.kind == above.kind == "indicator" and col <= 1:
        return all(row.cells[k].text == above.cells[k].text for k in range(col + 1))
    return False


def _spans(table: Table, r: int, cells: Sequence[Cell]) -> list:  # type: ignore[type-arg]
    """Merge the grid cells each entry spans and size them; return the row's remaining w:tc.

    Spans are set on the row's XML directly (gridSpan, dropping the covered cells): python-docx's
    table.cell() re-reads the whole grid on every call, which made a table take a fifth of a second.
    """
    tr = table.rows[r]._tr
    tcs = list(tr.tc_lst)
    out, col = [], 0
    for cell in cells:
        tc = tcs[col]
        if cell.span > 1:
            tc.grid_span = cell.span
            for covered in tcs[col + 1: col + cell.span]:
                tr.remove(covered)
        tc.width = Cm(sum(WIDTHS_CM[col: col + cell.span]))
        out.append(tc)
        col += cell.span
    return out


def _fixed_layout(table: Table) -> None:
    """Fix the column widths (Word and LibreOffice would otherwise re-balance them) and the margins."""
    tbl_pr = table._tbl.tblPr
    for gc, width in zip(table._tbl.tblGrid.gridCol_lst, WIDTHS_CM, strict=True):
        gc.w = Cm(width)
    table.autofit = False  # w:tblLayout fixed
    tbl_w = tbl_pr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(_twips(sum(WIDTHS_CM))))
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(_twips(CELL_MARGIN_CM)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _twips(cm: float) -> int:
    return round(cm * 567)


def _bottom_border(table: Table, value: str) -> None:
    borders = OxmlElement("w:tblBorders")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), value)
    borders.append(bottom)
    table._tbl.tblPr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                                           "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _row_flag(row, name: str) -> None:  # type: ignore[no-untyped-def]
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn(name)) is None:
        tr_pr.append(OxmlElement(name))


def _cant_split(row) -> None:  # type: ignore[no-untyped-def]
    """Keep the row whole: never let a page break cut through it."""
    _row_flag(row, "w:cantSplit")


def _mark_header(row) -> None:  # type: ignore[no-untyped-def]
    """Repeat the row at the top of every page the table runs onto."""
    _row_flag(row, "w:tblHeader")


def _keep_together(table: Table, rows) -> None:  # type: ignore[no-untyped-def]
    """Keep each of these rows on the page of the row below it (keep-with-next on its paragraphs)."""
    for r in rows:
        for tc in table.rows[r]._tr.tc_lst:
            for p in tc.iter(qn("w:p")):
                Paragraph(p, table).paragraph_format.keep_with_next = True
