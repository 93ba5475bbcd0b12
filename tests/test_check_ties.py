"""Which fact a number states: the fact its clause names, never a coincidence of value (issue 13).

Each table holds sentences where the rule must fire and sentences where it must not. The sentences are
ours, in the phrasing of published reports, against the example figures in eval/cases.
"""

from __future__ import annotations

import pytest

from assistant.check import check_text
from assistant.facts import build_facts
from assistant.figures import read_figures
from tests.conftest import CASES

SAMPLE = build_facts(read_figures(CASES / "sample-2024.yaml"))
WATER = build_facts(read_figures(CASES / "water-missed-2023.yaml"))
INVEST = build_facts(read_figures(CASES / "invest-parks-2024.yaml"))
TECH = build_facts(read_figures(CASES / "tech-innovation-2023.yaml"))
FARM = build_facts(read_figures(CASES / "farmland-2024.yaml"))


def verdict(text: str, table, number: str) -> tuple[str, str]:
    """Return the status of the number written so in the text, and the fact it was tied to."""
    found = [n for n in check_text(text, table).numbers if n.quantity.text == number]
    assert len(found) == 1, (text, number)
    return found[0].status, found[0].fact


def _row(text: str, table, number: str, status: str, fact: str = ""):
    return pytest.param(text, table, number, status, fact, id=f"{number}:{text[:14]}")


# 1. A clause that names a fact ties its number to that fact; small integers, durations and the report's own
#    counts never find support in a coincidence of value.
COINCIDENCE = [
    # fires: the named fact's value differs, though another fact has the value written
    _row("推动4个智慧园区项目落地。", INVEST, "4个", "contradicted", "fact.4"),
    _row("园区新增入驻企业25家，企业集聚效应初步显现。", INVEST, "25家", "contradicted", "fact.11"),
    _row("全年新增优质中小企业30家。", SAMPLE, "30家", "contradicted", "fact.2"),
    _row("完成54家企业清洁生产审核验收工作。", SAMPLE, "54家", "contradicted", "fact.14"),
    _row("新建省级工程技术研究中心37家。", TECH, "37家", "contradicted", "fact.6"),
    _row("科技特派员深入45个行政村开展服务。", TECH, "45个", "contradicted", "fact.12"),
    _row("新建泵站6座。", FARM, "6座", "contradicted", "fact.10"),
    _row("项目覆盖57个乡镇。", FARM, "57个", "contradicted", "fact.1"),
    _row("新建机耕路126.4公里，群众出行更加方便。", FARM, "126.4公里", "contradicted", "fact.9"),
    _row("湛江连续18年跻身全国数字百强市。", SAMPLE, "18年", "contradicted", "fact.18"),
    _row("高新技术企业数量连续6年保持两位数增长。", TECH, "6年", "contradicted", "fact.2"),
    _row("全市外贸进出口总额512.8亿元，同比增长11.2%。", INVEST, "11.2%", "contradicted", "fact.6"),
    # fires: no tie in the clause, and the value is one that coincides too easily to count as support
    _row("另有4个项目纳入来年储备。", INVEST, "4个", "unsupported"),
    _row("签约后3年内建成投产。", INVEST, "3年", "unsupported"),
    _row("组织6项专题培训。", TECH, "6项", "unsupported"),
    _row("在田间设置9个墒情监测点。", FARM, "9个", "unsupported"),
    # must not fire
    _row("推动3个智慧园区项目落地运营。", INVEST, "3个", "supported", "fact.4"),
    _row("围绕该目标共设置4项绩效指标。", INVEST, "4项", "supported", "count.indicators"),
    _row("湛江连续2年跻身全国数字百强市。", SAMPLE, "2年", "supported", "fact.18"),
    _row("高新技术企业数量连续5年保持两位数增长。", TECH, "5年", "supported", "fact.2"),
    _row("项目覆盖9个乡镇、57个行政村。", FARM, "9个", "supported", "fact.1"),
    _row("项目覆盖9个乡镇、57个行政村。", FARM, "57个", "supported", "fact.2"),
    _row("新建泵站14座、蓄水池6座。", FARM, "6座", "supported", "fact.13"),
    _row("全市获省科学技术奖6项，居全省地级市首位。", TECH, "6项", "supported", "fact.14"),
    _row("连续4年获评全省高标准农田建设激励县。", FARM, "4年", "supported", "fact.6"),
    _row("推动2个5G工厂项目入选工信部名录。", SAMPLE, "2个", "supported", "fact.15"),
    _row("科技特派员服务85个行政村。", TECH, "85个", "supported", "fact.12"),
    _row("推动30家企业、金融机构签订《设备更新和技术改造银企合作协议》。", SAMPLE, "30家", "supported", "fact.8"),
    _row("全市外贸进出口总额512.8亿元，同比增长8.6%。", INVEST, "8.6%", "supported", "fact.6"),
]


@pytest.mark.parametrize(("text", "table", "number", "status", "fact"), COINCIDENCE)
def test_a_number_states_the_fact_its_clause_names(text: str, table, number: str, status: str, fact: str) -> None:
    assert verdict(text, table, number) == (status, fact)


