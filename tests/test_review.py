"""The review note beside each draft: faults of the figures file for their author, what the draft
did about them, and every 【待补充】 left to fill."""

from __future__ import annotations

import re

from assistant.draft import draft_report
from assistant.figures import read_figures
from assistant.report import to_markdown
from assistant.report_check import check_report
from assistant.report_text import markdown_text
from assistant.review import review_note
from tests.conftest import CASES


def note_of(name: str) -> tuple[str, str]:
    report = draft_report(read_figures(CASES / f"{name}.yaml"))
    markdown = to_markdown(report)
    return review_note(report, check_report(markdown_text(markdown), report.table, list(report.findings))), markdown


def test_weights_not_adding_up_are_for_the_author_and_the_rescaling_is_said() -> None:
    note, markdown = note_of("diag-weights-2022")
    assert "`indicators[].weight`" in note and "110分" in note
    assert "折算为合计 90 分" in note
    assert "110" not in markdown.split("## 附：")[0]  # the draft itself never prints the impossible total


def test_an_actual_that_cannot_be_judged_is_named_with_its_field() -> None:
    note, _ = note_of("real-wording-2024")
    assert "`indicators[7].actual`" in note and "稳步推进" in note and "待确认" in note


def test_every_mark_left_in_the_draft_is_listed() -> None:
    note, markdown = note_of("water-missed-2023")
    marks = re.findall(r"【待补充：([^】]*)】", markdown.split("## 附：")[0])
    listed = note.split("## 三、")[1].split("## 四、")[0]
    assert marks and all(m in listed for m in marks)
    assert len(re.findall(r"^\d+\. ", listed, flags=re.M)) == len(marks)


def test_a_clean_file_says_so() -> None:
    note, _ = note_of("diag-clean-2024")
    assert "未发现填报数据本身的差错" in note and "与数据矛盾 0 个" in note
