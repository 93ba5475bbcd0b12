"""The Word export re-read with python-docx: layout, fonts, the 自评表 and its values."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from assistant.draft import draft_report
from assistant.figures import read_figures
from assistant.word import write_docx
from tests.conftest import CASES


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("word") / "sample.docx"
    report = draft_report(read_figures(CASES / "sample-2024.yaml"))
    write_docx(report, path)
    return docx.Document(str(path)), report


def east_asian(paragraph) -> str:
    """Return the East Asian font in force for the paragraph's text (its run, else its style)."""
    rpr = paragraph.runs[0]._element.rPr
    if rpr is not None and rpr.rFonts is not None and rpr.rFonts.get(qn("w:eastAsia")):
        return rpr.rFonts.get(qn("w:eastAsia"))
    return paragraph.style.element.rPr.rFonts.get(qn("w:eastAsia"))


def size(paragraph):
    return paragraph.runs[0].font.size or paragraph.style.font.size


def by_text(doc, text: str):
    return next(p for p in doc.paragraphs if p.text.replace("\n", "") == text)  # a long title has a break


def test_page_is_a4_with_official_margins(document) -> None:
    sec = document[0].sections[0]
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (21.0, 29.7)
    assert round(sec.top_margin.cm, 2) == 3.7 and round(sec.left_margin.cm, 2) == 2.8


def test_fonts_are_set_through_east_asia(document) -> None:
    doc, report = document
    title = by_text(doc, report.title)
    assert east_asian(title) == "方正小标宋简体" and size(title) == Pt(22)
    assert east_asian(by_text(doc, "一、基本情况")) == "黑体"
    assert east_asian(by_text(doc, "（一）项目概况")) == "楷体_GB2312"
    body = by_text(doc, report.section("use.funds").paragraphs[0].text)
    assert east_asian(body) == "仿宋_GB2312" and size(body) == Pt(16)


def test_footer_holds_a_page_number_field(document) -> None:
    footer = document[0].sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and 'w:fldCharType="begin"' in footer


def test_every_section_text_is_in_the_document(document) -> None:
    doc, report = document
    texts = {p.text for p in doc.paragraphs}
    for sec in report.sections:
        assert sec.title in texts
        for para in sec.paragraphs:
            assert para.text in texts


def cells(row) -> list[str]:
    """Return a row's texts with merged cells counted once."""
    out, seen = [], []
    for cell in row.cells:
        if not any(cell._tc is tc for tc in seen):
            seen.append(cell._tc)
            out.append(cell.text)
    return out


def table_rows(doc) -> list[list[str]]:
    """Return the rows of the 自评表 (its two Word tables) as texts, merged cells once."""
    return [cells(r) for table in doc.tables for r in table.rows]


def test_self_evaluation_table_has_the_funds_block_and_indicators(document) -> None:
    doc, _ = document
    assert len(doc.tables) == 2  # the indicator part is a table of its own, so its header repeats
    rows = table_rows(doc)
    assert rows[2] == ["项目资金（万元）", "年初预算数", "全年预算数", "实际到位数", "全年执行数", "分值", "执行率",
                       "得分"]
    # 99.84% is 138.78 ÷ 139, the 实际到位数 shown in the same row, and the cell says so
    assert rows[3] == ["年度资金总额", "189", "189", "139", "138.78", "10", "99.84%（按到位数）", "9.98"]
    header = rows.index(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                         "偏差原因分析及改进措施"])
    assert rows[header + 1][:7] == ["产出指标", "数量指标", "评审项目个数", "不少于5个", "6个", "30", "30"]
    assert rows[-1][0] == "总分" and rows[-1][1:3] == ["100", "99.98"]


def test_missed_indicator_row_asks_for_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "w.docx"
    write_docx(draft_report(read_figures(CASES / "water-missed-2023.yaml")), path)
    rows = table_rows(docx.Document(str(path)))
    pipes = next(r for r in rows if "更新改造供水管网" in r)
    name = pipes.index("更新改造供水管网")
    assert pipes[name + 2] == "28.4公里" and pipes[name + 4] == "12.17" and "待补充" in pipes[name + 5]


# ---------------------------------------------------------------- the national layout, re-read

def vmerge(row, k: int) -> str | None:
    """Return the vertical merge of the row's k-th w:tc as written (restart, continue or None)."""
    pr = row._tr.tc_lst[k].tcPr
    el = pr.find(qn("w:vMerge")) if pr is not None else None
    return None if el is None else (el.get(qn("w:val")) or "continue")


@pytest.fixture(scope="module")
def long_case(tmp_path_factory: pytest.TempPathFactory):
    """The culture case: seven indicators under three 一级 headings, qualitative text, a 【待补充】."""
    path = tmp_path_factory.mktemp("word") / "culture.docx"
    write_docx(draft_report(read_figures(CASES / "culture-qualitative-2024.yaml")), path)
    return docx.Document(str(path))


