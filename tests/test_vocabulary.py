"""The shared vocabulary: fact ids, their kinds, and the words the stages share."""

from __future__ import annotations

import pytest

from assistant import vocabulary as v
from assistant.facts import MONEY_UNIT, build_facts
from assistant.figures import read_figures
from assistant.targets import parse_value
from tests.conftest import CASES

ALL_CASES = sorted(CASES.glob("*.yaml"))


def test_ids_are_spelled_by_the_builders() -> None:
    assert v.indicator_id("I1", "target") == "ind.I1.target"
    assert v.breakdown_id(0, "spent") == "breakdown[0].spent"
    assert v.group_id(0, "score") == "group.1.score"  # groups and results count from 1 in ids
    assert v.result_id(2) == "fact.3"
    assert v.rate_id("allocated") == "rate.allocated"


def test_a_pattern_is_an_id_with_any_part() -> None:
    pattern = v.indicator_id(v.ANY, "target")
    assert pattern == "ind.*.target"
    assert v.id_matches(pattern, "ind.I7.target")
    assert not v.id_matches(pattern, "ind.I7.actual")
    assert not v.id_matches(pattern, "ind.I7.x.target")  # ANY stands for one part only
    assert v.id_matches(v.breakdown_id(v.ANY, "rate"), "breakdown[3].rate")
    assert not v.id_matches(v.breakdown_id(v.ANY, "rate"), "breakdown.sum_budget")


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda p: p.stem)
def test_every_fact_has_a_kind_that_fits_its_unit(case) -> None:
    table = build_facts(read_figures(case))
    units = {"money": {MONEY_UNIT}, "rate": {"%"}, "count": {"项"}, "score": {"分", ""}}
    for fact in table:
        measure = fact.measure
        if measure == "grade":
            assert isinstance(fact.value, str), fact.id
        elif measure in units and not isinstance(fact.value, str):
            assert fact.unit in units[measure], (fact.id, fact.unit)
        assert fact.origin == ("derived" if fact.formula else "input")


def test_an_unknown_id_has_no_kind() -> None:
    with pytest.raises(KeyError):
        v.measure_of("nothing.here")


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda p: p.stem)
def test_execution_rates_are_the_score_sheets(case) -> None:
    table = build_facts(read_figures(case))
    rates = {f.id: f.value for f in table if f.id in v.RATE_IDS}
    assert rates, "every case states at least the chosen rate"
    for fact_id, value in rates.items():
        assert table.sheet.rates[v.basis_of_rate(fact_id)] == value
    assert table[table.rate_id].value == table.sheet.execution_rate


def test_every_operator_word_of_a_target_is_read() -> None:
    for word, op in v.PREFIX_OPS:
        assert parse_value(f"{word}5个").op == op, word
    for word, op in v.SUFFIX_OPS:
        assert parse_value(f"5个{word}").op == op, word


def test_the_missing_mark_is_one_spelling() -> None:
    assert v.missing("请说明原因") == "【待补充：请说明原因】"
    assert v.missing("x").startswith(v.MISSING_MARK)
