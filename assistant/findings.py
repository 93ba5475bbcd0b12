"""Findings: what the checker and the diagnostics report, with the codes of FORMAT.md §3."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
Audience = Literal["author", "project"]

# Codes are a public contract: extend, never rename.
SEVERITY: dict[str, Severity] = {
    "unsupported_number": "error",
    "contradicted_number": "error",
    "miscomputed": "error",
    "claim_contradiction": "error",
    "rate_mismatch": "warning",
    "basis_inconsistent": "warning",
    "spend_exceeds_budget": "warning",
    "low_execution": "warning",
    "breakdown_sum_mismatch": "error",
    "weights_sum": "error",
    "score_mismatch": "warning",
    "grade_mismatch": "error",
    "target_as_actual": "error",
    "overachievement_unexplained": "warning",
    "underachievement_unexplained": "warning",
    "impossible_target": "warning",
    "missing_improvements": "warning",
    # Extensions: a deviation whose reason the figures give. Not a fault, but still a problem the
    # report must discuss, so the writer's 存在问题 can point at a finding for every problem.
    "deviation_explained": "info",
    # Extensions (issue 12). For the author: an indicator whose completion the words do not state.
    "achievement_unclear": "warning",
    # For the project: what a reviewer asks about even when every figure is right.
    "funds_not_arrived": "warning",
    "large_adjustment": "warning",
    "missing_indicator_kind": "warning",
    "cost_mismatch": "warning",
    "output_met_low_execution": "warning",
    "qualitative_without_evidence": "warning",
    # Extension: a text too large to check whole (more numbers than the checker reads at once).
    "unchecked_text": "error",
    # Extensions (issue 19): a report checked against its own 自评表. A number of the narrative the table
    # does not state cannot be checked (info); a row's 得分 that does not follow from its 分值 and
    # completion; a 总分 that is not the sum of the rows' 得分.
    "not_in_table": "info",
    "line_score_mismatch": "warning",
    "total_not_sum": "error",
}

# Who a finding is for. "author": a fault of the figures file or of a text, for whoever wrote it to
# fix (the review note, the check JSON, Word comments); never one of the project's 存在的问题.
# "project": a problem of the project's performance, for the report's 存在的问题 and 改进意见.
AUTHOR_CODES = frozenset({
    "unsupported_number", "contradicted_number", "miscomputed", "claim_contradiction", "missing_improvements",
    "rate_mismatch", "basis_inconsistent", "breakdown_sum_mismatch", "weights_sum", "score_mismatch",
    "grade_mismatch", "target_as_actual", "impossible_target", "achievement_unclear", "unchecked_text",
    "not_in_table", "line_score_mismatch", "total_not_sum",
})
AUDIENCE: dict[str, Audience] = {code: "author" if code in AUTHOR_CODES else "project" for code in SEVERITY}


@dataclass(frozen=True)
class Finding:
    """One finding: its code, severity, plain-Chinese message and the facts it concerns."""

    code: str
    message: str
    fact: str = ""  # the main fact concerned
    facts: tuple[str, ...] = ()  # every fact the message names
    indicator: str = ""  # the indicator id, when the finding is about one
    cause: str = ""  # cause category, for problems drawn from the finding
    reason: str = ""  # the deviation reason given in the figures, if any
    start: int | None = None  # character span in the checked text (text-level findings)
    end: int | None = None
    text: str = ""
    expected: str = ""

    field: str = ""  # the figures-file path concerned (indicators[2].actual), for the author

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.code]

    @property
    def audience(self) -> Audience:
        """Return who the finding is for: the file's author, or the project's report."""
        return AUDIENCE[self.code]

    def to_json(self) -> dict[str, Any]:
        """Return the finding as FORMAT.md §3 shows it, plus the extension fields that are set."""
        data: dict[str, Any] = {"code": self.code, "severity": self.severity, "audience": self.audience}
        data.update({k: v for k, v in asdict(self).items() if v not in ("", (), None) and k != "code"})
        if "facts" in data:
            data["facts"] = list(data["facts"])
        return data
