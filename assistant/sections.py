"""The sections of a report and the context each is written from: the outline (SECTIONS), the fact
table with its findings, and the variables the section templates read."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from assistant import vocabulary as v
from assistant.diagnose import diagnose
from assistant.facts import FactTable, build_facts
from assistant.figures import Figures
from assistant.findings import Finding
from assistant.matching import Matcher
from assistant.report import MARK_OPEN, fact_data
from assistant.runlog import RunLog
from assistant.scoring import Scheme, load_scheme
from assistant.templating import has_digits

LEVEL1_ORDER = ("产出指标", "成本指标", "效益指标", "满意度指标")
# Findings that are deviations from the goals (五（三）) rather than faults of the table.
DEVIATION_CODES = {"low_execution", "spend_exceeds_budget", "underachievement_unexplained",
                   "overachievement_unexplained", "deviation_explained", "funds_not_arrived", "large_adjustment"}


def measure_kind(f: Finding) -> str:
    """Return the kind of improvement measure a finding calls for: findings of one kind share one measure."""
    if f.code == "low_execution" or (f.code == "deviation_explained" and f.fact.startswith("rate.")):
        return "rate"
    if f.code == "overachievement_unexplained" or (f.code == "deviation_explained" and f.cause == "目标设置偏低"):
        return "over"
    if f.code in ("underachievement_unexplained", "deviation_explained"):
        return "miss"
    return f.code


def vary(seed: str) -> Callable[[str, Sequence[str]], str]:
    """Return a chooser of wordings: the same project and key always get the same one, so drafts are
    reproducible, while different projects get different ones."""
    def choose(key: str, options: Sequence[str]) -> str:
        return options[zlib.crc32(f"{seed}|{key}".encode()) % len(options)]
    return choose


@dataclass(frozen=True)
class SectionSpec:
    """A planned section: id, heading, level (1 一、 / 2 （一）) and the template that writes it."""

    id: str
    title: str
    level: int
    template: str | None


# The report's outline, in order.
SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("basic", "一、基本情况", 1, None),
    SectionSpec("basic.overview", "（一）项目概况", 2, "overview"),
    SectionSpec("basic.goal", "（二）年度绩效目标设定情况", 2, "goal"),
    SectionSpec("process", "二、绩效自评工作开展情况", 1, "process"),
    SectionSpec("result", "三、绩效自评结果", 1, "result"),
    SectionSpec("use", "四、项目资金使用绩效", 1, "use"),
    SectionSpec("use.funds", "（一）资金管理过程情况", 2, "funds"),
    SectionSpec("use.indicators", "（二）绩效目标完成情况", 2, "indicators"),
    SectionSpec("lessons", "五、主要经验、存在的问题和偏离绩效目标的原因分析", 1, None),
    SectionSpec("lessons.experience", "（一）主要经验", 2, "experience"),
    SectionSpec("lessons.problems", "（二）存在的问题", 2, "problems"),
    SectionSpec("lessons.deviation", "（三）偏离绩效目标的原因分析", 2, "deviation"),
    SectionSpec("improvements", "六、改进意见", 1, "improvements"),
    SectionSpec("publication", "七、绩效自评结果拟应用和公开情况", 1, "publication"),
)


@dataclass
class DraftContext:
    """Everything a writer may use for one report: the fact table and the findings on it."""

    table: FactTable
    findings: list[Finding] = field(default_factory=list)
    run: RunLog | None = None  # the project's run folder, when draft --run-dir asks for one

    def warm(self) -> DraftContext:
        """Return the context with what every section shares computed now (the matcher's caches, the
        template variables), so section threads never build them at once."""
        _ = self.matcher, self._variables
        return self

    @cached_property
    def matcher(self) -> Matcher:
        """Return the checker's matcher over this table, prepared once for every section."""
        return Matcher(self.table).warm()

    @property
    def problems(self) -> list[Finding]:
        """Return the project's findings the report discusses as problems (all but pure information).

        Faults of the figures file (audience "author") are never the project's problems: they go to
        the review note beside the draft.
        """
        return [f for f in self.findings if f.audience == "project"
                and (f.severity != "info" or f.code == "deviation_explained")]

    @property
    def author_findings(self) -> list[Finding]:
        """Return the findings for the figures file's author, in the order of the 自评表."""
        return [f for f in self.findings if f.audience == "author"]

    @property
    def deviations(self) -> list[Finding]:
        return [f for f in self.findings if f.code in DEVIATION_CODES]

    @property
    def measures(self) -> list[list[Finding]]:
        """Return the problems grouped by the measure they call for, one group per improvement, in order."""
        groups: dict[str, list[Finding]] = {}
        for f in self.problems:
            groups.setdefault(measure_kind(f), []).append(f)
        return list(groups.values())

    def finding_codes(self, section_id: str) -> tuple[str, ...]:
        """Return the codes of the findings a section answers, one per paragraph."""
        if section_id == "improvements":
            return tuple(group[0].code for group in self.measures)
        chosen = {"lessons.problems": self.problems, "lessons.deviation": self.deviations}.get(section_id, [])
        return tuple(f.code for f in chosen)

    @cached_property
    def _variables(self) -> dict[str, Any]:
        t, fig = self.table, self.table.figures
        rows = t.sheet.indicators
        groups = [(lv, [r for r in rows if r.indicator.level1 == lv]) for lv in LEVEL1_ORDER]
        overshoot = {f.indicator for f in self.findings if f.cause == "目标设置偏低"}
        return {
            "project": fig.project, "figures": fig, "funds": fig.funds, "table": t, "scheme": t.scheme,
            "rows": rows, "rows_by_id": {r.indicator.id: r for r in rows},
            "groups": [(lv, items) for lv, items in groups if items],
            "has_benefit_group": any(r.indicator.level1 == "效益指标" for r in rows),
            "group_scores": _group_scores(t),
            "basis_label": v.BASIS_LABELS[t.sheet.basis],
            "other_rates": [{"id": v.rate_id(b), "basis": v.BASIS_LABELS[b]} for b in v.BASIS_LABELS
                            if b != t.sheet.basis and v.rate_id(b) in t
                            and t[v.rate_id(b)].value != t[t.rate_id].value],
            "adjusted": v.FUNDS_ADJUSTMENT in t,
            "breakdown": [{"name": r.name, "n": n} for n, r in enumerate(fig.funds.breakdown)],
            "low_execution": float(t[t.rate_id].value) < t.scheme.thresholds.execution_rate,
            "met_all": all(r.verdict in ("已完成", "超额完成") for r in rows),
            "pending_rows": [r for r in rows if r.pending],
            "qualitative_rows": [r for r in rows if r.achievement is not None],
            "evidenced": [r for r in rows if r.verdict in ("已完成", "超额完成") and r.indicator.evidence
                          and not has_digits(r.indicator.evidence)],
            "missing_kinds": "和".join(k for k in ("效益指标", "满意度指标")
                                      if rows and not any(r.indicator.level1 == k for r in rows)),
            "overspent": "balance.overspend" in t,
            "carryover": next(({"name": r.name, "n": n} for n, r in enumerate(fig.funds.breakdown)
                               if "结转" in r.name), None),
            "benefits": benefit_groups(fig),
            "facts_list": [{"id": v.result_id(n), "name": x.name, "qualifier": x.qualifier}
                           for n, x in enumerate(fig.facts)],
            "basis_docs": "、".join(d if isinstance(d, str) else d.cited() for d in fig.project.basis),
            "overshoot_ids": overshoot,
            "weights_filled": any(r.weight_filled for r in rows),
            "empty_groups": "、".join(g.name for g in t.scheme.groups
                                     if not any(r.group == g.name for r in rows)),
            "problems": self.problems, "deviations": self.deviations, "measures": self.measures,
            "vary": vary(f"{fig.project.unit}|{fig.project.name}|{fig.project.year}"),
            "basis_fact": v.BASIS_AMOUNT[t.sheet.basis],
            "fact": self._mark, "number": lambda fid: self._mark(fid, number_only=True),
            "has": lambda fid: fid in t,
            "placeholder": v.missing,
        }

    def variables(self, section_id: str = "") -> dict[str, Any]:
        """Return the template variables of a section (the same for every section)."""
        return self._variables

    def _mark(self, fact_id: str, number_only: bool = False) -> str:
        if fact_id not in self.table:
            raise KeyError(f"模板引用了不存在的事实「{fact_id}」")
        return f"{MARK_OPEN}{fact_id}|n⟧" if number_only else f"{MARK_OPEN}{fact_id}⟧"


