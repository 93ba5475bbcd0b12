"""The reviewer's findings as Word comments at the figures they are about, on a DOCX per report:
a copy of a submitted Word report (its text and tables untouched), the text read from a PDF, or the
自评表 of an Excel table as the drafter lays it out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.text.paragraph import Paragraph

from assistant.facts import FactTable
from assistant.files import read_regular, write_atomic
from assistant.findings import Finding
from assistant.reading import open_docx
from assistant.report import Report
from assistant.sources import safe_stem
from assistant.validation import terminal_safe
from assistant.word import build_docx
from assistant.word_comments import add_comments, plain_text

COMMENTED = "（批注）.docx"
# Characters XML 1.0 cannot hold (a PDF's text may carry them): each becomes one space, so offsets stay.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Cells = Mapping[str, tuple[int, int, int]]  # a figures path → (table, row, column) of its cell, counted from 1
Tables = tuple[tuple[tuple[tuple[str, str], ...], ...], ...]  # tables → rows → (cell text, cell name)


def commented_name(label: str) -> str:
    """Return the file name of a report's commented DOCX (报告A.docx → 报告A（批注）.docx; a PDF or a
    workbook's project keeps its suffix in the name, so that 报告A.pdf does not take 报告A.docx's;
    control characters become visible signs)."""
    return safe_stem(terminal_safe(label.removesuffix(".docx"))) + COMMENTED


def commented_copy(path: Path, label: str, text: str, table: FactTable, findings: Iterable[Finding],
                   notes: Path, cells: Cells | None = None, tables: Tables = ()) -> Path:
    """Write the findings as comments onto a DOCX of the report in notes/ and return its path.

    `text` is the text the findings' spans point into; `cells` places a finding about the figures at
    the 自评表 cell its value was read from (`tables`: a PDF's tables as read, written after its text).
    """
    suffix = path.suffix.lower()
    remarks, cells = list(findings), cells or {}
    if suffix in (".docx", ".pdf"):
        if suffix == ".docx":
            doc = open_docx(read_regular(path))
            own = plain_text(doc)[0]
        else:
            doc, own = _text_document(text, path.name, tables), text
        places = _cell_places(doc, table, cells)
        remarks = [_by_field(f, cells, places) for f in remarks]
        add_comments(doc, remarks, source_text=None if own == text else text, places=places)
    else:  # a table: the 自评表 as the drafter writes it, each finding at the cell of its fact
        doc, places = build_docx(Report(f"{table.figures.project.year}年度{table.figures.project.name}（自评表审阅）",
                                        (), table))
        add_comments(doc, remarks, places=_with_stated(places, table))
    target = notes / commented_name(label)
    write_atomic(target, lambda tmp: doc.save(str(tmp)))
    return target


def _text_document(text: str, name: str, tables: Tables) -> DocxDocument:
    """Return a Word document holding the text one line a paragraph (offsets as in the text), a note
    saying where it comes from, then the tables as read (a merged cell's text in its first cell), so
    that 表N 第r行第c列 is row r, column c of the document's N-th table."""
    doc = Document()
    for line in _NOT_XML.sub(" ", text).split("\n"):
        doc.add_paragraph(line)
    doc.add_paragraph(f"（以上为从「{_NOT_XML.sub(' ', name)}」提取的文字，以下为读出的表格；批注为核对意见。）")
    for rows in tables:
        width = max((len(row) for row in rows), default=0)
        if not width:
            continue
        grid = doc.add_table(rows=len(rows), cols=width)
        grid.style = "Table Grid"
        seen: set[str] = set()
        for r, row in enumerate(rows):
            for c, (cell_text, ref) in enumerate(row):
                if ref not in seen:
                    seen.add(ref)
                    grid.rows[r].cells[c].text = _NOT_XML.sub(" ", cell_text)
        doc.add_paragraph()
    return doc


def _by_field(finding: Finding, cells: Cells, places: dict[str, Paragraph]) -> Finding:
    """Return the finding placed at the cell of what it is about when its facts have no cell: a row's
    stated 得分 (indicators[2].score), or the field it names. The comment's wording is unchanged."""
    if finding.start is not None or any(f in places for f in (finding.fact, *finding.facts) if f):
        return finding
    for key in (f"{finding.field}.score", finding.field):
        if key in places:
            return replace(finding, fact=key)
    return finding


def _with_stated(places: dict[str, Paragraph], table: FactTable) -> dict[str, Paragraph]:
    """Return the places with each figure the unit stated (自报总分, 等级, 执行率), which the drafted
    自评表 does not show, placed at the cell of the figure recomputed from the table."""
    stated = {"evaluation.score": "score.total", "evaluation.grade": "grade",
              "evaluation.execution_rate": table.rate_id}
    return {**{k: places[v] for k, v in stated.items() if v in places}, **places}


def _cell_places(doc: DocxDocument, table: FactTable, cells: Cells) -> dict[str, Paragraph]:
    """Return, for each fact whose figures path has a known cell (and for each such path), that cell's
    first paragraph; a recomputed rate, total or grade goes to the cell where the table states its own."""
    places: dict[str, Paragraph] = {}
    stated = {"score.total": "evaluation.score", "grade": "evaluation.grade"}
    rate = "evaluation.execution_rate"
    wanted = [(f.id, stated.get(f.id, rate if f.id.startswith("rate.") else f.source)) for f in table]
    wanted += [(path, path) for path in cells]  # by figures path too: a finding's `field`, a row's stated 得分
    for key, source in wanted:
        where = cells.get(source) if source else None
        if where is None:
            continue
        t, r, c = where  # counted from 1, columns of the table's grid
        try:
            cell = doc.tables[t - 1].rows[r - 1].cells[c - 1]
        except IndexError:
            continue
        if cell.paragraphs:
            places[key] = cell.paragraphs[0]
    return places
