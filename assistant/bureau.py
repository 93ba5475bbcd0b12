"""One submitted report reviewed as a finance bureau does: its figures recovered (a Word or PDF report's
own 自评表, or an Excel table), recomputed and checked against its narrative, and summed up as one
row of the folder's review (`ReportReview`), with the findings as comments on a copy of the report.

A report that cannot be read is a row saying why, never an exception out of `review_one`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.bureau_docx import Tables, commented_copy
from assistant.check import CheckResult
from assistant.diagnose import diagnose
from assistant.extract import ExtractError, extract_report
from assistant.extract_doc import ref_position
from assistant.facts import FactTable, build_facts
from assistant.figures import Figures, FiguresError
from assistant.files import os_error_text
from assistant.findings import SEVERITY, Finding
from assistant.scoring import load_scheme
from assistant.self_check import scheme_for, self_check
from assistant.sources import WORKBOOK_SUFFIXES, sources_of

REPORT_SUFFIXES = (".docx", ".pdf")
REVIEWED_SUFFIXES = (*REPORT_SUFFIXES, *WORKBOOK_SUFFIXES)
TOP_FINDINGS = 3

# What a reviewer reads first: a narrative that disagrees with its own table, arithmetic that does not
# follow, a grade or verdict the figures do not bear out; then stated scores and rates; the rest in the
# order of findings.SEVERITY.
_FIRST = ("contradicted_number", "miscomputed", "total_not_sum", "grade_mismatch", "claim_contradiction",
          "breakdown_sum_mismatch", "weights_sum", "target_as_actual", "unsupported_number", "unchecked_text",
          "score_mismatch", "line_score_mismatch", "rate_mismatch", "spend_exceeds_budget", "low_execution",
          "underachievement_unexplained")
_RANK = {code: n for n, code in enumerate(dict.fromkeys((*_FIRST, *SEVERITY)))}
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


class ReportUnreadable(ValueError):
    """A report whose figures cannot be recovered; the message says why in plain Chinese."""


@dataclass(frozen=True)
class Examined:
    """A report read and checked: the text checked (empty for a table), its fact table, the check of
    the text against it plus the diagnostics, and where the 自评表's values stand in a Word file."""

    path: Path
    label: str  # the file name, or 表.xlsx［Sheet2］ for one project of a workbook
    text: str
    table: FactTable
    result: CheckResult
    cells: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # figures path → (table, row, column)
    unread: tuple[str, ...] = ()  # what the 自评表 did not give (read from a Word or PDF report)
    tables: Tables = ()  # the report's tables as read (a PDF's, for its commented copy)


@dataclass(frozen=True)
class ReportReview:
    """One row of a folder's review: who and what the report is about, its score stated and recomputed,
    grade, execution rate, the count of errors and warnings, the most serious findings and the
    commented DOCX; or, for a report that could not be read, why (`problem`)."""

    file: str
    unit: str = ""
    project: str = ""
    year: int | None = None
    score_stated: float | None = None
    score: float | None = None
    grade: str = ""
    grade_stated: str = ""
    rate: float | None = None
    errors: int = 0
    warnings: int = 0
    top: tuple[str, ...] = ()
    commented: str = ""  # the commented DOCX written for it ("" when none)
    problem: str = ""  # why the report could not be read
    note: str = ""  # what else went wrong (the commented DOCX could not be written)
    source: str = ""  # the path of the file reviewed

    @property
    def readable(self) -> bool:
        return not self.problem

    def severity_key(self) -> tuple[int, int, int, str]:
        """Return the row's place in the review: unreadable reports first (the bureau must ask for
        them again), then the most errors, then the most warnings, then by file name."""
        return (0 if self.problem else 1, -self.errors, -self.warnings, self.file)