def test_columns_are_sized_to_their_content_and_fixed(document) -> None:
    from assistant.word_table import WIDTHS_CM

    doc, _ = document
    for table in doc.tables:
        grid = [round(int(gc.get(qn("w:w"))) / 567, 2) for gc in table._tbl.tblGrid.iter(qn("w:gridCol"))]
        assert grid == list(WIDTHS_CM) and len(set(grid)) > 4  # not equal columns
        assert abs(sum(grid) - 15.6) < 0.01  # the text width of the page
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        for row in table.rows:  # each cell's own width is the sum of the grid columns it spans
            col = 0
            for tc in row._tr.tc_lst:
                span = tc.grid_span
                assert abs(tc.width.cm - sum(WIDTHS_CM[col:col + span])) < 0.01
                col += span
            assert col == len(WIDTHS_CM)
    indicators = doc.tables[1]
    widths = {c.text: c.width.cm for c in indicators.rows[0].cells}
    assert widths["偏差原因分析及改进措施"] > 2 * widths["分值"] and widths["三级指标"] > widths["一级指标"]


def test_level_one_and_two_cells_are_merged_down(long_case) -> None:
    indicators = long_case.tables[1]
    body = indicators.rows[1:-1]
    first = [vmerge(r, 0) for r in body]
    # 产出 ×4, 效益 ×2, 满意度 ×1: restart, continue…; the lone 满意度 row is not merged
    assert first == ["restart", "continue", "continue", "continue", "restart", "continue", None]
    second = [vmerge(r, 1) for r in body]
    assert second[:2] == ["restart", "continue"] and second[2] is None  # 数量 ×2, then 质量
    assert [r.cells[0].text for r in body][:2] == ["产出指标", "产出指标"]  # Word shows the merged cell


def test_goal_block_has_the_expected_and_actual_sub_header(document) -> None:
    doc, _ = document
    top = doc.tables[0]
    goal = next(n for n, r in enumerate(top.rows) if r.cells[0].text == "年度总体目标")
    assert cells(top.rows[goal])[1:] == ["预期目标", "实际完成情况"]
    assert vmerge(top.rows[goal], 0) == "restart"
    assert vmerge(top.rows[goal + 1], 0) == "continue"
    assert "保障全市工业和信息化" in cells(top.rows[goal + 1])[1]


def test_header_row_repeats_and_rows_are_kept_whole(long_case) -> None:
    top, indicators = long_case.tables
    head = indicators.rows[0]._tr.trPr
    assert head.find(qn("w:tblHeader")) is not None and indicators.rows[0].cells[0].text == "一级指标"
    assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in indicators.rows[1:])
    for table in (top, indicators):
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows)

    def keeps(row) -> bool:  # every paragraph of the row's own cells is kept with the next row
        return all(Paragraph(p, None).paragraph_format.keep_with_next
                   for tc in row._tr.tc_lst for p in tc.iter(qn("w:p")))

    rows = indicators.rows
    assert keeps(rows[-2]) and keeps(rows[-3]) and not keeps(rows[-1])  # 总分 goes with two rows above
    assert keeps(rows[0])  # the header never ends a page
    # 产出 ×4, 效益 ×2, 满意度 ×1: a 一级 group stays on one page, the page may break between groups
    assert [keeps(r) for r in rows[1:6]] == [True, True, True, False, True]


def test_labels_are_bold_and_centred_text_left_numbers_centred(document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc, _ = document
    indicators = doc.tables[1]
    head = indicators.rows[0].cells[0].paragraphs[0]
    assert head.style.font.bold and head.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    row = indicators.rows[1]
    name, weight = row.cells[2].paragraphs[0], row.cells[6].paragraphs[0]
    assert name.text == "评审项目个数" and name.style.paragraph_format.alignment in (None, WD_ALIGN_PARAGRAPH.LEFT)
    assert not name.style.font.bold
    assert weight.text == "30" and weight.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_page_numbers_read_dash_n_dash(document) -> None:
    footer = document[0].sections[0].footer.paragraphs[0]
    instr = "".join(t.text for t in footer._p.iter(qn("w:instrText")))
    assert instr.strip() == "PAGE"
    texts = [t.text for t in footer._p.iter(qn("w:t"))]
    assert texts[0] == "— " and texts[-1] == " —"


def test_language_and_east_asian_fonts_are_declared(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "s.docx"
    write_docx(draft_report(read_figures(CASES / "sample-2024.yaml")), path)
    doc = docx.Document(str(path))
    lang = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    # Chinese text in zh-CN; Latin runs (digits) en-US, so that no line breaks inside a number
    assert lang.get(qn("w:eastAsia")) == "zh-CN" and lang.get(qn("w:val")) == "en-US"
    theme = doc.settings.element.find(qn("w:themeFontLang"))
    assert theme.get(qn("w:eastAsia")) == "zh-CN"  # python-docx's template says ja-JP
    assert doc.core_properties.language == "zh-CN"
    fonts = zipfile.ZipFile(path).read("word/fontTable.xml").decode()
    for name in ("方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312", "宋体"):
        assert f'w:name="{name}"' in fonts
    assert fonts.count('<w:charset w:val="86"/>') >= 5  # GB2312


def test_text_to_be_filled_in_is_highlighted(long_case) -> None:
    from docx.enum.text import WD_COLOR_INDEX

    runs = [r for p in long_case.paragraphs for r in p.runs] + [
        r for t in long_case.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    marked = [r for r in runs if "【待补充" in r.text]
    assert marked and all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in marked)
    assert all(r.text.startswith("【待补充") and r.text.endswith("】") for r in marked)
    assert not any(r.font.highlight_color for r in runs if "【待补充" not in r.text)
