"""`assistant eval`: the cases drafted and measured, drafts from --runs folders read and measured, the
checker's mutation benchmark and the retrieval benchmark run, and everything written to the output
folder (results.json, report.md, the charts, the drafts); a summary table printed, and with --compare
the run judged against a baseline (exit 1 when a metric got worse beyond its tolerance)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.evaluation.bench_results import MutationBenchmark, RetrievalBenchmark
from assistant.evaluation.benchmarks import (
    EVAL_PER_KIND,
    BenchmarkUnavailable,
    Progress,
    progress_bar,
    run_mutations,
    run_retrieval,
)
from assistant.evaluation.cases import CaseError, load_cases
from assistant.evaluation.charts import write_charts
from assistant.evaluation.compare import Comparison, compare
from assistant.evaluation.harness import evaluate
from assistant.evaluation.report import write_report
from assistant.evaluation.results import EvalResults
from assistant.files import write_text_atomic
from assistant.scoring import Scheme
from assistant.settings import Settings
from assistant.writers import make_writer

CHECKOUT_CASES = Path(__file__).resolve().parents[2] / "eval" / "cases"
BACKENDS = {"template": ("template",), "openai": ("openai",), "all": ("template", "openai")}


class EvalUnusable(ValueError):
    """What was asked cannot be evaluated (no cases, an unreadable baseline …); the message is in Chinese."""


@dataclass(frozen=True)
class EvalRequest:
    """What `assistant eval` was asked to do."""

    out: Path
    backend: str | None = None  # template | openai | all; None: template, unless --runs alone was given
    runs: tuple[Path, ...] = ()
    compare: Path | None = None
    cases_dir: Path | None = None
    cases: tuple[str, ...] = ()  # only these cases (by name)
    benchmarks: bool = True  # run the mutation and retrieval benchmarks too


def default_cases() -> Path:
    """Return the cases folder: eval/cases under the working folder, else the checkout's."""
    here = Path("eval/cases")
    return here if here.is_dir() else CHECKOUT_CASES


def read_baseline(path: Path) -> EvalResults:
    """Return a baseline results file; raise EvalUnusable saying why it cannot be used."""
    try:
        return EvalResults.from_json(path.read_text("utf-8"))
    except OSError as exc:
        raise EvalUnusable(f"无法读取基线 {path}：{exc.strerror or exc}") from None
    except ValueError as exc:
        raise EvalUnusable(f"基线 {path} {exc}") from None


def run_eval(request: EvalRequest, settings: Settings, scheme: Scheme, console: Console) -> int:
    """Run the evaluation; return the exit status (0, or 1 when --compare finds a metric worse).

    Raises EvalUnusable (and ChatNotConfigured, IndexUnusable) before any work when the request cannot be met."""
    clock = time.monotonic()
    baseline = read_baseline(request.compare) if request.compare else None
    for folder in request.runs:
        if not folder.is_dir():
            raise EvalUnusable(f"--runs {folder}：不是文件夹")
    try:
        cases = load_cases(request.cases_dir or default_cases(), list(request.cases))
    except CaseError as exc:
        raise EvalUnusable(str(exc)) from None
    backend = request.backend or ("template" if not request.runs else None)
    writers = [make_writer(settings.model_copy(update={"backend": b})) for b in BACKENDS.get(backend or "", ())]
    request.out.mkdir(parents=True, exist_ok=True)
    total = len(cases) * (len(writers) + len(request.runs))
    try:
        with progress_bar(console) as progress:
            done = itertools.count(1)
            results = evaluate(cases, scheme, writers, list(request.runs),
                               lambda what: progress("起草并评测", next(done), total),
                               request.out / "drafts", settings.project_concurrency)
            if request.benchmarks:
                results = results.with_benchmarks(*_benchmarks(progress, console))
    finally:
        for writer in writers:
            writer.close()
    written = replace(results, seconds=time.monotonic() - clock).to_json()
    write_text_atomic(request.out / "results.json", written)
    results = EvalResults.from_json(written)  # judged as written (rounded), as the baseline was
    comparison = compare(results, baseline) if baseline else None
    charts = write_charts(results, request.out, warn=lambda text: console.print(text, markup=False))
    report = write_report(results, request.out, comparison, charts)
    console.print(summary_table(results))
    if comparison is not None:
        show_comparison(comparison, console)
    console.print(f"报告：{report}；结果：{request.out / 'results.json'}；图表 {len(charts)} 张；"
                  f"用时 {results.seconds:.1f} 秒")
    return 1 if comparison is not None and comparison.worse else 0


