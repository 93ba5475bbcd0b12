"""`assistant eval`: the cases drafted and measured, drafts from --runs folders read and measured, the
results written to the output folder (results.json, the drafts), a summary table printed, and with
--compare the run judged against a baseline (exit 1 when a metric got worse beyond its tolerance)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.evaluation.cases import CaseError, load_cases
from assistant.evaluation.compare import Comparison, compare
from assistant.evaluation.harness import Step, evaluate
from assistant.evaluation.results import EvalResults
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

    Raises EvalUnusable (and CaseError, ChatNotConfigured) before any work when the request cannot be met."""
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
    try:
        results = _with_progress(console, len(cases) * (len(writers) + len(request.runs)),
                                 lambda step: evaluate(cases, scheme, writers, list(request.runs), step,
                                                       request.out / "drafts", settings.project_concurrency))
    finally:
        for writer in writers:
            writer.close()
    (request.out / "results.json").write_text(results.to_json(), "utf-8")
    console.print(summary_table(results))
    console.print(f"结果：{request.out / 'results.json'}（{results.seconds:.1f} 秒）")
    if baseline is None:
        return 0
    comparison = compare(results, baseline)
    show_comparison(comparison, console)
    return 1 if comparison.worse else 0


def _with_progress(console: Console, total: int, work: Callable[[Step], EvalResults]) -> EvalResults:
    """Return work(step) run under a progress bar of `total` steps (silent when not on a terminal)."""
    bar = Progress(TextColumn("评测"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.description}"), console=console, transient=True, disable=not console.is_terminal)
    task = bar.add_task("", total=total)
    with bar:
        return work(lambda what: bar.update(task, advance=1, description=what))


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
    ("跨案例套话句", lambda s: str(s.boilerplate)),
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

