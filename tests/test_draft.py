"""Drafting every example: complete sections, provenance, numbers only from the fact table."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.draft import draft_report
from assistant.figures import read_figures
from assistant.report import report_data
from assistant.sections import SECTIONS
from assistant.templating import environment
from tests.conftest import CASES, case_files

CASE_IDS = [p.stem for p in case_files()]


@pytest.fixture(params=case_files(), ids=CASE_IDS)
def report(request: pytest.FixtureRequest):
    return draft_report(read_figures(request.param))


def test_every_planned_section_is_present(report) -> None:
    assert [s.id for s in report.sections] == [s.id for s in SECTIONS]
    for spec, sec in zip(SECTIONS, report.sections, strict=True):
        assert bool(sec.paragraphs) == bool(spec.template), sec.id


def test_no_mark_is_left_in_any_sentence(report) -> None:
    for sec in report.sections:
        for para in sec.paragraphs:
            for sentence in para.sentences:
                assert "⟦" not in sentence.text and "⟧" not in sentence.text, sentence.text


def test_the_funds_sentences_state_the_figures_worked_out_by_hand() -> None:
    # sample-2024: budget 189, allocated 139, spent 138.78 (万元)
    report = draft_report(read_figures(CASES / "sample-2024.yaml"))
    sentences = {s.facts: s.text for p in report.section("use.funds").paragraphs for s in p.sentences if s.facts}
    assert "189万元" in sentences[("funds.budget_initial",)]
    assert "139万元" in sentences[("funds.allocated", "rate.allocation")]
    assert "73.54%" in sentences[("funds.allocated", "rate.allocation")]  # 139 / 189
    spent = sentences[("funds.spent", "rate.allocated", "rate.budget_adjusted")]
    assert "138.78万元" in spent and "99.84%" in spent and "73.43%" in spent  # 138.78 / 139, 138.78 / 189
    balances = sentences[("balance.allocated", "balance.budget")]
    assert "0.22万元" in balances and "50.22万元" in balances  # 139 − 138.78, 189 − 138.78


def test_problems_and_improvements_are_never_empty(report) -> None:
    for sid in ("lessons.problems", "improvements", "lessons.deviation"):
        text = report.section(sid).text
        assert text.strip() and text.strip() not in ("无", "无。")


# worked out from each case's figures: which problems of the project itself the report must discuss
PROBLEMS_BY_HAND = {
    # allocated 139 of a 189 budget; only output indicators (no benefit or satisfaction kind)
    "sample-2024": ["funds_not_arrived", "missing_indicator_kind"],
    # spent 338.31 of a 329.77 budget; 918 samples against ≥600 (153%) with no reason given
    "diag-overspend-2023": ["spend_exceeds_budget", "overachievement_unexplained"],
    # spent 412.6 of 500 (82.52%) with a reason given; pipes 28.4 km against ≥35 km with none
    "water-missed-2023": ["deviation_explained", "underachievement_unexplained"],
}


@pytest.mark.parametrize("name", sorted(PROBLEMS_BY_HAND))
def test_every_finding_that_is_a_problem_is_discussed(name: str) -> None:
    report = draft_report(read_figures(CASES / f"{name}.yaml"))
    problems = report.section("lessons.problems")
    assert list(problems.findings) == PROBLEMS_BY_HAND[name]
    assert len(problems.paragraphs) == len(PROBLEMS_BY_HAND[name])
    assert len(report.section("improvements").paragraphs) == len(report.section("improvements").findings) >= 1


def test_missing_deviation_reasons_are_marked_not_invented() -> None:
    report = draft_report(read_figures(Path(__file__).parent.parent / "eval/cases/water-missed-2023.yaml"))
    text = report.section("use.indicators").text
    assert "更新改造供水管网" in text and "【待补充：" in text
    assert "结算审计" in report.section("use.funds").text  # the reason the figures give is used


def test_the_json_carries_provenance_and_the_fact_table(report) -> None:
    data = report_data(report)
    ids = {f["id"] for f in data["facts"]}
    for sec in data["sections"]:
        for para in sec["paragraphs"]:
            for sentence in para:
                assert set(sentence["facts"]) <= ids


@pytest.mark.parametrize(("name", "total"), [
    ("sample-2024", 99.98),  # 10 × 138.78 / 139 = 9.98, and all 90 indicator points
    ("water-missed-2023", 95.42),  # 10 × 412.6 / 500 = 8.25; pipes 15 × 28.4 / 35 = 12.17; the rest 75
])
def test_the_score_sheet_total_is_worked_out_from_the_figures(name: str, total: float) -> None:
    data = report_data(draft_report(read_figures(CASES / f"{name}.yaml")))
    assert data["score_sheet"]["total"] == total


def test_a_missing_variable_fails_loudly() -> None:
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        environment().get_template("sections/publication.j2").render()
