"""Reviewer diagnostics: the codes each case fires (and must not), their messages, missing_improvements,
and how the drafted report answers the findings (problems, deviation reasons, improvements)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.claims import check_claims
from assistant.diagnose import diagnose
from assistant.diagnose_text import diagnose_text
from assistant.draft import draft_report
from assistant.facts import FactTable, build_facts
from assistant.figures import figures_from_data, read_figures
from assistant.findings import AUDIENCE, SEVERITY, Finding
from assistant.report import Report, report_data, to_markdown
from assistant.scoring import Thresholds, load_scheme
from assistant.sections import DEVIATION_CODES
from tests.conftest import CASES, case_files

FIGURE_CODES = ["rate_mismatch", "basis_inconsistent", "spend_exceeds_budget", "low_execution",
                "breakdown_sum_mismatch", "weights_sum", "score_mismatch", "grade_mismatch", "target_as_actual",
                "overachievement_unexplained", "underachievement_unexplained", "impossible_target",
                "deviation_explained", "achievement_unclear", "funds_not_arrived", "large_adjustment",
                "missing_indicator_kind", "cost_mismatch", "output_met_low_execution", "qualitative_without_evidence"]

# Case file → the exact set of figure-level codes it fires.
CASE_CODES: dict[str, set[str]] = {
    # 基本及时 is explained by its evidence
    "culture-qualitative-2024": {"deviation_explained", "qualitative_without_evidence"},
    "diag-adjustment-2023": {"basis_inconsistent", "large_adjustment"},
    "diag-arrival-2024": {"basis_inconsistent", "deviation_explained",
        "funds_not_arrived", "output_met_low_execution"},
    "diag-basis-2022": {"basis_inconsistent", "large_adjustment", "qualitative_without_evidence"},
    "diag-breakdown-2022": {"breakdown_sum_mismatch", "qualitative_without_evidence"},
    "diag-clean-2024": {"deviation_explained"},
    "diag-cost-2024": {"cost_mismatch"},
    "diag-county-2021": {"low_execution", "qualitative_without_evidence", "underachievement_unexplained"},
    "diag-evidence-2023": {"qualitative_without_evidence"},
    "diag-grade-2022": {"deviation_explained", "grade_mismatch"},
    "diag-impossible-2024": {"impossible_target", "qualitative_without_evidence"},
    "diag-kinds-2024": {"missing_indicator_kind"},
    "diag-output-2022": {"low_execution", "output_met_low_execution"},
    "diag-overspend-2023": {"overachievement_unexplained", "spend_exceeds_budget"},
    "diag-rate-mismatch-2022": {"qualitative_without_evidence", "rate_mismatch"},
    "diag-school-2019": {"deviation_explained", "score_mismatch"},
    "diag-target-text-2023": {"qualitative_without_evidence", "target_as_actual"},
    "diag-thresholds-2023": {"qualitative_without_evidence"},
    "diag-weights-2022": {"qualitative_without_evidence", "weights_sum"},  # the total is scored on rescaled weights
    "real-wording-2024": {"achievement_unclear", "deviation_explained",
        "qualitative_without_evidence", "underachievement_unexplained"},
    "roads-adjusted-2024": {"basis_inconsistent", "cost_mismatch"},
    "sample-2024": {"basis_inconsistent", "funds_not_arrived", "missing_indicator_kind"},
    "water-missed-2023": {"deviation_explained", "score_mismatch", "underachievement_unexplained"},
}

# Code → cases built as near misses, where it must not fire (the comment says why).
MUST_NOT_FIRE: dict[str, list[str]] = {
    "rate_mismatch": ["diag-school-2019",  # 86% reported for 86.2%
                      "diag-basis-2022",  # 98.2% for 98.19%
                      "diag-clean-2024", "diag-thresholds-2023"],
    "basis_inconsistent": ["diag-rate-mismatch-2022",  # bases 4.95 points apart
                           "diag-thresholds-2023"],  # exactly 5 points apart
    "spend_exceeds_budget": ["diag-weights-2022"],  # spent exactly the budget
    "low_execution": ["diag-thresholds-2023",  # exactly 90%
                      "diag-school-2019", "water-missed-2023"],  # below 90% with the reason given
    "breakdown_sum_mismatch": ["diag-clean-2024", "roads-adjusted-2024"],  # rows with decimals add up
    "weights_sum": ["diag-clean-2024", "diag-thresholds-2023",
                    "culture-qualitative-2024"],  # weights filled in by the scheme
    "score_mismatch": ["diag-clean-2024",  # 99.6 reported for 99.62
                       "diag-grade-2022"],  # 89.4 for 89.39
    "grade_mismatch": ["diag-clean-2024", "diag-school-2019", "diag-thresholds-2023"],
    "target_as_actual": ["diag-clean-2024", "diag-thresholds-2023"],
    "overachievement_unexplained": ["diag-clean-2024",  # 150% explained; a "≤" cost far under its cap
                                    "diag-thresholds-2023",  # 129.5%
                                    "culture-qualitative-2024"],
    "underachievement_unexplained": ["diag-school-2019", "diag-grade-2022"],  # misses explained
    "impossible_target": ["diag-clean-2024",  # "≥98%" and "100%"
                          "diag-county-2021"],
    "deviation_explained": ["diag-overspend-2023", "diag-county-2021"],  # deviations without a reason
    "achievement_unclear": ["culture-qualitative-2024"],  # every qualitative actual is readable
    "funds_not_arrived": ["diag-thresholds-2023", "water-missed-2023"],  # allocated, gap within 10%
    "large_adjustment": ["roads-adjusted-2024"],  # exactly 20%
    "missing_indicator_kind": ["roads-adjusted-2024", "diag-output-2022"],
    "cost_mismatch": ["diag-clean-2024"],  # a cost with no unit of output named
    "output_met_low_execution": ["diag-county-2021"],  # low execution, but an output was missed
    "qualitative_without_evidence": ["sample-2024"],  # qualitative actuals with their evidence
}


def table_of(name: str) -> FactTable:
    return build_facts(read_figures(CASES / f"{name}.yaml"))


def data_of(name: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / f"{name}.yaml").read_text("utf-8"))


def table_from(data: dict[str, Any]) -> FactTable:
    return build_facts(figures_from_data(data))


def codes(table: FactTable) -> set[str]:
    return {f.code for f in diagnose(table)}


def first(table: FactTable, code: str) -> Finding:
    return next(f for f in diagnose(table) if f.code == code)


# ---------------------------------------------------------------- which codes fire

@pytest.mark.parametrize(("name", "expected"), sorted(CASE_CODES.items()))
def test_each_case_fires_exactly_its_codes(name: str, expected: set[str]) -> None:
    assert codes(table_of(name)) == expected


@pytest.mark.parametrize(("code", "name"), [(c, n) for c, names in MUST_NOT_FIRE.items() for n in names])
def test_near_misses_do_not_fire(code: str, name: str) -> None:
    assert code not in codes(table_of(name))


def test_every_code_has_a_firing_and_a_non_firing_case() -> None:
    for code in FIGURE_CODES:
        assert any(code in fired for fired in CASE_CODES.values()), code
        assert MUST_NOT_FIRE[code], code


def test_every_diag_case_is_in_the_table() -> None:
    assert {p.stem for p in case_files() if p.stem.startswith("diag-")} <= set(CASE_CODES)


def test_severities_follow_the_format() -> None:
    for name in CASE_CODES:
        for f in diagnose(table_of(name)):
            assert f.severity == SEVERITY[f.code]


# ---------------------------------------------------------------- messages name the figures and the rule

@pytest.mark.parametrize(
    ("name", "code", "fragments"),
    [
        ("diag-breakdown-2022", "breakdown_sum_mismatch",
         ["174万元", "当年财政拨款 150万元", "202.64万元", "相差 28.64万元"]),
        ("diag-basis-2022", "basis_inconsistent", ["98.19%", "132.91万元", "64.4%", "202.64万元", "5 个百分点"]),
        ("diag-weights-2022", "weights_sum", ["10分", "100分", "110分", "满分"]),
        ("diag-target-text-2023", "target_as_actual", ["清淤疏通管网长度", "≥266米", "实际达到的数值"]),
        ("diag-school-2019", "score_mismatch", ["97.5分", "97.12分", "8.62分记为 9分"]),
        ("diag-overspend-2023", "spend_exceeds_budget",
         ["338.31万元", "329.77万元", "102.59%", "超支 8.54万元", "未说明原因"]),
        ("diag-overspend-2023", "overachievement_unexplained", ["定量检测样品", "918批次", "153%", "130%"]),
        ("diag-rate-mismatch-2022", "rate_mismatch", ["98.95%", "94%", "200万元", "按实际到位资金计算的 98.95% 相符"]),
        ("diag-county-2021", "low_execution", ["68.07%", "204.21万元", "300万元", "90%", "未填写执行偏差原因"]),
        ("diag-county-2021", "underachievement_unexplained", ["完成危房改造", "≥150户", "121户", "未说明偏差原因"]),
        ("diag-impossible-2024", "impossible_target", ["竣工项目验收合格率", "≥100%", "无法超额完成"]),
        ("diag-grade-2022", "grade_mismatch", ["「优」", "89.4分", "「良」", "80分及以上、不足 90分"]),
        ("diag-clean-2024", "deviation_explained", ["开展培训班", "150%", "已说明原因：年中新增"]),
        ("real-wording-2024", "achievement_unclear",
         ["服务机制建设", "「稳步推进」", "indicators[7].actual", "待确认"]),
    ],
)
def test_messages_name_the_figures_and_the_rule(name: str, code: str, fragments: list[str]) -> None:
    message = first(table_of(name), code).message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_findings_point_at_facts_of_the_table() -> None:
    for name in CASE_CODES:
        table = table_of(name)
        for f in diagnose(table):
            assert f.fact in table and all(fid in table for fid in f.facts), (name, f)


def test_a_growth_rate_may_target_100_percent() -> None:
    found = [f.indicator for f in diagnose(table_of("diag-impossible-2024")) if f.code == "impossible_target"]
    assert found == ["acceptance", "funding"]  # not 托管服务面积增长率 ≥100%


def test_a_target_without_a_unit_cannot_be_measured() -> None:
    data = data_of("diag-thresholds-2023")
    data["indicators"][1]["target"] = "≥300"  # 调解矛盾纠纷, no 件
    found = first(table_from(data), "impossible_target")
    assert found.indicator == "mediations" and "没有计量单位" in found.message and found.cause == "计量单位"


def test_an_actual_written_as_a_bound_is_a_target() -> None:
    data = data_of("diag-thresholds-2023")
    data["indicators"][1]["actual"] = "不少于300件"
    found = first(table_from(data), "target_as_actual")
    assert found.indicator == "mediations" and "不少于300件" in found.message


# ---------------------------------------------------------------- precision and thresholds

@pytest.mark.parametrize(("reported", "fires"), [(86, False), (86.2, False), (86.5, True), (87, True), (86.23, True)])
def test_a_reported_rate_is_compared_at_its_written_precision(reported: float, fires: bool) -> None:
    data = data_of("diag-school-2019")  # computed 86.2%
    data["evaluation"]["execution_rate"] = reported
    assert ("rate_mismatch" in codes(table_from(data))) is fires


@pytest.mark.parametrize(("reported", "fires"), [(97, False), (97.1, False), (97.12, False), (97.5, True), (98, True)])
def test_a_reported_score_is_compared_at_its_written_precision(reported: float, fires: bool) -> None:
    data = data_of("diag-school-2019")  # computed 97.12
    data["evaluation"]["score"] = reported
    assert ("score_mismatch" in codes(table_from(data))) is fires


def test_the_grade_is_checked_against_the_computed_score_when_the_reported_one_is_wrong() -> None:
    data = data_of("diag-school-2019")  # computed 97.12, 优
    data["evaluation"].update(score=85, grade="良")
    found = first(table_from(data), "grade_mismatch")
    assert "97.12分" in found.message and found.expected == "优" and "score.total" in found.facts
    data["evaluation"].update(score=85, grade="优")  # right grade, wrong score: only the score is wrong
    assert codes(table_from(data)) & {"score_mismatch", "grade_mismatch"} == {"score_mismatch"}


@pytest.mark.parametrize(
    ("name", "thresholds", "gone"),
    [
        ("water-missed-2023", {"execution_rate": 80}, "rate.budget_adjusted"),  # 82.52% is then no deviation
        ("culture-qualitative-2024", {"overshoot": 150}, "ind.performances.actual"),  # 140% is then no overshoot
        ("sample-2024", {"basis_gap": 30}, "rate.allocated"),  # 26.41 points is then no material gap
    ],
)
def test_thresholds_come_from_the_scheme(name: str, thresholds: dict[str, float], gone: str) -> None:
    fig = read_figures(CASES / f"{name}.yaml")
    default = load_scheme()
    scheme = default.model_copy(update={"thresholds": Thresholds(**{**default.thresholds.model_dump(), **thresholds})})
    assert gone in {f.fact for f in diagnose(build_facts(fig, default))}
    assert gone not in {f.fact for f in diagnose(build_facts(fig, scheme))}


def test_the_real_sweeping_claim_beside_low_execution_is_caught() -> None:
    found = check_claims("项目实施完全符合预期。", table_of("diag-county-2021"))
    assert [f.code for f in found] == ["claim_contradiction"]


# ---------------------------------------------------------------- missing_improvements

CASES_WITH_PROBLEMS = [n for n, c in sorted(CASE_CODES.items()) if {SEVERITY[x] for x in c} & {"error", "warning"}]


def drafted(name: str) -> Report:
    return draft_report(read_figures(CASES / f"{name}.yaml"))


def emptied(markdown: str) -> str:
    """Return the Markdown with 存在的问题 reduced to "无。" and 改进意见 left empty."""
    text = re.sub(r"(### （二）存在的问题\n\n).*?(\n### )", r"\1无。\n\2", markdown, flags=re.S)
    return re.sub(r"(## 六、改进意见\n\n).*?(\n## )", r"\1\2", text, flags=re.S)


@pytest.mark.parametrize("name", CASES_WITH_PROBLEMS)
def test_drafted_reports_answer_their_findings(name: str) -> None:
    report = drafted(name)
    assert diagnose_text(to_markdown(report), report.table, list(report.findings)) == []


@pytest.mark.parametrize("name", CASES_WITH_PROBLEMS)
def test_word_text_of_drafted_reports_answers_its_findings(name: str, tmp_path: Path) -> None:
    import docx

    from assistant.word import write_docx

    report = drafted(name)
    write_docx(report, tmp_path / "r.docx")
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs)
    assert "存在的问题" in text and diagnose_text(text, report.table, list(report.findings)) == []


def test_problems_and_improvements_left_as_none_are_found() -> None:
    report = drafted("diag-county-2021")
    text = emptied(to_markdown(report))
    found = diagnose_text(text, report.table, list(report.findings))
    assert [f.code for f in found] == ["missing_improvements"] * 2
    problems, improvements = found
    assert text[problems.start:problems.end] == problems.text == "### （二）存在的问题\n\n无。"
    assert text[improvements.start:improvements.end] == "## 六、改进意见"
    assert "只写了「无」" in problems.message and "68.07%" in problems.message
    assert "没有内容" in improvements.message and "改进措施" in improvements.message
    assert problems.severity == "warning" and "rate.budget_adjusted" in problems.facts


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("五、主要经验、存在的问题和偏离绩效目标的原因分析\n（一）主要经验\n按计划实施。\n（二）存在的问题：无。\n"
         "（三）偏离绩效目标的原因分析\n见上。\n六、改进意见\n无\n七、绩效自评结果拟应用和公开情况\n按规定公开。",
         ["（二）存在的问题", "六、改进意见"]),
        ("| 存在问题及改进措施 | 无 |\n", ["存在问题及改进措施"]),
        ("存在问题：暂无。\n改进措施：——", ["存在问题", "改进措施"]),
        # a heading over sub-parts holds their text, so it is not empty itself
        ("五、主要经验、存在的问题和偏离绩效目标的原因分析\n（一）主要经验\n按计划实施。\n（二）偏离原因\n"
         "执行进度偏慢。", []),
        ("六、改进意见\n1. 加快预算执行进度。按月跟踪支付进度。\n", []),
        ("实际支出204.21万元。", []),  # an excerpt without those parts
    ],
)
def test_parts_in_plain_text_and_tables(text: str, titles: list[str]) -> None:
    table = table_of("diag-county-2021")
    found = diagnose_text(text, table, diagnose(table))
    assert [f.text.split("\n")[0].split("：")[0].strip("| ").split(" |")[0] for f in found] == titles


def test_only_problems_of_the_figures_call_for_improvements() -> None:
    clean = drafted("diag-clean-2024")  # an explained overshoot only: info, nothing to answer
    assert diagnose_text(emptied(to_markdown(clean)), clean.table, list(clean.findings)) == []
    county = drafted("diag-county-2021")
    in_text = Finding("unsupported_number", "事实表中没有与「37个」相符的数字", start=0, end=3, text="37个")
    assert diagnose_text(emptied(to_markdown(county)), county.table, [in_text]) == []


# ---------------------------------------------------------------- the drafted report answers the findings

def discussed(data: dict[str, Any], section_id: str) -> list[dict[str, Any]]:
    """Return the findings a section says it discusses, each matched in order to the report's findings."""
    left = list(data["findings"])
    matched = []
    for code in section(data, section_id)["findings"]:
        finding = next(f for f in left if f["code"] == code)
        left.remove(finding)
        matched.append(finding)
    return matched


