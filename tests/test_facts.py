"""The fact table: inputs, derived values on every basis, scores and grade."""

from __future__ import annotations

import pytest

from assistant.facts import build_facts, format_number
from assistant.figures import read_figures
from tests.conftest import CASES


def sample():
    return build_facts(read_figures(CASES / "sample-2024.yaml"))


def test_execution_rate_on_every_basis_with_the_chosen_one_marked() -> None:
    t = sample()
    assert t["rate.allocated"].value == 99.84 and t["rate.allocated"].chosen
    assert t["rate.budget_adjusted"].value == 73.43 and not t["rate.budget_adjusted"].chosen
    assert t.rate_id == "rate.allocated"
    assert t["rate.allocation"].display == "73.54%"


def test_balances_keep_the_input_precision() -> None:
    t = sample()
    assert t["balance.budget"].display == "50.22万元"
    assert t["balance.allocated"].display == "0.22万元"
    assert t["funds.spent"].display == "138.78万元" and t["funds.spent"].source == "funds.spent"


def test_indicator_facts_scores_and_grade() -> None:
    t = sample()
    assert t["ind.reviews.target"].display == "5个"
    assert t["ind.reviews.actual"].display == "6个"
    assert t["ind.reviews.completion"].display == "120%"
    assert t["score.execution"].value == 9.98
    assert t["score.total"].value == 99.98
    assert t["grade"].value == "优"
    assert any("不少于5个" in note for note in t.notes)


def test_breakdown_sums_and_adjustment() -> None:
    t = build_facts(read_figures(CASES / "roads-adjusted-2024.yaml"))
    assert t["breakdown.sum_budget"].value == 360 and t["breakdown.sum_spent"].value == 350.5
    assert t["funds.adjustment"].display == "60万元"
    assert t["rate.budget_initial"].display == "116.83%" and t["rate.budget_adjusted"].chosen


def test_every_derived_fact_has_a_formula_and_every_input_a_source() -> None:
    for path in CASES.glob("*.yaml"):
        for fact in build_facts(read_figures(path)):
            assert fact.formula or fact.source, fact.id


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (2.675, 2, "2.68"), (99.845, 2, "99.85"), (0.0, 0, "0"), (1016.525, 2, "1016.53"), (2.5, 0, "3"),
    (138.78, 2, "138.78"), (3, 2, "3.00"), (0.125, 2, "0.13"), (1387800.0, 0, "1387800"), (73.4256, 2, "73.43"),
])
def test_format_number_rounds_half_up(value: float, decimals: int, expected: str) -> None:
    assert format_number(value, decimals) == expected


def test_a_value_that_rounds_to_zero_has_no_minus_sign() -> None:
    assert format_number(-0.001, 2) == format_number(-0.001, 0) == "0"
