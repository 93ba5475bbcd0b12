"""Drafting files: one or many figures files to Markdown, Word, JSON and a check report each.

Projects are drafted concurrently when the writer waits on a model; a project whose outputs are
all present and were drafted from the same figures with the same settings is skipped unless forced
(so an interrupted batch resumes where it stopped); one failing project never stops the others.
A project's four files are written into a hidden folder and moved in together, or not at all.
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
from assistant.chat import redact
from assistant.draft import PLAN, draft_report
from assistant.figures import FiguresError, read_figures
from assistant.files import InputFileError, Staging, name_problem, os_error_text, read_regular
from assistant.findings import Finding
from assistant.report import report_data, to_markdown
from assistant.report_check import check_report
from assistant.report_text import markdown_text
from assistant.runlog import RunLog
from assistant.scoring import Scheme
from assistant.secrets import public_settings
from assistant.settings import Settings
from assistant.validation import terminal_safe
from assistant.word import write_docx
from assistant.word_comments import review_comments
from assistant.writers import Writer, make_writer

SUFFIXES = (".md", ".docx", ".json", ".check.json")


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
    errors: int = 0  # error findings in NAME.check.json


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
    """Draft every file into out_dir; a bad file is reported and skipped, the others still drafted."""
    settings = settings or Settings()
    own_writer = writer is None
    writer = writer or make_writer(settings)
    # Only a writer that waits on a model gains from threads; the template writer is pure computation.
    workers = settings.project_concurrency if getattr(writer, "concurrency", 1) > 1 else 1
    refused = name_problems(files, out_dir)
    try:
        with _Progress(console, len(files) * len(PLAN)) as advance:
            job = Job(out_dir, scheme, writer, settings, force, advance)

            def one(path: Path) -> DraftResult:
                result = DraftResult(path, error=refused[path]) if path in refused else draft_one(path, job)
                _announce(console, result)
                return result

            pool = ThreadPoolExecutor(workers, thread_name_prefix="project")
            try:
                results = list(pool.map(one, files))
            except BaseException:  # Ctrl-C: stop at once, and let no unfinished project be moved in
                _cancel(job, pool)
                raise
            pool.shutdown()
    finally:
        if own_writer and hasattr(writer, "close"):
            writer.close()
    console.print(summary_table(results))
    return results


def name_problems(files: list[Path], out_dir: Path) -> dict[Path, str]:
    """Return, before any work, the files whose outputs cannot be written: names too long, or shared.

    proj.yaml and proj.json in one batch would both write proj.md; neither is drafted, so neither
    silently replaces the other or is skipped as "up to date".
    """
    by_stem: dict[str, list[Path]] = {}
    for path in dict.fromkeys(files):
        by_stem.setdefault(path.stem, []).append(path)
    out: dict[Path, str] = {}
    for stem, paths in by_stem.items():
        if len(paths) > 1:
            for path in paths:
                others = "、".join(str(p) for p in paths if p != path)
                out[path] = f"{path}：与 {others} 的输出同名（{stem}.md 等），为免互相覆盖均未起草，请改名后重试"
        elif problem := name_problem(stem, out_dir, SUFFIXES):
            out[paths[0]] = f"{paths[0]}：{problem}"
    return out


def _cancel(job: Job, pool: ThreadPoolExecutor) -> None:
    job.cancel.set()
    pool.shutdown(wait=False, cancel_futures=True)
    with job.commit_lock:  # a project moving its files in finishes that first; none starts after
        for folder in list(job.staging):
            shutil.rmtree(folder, ignore_errors=True)


def draft_one(path: Path, job: Job) -> DraftResult:
    """Return the result of one file; any failure becomes the result's error, never an exception."""
    try:
        return draft_file(path, job.out_dir, job.scheme, job)
    except OSError as exc:
        job.progress(len(PLAN))
        where = f"「{exc.filename}」" if exc.filename else ""
        return DraftResult(path, error=f"{path}：无法写出结果{where}（{os_error_text(exc)}），未写出任何文件")
    except Exception as exc:  # one project's failure must not stop the batch
        job.progress(len(PLAN))
        return DraftResult(path, error=redact(f"{path}：起草失败（{type(exc).__name__}：{exc}）", job.settings))


def draft_file(path: Path, out_dir: Path, scheme: Scheme, job: Job | None = None) -> DraftResult:
    """Return the result of drafting one figures file; nothing is written when it cannot be read."""
    job = job or Job(out_dir, scheme, make_writer(Settings()), Settings())
    outputs = tuple(out_dir / f"{path.stem}{suffix}" for suffix in SUFFIXES)
    try:
        stamp = _stamp(path, job)
        if not job.force and _up_to_date(outputs, stamp):
            job.progress(len(PLAN))
            return DraftResult(path, outputs, skipped=True)
        fig = read_figures(path)
    except (InputFileError, FiguresError) as exc:
        job.progress(len(PLAN))
        return DraftResult(path, error=str(exc))
    started = time.monotonic()
    run = _run_log(path, job.settings)
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
            with job.commit_lock:
                if job.cancel.is_set():
                    raise Cancelled()
                staging.commit()
        finally:
            job.staging.discard(staging.folder)
    if run is not None:
        run.write("run.json", _run_record(path, job, time.monotonic() - started, stamp))
    meta = [s.meta for s in report.sections]
    return DraftResult(path, outputs, findings=report.findings, writer=job.writer.name,
                       repaired=sum(bool(m.get("repaired")) for m in meta),
                       fell_back=sum(bool(m.get("fallback")) for m in meta), errors=check.errors)


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
        table.add_row(Text(terminal_safe(r.source.name)), r.writer or "—", *counts, status)
    return table


def _step(job: Job, n: int) -> None:
    """Advance the progress bar; stop the project here when the batch was interrupted."""
    if job.cancel.is_set():
        raise Cancelled()
    job.progress(n)


def _stamp(path: Path, job: Job) -> dict[str, Any]:
    """Return what a draft depends on: the figures' bytes (as a hash), scheme, writer, model, version."""
    return {"figures_sha256": hashlib.sha256(read_regular(path)).hexdigest(), "scheme": job.scheme.name,
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


def _run_log(path: Path, settings: Settings) -> RunLog | None:
    if settings.run_dir is None:
        return None
    return RunLog(settings.run_dir / path.stem, lambda text: redact(text, settings))


def _run_record(path: Path, job: Job, seconds: float, stamp: dict[str, Any]) -> dict[str, Any]:
    return {"source": str(path), "writer": job.writer.name, "seconds": round(seconds, 3), "drafted_from": stamp,
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

