"""Scoring formulas, their edges, grade bands, weight filling and the bundled schemes."""

from __future__ import annotations

import pytest

from assistant.facts import build_facts
from assistant.figures import figures_from_data
from assistant.scoring import (
    completion_rate,
    execution_score,
    grade_of,
    load_scheme,
    quantitative_score,
    scheme_names,
    score_figures,
    verdict_of,
)

NATIONAL = load_scheme("national")


@pytest.mark.parametrize(
    ("op", "target", "actual", "weight", "score"),
    [
        (">=", 5, 6, 20, 20),  # met: full weight, never more
        (">=", 5, 5, 20, 20),
        (">=", 100, 80, 20, 16),  # A/T × w
        (">=", 3, 2, 10, 6.67),  # rounded to 2 places
        (">", 5, 4, 10, 8),
        (">=", 0, 0, 10, 10),  # T = 0 on a positive target: anything is met
        ("=", 0, 0, 10, 10),  # T = 0 with "=": A ≤ 0 → full
        ("=", 0, 1, 10, 0),  # T = 0 with "=": A > 0 → 0
        ("=", 8, 6, 10, 7.5),  # T > 0 with "=": as positive
        ("=", 8, 9, 10, 10),
        ("<=", 202.6, 180, 10, 10),  # negative met
        ("<=", 100, 100, 10, 10),
        ("<=", 100, 150, 10, 5),  # T < A < 2T → (1 − (A − T)/T) × w
        ("<=", 100, 199, 10, 0.1),
        ("<=", 100, 200, 10, 0),  # A ≥ 2T → 0
        ("<=", 100, 350, 10, 0),
        ("<", 3, 4, 9, 6),
        ("<=", 0, 0, 10, 10),
        ("<=", 0, 1, 10, 0),
    ],
)
def test_quantitative_scores(op: str, target: float, actual: float, weight: float, score: float) -> None:
    assert quantitative_score(op, target, actual, weight) == score


@pytest.mark.parametrize(("rate", "weight", "score"), [(99.84, 10, 9.98), (86.2, 10, 8.62), (102.59, 10, 10),
                                                        (100, 20, 20), (0, 10, 0)])
def test_execution_score_is_capped_at_its_weight(rate: float, weight: float, score: float) -> None:
    assert execution_score(rate, weight) == score


@pytest.mark.parametrize(("score", "grade"), [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.5, "中"),
                                              (60, "中"), (59.99, "差"), (0, "差")])
def test_grade_bands(score: float, grade: str) -> None:
    assert grade_of(score, NATIONAL) == grade


@pytest.mark.parametrize(
    ("op", "target", "actual", "unit", "verdict"),
    [(">=", 5, 6, "个", "超额完成"), (">=", 5, 5, "个", "已完成"), (">=", 5, 4, "个", "未完成"),
     (">=", 90, 93, "%", "已完成"), ("<=", 24, 20, "小时", "已完成"), ("<=", 24, 30, "小时", "未完成"),
     ("=", 0, 0, "起", "已完成"), ("=", 0, 2, "起", "未完成"), (None, 8, 9, "个", "超额完成")],
)
def test_verdicts_follow_the_direction(op: str | None, target: float, actual: float, unit: str, verdict: str) -> None:
    assert verdict_of(op, target, actual, unit) == verdict


def test_completion_rate_is_direction_aware() -> None:
    assert completion_rate(">=", 5, 6) == 120
    assert completion_rate("<=", 24, 20) == 120
    assert completion_rate(">=", 0, 3) is None
    assert completion_rate("<=", 24, 0) is None


def figures(indicators: list[dict], **funds: float) -> object:
    return figures_from_data({
        "project": {"name": "测试", "unit": "某局", "year": 2024},
        "funds": {"budget_initial": 100, "spent": funds.get("spent", 100)},
        "indicators": indicators,
    })


def ind(level1: str, level2: str, target: object, actual: object, weight: float | None = None) -> dict:
    out = {"level1": level1, "level2": level2, "name": f"{level2}{target}", "target": target, "actual": actual}
    if weight is not None:
        out["weight"] = weight
    return out


@pytest.mark.parametrize(("actual", "share"), [("已完成", 1.0), ("合规", 1.0), ("基本完成", 0.8), ("部分完成", 0.7),
                                               ("未完成", 0.0), ("不合规", 0.0)])
def test_qualitative_bands(actual: str, share: float) -> None:
    sheet = score_figures(figures([ind("产出指标", "质量指标", "合规", actual, 40),
                                   ind("效益指标", "社会效益指标", "≥1", 1, 40),
                                   ind("满意度指标", "服务对象满意度指标", "≥1", 1, 10)]), NATIONAL)
    row = sheet.indicators[0]
    band = NATIONAL.qualitative[row.achievement]
    assert row.score == 40 * share
    assert band.band[0] <= share <= band.band[1]


