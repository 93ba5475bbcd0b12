"""Large and hostile texts: over-long runs are one reported token, long texts are read in pieces with
the same result as whole, and a text with too many numbers is checked in part and says so."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from assistant import check, numbers
from assistant.check import check_text
from assistant.facts import build_facts
from assistant.figures import read_figures
from assistant.numbers import read_quantities, read_quantities_upto

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / ".." / "shared" / "reference" / "sample-report-2024.md"


@pytest.fixture(scope="module")
def table():  # type: ignore[no-untyped-def]
    return build_facts(read_figures(ROOT / "eval" / "cases" / "sample-2024.yaml"))


@pytest.mark.parametrize("run", ["9" * 200_000, "1," * 40, "1." * 40, "十百千" * 20, "一点" * 30])
def test_an_over_long_run_is_one_token_reported_not_converted(table, run: str) -> None:  # type: ignore[no-untyped-def]
    text = f"项目支出{run}元，其余正常。"
    (q,) = [q for q in read_quantities(text) if q.start >= 4]
    assert (q.kind, q.start, q.end) == ("overlong", 4, 4 + len(run))
    assert math.isnan(q.value) and len(q.text) == 13 and q.text.endswith("…")
    result = check_text(text, table)
    (number,) = [n for n in result.numbers if n.quantity.kind == "overlong"]
    assert number.status in ("unsupported", "contradicted")
    assert any(f.start == 4 and f.severity == "error" for f in result.findings)


def test_runs_up_to_the_limits_are_read_as_numbers() -> None:
    longest = "1" + ",000" * 7 + ".5"  # 32 characters
    (q,) = read_quantities(f"支出{longest}元")
    assert q.kind == "money" and q.value == 1e21 + 0.5
    (q,) = read_quantities("共一千二百三十四万五千六百七十八个")
    assert q.value == 12345678


def test_a_long_text_read_in_pieces_reads_as_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    if not SAMPLE.exists():
        pytest.skip("the shared reference report is not beside this checkout")
    text = SAMPLE.read_text(encoding="utf-8") * 4
    whole = read_quantities(text)
    monkeypatch.setattr(numbers, "CHUNK", 500)  # many cuts, each at a line or sentence end
    pieces, read_to = read_quantities_upto(text)
    assert read_to == len(text) and len(whole) > 250
    assert pieces == whole


def test_a_text_without_breaks_is_cut_outside_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numbers, "CHUNK", 100)
    text = "甲" * 95 + "12345678901234567890" + "乙" * 95
    (q,) = read_quantities(text)
    assert (q.start, q.end, q.text) == (95, 115, "12345678901234567890")


def test_unclosed_titles_and_brackets_do_not_swallow_numbers() -> None:
    text = "《" * 50 + "（" * 50 + "支出95万元"
    (q,) = read_quantities(text)
    assert q.text == "95万元" and q.is_claim


def test_a_text_with_too_many_numbers_is_checked_in_part_and_says_so(table, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(numbers, "CHUNK", 200)
    monkeypatch.setattr(check, "MAX_NUMBERS", 50)
    text = "支出95万元。\n" * 200
    result = check_text(text, table)
    (finding,) = [f for f in result.findings if f.code == "unchecked_text"]
    assert finding.severity == "error" and "未核对" in finding.message
    assert 50 <= len(result.numbers) < 200
    assert finding.start is not None and all(n.quantity.end <= finding.start for n in result.numbers)
