"""Drafting files: one or many figures files to Markdown, Word, JSON and a check report each.

Projects are drafted concurrently when the writer waits on a model; a project whose outputs are
all present and were drafted from the same figures with the same settings is skipped unless forced
(so an interrupted batch resumes where it stopped); one failing project never stops the others.
A project's five files are written into a hidden folder and moved in together, or not at all.
A workbook stands for each of its projects (assistant/sources.py) and gets a summary workbook.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from assistant import __version__
from assistant import vocabulary as v
from assistant.chat import redact
from assistant.draft import draft_report
from assistant.facts import FactTable, build_facts
from assistant.figures import Figures, FiguresError
from assistant.files import InputFileError, Staging, name_problem, os_error_text, read_regular
from assistant.findings import Finding
from assistant.report import report_data, to_markdown
from assistant.report_check import check_report
from assistant.report_text import markdown_text
from assistant.review import review_note
from assistant.runlog import RunLog
from assistant.scoring import Scheme
from assistant.secrets import public_settings
from assistant.sections import SECTIONS
from assistant.settings import Settings
from assistant.sources import Source, sources_of
from assistant.validation import terminal_safe
from assistant.word import write_docx
from assistant.word_comments import review_comments
from assistant.writers import Writer, make_writer
from assistant.xlsx_write import SummaryRow, write_summary

SUFFIXES = (".md", ".docx", ".json", ".check.json", ".review.md")


@dataclass(frozen=True)
class DraftResult:
    """What became of one figures file: the files written, or the error that stopped it."""

    source: Path
    outputs: tuple[Path, ...] = ()
    error: str = ""
    findings: tuple[Finding, ...] = ()
    skipped: bool = False
    writer: str = ""
    repaired: int = 0  # sections whose model text passed only after a repair turn
    fell_back: int = 0  # sections that fell back to the template text
    timed_out: int = 0  # of those, sections whose model requests ran out of time
    errors: int = 0  # error findings in NAME.check.json
    warnings: int = 0  # warning findings in NAME.check.json
    label: str = ""  # the file name, or 表.xlsx［Sheet2］ for a project of a workbook
    project: str = ""  # the project's name (where it could not be read: what stands for it)
    score: float | None = None  # computed total score, grade and execution rate (on the basis used)
    grade: str = ""
    rate: float | None = None
    workbook: Path | None = None


@dataclass(frozen=True)
class Job:
    """What every project of one batch shares."""

    out_dir: Path
    scheme: Scheme
    writer: Writer
    settings: Settings
    force: bool = False
    progress: Callable[[int], None] = lambda n: None
    cancel: threading.Event = field(default_factory=threading.Event)  # set on Ctrl-C: nothing more is moved in
    commit_lock: threading.Lock = field(default_factory=threading.Lock)
    staging: set[Path] = field(default_factory=set)  # hidden folders of the projects being written


class Cancelled(Exception):
    """The batch was interrupted: the project stops before anything of it is moved in."""


def draft_files(files: list[Path], out_dir: Path, scheme: Scheme, console: Console, *,
                settings: Settings | None = None, writer: Writer | None = None,
                force: bool = False) -> list[DraftResult]:
    """Draft every file into out_dir; a bad file or project is reported and skipped, the others still drafted.

    A workbook stands for each of its projects, and gets a summary workbook (out_dir/STEM-汇总.xlsx).
    """
    settings = settings or Settings()
    sources = sources_of(files)
    own_writer = writer is None
    writer = writer or make_writer(settings)
    # Only a writer that waits on a model gains from threads; the template writer is pure computation.
    workers = settings.project_concurrency if writer.concurrency > 1 else 1
    refused = name_problems(sources, out_dir)
    try:
        with _Progress(console, len(sources) * len(SECTIONS)) as advance:
            job = Job(out_dir, scheme, writer, settings, force, advance)

            def one(n: int) -> DraftResult:
                src = sources[n]
                result = (DraftResult(src.path, error=refused[n], label=src.label, project=src.name,
                                      workbook=src.workbook) if n in refused else draft_one(src, job))
                _announce(console, result)
                return result

            from assistant.batch_procs import draft_in_processes, process_count

            if workers == 1 and (processes := process_count(len(sources), writer, settings)) > 1:
                results = draft_in_processes(sources, refused, job, processes, lambda r: _announce(console, r))
            else:
                pool = ThreadPoolExecutor(workers, thread_name_prefix="project")
                try:
                    results = list(pool.map(one, range(len(sources))))
                except BaseException:  # Ctrl-C: stop at once, and let no unfinished project be moved in
                    _cancel(job, pool)
                    raise
                pool.shutdown()
    finally:
        if own_writer:
            writer.close()
    console.print(summary_table(results))
    for book in dict.fromkeys(r.workbook for r in results if r.workbook):
        path = write_book_summary(book, [r for r in results if r.workbook == book], out_dir)
        console.print(terminal_safe(f"汇总表：{path}"), markup=False, highlight=False, soft_wrap=True)
    timed_out = sum(r.timed_out for r in results)
    if timed_out:
        console.print(timeout_advice(timed_out, settings), style="yellow", markup=False, highlight=False)
    return results


def timeout_advice(sections: int, settings: Settings) -> str:
    """Return what to change when sections fell back because the model's requests ran out of time."""
    return (f"有 {sections} 节因模型请求超时改用了模板稿：这通常是设置与模型服务不匹配（服务一次只处理少数请求，"
            f"其余排队），而不是模型写错。可调大 timeout（现为 {settings.timeout:g} 秒，ASSISTANT_TIMEOUT 或 "
            f"assistant.toml），或调小 concurrency（--concurrency，现为 {settings.concurrency}）和 "
            f"project_concurrency（--projects，现为 {settings.project_concurrency}）。")


