"""The figures loader: every error kind, all problems at once, target parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from assistant.figures import FiguresError, figures_from_data, read_figures
from assistant.targets import parse_value
from tests.conftest import CASES


def good() -> dict:
    return {
        "project": {"name": "测试项目", "unit": "某局", "year": 2024},
        "funds": {"budget_initial": 100, "spent": 95},
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "培训人数", "target": "≥100人", "actual": 120},
            {"level1": "产出指标", "level2": "质量指标", "name": "合规性", "target": "合规", "actual": "合规"},
        ],
    }


def problems_of(data: object) -> list[tuple[str, str]]:
    with pytest.raises(FiguresError) as info:
        figures_from_data(data)
    return info.value.problems


def edit(path: str, value: object) -> dict:
    """Return the good figures with one value set (path like 'funds.spent' or 'indicators.0.actual')."""
    data = good()
    node: dict | list = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if value is DELETE:
        del node[last]
    else:
        node[int(last) if isinstance(node, list) else last] = value
    return data


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "where", "words"),
    [
        ("project.name", DELETE, "project.name", "缺少必填项"),
        ("funds.spent", DELETE, "funds.spent", "缺少必填项"),
        ("project.colour", "红", "project.colour", "未知字段"),
        ("funds.spent", "一百多", "funds.spent", "应为数字"),
        ("funds.budget_initial", -5, "funds.budget_initial", "不能为负数"),
        ("project.year", "二〇二四", "project.year", "应为整数"),
        ("project.year", 1800, "project.year", "应不小于 1990"),
        ("project.name", "", "project.name", "不能为空"),
        ("project.fill_date", "五月", "project.fill_date", "日期格式"),
        ("funds.unit", "千元", "funds.unit", "不在可选范围内"),
        ("indicators.0.level1", "产出", "indicators[0].level1", "不在可选范围内"),
        ("indicators.0.level2", "数目指标", "indicators[0].level2", "二级指标"),
        ("indicators.0.weight", -1, "indicators[0].weight", "不能为负数"),
        ("indicators.0.achievement", "差不多", "indicators[0].achievement", "不在可选范围内"),
        ("project.basis", [{"number": "", "title": ""}], "project.basis[0]", "文号"),
        ("funds.rate_basis", "allocated", "funds.rate_basis", "未填写 funds.allocated"),
        ("funds.rate_basis", "到位", "funds.rate_basis", "不在可选范围内"),
        ("funds.budget_initial", 0, "funds.budget_initial", "为 0"),
        ("indicators", "很多", "indicators", "应为列表"),
        ("funds", 5, "funds", "键值结构"),
        ("funds.breakdown", [{"name": "当年财政拨款", "budget": 100}], "funds.breakdown[0].spent", "缺少必填项"),
        ("facts", [{"name": "新增企业", "value": "五十"}], "facts[0].value", "应为数字"),
        ("evaluation", {"grade": "A"}, "evaluation.grade", "不在可选范围内"),
    ],
)
def test_each_error_kind_names_its_path(path: str, value: object, where: str, words: str) -> None:
    problems = dict(problems_of(edit(path, value)))
    assert where in problems, problems
    assert words in problems[where]


def test_duplicate_indicator_ids_are_refused() -> None:
    data = good()
    data["indicators"][0]["id"] = data["indicators"][1]["id"] = "x"
    assert dict(problems_of(data))["indicators[1].id"] == "指标编号「x」重复"


def test_every_problem_is_listed_at_once() -> None:
    data = edit("funds.spent", "一百多")
    data["project"]["colour"] = "红"
    data["indicators"][0]["weight"] = -1
    data["funds"]["rate_basis"] = "allocated"
    paths = [p for p, _ in problems_of(data)]
    assert sorted(paths) == sorted(["funds.spent", "project.colour", "indicators[0].weight", "funds.rate_basis"])


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "project: [1, 2\n", "YAML 格式错误"),
        ("bad.json", "{\"project\": }", "JSON 格式错误"),
        ("bad.txt", "project: x", "不支持的文件类型"),
        ("list.yaml", "- 1\n- 2\n", "键值结构"),
        ("gbk.yaml", "项目".encode("gbk"), "无法读取文件"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, text: str | bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(FiguresError) as info:
        read_figures(path)
    assert message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FiguresError, match="文件不存在"):
        read_figures(tmp_path / "nope.yaml")


def test_json_and_yaml_give_the_same_figures(tmp_path: Path) -> None:
    data = yaml.safe_load((CASES / "water-missed-2023.yaml").read_text("utf-8"))
    data["project"]["fill_date"] = str(data["project"]["fill_date"])
    (tmp_path / "w.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert read_figures(tmp_path / "w.json") == read_figures(CASES / "water-missed-2023.yaml")


def test_indicator_ids_come_from_position_when_absent() -> None:
    fig = figures_from_data(good())
    assert [i.id for i in fig.indicators] == ["i1", "i2"]


@pytest.mark.parametrize(
    ("raw", "op", "value", "unit", "interpreted"),
    [
        ("≥5", ">=", 5, "", False),
        (">=5", ">=", 5, "", False),
        ("不少于5个", ">=", 5, "个", True),
        ("5个以上", ">=", 5, "个", True),
        ("不少于五个", ">=", 5, "个", True),  # numbers in words read as the checker reads them
        ("一万两千人次以上", ">=", 12000, "人次", True),
        ("百分之九十五", None, 95, "%", True),
        ("≤202.6", "<=", 202.6, "", False),
        ("不超过3天", "<=", 3, "天", True),
        ("<3", "<", 3, "", False),
        (">5", ">", 5, "", False),
        ("=8", "=", 8, "", False),
        ("5", None, 5, "", False),
        ("95%", None, 95, "%", False),
        ("≥95%", ">=", 95, "%", False),
        ("≥ 95 ％", ">=", 95, "%", False),
        ("≥1,200人", ">=", 1200, "人", False),
        ("≥４.５万平方米", ">=", 4.5, "万平方米", False),
        (100, None, 100, "", False),
        (99.84, None, 99.84, "", False),
    ],
)
def test_targets_are_parsed(raw: str | float, op: str | None, value: float, unit: str, interpreted: bool) -> None:
    parsed = parse_value(raw)
    assert (parsed.op, parsed.value, parsed.unit) == (op, value, unit)
    assert bool(parsed.note) == interpreted


@pytest.mark.parametrize("raw", ["合规", "达到预期", "及时", "100%完成", "≥5个且≤8个", "不少于5个以下"])
def test_qualitative_targets_keep_their_text(raw: str) -> None:
    parsed = parse_value(raw)
    assert parsed.qualitative and parsed.text == raw


def test_decimals_follow_the_written_form() -> None:
    assert parse_value("≤202.60").decimals == 2
    assert parse_value(138.78).decimals == 2
    assert parse_value(189).decimals == 0
