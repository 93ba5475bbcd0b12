"""The 自评表 recomputed the way a reviewer does: from the cells of its own rows, for every case."""

from __future__ import annotations

import re

import pytest

from assistant.facts import build_facts
from assistant.figures import read_figures
from assistant.report import TABLE_COLUMNS, self_evaluation_rows
from tests.conftest import CASES

CASE_FILES = sorted(CASES.glob("*.yaml"))
BASIS_COLUMN = {"按到位数": "实际到位数", "按年初预算数": "年初预算数", "": "全年预算数"}


def number(text: str) -> tuple[float, int]:
    """Return the number a cell shows and its decimals ("99.84%（按到位数）" → 99.84, 2)."""
    m = re.match(r"-?\d+(?:\.(\d+))?", text)
    assert m, text
    return float(m.group()), len(m.group(1) or "")


def shows(text: str, value: float) -> bool:
    """Return whether a printed number is value rounded (half up) to the decimals it is printed with."""
    printed, decimals = number(text)
    return abs(printed - value) <= 0.5 * 10 ** -decimals + 1e-9


def span(text: str) -> tuple[float, float]:
    """Return the values a printed amount may stand for (84.63 → 84.625 … 84.635)."""
    printed, decimals = number(text)
    half = 0.5 * 10 ** -decimals
    return printed - half, printed + half


def follows(rate_text: str, spent_text: str, base_text: str, scale: float = 100.0) -> bool:
    """Return whether a printed rate is spent ÷ base × scale for amounts the printed ones may stand
    for: a reviewer dividing the amounts shown gets the rate shown, up to their last digit."""
    (s_lo, s_hi), (b_lo, b_hi) = span(spent_text), span(base_text)
    r_lo, r_hi = span(rate_text)
    return s_lo / b_hi * scale <= r_hi + 1e-9 and s_hi / b_lo * scale >= r_lo - 1e-9


@pytest.fixture(scope="module", params=CASE_FILES, ids=[p.stem for p in CASE_FILES])
def rows(request: pytest.FixtureRequest):
    return self_evaluation_rows(build_facts(read_figures(request.param)))


def test_every_row_spans_the_grid(rows) -> None:
    assert all(sum(c.span for c in r.cells) == TABLE_COLUMNS for r in rows)


def test_execution_rate_and_score_follow_from_the_amounts_in_their_row(rows) -> None:
    head = next(r for r in rows if r.kind == "funds_head")
    names = [c.text for c in head.cells]
    amounts = [r for r in rows if r.kind == "funds"]
    total = dict(zip(names, (c.text for c in amounts[0].cells), strict=True))
    rate_text = total["执行率"]
    note = re.search(r"（(.+)）", rate_text)
    basis = BASIS_COLUMN[note.group(1) if note else ""]
    assert follows(rate_text, total["全年执行数"], total[basis]), (rate_text, total["全年执行数"], basis)
    weight, rate = number(total["分值"])[0], number(rate_text)[0]
    assert shows(total["得分"], weight * min(rate / 100, 1.0))
    for row in amounts[1:]:  # a breakdown row's rate is its own 全年执行数 ÷ 全年预算数, or none is shown
        cells = dict(zip(names, (c.text for c in row.cells), strict=True))
        if cells["执行率"] != "—":
            assert not note  # never two bases in one block
            assert follows(cells["执行率"], cells["全年执行数"], cells["全年预算数"])


def test_total_is_the_sum_of_the_scores_shown(rows) -> None:
    funds = next(r for r in rows if r.kind == "funds")
    head = next(r for r in rows if r.kind == "funds_head")
    exec_score = number(funds.cells[[c.text for c in head.cells].index("得分")].text)[0]
    scores = [r.cells[6].text for r in rows if r.kind == "indicator"]  # 一级 二级 三级 值 完成值 分值 得分
    total = next(r for r in rows if r.kind == "total")
    stated = [number(s)[0] for s in scores if s != "待确认"]
    assert shows(total.cells[2].text, exec_score + sum(stated))
    assert number(total.cells[1].text)[0] == pytest.approx(100.0)  # every scheme's total is 100