def name_problems(sources: list[Source], out_dir: Path) -> dict[int, str]:
    """Return, before any work, the projects (by position) whose outputs cannot be written: names too
    long, or shared.

    proj.yaml and proj.json in one batch would both write proj.md; neither is drafted, so neither
    silently replaces the other or is skipped as "up to date".
    """
    by_stem: dict[str, list[int]] = {}
    seen: set[tuple[Path, str]] = set()
    for n, src in enumerate(sources):
        if (src.path, src.label) not in seen:  # the same file named twice is drafted once
            seen.add((src.path, src.label))
            by_stem.setdefault(src.stem, []).append(n)
    out: dict[int, str] = {}
    for stem, group in by_stem.items():
        if len(group) > 1:
            for n in group:
                others = "、".join(sources[m].label if sources[m].workbook else str(sources[m].path)
                                  for m in group if m != n)
                out[n] = (f"{_where(sources[n])}：与 {others} 的输出同名（{stem}.md 等），为免互相覆盖均未起草，"
                          "请改名后重试")
        elif problem := name_problem(stem, out_dir, SUFFIXES):
            out[group[0]] = f"{_where(sources[group[0]])}：{problem}"
    return out


def _where(src: Source) -> str:
    return src.label if src.workbook else str(src.path)


def _cancel(job: Job, pool: ThreadPoolExecutor) -> None:
    job.cancel.set()
    pool.shutdown(wait=False, cancel_futures=True)
    with job.commit_lock:  # a project moving its files in finishes that first; none starts after
        for folder in list(job.staging):
            shutil.rmtree(folder, ignore_errors=True)


def draft_one(source: Source, job: Job) -> DraftResult:
    """Return the result of one project; any failure becomes the result's error, never an exception."""
    base = {"label": source.label, "project": source.name, "workbook": source.workbook}
    where = _where(source)
    try:
        return draft_source(source, job)
    except OSError as exc:
        job.progress(len(SECTIONS))
        name = f"「{exc.filename}」" if exc.filename else ""
        return DraftResult(source.path, error=f"{where}：无法写出结果{name}（{os_error_text(exc)}），未写出任何文件",
                           **base)
    except Exception as exc:  # one project's failure must not stop the batch
        job.progress(len(SECTIONS))
        return DraftResult(source.path, error=redact(f"{where}：起草失败（{type(exc).__name__}：{exc}）", job.settings),
                           **base)


