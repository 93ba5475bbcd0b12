"""Word comments anchored at the figure a finding is about (python-docx's comments API).

A finding of the checker carries a character span into the text it checked; a finding on the
figures file names the facts it concerns. `add_comments` turns each into a Word comment on the
exact characters of its number, so an author sees the remark where the figure stands.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from assistant.findings import Finding

COMMENT_AUTHOR, COMMENT_INITIALS = "自评报告核对", "核对"
SEVERITY_LABEL = {"error": "错误", "warning": "提示", "info": "说明"}

def for_author(finding: Finding) -> bool:
    """Return whether the finding is for the author of the figures file or text (findings.AUDIENCE),
    not a problem of the project."""
    return finding.audience == "author"


def review_comments(findings: Iterable[Finding]) -> list[Finding]:
    """Return the findings a drafted DOCX carries as comments: every fault of the figures file (for
    its author) and each error or warning the checker found at a place in the text."""
    return [f for f in findings
            if for_author(f) or (f.start is not None and f.severity in ("error", "warning"))]


@dataclass(frozen=True)
class _Piece:
    """One paragraph of the document and where its text starts in the document's plain text."""

    start: int
    paragraph: Paragraph


def plain_text(doc: DocxDocument) -> tuple[str, list[_Piece]]:
    """Return the document's plain text as the checker reads a .docx (body paragraphs joined with
    "\\n", then each table row as "| a | b |", a merged cell once) and where each paragraph starts."""
    parts: list[str] = []
    pieces: list[_Piece] = []
    at = 0

    def put(text: str, paragraph: Paragraph | None = None) -> None:
        nonlocal at
        if paragraph is not None:
            pieces.append(_Piece(at, paragraph))
        parts.append(text)
        at += len(text)

    for n, para in enumerate(doc.paragraphs):
        put("\n" if n else "")
        put(para.text, para)
    for table in doc.tables:
        for row in table.rows:
            put("\n" if parts else "")
            put("| ")
            texts: list[str] = []
            for cell in row.cells:
                if texts and cell.text == texts[-1]:  # a merged cell repeats: once, as the checker reads it
                    continue
                if texts:
                    put(" | ")
                texts.append(cell.text)
                for k, para in enumerate(cell.paragraphs):
                    put("\n" if k else "")
                    put(para.text, para)
            put(" |")
    return "".join(parts), pieces


def add_comments(doc: DocxDocument, findings: Iterable[Finding], *, source_text: str | None = None,
                 places: Mapping[str, Paragraph] | None = None, author: str = COMMENT_AUTHOR) -> list[Finding]:
    """Add one Word comment per finding, anchored at its number, and return the findings that had
    no place of their own (those are anchored at the document's first paragraph, never dropped).

    Where a finding goes, in order:
    - its span `start`/`end` (with `text`): offsets into `plain_text(doc)`, or, when `source_text`
      is given, into that text (a Markdown twin of the document, say); the same occurrence of the
      finding's text is then found in the document (the 3rd "92分" stays the 3rd);
    - the first of its facts (`fact`, then `facts`) that `places` maps to a paragraph (a 自评表
      cell): the comment covers that paragraph's text;
    - else its `text` wherever it first occurs in the document.
    The comment reads "【错误】message（应为 expected）[code]".
    """
    text, pieces = plain_text(doc)
    unplaced = []
    for finding in findings:
        runs = _runs_for(finding, text, pieces, source_text, places or {})
        if not runs:
            unplaced.append(finding)
            runs = _first_runs(doc)
            if not runs:
                continue
        doc.add_comment(runs, comment_text(finding), author=author, initials=COMMENT_INITIALS)
    return unplaced


def comment_text(finding: Finding) -> str:
    """Return the comment's wording: severity, message, the expected value if any, and the code."""
    label = SEVERITY_LABEL.get(finding.severity, finding.severity)
    expected = f"（应为 {finding.expected}）" if finding.expected and finding.expected not in finding.message else ""
    return f"【{label}】{finding.message}{expected} [{finding.code}]"


