"""Word export: the report in the usual official layout, with the 自评表 as a real table."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from assistant.facts import FactTable
from assistant.report import TABLE_COLUMNS, Cell, Report, cover_lines, self_evaluation_rows

# Official documents (GB/T 9704): title 方正小标宋简体 二号, headings 黑体 / 楷体_GB2312, body
# 仿宋_GB2312 三号. 二号 = 22 pt, 三号 = 16 pt, 小四 = 12 pt (the table), 五号 = 10.5 pt.
TITLE_FONT, H1_FONT, H2_FONT, BODY_FONT = "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
SIZE_TITLE, SIZE_BODY, SIZE_TABLE = Pt(22), Pt(16), Pt(10.5)


def write_docx(report: Report, path: Path) -> None:
    """Write the report as a .docx file at path."""
    doc = Document()
    _page_setup(doc)
    style = _styles(doc)
    _add(doc, report.title, style["报告标题"])
    for key, value in cover_lines(report):
        _add(doc, f"{key}：{value}", style["封面信息"])
    for sec in report.sections:
        _add(doc, sec.title, style["一级标题" if sec.level == 1 else "二级标题"])
        for para in sec.paragraphs:
            _add(doc, para.text, style["正文"])
    doc.add_page_break()
    _add(doc, "项目支出绩效自评表", style["表格标题"])
    _add(doc, f"（{report.facts.figures.project.year}年度）", style["表格标题"])
    self_evaluation_table(doc, report.facts, style["表格"])
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


def _add(doc: DocxDocument, text: str, style_id: str) -> DocxParagraph:
    """Add a paragraph in a style, naming the style by id: python-docx's lookup by name or object
    scans every style for each paragraph, which was most of the time spent writing a report."""
    para = doc.add_paragraph(text)
    para._p.style = style_id
    return para


def _page_setup(doc: DocxDocument) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    footer = sec.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)


def _page_number(paragraph: DocxParagraph) -> None:
    """Append a PAGE field (the page number Word fills in) to the paragraph."""
    run = paragraph.add_run()
    run.font.size = Pt(14)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


# name → (East Asian font, size, bold, centred, first-line indent, keep with next)
STYLES = {
    "报告标题": (TITLE_FONT, SIZE_TITLE, False, True, False, True),
    "封面信息": (BODY_FONT, SIZE_BODY, False, False, False, False),
    "一级标题": (H1_FONT, SIZE_BODY, False, False, True, True),
    "二级标题": (H2_FONT, SIZE_BODY, False, False, True, True),
    "正文": (BODY_FONT, SIZE_BODY, False, False, True, False),
    "表格标题": (H1_FONT, SIZE_BODY, False, True, False, True),
    "表格": (BODY_FONT, SIZE_TABLE, False, True, False, False),
}


def _styles(doc: DocxDocument) -> dict[str, str]:
    """Define the paragraph styles and return their ids; fonts live in styles, so an editor can
    restyle the whole draft at once."""
    _set_fonts(doc.styles["Normal"], BODY_FONT, SIZE_BODY)
    out = {}
    for name, (font, size, bold, centred, indent, keep) in STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        out[name] = style.style_id
        style.base_style = doc.styles["Normal"]
        _set_fonts(style, font, size, bold)
        fmt = style.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(36) if size == SIZE_TITLE else Pt(28) if size == SIZE_BODY else Pt(18)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.keep_with_next = keep
        if indent:
            fmt.first_line_indent = Pt(size.pt * 2)  # two characters
        if centred:
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return out


def _set_fonts(style, font: str, size: Pt, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Set a style's fonts: Latin text in Times New Roman, Chinese text through w:eastAsia."""
    style.font.name = LATIN_FONT
    style.font.size = size
    style.font.bold = bold
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


# ---------------------------------------------------------------- the 自评表

def self_evaluation_table(doc: DocxDocument, t: FactTable, style_id: str) -> Table:
    """Add the 自评表 (header, funds block, overall goal, indicators, total) and return it."""
    rows = self_evaluation_rows(t)
    table = doc.add_table(rows=len(rows), cols=TABLE_COLUMNS)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, cells in enumerate(rows):
        _fill_row(table, r, cells, style_id)
    return table


def _fill_row(table: Table, r: int, cells: list[Cell], style_id: str) -> None:
    """Merge the grid cells each entry spans, then write its text.

    Spans are set on the row's XML directly (gridSpan, dropping the covered cells): python-docx's
    table.cell() re-reads the whole grid on every call, which made a table take a fifth of a second.
    """
    tr = table.rows[r]._tr
    tcs = list(tr.tc_lst)
    col = 0
    for text, span in cells:
        tc = tcs[col]
        if span > 1:
            tc.grid_span = span
            for covered in tcs[col + 1: col + span]:
                tr.remove(covered)
        para = _Cell(tc, table).paragraphs[0]
        para._p.style = style_id
        para.add_run(text)
        col += span