def draft_file(path: Path, out_dir: Path, scheme: Scheme, job: Job | None = None) -> DraftResult:
    """Return the result of drafting one figures file (or one-project workbook); nothing is written when it
    cannot be read."""
    job = job or Job(out_dir, scheme, make_writer(Settings()), Settings())
    sources = sources_of([path])
    if len(sources) > 1:
        return DraftResult(path, error=f"{path}：工作簿中有 {len(sources)} 个项目，请用 assistant draft 起草")
    return draft_source(sources[0], job)


def draft_source(source: Source, job: Job) -> DraftResult:
    """Return the result of drafting one project; nothing is written for it when its figures cannot be read."""
    path, out_dir, scheme = source.path, job.out_dir, job.scheme
    outputs = tuple(out_dir / f"{source.stem}{suffix}" for suffix in SUFFIXES)
    base: dict[str, Any] = {"label": source.label, "project": source.name, "workbook": source.workbook}
    try:
        if source.workbook is None:  # a figures file: skipped on its bytes' hash, before it is parsed
            stamp = _stamp(hashlib.sha256(read_regular(path)).hexdigest(), job)
            if not job.force and _up_to_date(outputs, stamp):
                job.progress(len(SECTIONS))
                return DraftResult(path, outputs, skipped=True, **base)
            fig = source.load()
        else:  # a project of a workbook: on its own figures, so editing one sheet redrafts one project
            fig = source.load()
            stamp = _stamp(hashlib.sha256(fig.model_dump_json().encode()).hexdigest(), job)
            if not job.force and _up_to_date(outputs, stamp):
                job.progress(len(SECTIONS))
                return DraftResult(path, outputs, skipped=True, **{**base, "project": fig.project.name},
                                   **_scores(fig, scheme))
    except (InputFileError, FiguresError) as exc:
        job.progress(len(SECTIONS))
        return DraftResult(path, error=str(exc), **base)
    base["project"] = fig.project.name
    started = time.monotonic()
    run = _run_log(source.stem, job.settings)
    report = draft_report(fig, scheme, job.writer, run=run, on_section=lambda s: _step(job, 1))
    markdown = to_markdown(report)
    plain = markdown_text(markdown)
    check = check_report(plain, report.facts, list(report.findings))
    with Staging(out_dir) as staging:
        job.staging.add(staging.folder)
        try:
            staging.path(outputs[0]).write_text(markdown, encoding="utf-8")
            write_docx(report, staging.path(outputs[1]), review_comments(check.findings), source_text=plain)
            staging.path(outputs[2]).write_text(_dumps({**report_data(report), "drafted_from": stamp}), "utf-8")
            staging.path(outputs[3]).write_text(_dumps(check.to_json()), encoding="utf-8")
            staging.path(outputs[4]).write_text(review_note(report, check), encoding="utf-8")
            with job.commit_lock:
                if job.cancel.is_set():
                    raise Cancelled()
                staging.commit()
        finally:
            job.staging.discard(staging.folder)
    if run is not None:
        run.write("run.json", _run_record(source, job, time.monotonic() - started, stamp))
    settled = [s.provenance for s in report.sections if s.provenance]
    return DraftResult(path, outputs, findings=report.findings, writer=job.writer.name,
                       repaired=sum(p.repaired for p in settled), fell_back=sum(p.fallback for p in settled),
                       timed_out=sum(p.fallback and p.timed_out for p in settled), errors=check.errors,
                       warnings=check.summary()["warnings"], **base, **_facts_scores(report.facts))


def _scores(fig: Figures, scheme: Scheme) -> dict[str, Any]:
    return _facts_scores(build_facts(fig, scheme))


def _facts_scores(table: FactTable) -> dict[str, Any]:
    """Return the total score, grade and execution rate a summary lists for a project."""
    rate = table.get(table.rate_id)
    return {"score": float(table[v.SCORE_TOTAL].value), "grade": str(table[v.GRADE].value),
            "rate": float(rate.value) if rate is not None else None}


