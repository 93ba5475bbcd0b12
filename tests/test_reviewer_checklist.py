"""A 财政局 reviewer's checklist over every case's draft, recomputed from the figures file itself
(YAML read here, formulas written here), not from the drafter's own fact table."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
import yaml

from assistant.evaluation.checklist import AUTHOR_WORDS, STOCK_PHRASES, common_sentences, narrative
from assistant.findings import AUDIENCE
from tests.conftest import ROOT, case_files

SCHEMES = ROOT / "assistant" / "schemes"
YUAN = {"元": 1, "万元": 1e4, "亿元": 1e8}
BASIS = {"budget_adjusted": "全年预算数", "budget_initial": "年初预算数", "allocated": "实际到位资金"}


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Draft every case once through the command line; return the exit status and each case's outputs."""
    out = tmp_path_factory.mktemp("drafts")
    done = subprocess.run([sys.executable, "-m", "assistant", "draft", str(ROOT / "eval" / "cases"), "-o", str(out)],
                          capture_output=True, text=True, cwd=out)
    cases = {}
    for path in case_files():
        figures = yaml.safe_load(path.read_text("utf-8"))
        md = (out / f"{path.stem}.md").read_text("utf-8")
        data = json.loads((out / f"{path.stem}.json").read_text("utf-8"))
        cases[path.stem] = {"figures": figures, "md": md, "data": data,
                            "review": (out / f"{path.stem}.review.md").read_text("utf-8")}
    return {"status": done.returncode, "stderr": done.stderr, "cases": cases}


def test_every_case_drafts_with_exit_0_or_1(drafted: dict[str, Any]) -> None:
    assert drafted["status"] in (0, 1), drafted["stderr"]
    assert len(drafted["cases"]) == len(case_files())


# ---------------------------------------------------------------- recomputing from the figures

def section_text(case: dict[str, Any], section_id: str) -> str:
    sec = next(s for s in case["data"]["sections"] if s["id"] == section_id)
    return "".join(s["text"] for p in sec["paragraphs"] for s in p)


def table_rows(md: str) -> list[list[str]]:
    """Return the cells of the 自评表's indicator rows (一级指标 first), as the Markdown shows them."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in md.split("## 附：", 1)[1].splitlines()
            if line.startswith("|")]
    return [[c for c in r if c] for r in rows if r[0] in ("产出指标", "成本指标", "效益指标", "满意度指标")]


def scheme_of(case: dict[str, Any]) -> dict[str, Any]:
    return yaml.safe_load((SCHEMES / f"{case['data']['score_sheet']['scheme']['name']}.yaml").read_text("utf-8"))


def execution_rate(figures: dict[str, Any]) -> float:
    """Return spent ÷ the basis amount × 100, from the figures file."""
    f = figures["funds"]
    basis = f.get("rate_basis", "budget_adjusted")
    amount = {"budget_adjusted": f.get("budget_adjusted", f["budget_initial"]), "budget_initial": f["budget_initial"],
              "allocated": f.get("allocated")}[basis]
    return f["spent"] / amount * 100


def number_after(text: str, words: str) -> float:
    m = re.search(re.escape(words) + r"(\d+(?:\.\d+)?)", text)
    assert m, (words, text[:200])
    return float(m.group(1))


@pytest.mark.parametrize("name", [p.stem for p in case_files()])
def test_rates_scores_and_subtotals_follow_from_the_figures(drafted: dict[str, Any], name: str) -> None:
    case = drafted["cases"][name]
    scheme, figures, sheet = scheme_of(case), case["figures"], case["data"]["score_sheet"]
    rate = execution_rate(figures)
    result = section_text(case, "result")
    # The execution rate the narrative states, and its score (weight × rate, capped at the weight).
    assert abs(number_after(section_text(case, "use.funds"), "预算执行率为") - rate) < 0.006
    exec_score = min(scheme["execution_weight"] * rate / 100, scheme["execution_weight"])
    assert abs(number_after(result, "预算执行率得分") - exec_score) < 0.006
    # Every indicator row of the 自评表: weights add up to the scheme's total, scores never above the weight.
    rows = table_rows(case["md"])
    assert len(rows) == len(figures.get("indicators", []))
    weights = [float(r[5]) for r in rows]
    if rows:
        assert abs(sum(weights) + scheme["execution_weight"] - scheme["total"]) < 0.02
    scored = []
    for row, ind, line in zip(rows, figures.get("indicators", []), sheet["indicators"], strict=True):
        score = row[6]
        if score == "待确认":
            assert line["verdict"] == "待确认"
            continue
        assert float(score) <= float(row[5]) + 1e-9
        assert abs(float(score) - expected_score(ind, line, float(row[5]), scheme)) < 0.011, (ind["name"], row)
        scored.append((row[0], float(score)))
    # Each subtotal the narrative names equals the rows of the 一级指标 it names.
    subtotals = re.findall(r"((?:[产成效满][出本益意度]*指标和?)+)(?:合计)?得分(\d+(?:\.\d+)?)分", result)
    assert bool(subtotals) == bool(rows)
    for names, value in subtotals:
        named = re.findall(r"(产出指标|成本指标|效益指标|满意度指标)", names)
        assert abs(sum(s for level, s in scored if level in named) - float(value)) < 0.011, (names, value)
    total = exec_score + sum(s for _, s in scored)
    stated = number_after(result, "绩效自评得分为")
    assert abs(stated - total) < 0.02 and stated <= scheme["total"]


def expected_score(ind: dict[str, Any], line: dict[str, Any], weight: float, scheme: dict[str, Any]) -> float:
    """Return an indicator's score by the provincial formulas of DOMAIN.md, written out here."""
    if line["actual_value"] is None or line["target_value"] is None or ind.get("achievement"):
        level = {"已完成": "achieved", "基本完成": "basic", "部分完成": "partial", "未完成": "not"}[line["verdict"]]
        return weight * scheme["qualitative"][level]["share"]
    target, actual = line["target_value"], line["actual_value"]
    if line["op"] in ("<=", "<"):
        if actual <= target:
            return weight
        return 0.0 if actual >= 2 * target else (1 - (actual - target) / target) * weight
    if line["op"] == "=" and target == 0:
        return weight if actual <= 0 else 0.0
    return weight if actual >= target else actual / target * weight


