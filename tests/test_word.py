"""The Word export re-read with python-docx: layout, fonts, the 自评表 and its values."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt

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
    return next(p for p in doc.paragraphs if p.text == text)


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


def test_self_evaluation_table_has_the_funds_block_and_indicators(document) -> None:
    doc, _ = document
    assert len(doc.tables) == 1
    table = doc.tables[0]
    rows = [cells(r) for r in table.rows]
    assert rows[2] == ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    assert rows[3] == ["年度资金总额", "189", "189", "138.78", "10", "99.84%", "9.98"]
    header = rows.index(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                         "偏差原因分析及改进措施"])
    assert rows[header + 1][:7] == ["产出指标", "数量指标", "评审项目个数", "不少于5个", "6个", "30", "30"]
    assert rows[-1][0] == "总分" and rows[-1][1:3] == ["100", "99.98"]


def test_missed_indicator_row_asks_for_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "w.docx"
    write_docx(draft_report(read_figures(CASES / "water-missed-2023.yaml")), path)
    rows = [cells(r) for r in docx.Document(str(path)).tables[0].rows]
    pipes = next(r for r in rows if r[2:3] == ["更新改造供水管网"])
    assert pipes[4] == "28.4公里" and pipes[6] == "12.17" and "待补充" in pipes[7]
