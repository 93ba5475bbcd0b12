"""Findings: what the checker and the diagnostics report, with the codes of FORMAT.md §3."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

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
}


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

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.code]

    def to_json(self) -> dict[str, Any]:
        """Return the finding as FORMAT.md §3 shows it, plus the extension fields that are set."""
        data: dict[str, Any] = {"code": self.code, "severity": self.severity}
        data.update({k: v for k, v in asdict(self).items() if v not in ("", (), None) and k != "code"})
        if "facts" in data:
            data["facts"] = list(data["facts"])
        return data