def section(data: dict[str, Any], section_id: str) -> dict[str, Any]:
    return next(s for s in data["sections"] if s["id"] == section_id)


def paragraph_text(paragraph: list[dict[str, Any]]) -> str:
    return "".join(s["text"] for s in paragraph)


def refers_to(paragraph: list[dict[str, Any]], finding: dict[str, Any], report: Report) -> bool:
    """Return whether a paragraph states one of the finding's facts or names its indicator."""
    stated = {fid for s in paragraph for fid in s["facts"]}
    ids = {finding.get("indicator")} | {f.split(".")[1] for f in finding.get("facts", []) if f.startswith("ind.")}
    names = [i.name for i in report.table.figures.indicators if i.id in ids]
    return bool(stated & set(finding.get("facts", []))) or any(n in paragraph_text(paragraph) for n in names)


CASES_WITH_FINDINGS = [n for n, c in sorted(CASE_CODES.items()) if any(AUDIENCE[code] == "project" for code in c)]


@pytest.mark.parametrize("name", CASES_WITH_FINDINGS)
def test_each_problem_paragraph_refers_to_an_actual_finding(name: str) -> None:
    report = drafted(name)
    data = report_data(report)
    problems, findings = section(data, "lessons.problems"), discussed(data, "lessons.problems")
    assert findings and all(f["audience"] == "project" for f in findings)
    assert len(problems["paragraphs"]) == len(findings)
    for paragraph, finding in zip(problems["paragraphs"], findings, strict=True):
        assert refers_to(paragraph, finding, report), (finding["code"], paragraph_text(paragraph))