@pytest.mark.parametrize(("target", "actual", "why"), [
    ("建立长效机制", "稳步推进", "无法从「稳步推进」判断完成程度"),
    ("合规", 100, "为数值"),
    ("≥266米", "≥266米", "目标值的写法"),
    ("≥5个", "5家", "单位"),
    ("≥5个", "完成3个", "数值无法读出"),
])
def test_an_actual_that_cannot_be_judged_is_pending_not_met(target: object, actual: object, why: str) -> None:
    fig = figures([ind("产出指标", "数量指标", target, actual, 40), ind("产出指标", "质量指标", "合规", "合规", 50)])
    sheet = score_figures(fig, NATIONAL)
    row = sheet.indicators[0]
    assert (row.verdict, row.score, row.missed) == ("待确认", 0.0, False)
    assert why in row.pending
    assert sheet.total == sheet.execution_score + 50
    table = build_facts(fig, NATIONAL)
    assert table["ind.i1.score"].value == "待确认"
    assert table["count.pending"].value == 1 and table["count.met"].value == 1


def test_free_text_on_a_numeric_target_and_a_stated_achievement_are_scored() -> None:
    fig = figures([ind("产出指标", "数量指标", "≥12场", "达成预期指标", 20),
                   {**ind("产出指标", "质量指标", "较高", "较高", 20), "achievement": "部分完成"},
                   ind("效益指标", "社会效益指标", "≥1", 1, 50)])
    first, second, _ = score_figures(fig, NATIONAL).indicators
    assert (first.verdict, first.score) == ("已完成", 20)
    assert (second.verdict, second.score) == ("部分完成", 14)


def test_missing_weights_are_shared_evenly_within_their_group_and_noted() -> None:
    fig = figures([
        ind("产出指标", "数量指标", "≥5", 5, 20), ind("产出指标", "质量指标", "合规", "合规"),
        ind("产出指标", "时效指标", "及时", "及时"), ind("效益指标", "社会效益指标", "≥1", 1),
        ind("满意度指标", "服务对象满意度指标", "≥90%", "95%"),
    ])
    sheet = score_figures(fig, NATIONAL)
    weights = [(r.weight, r.weight_filled) for r in sheet.indicators]
    assert weights == [(20, False), (15, True), (15, True), (30, True), (10, True)]
    assert any("余 30 分由 2 个" in n for n in sheet.notes)
    assert sheet.total == 100


def test_uneven_split_keeps_the_group_total() -> None:
    fig = figures([ind("产出指标", "数量指标", "≥1", 1) for _ in range(3)]
                  + [ind("效益指标", "社会效益指标", "≥1", 1), ind("满意度指标", "服务对象满意度指标", "≥1", 1)])
    sheet = score_figures(fig, NATIONAL)
    assert [r.weight for r in sheet.indicators[:3]] == [16.67, 16.67, 16.66]


def test_an_absent_group_is_shared_by_the_others() -> None:
    sheet = score_figures(figures([ind("产出指标", "数量指标", "≥1", 1) for _ in range(3)]), NATIONAL)
    assert [r.weight for r in sheet.indicators] == [30, 30, 30]
    assert any("未设置效益指标、满意度指标" in n for n in sheet.notes)


def test_given_weights_that_add_up_are_never_changed() -> None:
    fig = figures([ind("产出指标", "数量指标", "≥1", 1, 60), ind("效益指标", "社会效益指标", "≥1", 1, 30)])
    sheet = score_figures(fig, NATIONAL)
    assert [r.weight for r in sheet.indicators] == [60, 30] and sheet.notes == [] and sheet.weights_given is None


def test_weights_that_do_not_add_up_are_rescaled_for_the_draft_and_noted() -> None:
    fig = figures([ind("产出指标", "数量指标", "≥1", 1, 60), ind("效益指标", "社会效益指标", "≥1", 1, 40)])
    sheet = score_figures(fig, NATIONAL)
    assert [r.weight for r in sheet.indicators] == [54, 36]
    assert sheet.weights_given == 110 and sheet.total <= NATIONAL.total
    assert "合计 110 分" in sheet.notes[-1]


def test_local_scheme_weighs_all_indicators_together() -> None:
    fig = figures([ind("产出指标", "数量指标", "≥1", 1), ind("效益指标", "社会效益指标", "≥1", 1),
                   ind("满意度指标", "服务对象满意度指标", "≥1", 1)])
    sheet = score_figures(fig, load_scheme("sichuan"))
    assert [r.weight for r in sheet.indicators] == [30, 30, 30]
    assert sheet.execution_weight == 10


def test_bundled_schemes_add_up_to_their_total() -> None:
    assert {"national", "sichuan", "exec20"} <= set(scheme_names())
    for name in scheme_names():
        scheme = load_scheme(name)
        assert scheme.execution_weight + sum(g.weight for g in scheme.groups) == scheme.total


def test_unknown_scheme_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="national"):
        load_scheme("beijing")