def _group_scores(t: FactTable) -> list[dict[str, Any]]:
    """Return each scheme group's subtotal, named by the 一级指标 of the 自评表 rows it adds up
    (产出指标和成本指标 when the group holds both), so the narrative names exactly the rows it sums."""
    out = []
    for n, group in enumerate(t.scheme.groups):
        if v.group_id(n, "score") not in t:
            continue
        levels = list(dict.fromkeys(r.indicator.level1 for r in t.sheet.indicators if r.group == group.name))
        out.append({"name": "和".join(levels), "several": len(levels) > 1, "score": v.group_id(n, "score"),
                    "weight": v.group_id(n, "weight")})
    return out


def benefit_groups(fig: Figures) -> list[dict[str, Any]]:
    """Return the other quantified results grouped into themes: a fact's `group`, else the first word
    its name shares with another fact (新增…, 累计…), else one closing group of the rest."""
    items = [{"id": v.result_id(n), "name": x.name, "qualifier": x.qualifier, "group": x.group}
             for n, x in enumerate(fig.facts)]
    heads = [x["name"][:2] for x in items]
    for x, head in zip(items, heads, strict=True):
        if not x["group"] and heads.count(head) > 1:
            x["group"] = ""  # grouped by its shared head below, without a theme word to print
            x["head"] = head
    groups: dict[str, dict[str, Any]] = {}
    for x in items:
        key = x["group"] or x.get("head", "") or "其他"
        groups.setdefault(key, {"theme": x["group"], "items": []})["items"].append(x)
    rest = groups.pop("其他", None)
    return list(groups.values()) + ([rest] if rest else [])


def draft_context(fig: Figures, scheme: Scheme | None = None, run: RunLog | None = None) -> DraftContext:
    """Return the context every section of one project-year is written from."""
    table = build_facts(fig, scheme or load_scheme())
    context = DraftContext(table, diagnose(table), run)
    if run is not None:
        run.write("facts.json", [fact_data(f) for f in table])
    return context