def _runs_for(finding: Finding, text: str, pieces: list[_Piece], source_text: str | None,
              places: Mapping[str, Paragraph]) -> list[Run]:
    span = _span(finding, text, source_text)
    if span is None:
        for fact in (finding.fact, *finding.facts):
            if fact and fact in places and places[fact].text:
                para = places[fact]
                return _isolate(para, 0, len(para.text))
        if finding.text and finding.text in text:
            start = text.index(finding.text)
            span = (start, start + len(finding.text))
    return _runs_at(span, pieces) if span else []


def _span(finding: Finding, text: str, source_text: str | None) -> tuple[int, int] | None:
    """Return the finding's span in the document's plain text, or None when it has none there."""
    if finding.start is None or finding.end is None or finding.end <= finding.start:
        return None
    if source_text is None:
        if finding.end <= len(text) and (not finding.text or text[finding.start:finding.end] == finding.text):
            return finding.start, finding.end
        return None
    wanted = finding.text or source_text[finding.start:finding.end]
    if not wanted:
        return None
    ordinal = _count(source_text, wanted, finding.start)
    hits = list(_occurrences(text, wanted))
    if not hits:
        return None
    at = hits[min(ordinal, len(hits) - 1)]
    return at, at + len(wanted)


def _count(text: str, needle: str, before: int) -> int:
    return sum(1 for at in _occurrences(text, needle) if at < before)


def _occurrences(text: str, needle: str) -> Iterator[int]:
    at = text.find(needle)
    while at >= 0:
        yield at
        at = text.find(needle, at + len(needle))


def _runs_at(span: tuple[int, int], pieces: list[_Piece]) -> list[Run]:
    """Return the runs covering span: within the one paragraph that holds its start (a span that
    runs past that paragraph's end is cut there), split so that they hold exactly those characters."""
    start, end = span
    for piece in reversed(pieces):
        length = len(piece.paragraph.text)
        if piece.start <= start <= piece.start + length and start < piece.start + max(length, 1):
            a = start - piece.start
            return _isolate(piece.paragraph, a, min(end - piece.start, length))
    return []


def _isolate(para: Paragraph, a: int, b: int) -> list[Run]:
    """Return the runs of para that hold characters a..b, splitting runs at a and b where a run is
    plain text; a run holding tabs or breaks as well is taken whole."""
    if b <= a:
        return []
    _split_at(para, b)
    _split_at(para, a)
    out, at = [], 0
    for run in _all_runs(para):
        length = len(run.text)
        if at < b and at + length > a:
            out.append(run)
        at += length
    return out


def _all_runs(para: Paragraph) -> list[Run]:
    """Return the paragraph's runs in order, those inside hyperlinks included."""
    return [Run(r, para) for r in para._p.xpath("./w:r | ./w:hyperlink/w:r")]


def _split_at(para: Paragraph, offset: int) -> None:
    at = 0
    for run in _all_runs(para):
        length = len(run.text)
        if at < offset < at + length:
            _split_run(run, offset - at)
            return
        at += length


def _split_run(run: Run, k: int) -> None:
    """Split a plain-text run (one w:t) into two runs of the same formatting at character k."""
    r = run._r
    content = [child for child in r if child.tag != qn("w:rPr")]
    if len(content) != 1 or content[0].tag != qn("w:t"):
        return
    tail = copy.deepcopy(r)
    full = content[0].text or ""
    _set_text(r, full[:k])
    _set_text(tail, full[k:])
    r.addnext(tail)


def _set_text(r, text: str) -> None:  # type: ignore[no-untyped-def]
    t = r.find(qn("w:t"))
    t.text = text
    t.set(qn("xml:space"), "preserve")


def _first_runs(doc: DocxDocument) -> list[Run]:
    """Return the runs of the first paragraph that has text (where a comment with no place goes)."""
    for para in doc.paragraphs:
        if para.text:
            runs = _all_runs(para)
            return [runs[0], runs[-1]] if runs else []
    return []
