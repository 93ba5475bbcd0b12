"""The review note (NAME.review.md): what the author of the figures file must correct, what the draft
did about it, and every 【待补充】 left to fill. It is written beside the draft, never inside it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.check import CheckResult
from assistant.facts import FactTable
from assistant.report import Report, Section
from assistant.templating import render
from assistant.vocabulary import MISSING_MARK

_MISSING = re.compile(re.escape(MISSING_MARK) + r"：?([^】]*)】")


@dataclass(frozen=True)
class NoteItem:
    """One line of the note: where it points (a figures-file path or a section) and what it says."""

    where: str
    text: str


def review_note(report: Report, check: CheckResult) -> str:
    """Return the review note of a drafted report as Markdown."""
    table = report.table
    author = [NoteItem(_where(f.field, f.fact, table), f.message) for f in report.findings
              if f.audience == "author"]
    text = [NoteItem(f"「{f.text}」", f.message) for f in check.findings
            if f.start is not None and f.severity in ("error", "warning")]
    pending = [NoteItem(f"indicators[{n}]", f"「{r.indicator.name}」{r.pending}，草稿中记为待确认、暂不计分")
               for n, r in enumerate(table.sheet.indicators) if r.pending]
    missing = [NoteItem(where, m.group(1) or "待补充") for where, s in _placed(report)
               for m in _MISSING.finditer(s.text)]
    note = render("sections/review_note.j2", title=report.title, project=table.figures.project,
                  author=author, notes=table.notes, pending=pending, missing=missing, text=text,
                  summary=check.summary(), total=table["score.total"].display, grade=table["grade"].value)
    return re.sub(r"\n{3,}", "\n\n", note).strip() + "\n"


def _placed(report: Report) -> list[tuple[str, Section]]:
    """Return each section with its place in the outline (五（一）主要经验 → 五、…（一）主要经验)."""
    out, parent = [], ""
    for section in report.sections:
        if section.level == 1:
            parent = section.title.split("、")[0] + "、"
            out.append((section.title, section))
        else:
            out.append((parent + section.title, section))
    return out


def _where(field: str, fact_id: str, table: FactTable) -> str:
    """Return the figures-file path a finding points at: its own field, else its fact's source."""
    if field:
        return field
    fact = table.get(fact_id) if fact_id else None
    return (fact.source or fact.label) if fact is not None else "（整体）"
