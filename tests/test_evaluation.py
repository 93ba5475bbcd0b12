"""The evaluation harness (`assistant eval`): committed expectations, metrics on real drafts and on
drafts spoiled on purpose, results.json, and the baseline gate."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.draft import draft_report
from assistant.evaluation.bench_results import MutationBenchmark, MutationKind
from assistant.evaluation.cases import load_cases
from assistant.evaluation.checklist import common_sentences, split_sections
from assistant.evaluation.compare import compare
from assistant.evaluation.harness import evaluate
from assistant.evaluation.metrics import Draft, measure
from assistant.evaluation.results import EvalResults
from assistant.report import to_markdown
from assistant.report_text import markdown_text
from assistant.scoring import load_scheme
from assistant.sections import SECTIONS
from assistant.writers import TemplateWriter
from tests.conftest import CASES, ROOT, case_files
from tests.fake_openai import AMOUNT, FakeOpenAI, wrong_model

# The command over the committed cases; the benchmarks have tests of their own (test_evaluation_report.py).
EVAL = [sys.executable, "-m", "assistant", "eval", "--no-benchmarks", "--cases", str(CASES)]


@pytest.fixture(scope="module")
def results() -> EvalResults:
    """The template writer over every case, measured once."""
    return evaluate(load_cases(CASES), load_scheme(), [TemplateWriter()], [])


def template_text(name: str) -> tuple[str, object]:
    case = load_cases(CASES, [name])[0]
    report = draft_report(case.figures)
    return markdown_text(to_markdown(report)), case


# ---------------------------------------------------------------- the expectations are data, checked by hand

def expect(name: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / "expected" / f"{name}.yaml").read_text("utf-8"))


def test_every_case_has_committed_expectations() -> None:
    assert [p.stem for p in case_files()] == sorted(p.stem for p in (CASES / "expected").glob("*.yaml"))
    assert len(case_files()) >= 16


def test_expected_scores_match_the_arithmetic_done_by_hand() -> None:
    # water-missed-2023: 412.6 ÷ 500 = 82.52% → 8.252; 管网 28.4 ÷ 35 × 15 = 12.171; the rest met: 75.
    assert expect("water-missed-2023")["score"] == round(10 * 412.6 / 500 + 28.4 / 35 * 15 + 75, 2) == 95.42
    # diag-school-2019: 431 ÷ 500 = 86.2% → 8.62; 设备 111 ÷ 120 × 20 = 18.5; the rest met: 70.
    assert expect("diag-school-2019")["score"] == round(8.62 + 18.5 + 70, 2) == 97.12
    # diag-grade-2022: 190 ÷ 200 → 9.5; 网络 部分实现 0.7 × 30 = 21; 满意度 80 ÷ 90 × 10 = 8.89; 50 met → 良.
    grade = expect("diag-grade-2022")
    assert grade["score"] == round(9.5 + 21 + 80 / 90 * 10 + 50, 2) == 89.39 and grade["grade"] == "良"
    # diag-county-2021: 204.21 ÷ 300 = 68.07% → 6.807; 危房 121 ÷ 150 × 20 = 16.133; the rest met: 70.
    assert expect("diag-county-2021")["score"] == round(10 * 204.21 / 300 + 121 / 150 * 20 + 70, 2) == 92.94
    # roads-adjusted-2024: 350.5 ÷ 360 = 97.36% → 9.736; every indicator met: 90.
    assert expect("roads-adjusted-2024")["score"] == round(10 * 350.5 / 360 + 90, 2) == 99.74
    sample = {f["fact"]: f["value"] for f in expect("sample-2024")["funds"]}
    assert sample["rate.allocated"] == round(138.78 / 139 * 100, 2) == 99.84  # the sample divides by the allocation
    assert sample["rate.budget_adjusted"] == round(138.78 / 189 * 100, 2) == 73.43


# ---------------------------------------------------------------- metrics on the template's drafts

def test_the_template_drafts_state_everything_the_expectations_require(results: EvalResults) -> None:
    assert len(results.drafts) == len(case_files())
    for d in results.drafts:
        m = d.metrics
        assert m is not None, d.error
        assert (m.missing, m.unanswered) == ((), ()), d.case
        assert m.score_right and m.grade_right, (d.case, m.stated_score, m.stated_grade)
        assert m.unsupported == m.contradicted == m.claim_errors == 0, d.case
        assert m.completeness == 1.0 and m.author_faults == 0 and m.impossible == 0, d.case
    summary = results.summary("template")
    assert summary is not None and summary.recall == 1.0 and summary.score_right == len(case_files())


def test_a_wrong_number_is_a_contradiction_and_a_missing_fact() -> None:
    text, case = template_text("water-missed-2023")
    assert "82.52%" in text
    spoiled = measure(case, Draft(text.replace("82.52%", "88.52%")), draft_report(case.figures).table)
    clean = measure(case, Draft(text), draft_report(case.figures).table)
    assert clean.recall == 1.0 and clean.contradicted == 0
    assert spoiled.contradicted >= 1 and spoiled.precision < 1.0
    assert "预算执行率（按全年预算数）" in spoiled.missing


def test_a_wrong_score_and_grade_are_caught() -> None:
    text, case = template_text("diag-grade-2022")
    assert "绩效自评得分为89.39分，绩效等级为“良”" in text
    m = measure(case, Draft(text.replace("89.39分，绩效等级为“良”", "90.39分，绩效等级为“优”")),
                draft_report(case.figures).table)
    assert (m.score_right, m.grade_right, m.stated_grade) == (False, False, "优")


def test_a_dropped_section_and_an_unanswered_problem_are_counted() -> None:
    text, case = template_text("water-missed-2023")
    parts = split_sections(text)
    assert set(parts) >= {s.id for s in SECTIONS if s.template}
    head = text.index("六、改进意见\n") + len("六、改进意见\n")
    without = text[:head] + text[text.index("## 七、", head):]  # the heading kept, its body gone
    m = measure(case, Draft(without), draft_report(case.figures).table)
    assert m.sections_present == m.sections - 1 and m.problems_answered == 0 and len(m.unanswered) == 2


def test_a_sentence_shared_by_most_drafts_is_boilerplate() -> None:
    texts = ["一、基本情况\n本项目严格按照规定使用资金，成效显著。其他内容甲。",
             "一、基本情况\n本项目严格按照规定使用资金，成效显著。其他内容乙乙乙乙。",
             "一、基本情况\n完全不同的一句话写在这里。"]
    assert common_sentences(texts) == {"本项目严格按照规定使用资金，成效显著。"}


# ---------------------------------------------------------------- results.json and the command

def test_results_json_reads_back_the_same(results: EvalResults) -> None:
    text = results.to_json()
    again = EvalResults.from_json(text)
    assert again.to_json() == text and again.cases == results.cases
    assert again.summary("template") is not None and again.draft("sample-2024", "template") is not None
    data = json.loads(results.to_json())
    assert data["version"] == 1 and {d["case"] for d in data["drafts"]} == {p.stem for p in case_files()}


def test_eval_command_writes_results_and_drafts(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    done = subprocess.run([*EVAL, "--case", "sample-2024",
                           "--case", "water-missed-2023", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = EvalResults.from_json((out / "results.json").read_text("utf-8"))
    assert [c.name for c in data.cases] == ["sample-2024", "water-missed-2023"]
    assert (out / "drafts" / "template" / "sample-2024.md").is_file()
    assert "必备事实召回率" in done.stderr
    report = (out / "report.md").read_text("utf-8")  # one command: JSON, report and charts
    assert "water-missed-2023" in report and "![" in report and (out / "faithfulness.png").stat().st_size > 10_000


def test_eval_refuses_an_unknown_case_and_a_bad_baseline(tmp_path: Path) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text("{}", "utf-8")
    for extra, words in ((["--case", "nope"], "没有这些案例：nope"), (["--compare", str(bad)], "不是评测结果文件")):
        done = subprocess.run([*EVAL, "--out",
                               str(tmp_path / "o"), *extra], capture_output=True, text=True)
        assert done.returncode == 2 and words in done.stderr, done.stderr
        assert not (tmp_path / "o" / "results.json").exists()


# ---------------------------------------------------------------- a model that answers with wrong figures

def test_a_model_with_wrong_figures_is_repaired_or_falls_back_and_no_wrong_number_is_kept(tmp_path: Path) -> None:
    sent: list[str] = []
    fake = FakeOpenAI(default=wrong_model(sent)).start()
    out = tmp_path / "eval"
    env = {**os.environ, "ASSISTANT_API_KEY": "sk-test-0123456789abcdef", "ASSISTANT_RETRY_BACKOFF": "0.05",
           "ASSISTANT_INDEX_DIR": str(tmp_path / "no-index")}
    try:
        done = subprocess.run([*EVAL, "--backend", "all",
                               "--case", "sample-2024", "--case", "water-missed-2023", "--case", "roads-adjusted-2024",
                               "--base-url", fake.url, "--model", "wrong-figures", "--out", str(out)],
                              capture_output=True, text=True, env=env, timeout=300)
    finally:
        fake.stop()
    assert done.returncode == 0, done.stderr
    results = EvalResults.from_json((out / "results.json").read_text("utf-8"))
    chat = results.summary("openai")
    assert chat is not None and chat.chat is not None and chat.drafted == 3
    assert chat.chat.repaired >= 3 and chat.chat.fallbacks >= 3  # funds sections repaired, the others fell back
    assert chat.chat.prompt_tokens > 0 and chat.chat.kept_share < 1.0
    assert chat.unsupported == chat.contradicted == chat.claim_errors == 0 and chat.precision == 1.0
    assert chat.recall == 1.0 and chat.score_right == chat.grade_right == 3
    wrong = set(sent) - {m.group(0) for p in (out / "drafts" / "template").glob("*.md")
                         for m in AMOUNT.finditer(p.read_text("utf-8"))}
    assert len(wrong) > 20  # the model did send wrong figures …
    for path in (out / "drafts" / "openai").glob("*.md"):  # … and none of them reached a final draft
        text = path.read_text("utf-8")
        assert not [w for w in wrong if w in text], path.name
    assert "修复/回退章节" in done.stderr


# ---------------------------------------------------------------- the gate: a broken template fails --compare

GATE_CASES = ("sample-2024", "water-missed-2023", "roads-adjusted-2024")


def spend_as_budget(text: str) -> str:
    """The funds template writing the budget where spending belongs: a wrong number in every draft."""
    assert '{{ fact("funds.spent") }}' in text
    return text.replace('{{ fact("funds.spent") }}', '{{ number("funds.budget_initial") }}万元')


def no_improvements(text: str) -> str:
    """The improvements template writing nothing: a section dropped."""
    return text.split("#}", 1)[0] + "#}\n"


def gate(tmp_path: Path, templates: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_TEMPLATES_DIR": str(templates)}
    return subprocess.run([*EVAL,
                           *(a for c in GATE_CASES for a in ("--case", c)), "--out", str(tmp_path / "eval"),
                           "--compare", str(ROOT / "eval" / "baseline.json")], capture_output=True, text=True, env=env)


def test_the_templates_as_shipped_pass_the_gate(tmp_path: Path) -> None:
    templates = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", templates)
    done = gate(tmp_path, templates)
    assert done.returncode == 0, done.stderr
    assert "只逐案例比较" in done.stderr and "没有指标变化" in done.stderr


@pytest.mark.parametrize(("template", "spoil", "worse"), [
    ("funds.j2", spend_as_budget, ("contradicted", "precision", "recall")),
    ("improvements.j2", no_improvements, ("completeness", "answered")),
])
def test_a_broken_template_fails_the_gate(tmp_path: Path, template: str, spoil: Callable[[str], str],
                                          worse: tuple[str, ...]) -> None:
    templates = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", templates)
    path = templates / "sections" / template
    path.write_text(spoil(path.read_text("utf-8")), "utf-8")
    done = gate(tmp_path, templates)
    assert done.returncode == 1, done.stderr
    assert "变差" in done.stderr
    results = EvalResults.from_json((tmp_path / "eval" / "results.json").read_text("utf-8"))
    baseline = EvalResults.from_json((ROOT / "eval" / "baseline.json").read_text("utf-8"))
    moved = {m.metric for m in compare(results, baseline).worse}
    assert set(worse) <= moved, moved


# ---------------------------------------------------------------- drafts made elsewhere

def test_drafts_made_elsewhere_are_scored_like_the_drafts_made_here(tmp_path: Path, results: EvalResults) -> None:
    names = ("sample-2024", "water-missed-2023")
    drafted = subprocess.run([sys.executable, "-m", "assistant", "draft", *(str(CASES / f"{n}.yaml") for n in names),
                              "-o", str(tmp_path / "out"), "--run-dir", str(tmp_path / "run")],
                             capture_output=True, text=True)
    assert drafted.returncode in (0, 1), drafted.stderr
    word, people = tmp_path / "word", tmp_path / "people"
    word.mkdir()
    people.mkdir()
    for n in names:
        shutil.copy(tmp_path / "out" / f"{n}.docx", word)
    edited = (tmp_path / "out" / "sample-2024.md").read_text("utf-8")
    assert "138.78万元" in edited
    (people / "sample-2024.md").write_text(edited.replace("138.78万元", "183.78万元"), "utf-8")
    done = subprocess.run([*EVAL,
                           *(a for n in names for a in ("--case", n)), "--out", str(tmp_path / "eval"),
                           *(a for f in ("out", "run", "word", "people") for a in ("--runs", str(tmp_path / f)))],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    got = EvalResults.from_json((tmp_path / "eval" / "results.json").read_text("utf-8"))
    assert got.writers == ("runs:out", "runs:run", "runs:word", "runs:people")
    for folder in ("runs:out", "runs:run", "runs:word"):
        for n in names:
            here, there = results.draft(n, "template").metrics, got.draft(n, folder).metrics
            assert there is not None, (folder, n)
            assert (there.recall, there.missing, there.completeness, there.answered, there.score_right) == \
                   (here.recall, here.missing, here.completeness, here.answered, here.score_right), (folder, n)
            assert there.precision == 1.0 and there.contradicted == 0, (folder, n)
    person = got.draft("sample-2024", "runs:people").metrics
    assert person is not None and person.contradicted == 1 and "全年执行数" in person.missing
    assert "没有 water-missed-2023 的稿件" in got.draft("water-missed-2023", "runs:people").error
    assert got.summary("runs:people").drafted == 1


def test_tolerances_let_noise_pass_and_catch_a_regression(results: EvalResults) -> None:
    base = results.summary("template")
    assert base is not None

    def judged(**changed: float) -> dict[str, bool]:
        run = dataclasses.replace(results, summaries=(dataclasses.replace(base, **changed),))
        return {m.metric: m.worse for m in compare(run, results).moves}

    assert judged(seconds=base.seconds * 2 + 1) == {"seconds": False}  # a busy machine
    assert judged(seconds=base.seconds * 3 + 6) == {"seconds": True}
    assert judged(precision=base.precision - 0.004) == {"precision": False}
    assert judged(recall=base.recall - 0.01) == {"recall": True}
    assert judged(contradicted=base.contradicted + 1, score_right=base.score_right - 1) == \
        {"contradicted": True, "score_right": True}
    assert judged(contradicted=0, recall=1.0) == {}  # unchanged
    missing = dataclasses.replace(results, mutations=None)
    with_bench = dataclasses.replace(results, mutations=MutationBenchmark(1, (MutationKind("digit change", 10, 9, 2),)))
    assert "本次没有变异基准的结果，未比较" in compare(missing, with_bench).notes


def test_the_parts_are_found_under_the_names_people_give_them() -> None:
    text = ("# 某项目自评报告\n\n## 五、存在问题\n\n资金到位率偏低，未设置效益指标、满意度指标。\n\n"
            "## 六、下一步改进措施\n\n加强资金到位跟踪，增设效益指标、满意度指标。\n")
    parts = split_sections(text)
    assert parts == {"lessons.problems": "资金到位率偏低，未设置效益指标、满意度指标。",
                     "improvements": "加强资金到位跟踪，增设效益指标、满意度指标。"}
    case = load_cases(CASES, ["sample-2024"])[0]
    m = measure(case, Draft(text), draft_report(case.figures).table)
    assert (m.problems_answered, m.problems) == (2, 2) and m.sections_present == 2


def test_a_stock_sentence_is_boilerplate_and_a_score_above_the_maximum_is_impossible() -> None:
    text, case = template_text("water-missed-2023")
    table = draft_report(case.figures).table
    spoiled = text.replace("绩效等级为“优”。", "绩效等级为“优”。项目严格执行财务管理制度，满分为105分。", 1)
    assert spoiled != text
    m = measure(case, Draft(spoiled), table)
    assert (m.boilerplate, m.impossible) == (1, 1)
    assert (measure(case, Draft(text), table).boilerplate, measure(case, Draft(text), table).impossible) == (0, 0)


def test_a_run_compared_with_itself_moves_nothing(tmp_path: Path) -> None:
    # A person's draft with one wrong figure: precision 44/45 and recall 18/19, which results.json rounds.
    people = tmp_path / "people"
    people.mkdir()
    text, _ = template_text("sample-2024")
    (people / "sample-2024.md").write_text(text.replace("138.78万元", "183.78万元", 1), "utf-8")
    first, second = tmp_path / "first", tmp_path / "second"
    for out, extra in ((first, []), (second, ["--compare", str(first / "results.json")])):
        done = subprocess.run([*EVAL, "--case", "sample-2024", "--runs", str(people), "--out", str(out), *extra],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    metrics = EvalResults.from_json((first / "results.json").read_text("utf-8")).draft("sample-2024", "runs:people")
    assert metrics is not None and metrics.metrics is not None and 0 < metrics.metrics.precision < 1
    assert "与基线相比：没有指标变化" in done.stderr
