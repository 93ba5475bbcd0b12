"""Propose the expectations of the evaluation cases from their figures: eval/cases/expected/NAME.yaml.

The proposal is a starting point, written once per case; every value was then checked by hand against
the figures file (recomputing rates, scores and the grade) before it was committed. An existing file
is never overwritten unless --force is given, so a change in the scoring code cannot quietly move an
expectation: it shows up in `assistant eval` as a wrong score.

Run: python eval/expectations.py [NAME ...] [--force]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from assistant import vocabulary as v
from assistant.evaluation.cases import case_paths, expectation_path
from assistant.facts import FactTable
from assistant.figures import read_figures
from assistant.findings import Finding
from assistant.sections import draft_context

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "eval" / "cases"
RATE_WORDS = {"problems": ["执行率"], "improvements": ["支出|执行|用款"]}


class Dumper(yaml.SafeDumper):
    """YAML as a person writes it: no anchors, whole numbers without ".0"."""

    def ignore_aliases(self, data: object) -> bool:
        return True


Dumper.add_representer(float, lambda d, x: d.represent_int(int(x)) if x == int(x) else d.represent_float(x))


def stated(table: FactTable, fact_id: str) -> dict[str, object]:
    fact = table[fact_id]
    if isinstance(fact.value, str):
        return {"label": fact.label, "text": fact.value}
    return {"label": fact.label, "fact": fact.id, "value": fact.value, "unit": fact.unit}


def funds(table: FactTable) -> list[dict[str, object]]:
    """Return the funds chain: budgets, the allocation, spending, the rate used and the rate on 全年预算数."""
    ids = [v.FUNDS_BUDGET_INITIAL, v.FUNDS_BUDGET_ADJUSTED, v.FUNDS_ALLOCATED, v.FUNDS_SPENT, table.rate_id,
           v.rate_id("budget_adjusted")]
    f = table.figures.funds
    if f.adjusted == f.budget_initial:
        ids.remove(v.FUNDS_BUDGET_ADJUSTED)
    return [stated(table, i) for i in dict.fromkeys(ids) if i in table]


def mentions(f: Finding, table: FactTable) -> dict[str, list[str]]:
    """Return the terms the problems and the improvements must name to answer a finding."""
    names = [row.indicator.name for row in table.sheet.indicators
             if v.indicator_id(row.indicator.id, "actual") in (f.facts or (f.fact,))]
    if f.code in ("low_execution", "output_met_low_execution") or f.fact.startswith("rate."):
        terms = {"low_execution": RATE_WORDS, "output_met_low_execution": {"problems": ["产出"],
                                                                            "improvements": ["产出"]}}
        return terms.get(f.code, RATE_WORDS)
    simple = {"funds_not_arrived": ["到位"], "large_adjustment": ["调整"], "cost_mismatch": ["成本"],
              "spend_exceeds_budget": ["超"]}
    if f.code in simple:
        return {"problems": simple[f.code], "improvements": simple[f.code]}
    if f.code == "missing_indicator_kind":
        kinds = [k for k in ("效益指标", "满意度指标") if k in f.message]
        return {"problems": kinds, "improvements": kinds}
    return {"problems": names, "improvements": names}


def propose(path: Path) -> dict[str, object]:
    """Return the proposed expectations of one figures file."""
    context = draft_context(read_figures(path))
    table = context.table
    indicators = [{"name": row.indicator.name,
                   "target": stated(table, v.indicator_id(row.indicator.id, "target")),
                   **({} if row.pending else {"actual": stated(table, v.indicator_id(row.indicator.id, "actual"))}),
                   "verdict": row.verdict} for row in table.sheet.indicators]
    problems = [{"code": f.code, "about": f.fact, **mentions(f, table)} for f in context.problems]
    return {"score": table.sheet.total, "grade": table.sheet.grade, "funds": funds(table),
            "indicators": indicators, "problems": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    for path in case_paths(CASES):
        if args.names and path.stem not in args.names:
            continue
        out = expectation_path(path)
        if out.exists() and not args.force:
            print(f"{out.relative_to(ROOT)}：已存在，未改动", file=sys.stderr)
            continue
        out.parent.mkdir(exist_ok=True)
        head = (f"# {path.name}：一份合格的报告必须写明的内容。由 eval/expectations.py 按项目数据提出，"
                "逐项对照数据人工核对后提交。\n")
        body = yaml.dump(propose(path), Dumper=Dumper, allow_unicode=True, sort_keys=False, width=120)
        out.write_text(head + body, "utf-8")
        print(f"已写出：{out.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
