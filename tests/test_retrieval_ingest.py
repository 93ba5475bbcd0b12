"""Loading corpus files of each format and cutting them into section-aware chunks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.retrieval.chunking import (
    SEPARATOR,
    Chunk,
    chunk_document,
    count_tokens,
    section_kind,
)
from assistant.retrieval.ingest import Document, LoadError, decode_text, discover, load_document

REPORT_MD = """---
type: report
title: 2023年度某县农村公路养护项目支出绩效自评报告
unit: 某县交通运输局
department: 交通
year: 2023
region: 某县
outcome: [met, low_execution]
---

# 2023年度某县农村公路养护项目支出绩效自评报告

项目名称：农村公路养护项目

## 一、基本情况

### （一）项目概况

项目依据省交通运输厅文件实施，养护农村公路320公里。

### （二）年度绩效目标设定情况

年度目标为完成320公里农村公路日常养护。

## 四、项目资金使用绩效

### （一）资金管理过程情况

全年预算500万元，实际支出430万元，预算执行率86.00%。

### （二）绩效目标完成情况

1. 产出指标完成情况。养护里程目标值320公里，实际325公里，已完成。

## 五、主要经验、存在的问题和偏离绩效目标的原因分析

部分路段养护资金拨付滞后。

## 六、改进意见