def write_book_summary(book: Path, results: list[DraftResult], out_dir: Path) -> Path:
    """Write out_dir/STEM-汇总.xlsx listing every project of a workbook; return its path."""
    rows = []
    for r in results:
        status = "失败" if r.error else "跳过" if r.skipped else "已生成"
        docx = next((p for p in r.outputs if p.suffix == ".docx"), None)
        rows.append(SummaryRow(
            project=r.project or r.label, source=r.label, score=r.score, grade=r.grade,
            rate=r.rate, errors=None if r.error or r.skipped else r.errors,
            warnings=None if r.error or r.skipped else r.warnings, output=str(docx) if docx else "",
            status=status, problem=r.error))
    target = out_dir / f"{book.stem}-汇总.xlsx"
    with Staging(out_dir) as staging:
        write_summary(rows, staging.path(target))
        staging.commit()
    return target


def summary_table(results: list[DraftResult]) -> Table:
    """Return the closing summary: project, writer, sections repaired, fallen back, errors, status."""
    skipped = any(r.skipped for r in results)
    table = Table(title="起草结果", title_justify="left",
                  caption="“跳过”：数据文件和设置（评分方案、起草方式、模型）与上次起草时相同；加 --force 重新起草"
                  if skipped else None)
    table.add_column("项目", overflow="fold")
    table.add_column("起草方式", no_wrap=True)
    for name in ("修正章节", "回退章节", "错误"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("状态", no_wrap=True)
    for r in results:
        status = "失败" if r.error else "跳过" if r.skipped else "已生成"
        counts = ("—", "—", "—") if r.error or r.skipped else (str(r.repaired), str(r.fell_back), str(r.errors))
        table.add_row(Text(terminal_safe(r.label or r.source.name)), r.writer or "—", *counts, status)
    return table


def _step(job: Job, n: int) -> None:
    """Advance the progress bar; stop the project here when the batch was interrupted."""
    if job.cancel.is_set():
        raise Cancelled()
    job.progress(n)


def _stamp(digest: str, job: Job) -> dict[str, Any]:
    """Return what a draft depends on: the figures (as a hash), scheme, writer, model, version."""
    return {"figures_sha256": digest, "scheme": job.scheme.name,
            "writer": job.writer.name, "model": job.settings.model if job.writer.name != "template" else None,
            "version": __version__}


def _up_to_date(outputs: tuple[Path, ...], stamp: dict[str, Any]) -> bool:
    """Return whether every output exists and NAME.json was drafted from the same figures and settings."""
    try:
        if not all(p.is_file() for p in outputs):
            return False
        return bool(json.loads(outputs[2].read_text("utf-8")).get("drafted_from") == stamp)
    except (OSError, ValueError, AttributeError):
        return False


def _run_log(stem: str, settings: Settings) -> RunLog | None:
    if settings.run_dir is None:
        return None
    return RunLog(settings.run_dir / stem, lambda text: redact(text, settings))


def _run_record(source: Source, job: Job, seconds: float, stamp: dict[str, Any]) -> dict[str, Any]:
    return {"source": _where(source), "writer": job.writer.name, "seconds": round(seconds, 3), "drafted_from": stamp,
            "settings": public_settings(job.settings)}


def _announce(console: Console, result: DraftResult) -> None:
    if result.error:
        console.print(terminal_safe(result.error), style="red", markup=False, highlight=False, soft_wrap=True)
    elif not result.skipped:
        console.print(terminal_safe(f"已生成：{'、'.join(str(p) for p in result.outputs)}"), markup=False,
                      highlight=False, soft_wrap=True)


class _Progress:
    """A progress bar over all sections of all projects; silent when the console is not a terminal."""

    def __init__(self, console: Console, total: int) -> None:
        self._bar = Progress(TextColumn("起草"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                             console=console, transient=True, disable=not console.is_terminal)
        self._task = self._bar.add_task("起草", total=total)

    def __enter__(self) -> Callable[[int], None]:
        self._bar.start()
        return lambda n: self._bar.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=2)