def _benchmarks(progress: Progress, console: Console) -> tuple[MutationBenchmark | None, RetrievalBenchmark | None]:
    """Return the mutation and retrieval benchmarks; one that cannot run is reported and left out."""
    mutations = run_mutations(per_kind=EVAL_PER_KIND, progress=progress)
    try:
        retrieval = run_retrieval(progress=progress)
    except BenchmarkUnavailable as exc:
        console.print(f"检索基准未运行：{exc}", markup=False)
        retrieval = None
    return mutations, retrieval


SUMMARY_ROWS = (
    ("案例（已评测/全部）", lambda s: f"{s.drafted}/{s.cases}"),
    ("数字准确率", lambda s: f"{s.precision:.2%}"),
    ("必备事实召回率", lambda s: f"{s.recall:.2%}"),
    ("无据数字", lambda s: str(s.unsupported)),
    ("矛盾数字", lambda s: str(s.contradicted)),
    ("结论与计算错误", lambda s: str(s.claim_errors)),
    ("章节完整率", lambda s: f"{s.completeness:.2%}"),
    ("问题与改进回应率", lambda s: f"{s.answered:.2%}"),
    ("得分正确", lambda s: f"{s.score_right}/{s.drafted}"),
    ("等级正确", lambda s: f"{s.grade_right}/{s.drafted}"),
    ("填报问题写成项目问题", lambda s: str(s.author_faults)),
    ("套话句（无据或跨案例重复）", lambda s: str(s.boilerplate)),
    ("不可能的数字", lambda s: str(s.impossible)),
    ("起草秒数", lambda s: f"{s.seconds:.1f}"),
    ("模型稿保留率", lambda s: f"{s.chat.kept_share:.2%}" if s.chat else "—"),
    ("修复/回退章节", lambda s: f"{s.chat.repaired}/{s.chat.fallbacks}" if s.chat else "—"),
    ("提示/回复词元", lambda s: f"{s.chat.prompt_tokens}/{s.chat.reply_tokens}" if s.chat else "—"),
)


def summary_table(results: EvalResults) -> Table:
    """Return the per-writer summary as a table: one row per metric, one column per writer."""
    table = Table(title="评测汇总")
    table.add_column("指标")
    for s in results.summaries:
        table.add_column(s.writer, justify="right")
    for label, cell in SUMMARY_ROWS:
        table.add_row(label, *(cell(s) for s in results.summaries))
    return table


def show_comparison(comparison: Comparison, console: Console) -> None:
    """Print what moved against the baseline, the worse first, and the verdict."""
    for note in comparison.notes:
        console.print(f"说明：{note}")
    if not comparison.moves:
        console.print("与基线相比：没有指标变化。")
        return
    table = Table(title="与基线相比的变化")
    for head in ("范围", "指标", "基线", "本次", "容差", "判断"):
        table.add_column(head)
    for m in sorted(comparison.moves, key=lambda m: not m.worse):
        verdict = "[red]变差[/red]" if m.worse else ("变好" if m.better else "容差内")
        table.add_row(m.scope, m.metric, _num(m.before), _num(m.after), m.allowed, verdict)
    console.print(table)
    worse = len(comparison.worse)
    console.print(f"[red]有 {worse} 项指标变差超出容差。[/red]" if worse else "没有指标变差超出容差。")


def _num(value: float) -> str:
    return f"{value:.4g}" if value == value else "缺失"

