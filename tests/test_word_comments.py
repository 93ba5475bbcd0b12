"""Word comments anchored at the number a finding is about, re-read from the saved DOCX."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml.ns import qn

from assistant.check import check_text
from assistant.draft import draft_report
from assistant.figures import read_figures
from assistant.findings import Finding
from assistant.project_job import draft_file
from assistant.report_text import read_report_text
from assistant.scoring import load_scheme
from assistant.word import build_docx
from assistant.word_comments import add_comments, for_author, plain_text
from tests.conftest import CASES


def anchored(path: Path) -> list[tuple[str, str]]:
    """Return (the text each comment covers, the comment's text), re-read from the saved file."""
    doc = docx.Document(str(path))
    covered: dict[str, list[str]] = {}
    done: dict[str, str] = {}
    for el in doc.element.body.iter():
        if el.tag == qn("w:commentRangeStart"):
            covered[el.get(qn("w:id"))] = []
        elif el.tag == qn("w:commentRangeEnd"):
            done[el.get(qn("w:id"))] = "".join(covered.pop(el.get(qn("w:id"))))
        elif el.tag == qn("w:t"):
            for parts in covered.values():
                parts.append(el.text or "")
    return [(done[str(c.comment_id)], c.text) for c in doc.comments]


def test_plain_text_is_the_text_the_checker_reads_from_the_file(tmp_path: Path) -> None:
    doc, _ = build_docx(draft_report(read_figures(CASES / "roads-adjusted-2024.yaml")))
    doc.save(str(tmp_path / "r.docx"))
    text, _ = plain_text(docx.Document(str(tmp_path / "r.docx")))
    assert text == read_report_text(tmp_path / "r.docx")


def test_a_checker_finding_is_anchored_at_its_number_inside_a_sentence(tmp_path: Path) -> None:
    report = draft_report(read_figures(CASES / "sample-2024.yaml"))
    doc, _ = build_docx(report)
    para = next(p for p in doc.paragraphs if "138.78万元" in p.text)
    para.add_run("另据统计，实际支出为 150.5万元，详见附表。")  # a second run, as an editor leaves it
    text, _ = plain_text(doc)
    findings = [f for f in check_text(text, report.table).findings if f.text == "150.5万元"]
    assert findings and findings[0].severity == "error"
    assert add_comments(doc, findings) == []
    doc.save(str(tmp_path / "c.docx"))
    [(covered, comment)] = anchored(tmp_path / "c.docx")
    assert covered == "150.5万元" and comment.startswith("【错误】") and findings[0].code in comment
    again = docx.Document(str(tmp_path / "c.docx"))
    assert any("实际支出为 150.5万元，详见附表。" in p.text for p in again.paragraphs)  # the text is unchanged


def test_offsets_into_a_markdown_twin_find_the_same_occurrence(tmp_path: Path) -> None:
    doc = docx.Document()
    for line in ("标题", "预算 189万元，执行 138.78万元。", "又执行 138.78万元，余 50.22万元。"):
        doc.add_paragraph(line)
    source = "# 标题\n\n预算 189万元，执行 138.78万元。\n\n又执行 138.78万元，余 50.22万元。\n"
    second = source.rindex("138.78万元")
    finding = Finding("unsupported_number", "示例", start=second, end=second + 9, text="138.78万元")
    add_comments(doc, [finding], source_text=source)
    doc.save(str(tmp_path / "m.docx"))
    [(covered, _)] = anchored(tmp_path / "m.docx")
    assert covered == "138.78万元"
    third = docx.Document(str(tmp_path / "m.docx")).paragraphs[2]
    assert [r.text for r in third.runs if r.text] == ["又执行 ", "138.78万元", "，余 50.22万元。"]
    assert third._p.xpath("./w:commentRangeStart")  # in the third paragraph, not the second


def test_figures_file_faults_are_comments_at_their_cell_and_project_problems_are_not(tmp_path: Path) -> None:
    result = draft_file(CASES / "diag-target-text-2023.yaml", tmp_path, load_scheme())
    comments = anchored(tmp_path / "diag-target-text-2023.docx")
    copied = [(covered, c) for covered, c in comments if "target_as_actual" in c]
    assert len(copied) == 2
    table = docx.Document(str(tmp_path / "diag-target-text-2023.docx")).tables[-1]
    for covered, comment in copied:
        row = next(r for r in table.rows if f"「{r.cells[2].text}」" in comment)
        assert covered == row.cells[5].text and covered  # the 实际完成值 cell of that indicator
    assert all(for_author(f) for f in result.findings if any(f.code in c for _, c in comments))
    assert not any("[low_execution]" in c or "[underachievement_unexplained]" in c for _, c in comments)


def test_a_finding_with_no_place_is_kept_at_the_title(tmp_path: Path) -> None:
    report = draft_report(read_figures(CASES / "sample-2024.yaml"))
    doc, _ = build_docx(report)
    lost = Finding("score_mismatch", "自报总分与计算不符", fact="no.such.fact")
    assert add_comments(doc, [lost]) == [lost]
    doc.save(str(tmp_path / "t.docx"))
    [(covered, comment)] = anchored(tmp_path / "t.docx")
    assert covered.replace("\n", "") == report.title and "自报总分与计算不符" in comment
