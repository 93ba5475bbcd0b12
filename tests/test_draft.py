"""Drafting every example: complete sections, provenance, numbers only from the fact table."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.draft import draft_report
from assistant.figures import read_figures
from assistant.prompts import environment
from assistant.report import report_data
from assistant.sections import SECTIONS
from tests.conftest import case_files

CASE_IDS = [p.stem for p in case_files()]


@pytest.fixture(params=case_files(), ids=CASE_IDS)
def report(request: pytest.FixtureRequest):
    return draft_report(read_figures(request.param))


def test_every_planned_section_is_present(report) -> None:
    assert [s.id for s in report.sections] == [s.id for s in SECTIONS]
    for spec, sec in zip(SECTIONS, report.sections, strict=True):
        assert bool(sec.paragraphs) == bool(spec.template), sec.id


def test_every_fact_a_sentence_names_appears_in_it(report) -> None:
    for sec in report.sections:
        for para in sec.paragraphs:
            for sentence in para.sentences:
                assert "⟦" not in sentence.text
                for fid in sentence.facts:
                    assert report.facts[fid].number in sentence.text, (fid, sentence.text)


def test_problems_and_improvements_are_never_empty(report) -> None:
    for sid in ("lessons.problems", "improvements", "lessons.deviation"):
        text = report.section(sid).text
        assert text.strip() and text.strip() not in ("无", "无。")


def test_every_finding_that_is_a_problem_is_discussed(report) -> None:
    problems = report.section("lessons.problems")
    expected = [f.code for f in report.findings if f.audience == "project"
                and (f.severity != "info" or f.code == "deviation_explained")]
    assert list(problems.findings) == expected
    if expected:
        assert len(problems.paragraphs) == len(expected)
        assert len(report.section("improvements").paragraphs) == len(report.section("improvements").findings)


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
    assert data["score_sheet"]["total"] == report.facts["score.total"].value


def test_every_template_renders_with_the_variables_its_stage_supplies(report) -> None:
    from assistant.diagnose import diagnose
    from assistant.sections import DraftContext

    context = DraftContext(report.facts, diagnose(report.facts))
    for spec in SECTIONS:
        if spec.template:
            environment().get_template(f"sections/{spec.template}.j2").render(**context.variables(spec.id))


def test_a_missing_variable_fails_loudly() -> None:
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        environment().get_template("sections/publication.j2").render()