# 2. Among several facts a sentence names, the one whose name it holds most of wins; a value equal to a
#    candidate's is evidence for it; a name from an earlier sentence does not outweigh the value.
BEST_NAMED = [
    # must not fire: the faithful sentence keeps its fact
    _row("全年新增规上企业超过40家。", INVEST, "40家", "supported", "fact.2"),
    _row("全年新增规上企业超过40家，推动25家签约金融机构和企业参与对接。", INVEST, "25家", "supported", "fact.3"),
    _row("新认定高新技术企业不少于80家。", TECH, "80家", "supported", "ind.hightech.target"),
    _row("全市高新技术企业总数达到612家。", TECH, "612家", "supported", "fact.1"),
    _row("全年新认定高新技术企业96家。", TECH, "96家", "supported", "ind.hightech.actual"),
    _row("全县累计建成高标准农田28.7万亩。", FARM, "28.7万亩", "supported", "fact.5"),
    _row("全年新建高标准农田3.62万亩。", FARM, "3.62万亩", "supported", "ind.area.actual"),
    _row("建成中小企业志愿服务工作站23个。", SAMPLE, "23个", "supported", "fact.4"),
    _row("新增优质中小企业54家，增长14.3%。", SAMPLE, "14.3%", "supported", "fact.3"),
    _row("新建和改造灌排渠道126.4公里，新建机耕路45.3公里。", FARM, "45.3公里", "supported", "fact.9"),
    _row("科技型中小企业入库1034家，新增省级专精特新中小企业37家。", TECH, "37家", "supported", "fact.15"),
    _row("1. 资金管理情况。其他资金全年预算250万元。全年支出2581.7万元。", TECH, "2581.7万元", "supported",
         "funds.spent"),
    # fires: the best-named fact's value differs
    _row("全年新增规上企业超过25家。", INVEST, "25家", "contradicted", "fact.2"),
    _row("全市高新技术企业总数达到96家。", TECH, "96家", "contradicted", "fact.1"),
    _row("全县累计建成高标准农田3.62万亩。", FARM, "3.62万亩", "contradicted", "fact.5"),
    _row("新增优质中小企业54家，增长73.54%。", SAMPLE, "73.54%", "contradicted", "fact.3"),
    _row("科技型中小企业入库1034家，新增省级专精特新中小企业11家。", TECH, "11家", "contradicted", "fact.15"),
    _row("新建和改造灌排渠道126.4公里，新建机耕路120公里。", FARM, "120公里", "contradicted", "fact.9"),
]


@pytest.mark.parametrize(("text", "table", "number", "status", "fact"), BEST_NAMED)
def test_the_best_named_fact_wins(text: str, table, number: str, status: str, fact: str) -> None:
    assert verdict(text, table, number) == (status, fact)


# 3. A number after a bound word (不少于, 不低于, 不超过, ≥, ≤; 以上 after a target word) and an indicator's name
#    states the target; a bound after 完成/实际/达到 keeps it an actual.
BOUNDS = [
    # fires: the actual value written as the bound
    _row("评审项目个数不少于6个。", SAMPLE, "6个", "contradicted", "ind.reviews.target"),
    _row("更新改造供水管网不低于28.4公里。", WATER, "28.4公里", "contradicted", "ind.pipes.target"),
    _row("引进产业项目个数≥68个。", INVEST, "68个", "contradicted", "ind.projects.target"),
    _row("招商推介活动场次不少于36场。", INVEST, "36场", "contradicted", "ind.events.target"),
    _row("新认定高新技术企业不少于96家。", TECH, "96家", "contradicted", "ind.hightech.target"),
    _row("新建和改造灌排渠道不少于126.4公里。", FARM, "126.4公里", "contradicted", "ind.canals.target"),
    _row("亩均投资不超过1454元。", FARM, "1454元", "contradicted", "ind.cost.target"),
    _row("入园企业满意度不低于95.2%。", INVEST, "95.2%", "contradicted", "ind.satisfaction.target"),
    _row("项目区亩均增产目标为85公斤以上。", FARM, "85公斤", "contradicted", "ind.yield.target"),
    _row("项目验收合格率≥97.5%。", TECH, "97.5%", "contradicted", "ind.acceptance.target"),
    # must not fire
    _row("评审项目个数不少于5个。", SAMPLE, "5个", "supported", "ind.reviews.target"),
    _row("更新改造供水管网≥35公里。", WATER, "35公里", "supported", "ind.pipes.target"),
    _row("亩均投资不超过1500元，实际为1454元。", FARM, "1454元", "supported", "ind.cost.actual"),
    _row("亩均投资不超过1500元，实际为1454元。", FARM, "1500元", "supported", "ind.cost.target"),
    _row("入园企业满意度目标不低于90%，实际为95.2%。", INVEST, "95.2%", "supported", "ind.satisfaction.actual"),
    _row("引进产业项目个数全年完成68个以上。", INVEST, "68个", "supported", "ind.projects.actual"),
    _row("更新改造供水管网实际完成不少于28.4公里。", WATER, "28.4公里", "supported", "ind.pipes.actual"),
    _row("新认定高新技术企业达到96家以上。", TECH, "96家", "supported", "ind.hightech.actual"),
    _row("项目区亩均增产目标为50公斤以上。", FARM, "50公斤", "supported", "ind.yield.target"),
    _row("全年推动超过220家规上工业企业开展技术改造。", SAMPLE, "220家", "supported", "fact.1"),
]


@pytest.mark.parametrize(("text", "table", "number", "status", "fact"), BOUNDS)
def test_a_bound_states_a_target(text: str, table, number: str, status: str, fact: str) -> None:
    assert verdict(text, table, number) == (status, fact)


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        # the words name the indicator but not which of its figures: a report states what was done
        ("全年更新改造供水管网30公里。", "ind.pipes.actual"),
        # a word for the target says which
        ("更新改造供水管网年度目标为30公里。", "ind.pipes.target"),
    ],
)
def test_a_contradicted_indicator_figure_is_compared_with_what_the_words_mean(text: str, fact: str) -> None:
    assert verdict(text, WATER, "30公里") == ("contradicted", fact)
