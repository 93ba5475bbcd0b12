"""Word export: the report in the usual official layout, with the 自评表 as a real table."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from assistant.findings import Finding
from assistant.report import Report, cover_lines
from assistant.word_comments import add_comments
from assistant.word_table import add_self_evaluation_table

# Official documents (GB/T 9704): title 方正小标宋简体 二号, headings 黑体 / 楷体_GB2312, body
# 仿宋_GB2312 三号, page numbers 宋体 四号. 二号 = 22 pt, 三号 = 16 pt, 四号 = 14 pt, 五号 = 10.5 pt (the table).
TITLE_FONT, H1_FONT, H2_FONT, BODY_FONT, PAGE_FONT = "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体"
LATIN_FONT = "Times New Roman"
SIZE_TITLE, SIZE_BODY, SIZE_PAGE, SIZE_TABLE = Pt(22), Pt(16), Pt(14), Pt(10.5)
# The Chinese text is zh-CN; Latin runs (digits, 5G) stay en-US, as Chinese Word writes it: a Latin
# language of zh-CN lets LibreOffice break inside numbers (【202 / 2】, 99.8 / 4%).
LANGUAGE, LATIN_LANGUAGE = "zh-CN", "en-US"
TO_FILL = re.compile(r"【待补充[^】]*】")  # what the author still has to write: highlighted
# The font table entries of the Chinese fonts, so that Word and LibreOffice know them as GB2312
# fonts and substitute a like font (the altName) where one is not installed.
FONT_TABLE = {TITLE_FONT: ("方正小标宋_GBK", "roman", "variable"), H1_FONT: ("SimHei", "modern", "fixed"),
              H2_FONT: ("楷体", "modern", "fixed"), BODY_FONT: ("仿宋", "modern", "fixed"),
              PAGE_FONT: ("SimSun", "auto", "variable")}


def write_docx(report: Report, path: Path, comments: Iterable[Finding] = (), source_text: str | None = None) -> None:
    """Write the report as a .docx file at path, with a Word comment for each finding of `comments`
    anchored at its number (spans are offsets into source_text, the report's Markdown, when given;
    findings without a span go to the 自评表 cell of their fact; see word_comments.add_comments)."""
    doc, places = build_docx(report)
    add_comments(doc, comments, source_text=source_text, places=places)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


def build_docx(report: Report) -> tuple[DocxDocument, dict[str, DocxParagraph]]:
    """Return the report as a Word document (not yet saved), and the 自评表 cell of each fact it states."""
    doc = Document()
    _page_setup(doc)
    _language_and_fonts(doc)
    style = _styles(doc)
    _add(doc, _title_lines(report.title), style["报告标题"])
    for key, value in cover_lines(report):
        _add(doc, f"{key}：{value}", style["封面信息"])
    for sec in report.sections:
        _add(doc, sec.title, style["一级标题" if sec.level == 1 else "二级标题"])
        for para in sec.paragraphs:
            _add(doc, para.text, style["正文"])
    doc.add_page_break()
    _add(doc, "项目支出绩效自评表", style["表格标题"])
    _add(doc, f"（{report.table.figures.project.year}年度）", style["表格标题"])
    table_styles = {"head": style["表头"], "number": style["表格数字"], "text": style["表格"],
                    "joint": style["表格接缝"]}
    return doc, add_self_evaluation_table(doc, report.table, table_styles, write_text)


def _title_lines(title: str) -> str:
    """Return a long title broken before 项目支出绩效自评报告, so that no line breaks inside a word."""
    tail = "项目支出绩效自评报告"
    if len(title) > 18 and title.endswith(tail) and len(title) > len(tail):
        return f"{title[:-len(tail)]}\n{tail}"
    return title


def _add(doc: DocxDocument, text: str, style_id: str) -> DocxParagraph:
    """Add a paragraph in a style, naming the style by id: python-docx's lookup by name or object
    scans every style for each paragraph, which was most of the time spent writing a report."""
    para = doc.add_paragraph()
    para._p.style = style_id
    write_text(para, text)
    return para


def write_text(para: DocxParagraph, text: str) -> None:
    """Append text to the paragraph, each 【待补充…】 in a run of its own, highlighted in yellow."""
    at = 0
    for m in TO_FILL.finditer(text):
        if m.start() > at:
            para.add_run(text[at:m.start()])
        para.add_run(m.group()).font.highlight_color = WD_COLOR_INDEX.YELLOW
        at = m.end()
    if at < len(text) or not text:
        para.add_run(text[at:])


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
    """Write "— N —" into the paragraph, N being a PAGE field (the page number Word fills in)."""
    for text in ("— ", None, " —"):
        run = paragraph.add_run(text)
        run.font.size = SIZE_PAGE
        run.font.name = LATIN_FONT
        run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), PAGE_FONT)
        if text is None:
            _page_field(run)


def _page_field(run) -> None:  # type: ignore[no-untyped-def]
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
    "表格": (BODY_FONT, SIZE_TABLE, False, False, False, False),
    "表格数字": (BODY_FONT, SIZE_TABLE, False, True, False, False),
    "表头": (BODY_FONT, SIZE_TABLE, True, True, False, False),
    "表格接缝": (BODY_FONT, Pt(1), False, False, False, True),
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
        fmt.line_spacing = {SIZE_TITLE: Pt(36), SIZE_BODY: Pt(28), SIZE_TABLE: Pt(18)}.get(size, size)
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


def _language_and_fonts(doc: DocxDocument) -> None:
    """Mark the document as Chinese (zh-CN) and list the Chinese fonts in its font table."""
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = defaults.find(qn("w:lang"))
    lang.set(qn("w:val"), LATIN_LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), LATIN_LANGUAGE)
        theme_lang.set(qn("w:eastAsia"), LANGUAGE)
    doc.core_properties.language = LANGUAGE
    part = next(rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable"))
    fonts = parse_xml(part.blob)
    for name, (alt, family, pitch) in FONT_TABLE.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (("altName", alt), ("charset", "86"), ("family", family), ("pitch", pitch)):
            el = OxmlElement(f"w:{tag}")
            el.set(qn("w:val"), value)
            font.append(el)
        fonts.append(font)
    part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)