def ranked(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    """Return the errors and warnings, most serious first (severity, then the reviewer's order of codes,
    then their order in the report)."""
    serious = [f for f in findings if f.severity in ("error", "warning")]
    return sorted(serious, key=lambda f: (_SEVERITY_RANK[f.severity], _RANK.get(f.code, len(_RANK)), f.start or 0))


def plain(finding: Finding) -> str:
    """Return a finding as one line of plain Chinese: where it is (the text quoted) and what is wrong."""
    where = f"「{finding.text}」" if finding.text and finding.text not in finding.message else ""
    expected = f"（应为 {finding.expected}）" if finding.expected and finding.expected not in finding.message else ""
    return f"{where}{finding.message}{expected}"


def examine(path: Path, scheme: str = "national", chosen: bool = False, name: str = "") -> list[Examined]:
    """Return the report checked (a workbook: each of its projects), labelled by `name` (default: the
    file's name); raise ReportUnreadable saying why it could not be. A Word or PDF report is scored by
    the scheme its table implies unless `chosen`."""
    suffix, name = path.suffix.lower(), name or path.name
    if suffix in WORKBOOK_SUFFIXES:
        return [_table_checked(name + src.label.removeprefix(path.name), src.load, path, scheme)
                for src in sources_of([path])]
    if suffix in REPORT_SUFFIXES:
        return [_report_checked(path, name, scheme, chosen)]
    raise ReportUnreadable(f"不支持的文件类型「{suffix or '无扩展名'}」：请提交 .docx、.pdf 或 .xlsx")


def _table_checked(label: str, load: Callable[[], Figures], path: Path, scheme: str) -> Examined:
    """Return an Excel 自评表 diagnosed: its arithmetic redone, the reviewer's questions asked."""
    try:
        table = build_facts(load(), load_scheme(scheme))
    except FiguresError as exc:
        raise ReportUnreadable(f"自评表有误：{exc}") from None
    return Examined(path, label, "", table, CheckResult((), tuple(diagnose(table))))


def _report_checked(path: Path, name: str, scheme: str, chosen: bool) -> Examined:
    """Return a Word or PDF report checked against its own 自评表 (assistant/self_check.py)."""
    try:
        extraction = extract_report(path)
    except ExtractError as exc:
        raise ReportUnreadable(str(exc).removeprefix(f"{path}：")) from None
    if extraction.figures is None:
        raise ReportUnreadable("未能读出自评表：" + "；".join(extraction.unread))
    checked = self_check(extraction, scheme_for(extraction, load_scheme(scheme), chosen))
    cells = {r.path: at for r in extraction.readings if r.path and (at := ref_position(r.where))}
    # A row's stated 得分 has no figures-file field; its cell is where a finding on that row belongs.
    cells |= {f"{'funds' if s.indicator is None else f'indicators[{s.indicator}]'}.{s.kind}": at
              for s in extraction.stated if (at := ref_position(s.where))}
    tables = tuple(tuple(tuple((c.text, c.ref) for c in row) for row in grid.rows)
                   for grid in extraction.document.tables)
    return Examined(path, name, extraction.text, checked.table, checked.result, cells,
                    tuple(extraction.unread), tables)


def review_one(path: Path, notes: Path | None = None, scheme: str = "national",
               chosen: bool = False, name: str = "") -> list[ReportReview]:
    """Return the review of one file (one row; a workbook of projects, a row each), shown as `name`
    (default: the file's name). With `notes`, each readable report's errors and warnings are written
    as comments on a DOCX there (bureau_docx). Whatever goes wrong with one file becomes its row's
    `problem`; nothing is raised."""
    name = name or path.name
    try:
        examined = examine(path, scheme, chosen, name)
    except ReportUnreadable as exc:
        return [ReportReview(name, problem=str(exc), source=str(path))]
    except OSError as exc:
        return [ReportReview(name, problem=f"无法读取：{os_error_text(exc)}", source=str(path))]
    except Exception as exc:  # noqa: BLE001 - a file nobody foresaw is one row, never the end of the review
        return [ReportReview(name, problem=f"无法核对（{type(exc).__name__}：{str(exc)[:200]}）", source=str(path))]
    rows = []
    for item in examined:
        written, note = "", ""
        if notes is not None:
            try:
                written = str(commented_copy(item.path, item.label, item.text, item.table,
                                             ranked(item.result.findings), notes, item.cells, item.tables))
            except OSError as exc:
                note = f"批注文件未能写出：{os_error_text(exc)}"
            except Exception as exc:  # noqa: BLE001 - python-docx on an odd document: the row still stands
                note = f"批注文件未能写出（{type(exc).__name__}）"
        rows.append(summarise(item, written, note))
    return rows


def summarise(item: Examined, commented: str = "", note: str = "") -> ReportReview:
    """Return the row of a checked report."""
    table, fig = item.table, item.table.figures
    stated = fig.evaluation
    found = ranked(item.result.findings)
    unread = f"自评表中未能读出：{'；'.join(item.unread)}" if item.unread else ""
    note = "；".join(x for x in (unread, note) if x)
    return ReportReview(
        item.label, fig.project.unit, fig.project.name, fig.project.year,
        score_stated=stated.score, score=float(table["score.total"].value),
        grade=str(table["grade"].value), grade_stated=stated.grade or "",
        rate=table.amount(table.rate_id) if table.rate_id in table else None,
        errors=sum(f.severity == "error" for f in item.result.findings),
        warnings=sum(f.severity == "warning" for f in item.result.findings),
        top=tuple(plain(f) for f in found[:TOP_FINDINGS]), commented=commented, note=note,
        source=str(item.path))