# ---------------------------------------------------------------- what the report says

@pytest.mark.parametrize("name", [p.stem for p in case_files()])
def test_no_fault_of_the_figures_file_is_a_problem_of_the_project(drafted: dict[str, Any], name: str) -> None:
    case = drafted["cases"][name]
    problems = next(s for s in case["data"]["sections"] if s["id"] == "lessons.problems")
    assert not [c for c in problems["findings"] if AUDIENCE[c] == "author"]
    text = section_text(case, "lessons.problems") + section_text(case, "improvements")
    assert not [w for w in AUTHOR_WORDS if w in text]
    for f in case["data"]["findings"]:  # every fault of the file is in the review note instead
        if f["audience"] == "author":
            assert f["message"][:20] in case["review"], f["code"]


@pytest.mark.parametrize("name", [p.stem for p in case_files()])
def test_no_total_above_the_maximum_and_no_praise_beside_a_fault(drafted: dict[str, Any], name: str) -> None:
    case = drafted["cases"][name]
    assert case["data"]["score_sheet"]["total"] <= case["data"]["score_sheet"]["scheme"]["total"]
    experience = section_text(case, "lessons.experience")
    if execution_rate(case["figures"]) > 100 or execution_rate(case["figures"]) < 90:
        assert "预算执行率" not in experience  # no execution rate held up as an achievement
    for stock in STOCK_PHRASES:
        assert stock not in narrative(case["md"]), stock


def test_no_stock_sentence_in_more_than_a_third_of_the_drafts(drafted: dict[str, Any]) -> None:
    assert common_sentences(c["md"] for c in drafted["cases"].values()) == set()


@pytest.mark.parametrize("name", [p.stem for p in case_files()])
def test_a_reason_the_figures_give_is_never_asked_for(drafted: dict[str, Any], name: str) -> None:
    case = drafted["cases"][name]
    figures = case["figures"]
    for sec in case["data"]["sections"]:
        for paragraph in sec["paragraphs"]:
            text = "".join(s["text"] for s in paragraph)
            asks = re.findall(r"【待补充：请说明[^】]*原因[^】]*】", text)
            if not asks:
                continue
            for ind in figures.get("indicators", []):
                if f"“{ind['name']}”" in text or f"{ind['name']}。" in text:
                    assert not ind.get("deviation_reason"), (sec["id"], text)
            if "执行率" in text and "指标" not in text:
                assert not figures["funds"].get("deviation_reason"), (sec["id"], text)


def test_differences_of_percentages_are_in_points(drafted: dict[str, Any]) -> None:
    for case in drafted["cases"].values():
        assert not re.search(r"相差\d+(?:\.\d+)?%", narrative(case["md"]))


def test_money_is_in_wan_yuan_with_at_most_two_decimals(drafted: dict[str, Any]) -> None:
    for name, case in drafted["cases"].items():
        amounts = re.findall(r"\d+(?:\.\d+)?[万亿]?元", section_text(case, "use.funds"))
        assert amounts and all(a.endswith("万元") for a in amounts), (name, amounts)
        assert not re.search(r"\d+\.\d{3,}万元", narrative(case["md"])), name
