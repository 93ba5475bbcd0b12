"""The check of a whole report: its numbers and claims, plus what the figures themselves get wrong
and what the report's sections must answer (the diagnostics)."""

from __future__ import annotations

from assistant.check import CheckResult, check_text
from assistant.diagnose import diagnose
from assistant.diagnose_text import diagnose_text
from assistant.facts import FactTable
from assistant.findings import Finding


def check_report(text: str, table: FactTable, figures: list[Finding] | None = None) -> CheckResult:
    """Return the check of a report text plus the diagnostics of its figures (computed unless the
    caller already has them, as the drafter does) and of its sections."""
    result = check_text(text, table)
    figures = diagnose(table) if figures is None else figures
    in_text = sorted(result.findings + tuple(diagnose_text(text, table, figures)), key=lambda f: f.start or 0)
    return CheckResult(result.numbers, tuple(figures) + tuple(in_text))