def test_nothing_is_printed_above_its_maximum(rows) -> None:
    head = [c.text for c in next(r for r in rows if r.kind == "funds_head").cells]
    funds = [c.text for c in next(r for r in rows if r.kind == "funds").cells]
    exec_weight, exec_score = number(funds[head.index("分值")])[0], number(funds[head.index("得分")])[0]
    assert exec_score <= exec_weight
    lines = [(number(r.cells[5].text)[0], r.cells[6].text) for r in rows if r.kind == "indicator"]
    assert all(number(score)[0] <= weight for weight, score in lines if score != "待确认")
    total = next(r for r in rows if r.kind == "total")
    most, scored = number(total.cells[1].text)[0], number(total.cells[2].text)[0]
    assert scored <= most  # diag-weights: weights adding to 110 are rescaled, never a total of 110
    assert exec_weight + sum(w for w, _ in lines) == pytest.approx(most, abs=0.011)  # the 分值 column adds up


def test_a_rate_on_another_basis_shows_the_amount_it_divides_by() -> None:
    rows = self_evaluation_rows(build_facts(read_figures(CASES / "sample-2024.yaml")))
    head = [c.text for c in next(r for r in rows if r.kind == "funds_head").cells]
    total = [c.text for c in next(r for r in rows if r.kind == "funds").cells]
    assert "实际到位数" in head and total[head.index("实际到位数")] == "139"
    assert total[head.index("执行率")] == "99.84%（按到位数）"  # 138.78 ÷ 139, not ÷ 189 (73.43%)


def test_money_is_in_wan_yuan_at_two_decimals_whatever_the_figures_unit() -> None:
    from assistant.check import check_text

    table = build_facts(read_figures(CASES / "culture-qualitative-2024.yaml"))  # funds in 元
    rows = self_evaluation_rows(table)
    head = [c.text for c in next(r for r in rows if r.kind == "funds_head").cells]
    total = [c.text for c in next(r for r in rows if r.kind == "funds").cells]
    assert head[0] == "项目资金（万元）"
    assert total[head.index("年初预算数")] == "85" and total[head.index("全年执行数")] == "84.63"
    assert table["balance.budget"].display == "0.37万元"  # 850000 − 846320.5 元
    # the exact amount is kept: a text in 元 states the same fact
    [number] = check_text("全年支出846320.5元。", table).numbers
    assert number.status == "supported" and number.fact == "funds.spent"


def test_the_fund_sources_shown_add_up_to_the_total(rows) -> None:
    head = [c.text for c in next(r for r in rows if r.kind == "funds_head").cells]
    total, *parts = [[c.text for c in r.cells] for r in rows if r.kind == "funds"]
    assert len(parts) >= 3  # the template's three sources at least
    for column in ("全年预算数", "全年执行数"):
        k = head.index(column)
        shown = [p[k] for p in parts if p[k] != "—"]
        if shown:
            assert shows(total[k], sum(number(x)[0] for x in shown)), (column, total[k], shown)


def test_a_breakdown_that_does_not_add_up_is_not_printed_and_sources_are_completed() -> None:
    def parts(case: str) -> list[list[str]]:
        rows = self_evaluation_rows(build_facts(read_figures(CASES / case)))
        return [[c.text for c in r.cells] for r in rows if r.kind == "funds"][1:]

    # 150 + 24 ≠ 202.64: the three source rows stay empty; the comment goes to the total
    assert [p[0] for p in parts("diag-breakdown-2022.yaml")] == ["其中：当年财政拨款", "上年结转资金", "其他资金"]
    assert all(set(p[1:]) == {"—"} for p in parts("diag-breakdown-2022.yaml"))
    roads = parts("roads-adjusted-2024.yaml")  # 320 + 40 = 360, 312.5 + 38 = 350.5
    assert [p[0] for p in roads] == ["其中：当年财政拨款", "上年结转资金", "其他资金"]
    assert roads[0][1:4] == ["300", "320", "312.5"] and set(roads[2][1:]) == {"—"}