@pytest.mark.parametrize("name", CASES_WITH_FINDINGS)
def test_problems_and_improvements_are_never_none(name: str) -> None:
    data = report_data(drafted(name))
    for section_id in ("lessons.problems", "improvements"):
        sec = section(data, section_id)
        texts = [paragraph_text(p) for p in sec["paragraphs"]]
        assert texts and all(t.strip("。 ") not in ("无", "暂无") for t in texts), section_id
        assert len(sec["paragraphs"]) == len(sec["findings"])
    assert set(section(data, "improvements")["findings"]) <= set(section(data, "lessons.problems")["findings"])


@pytest.mark.parametrize("name", CASES_WITH_FINDINGS)
def test_deviation_reasons_are_used_or_left_for_the_author(name: str) -> None:
    data = report_data(drafted(name))
    deviation = section(data, "lessons.deviation")
    findings = [f for f in data["findings"] if f["code"] in DEVIATION_CODES]
    assert deviation["findings"] == [f["code"] for f in findings]
    for paragraph, finding in zip(deviation["paragraphs"] if findings else [], findings, strict=True):
        text = paragraph_text(paragraph)
        if finding.get("reason"):
            assert finding["reason"].rstrip("。") in text and "【待补充" not in text
        else:  # a visible placeholder, never an invented cause
            assert "【待补充：" in text and "原因是" not in text, text
    for paragraph, finding in zip(section(data, "lessons.problems")["paragraphs"],
                                  discussed(data, "lessons.problems"), strict=True):
        if not finding.get("reason"):
            assert "原因是" not in paragraph_text(paragraph)


def test_an_unexplained_overspend_and_overshoot_are_marked_for_the_author() -> None:
    report = drafted("diag-overspend-2023")
    assert report.section("lessons.deviation").text.count("【待补充：") == 2
    assert "【待补充：请说明大幅超出目标的原因】" in report.section("use.indicators").text


def test_a_reason_given_in_the_figures_is_used() -> None:
    report = drafted("diag-school-2019")
    for sid in ("use.funds", "lessons.problems", "lessons.deviation"):
        assert "质保期满后支付" in report.section(sid).text, sid
    assert "厂家供货延迟" in report.section("use.indicators").text
    assert "【待补充" not in report.section("lessons.deviation").text