提前做好招标，按月拨付养护资金。
"""

PLAIN_REPORT = """项目支出绩效自评报告
项目名称：城乡医疗救助资金
一、基本情况
（一）项目概况。根据市民政局文件，对困难群众给予医疗救助。
（二）年度绩效目标设定情况
救助困难群众不少于1200人次。
二、绩效自评结果
自评得分92分，等级为优。
"""


def _doc(text: str, path: str = "corpus/reports/x.md", title: str = "某报告") -> Document:
    return Document(path=path, title=title, text=text, metadata={"type": "report"})


def _write_docx(path: Path) -> None:
    from docx import Document as new_docx

    doc = new_docx()
    doc.add_heading("某市教育局学生资助项目绩效自评报告", level=0)
    doc.add_heading("一、基本情况", level=1)
    doc.add_paragraph("资助家庭经济困难学生3200人。")
    doc.add_heading("二、项目资金使用绩效", level=1)
    doc.add_heading("（一）资金管理过程情况", level=2)
    doc.add_paragraph("全年预算860万元，执行率98.50%。")
    table = doc.add_table(rows=2, cols=3)
    rows = (("指标", "目标值", "实际值"), ("资助人数", "3000人", "3200人"))
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    doc.save(str(path))


def make_pdf(lines: list[str]) -> bytes:
    """Return a one-page PDF whose text (any BMP characters) extracts through a ToUnicode map."""
    chars = sorted({ch for line in lines for ch in line})
    cmap_entries = "\n".join(f"<{ord(c):04X}> <{ord(c):04X}>" for c in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{cmap_entries}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    ops = ["BT /F1 12 Tf 50 780 Td 14 TL"]
    for line in lines:
        ops.append("<" + "".join(f"{ord(c):04X}" for c in line) + "> Tj T*")
    ops.append("ET")
    content = "\n".join(ops)
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        f"<< /Length {len(content.encode())} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        "/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        f"<< /Length {len(cmap.encode())} >>\nstream\n{cmap}\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def test_markdown_front_matter_becomes_metadata(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text(REPORT_MD, encoding="utf-8")
    doc = load_document(path, "corpus/reports/r.md")
    assert doc.title == "2023年度某县农村公路养护项目支出绩效自评报告"
    assert doc.metadata == {
        "type": "report", "unit": "某县交通运输局", "department": "交通", "year": 2023,
        "region": "某县", "outcome": "met、low_execution",
    }
    assert not doc.text.startswith("---")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_text_files_in_each_encoding_decode_alike(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "policy" / "note.txt"
    path.parent.mkdir()
    path.write_bytes(PLAIN_REPORT.encode(encoding))
    doc = load_document(path, "policy/note.txt")
    assert "城乡医疗救助资金" in doc.text
    assert doc.metadata["type"] == "policy"  # from the folder name when there is no front matter


def test_undecodable_bytes_are_refused_with_a_reason() -> None:
    with pytest.raises(LoadError, match="编码"):
        decode_text(b"\x81\x30\xff\xfe\x00abc\xff")


def test_docx_headings_paragraphs_and_tables_are_read(tmp_path: Path) -> None:
    path = tmp_path / "edu.docx"
    _write_docx(path)
    doc = load_document(path, "edu.docx")
    chunks = chunk_document(doc, 400)
    sections = {c.section: c.text for c in chunks}
    assert sections["一、基本情况"] == "资助家庭经济困难学生3200人。"
    funds = sections["二、项目资金使用绩效" + SEPARATOR + "（一）资金管理过程情况"]
    assert "执行率98.50%" in funds and "资助人数 | 3000人 | 3200人" in funds


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    path = tmp_path / "p.pdf"
    path.write_bytes(make_pdf(["一、评分规则", "预算执行率权重为10分。", "二、公开要求", "自评结果随决算公开。"]))
    chunks = chunk_document(load_document(path, "p.pdf"), 400)
    assert [(c.section, c.text) for c in chunks] == [
        ("一、评分规则", "预算执行率权重为10分。"),
        ("二、公开要求", "自评结果随决算公开。"),
    ]


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf(["机密"]))))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(LoadError, match="已加密"):
        load_document(path, "locked.pdf")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bad.docx", b"PK\x03\x04 this is not a zip at all", "Word"),
        ("bad.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "PDF"),
        ("empty.md", b"---\ntype: report\n---\n\n", "没有可提取的文字"),
        ("bad-meta.md", b"---\ntitle: [unclosed\n---\ntext", "元数据"),
    ],
)
def test_damaged_files_raise_load_error(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError, match=reason):
        load_document(path, name)


def test_discover_skips_hidden_files_readmes_and_other_formats(tmp_path: Path) -> None:
    for name in ("a.md", "b.txt", "c.docx", "d.pdf", "README.md", "e.xlsx", ".hidden/f.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in discover(tmp_path)] == ["a.md", "b.txt", "c.docx", "d.pdf"]


def test_markdown_sections_follow_headings_and_skip_the_title() -> None:
    chunks = chunk_document(_doc(REPORT_MD.split("---\n", 2)[2]), 400)
    assert [c.section for c in chunks] == [
        "",
        "一、基本情况 > （一）项目概况",
        "一、基本情况 > （二）年度绩效目标设定情况",
        "四、项目资金使用绩效 > （一）资金管理过程情况",
        "四、项目资金使用绩效 > （二）绩效目标完成情况",
        "五、主要经验、存在的问题和偏离绩效目标的原因分析",
        "六、改进意见",
    ]
    assert [c.kind for c in chunks] == [
        "other", "overview", "goals", "funds", "indicators", "problems", "improvements",
    ]


def test_inconsistent_markdown_levels_nest_by_numbering() -> None:
    text = (
        "## 一、基本情况\n正文一\n#### 四、项目资金使用绩效\n正文四\n"
        "##### （一）资金管理过程情况\n资金\n##### （二）绩效目标完成情况\n目标\n"
        "#### **五、存在的问题**\n问题\n"
    )
    assert [c.section for c in chunk_document(_doc(text), 400)] == [
        "一、基本情况",
        "四、项目资金使用绩效",
        "四、项目资金使用绩效 > （一）资金管理过程情况",
        "四、项目资金使用绩效 > （二）绩效目标完成情况",
        "五、存在的问题",
    ]


def test_plain_text_headings_by_pattern_including_inline_ones() -> None:
    chunks = chunk_document(_doc(PLAIN_REPORT, path="r.txt"), 400)
    assert [(c.section, c.text) for c in chunks] == [
        ("", "项目支出绩效自评报告\n项目名称：城乡医疗救助资金"),
        ("一、基本情况 > （一）项目概况", "根据市民政局文件，对困难群众给予医疗救助。"),
        ("一、基本情况 > （二）年度绩效目标设定情况", "救助困难群众不少于1200人次。"),
        ("二、绩效自评结果", "自评得分92分，等级为优。"),
    ]


@pytest.mark.parametrize(
    ("line", "is_heading"),
    [
        ("1. 数量指标", True),
        ("（1）质量指标：验收合格率", True),
        ("(2) 时效指标", True),
        ("1.5万元用于购买设备", False),  # a decimal, not a numbered heading
        ("一是资金拨付滞后。", False),
        ("第三章 评价方法", True),
    ],
)
def test_heading_patterns(line: str, is_heading: bool) -> None:
    chunks = chunk_document(_doc(f"正文\n{line}\n内容"), 400)
    assert any(c.section == line for c in chunks) is is_heading


def test_chunks_respect_the_token_budget_and_keep_their_section() -> None:
    sentence = "项目资金按照进度拨付，预算执行率达到预期目标，资金使用规范。"
    body = "\n\n".join(sentence * 3 for _ in range(20))
    chunks = chunk_document(_doc(f"## 一、基本情况\n\n{body}\n\n## 二、改进意见\n\n加强管理。"), 100)
    assert len(chunks) > 5
    assert all(count_tokens(c.text) <= 100 for c in chunks)
    assert {c.section for c in chunks[:-1]} == {"一、基本情况"}
    assert chunks[-1].section == "二、改进意见"
    assert "".join(c.text.replace("\n", "") for c in chunks[:-1]) == body.replace("\n", "")


def test_a_run_on_sentence_is_cut_by_characters() -> None:
    body = "指标" * 500
    chunks = chunk_document(_doc(f"## 一、表格\n{body}"), 50)
    assert all(count_tokens(c.text) <= 50 for c in chunks)
    assert "".join(c.text for c in chunks) == body


def test_chunk_ids_are_stable_and_distinct() -> None:
    text = "## 一、基本情况\n同一句话。\n\n## 二、改进意见\n同一句话。\n"
    first = chunk_document(_doc(text), 400)
    again = chunk_document(_doc(text), 400)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == 2
    moved = chunk_document(_doc(text, path="other.md"), 400)
    assert not {c.id for c in moved} & {c.id for c in first}


def test_indexed_text_carries_title_and_section() -> None:
    chunk = Chunk("i", "d.md", "某报告", "一、基本情况", "overview", "正文", {"type": "report"})
    assert chunk.indexed_text() == "某报告\n一、基本情况\n正文"
    assert chunk.type == "report"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (("四、项目资金使用绩效", "（一）资金管理过程情况"), "funds"),
        (("四、项目资金使用绩效", "（二）绩效目标完成情况", "1. 产出指标完成情况"), "output"),
        (("四、项目资金使用绩效", "（二）绩效目标完成情况"), "indicators"),
        (("七、绩效自评结果拟应用和公开情况",), "publication"),
        (("三、绩效自评结果",), "result"),
        (("二、绩效自评工作开展情况",), "process"),
        (("附件",), "other"),
    ],
)
def test_section_kinds(path: tuple[str, ...], kind: str) -> None:
    assert section_kind(path) == kind
