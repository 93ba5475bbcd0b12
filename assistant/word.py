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
from assistant.report import Report, cover_lines
from assistant.scoring import IndicatorScore

# Official documents (GB/T 9704): title 方正小标宋简体 二号, headings 黑体 / 楷体_GB2312, body
# 仿宋_GB2312 三号. 二号 = 22 pt, 三号 = 16 pt, 小四 = 12 pt (the table), 五号 = 10.5 pt.
TITLE_FONT, H1_FONT, H2_FONT, BODY_FONT = "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
SIZE_TITLE, SIZE_BODY, SIZE_TABLE = Pt(22), Pt(16), Pt(10.5)
TABLE_HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]


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
    rows = _table_rows(t)
    table = doc.add_table(rows=len(rows), cols=8)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, cells in enumerate(rows):
        _fill_row(table, r, cells, style_id)
    return table


Cell = tuple[str, int]  # text and how many of the 8 grid columns it spans


def _table_rows(t: FactTable) -> list[list[Cell]]:
    fig = t.figures
    p, funds = fig.project, fig.funds
    rows: list[list[Cell]] = [
        [("项目名称", 2), (p.name, 6)],
        [("主管部门", 2), (p.department or p.unit, 2), ("实施单位", 2), (p.unit, 2)],
        [(f"项目资金（{funds.unit}）", 2), ("年初预算数", 1), ("全年预算数", 1), ("全年执行数", 1),
         ("分值", 1), ("执行率", 1), ("得分", 1)],
        [("年度资金总额", 2), (t["funds.budget_initial"].number, 1), (t["funds.budget_adjusted"].number, 1),
         (t["funds.spent"].number, 1), (t["score.execution_weight"].number, 1), (t[t.rate_id].display, 1),
         (t["score.execution"].number, 1)],
    ]
    rows += _breakdown_rows(t)
    rows.append([("年度总体目标", 2), (p.goal or "见报告第一部分", 3), (_overall_actual(t), 3)])
    rows.append([(h, 1) for h in TABLE_HEADER])
    for r in t.sheet.indicators:
        key = f"ind.{r.indicator.id}"
        rows.append([(r.indicator.level1, 1), (r.indicator.level2, 1), (r.indicator.name, 1),
                     (r.target.text, 1), (t[f"{key}.actual"].display, 1), (t[f"{key}.weight"].number, 1),
                     (t[f"{key}.score"].number, 1), (_deviation_cell(r, t.scheme.thresholds.overshoot), 1)])
    rows.append([("总分", 5), (t["scheme.total"].number, 1), (t["score.total"].number, 1),
                 (f"等级：{t['grade'].value}", 1)])
    return rows


def _breakdown_rows(t: FactTable) -> list[list[Cell]]:
    breakdown = t.figures.funds.breakdown
    if not breakdown:
        return [[(f"其中：{name}", 2), ("—", 1), ("—", 1), ("—", 1), ("—", 1), ("—", 1), ("—", 1)]
                for name in ("当年财政拨款", "上年结转资金", "其他资金")]
    out = []
    for n, row in enumerate(breakdown):
        key = f"breakdown[{n}]"
        initial = t[f"{key}.budget_initial"].number if f"{key}.budget_initial" in t else "—"
        rate = t[f"{key}.rate"].display if f"{key}.rate" in t else "—"
        out.append([(f"其中：{row.name}", 2), (initial, 1), (t[f"{key}.budget"].number, 1),
                    (t[f"{key}.spent"].number, 1), ("—", 1), (rate, 1), ("—", 1)])
    return out


def _overall_actual(t: FactTable) -> str:
    met, total = t["count.met"], t["count.indicators"]
    return f"设置绩效指标{total.display}，完成{met.display}；预算执行率{t[t.rate_id].display}"


def _deviation_cell(r: IndicatorScore, overshoot: float) -> str:
    """Return the 偏差原因 cell: the reason given, a placeholder where one is needed, else a dash."""
    if r.missed or r.far_above(overshoot):
        return r.indicator.deviation_reason or "【待补充：偏差原因及改进措施】"
    return r.indicator.deviation_reason or "—"


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
