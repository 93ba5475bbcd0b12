"""Drafting files: one or many figures files to Markdown, Word, JSON and a check report each.

Projects are drafted concurrently when the writer waits on a model; a project whose outputs are
all present and newer than its figures file is skipped unless forced (so an interrupted batch
resumes where it stopped); one failing project never stops the others.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from assistant.chat import redact
from assistant.draft import PLAN, draft_report
from assistant.figures import FiguresError, read_figures
from assistant.findings import Finding
from assistant.report import to_json, to_markdown
from assistant.report_check import check_report
from assistant.report_text import markdown_text
from assistant.runlog import RunLog
from assistant.scoring import Scheme
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


def draft_files(files: list[Path], out_dir: Path, scheme: Scheme, console: Console, *,
                settings: Settings | None = None, writer: Writer | None = None,
                force: bool = False) -> list[DraftResult]:
    """Draft every file into out_dir; a bad file is reported and skipped, the others still drafted."""
    settings = settings or Settings()
    own_writer = writer is None
    writer = writer or make_writer(settings)
    # Only a writer that waits on a model gains from threads; the template writer is pure computation.
    workers = settings.project_concurrency if getattr(writer, "concurrency", 1) > 1 else 1
    try:
        with _Progress(console, len(files) * len(PLAN)) as advance:
            job = Job(out_dir, scheme, writer, settings, force, advance)

            def one(path: Path) -> DraftResult:
                result = draft_one(path, job)
                _announce(console, result)
                return result

            with ThreadPoolExecutor(workers, thread_name_prefix="project") as pool:
                results = list(pool.map(one, files))
    finally:
        if own_writer and hasattr(writer, "close"):
            writer.close()
    console.print(summary_table(results))
    return results


def draft_one(path: Path, job: Job) -> DraftResult:
    """Return the result of one file; any failure becomes the result's error, never an exception."""
    try:
        return draft_file(path, job.out_dir, job.scheme, job)
    except Exception as exc:  # one project's failure must not stop the batch
        job.progress(len(PLAN))
        return DraftResult(path, error=redact(f"{path}：起草失败（{type(exc).__name__}：{exc}）", job.settings))


def draft_file(path: Path, out_dir: Path, scheme: Scheme, job: Job | None = None) -> DraftResult:
    """Return the result of drafting one figures file; nothing is written when it cannot be read."""
    job = job or Job(out_dir, scheme, make_writer(Settings()), Settings())
    outputs = tuple(out_dir / f"{path.stem}{suffix}" for suffix in SUFFIXES)
    if not job.force and _up_to_date(path, outputs):
        job.progress(len(PLAN))
        return DraftResult(path, outputs, skipped=True)
    try:
        fig = read_figures(path)
    except FiguresError as exc:
        job.progress(len(PLAN))
        return DraftResult(path, error=str(exc))
    started = time.monotonic()
    run = _run_log(path, job.settings)
    report = draft_report(fig, scheme, job.writer, run=run, on_section=lambda s: job.progress(1))
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown = to_markdown(report)
    check = check_report(markdown_text(markdown), report.facts, list(report.findings))
    _atomic(outputs[0], lambda p: p.write_text(markdown, encoding="utf-8"))
    _atomic(outputs[1], lambda p: write_docx(report, p, review_comments(check.findings), source_text=markdown))
    _atomic(outputs[2], lambda p: p.write_text(to_json(report), encoding="utf-8"))
    _atomic(outputs[3], lambda p: p.write_text(_dumps(check.to_json()), encoding="utf-8"))
    if run is not None:
        run.write("run.json", _run_record(path, job, time.monotonic() - started))
    meta = [s.meta for s in report.sections]
    return DraftResult(path, outputs, findings=report.findings, writer=job.writer.name,
                       repaired=sum(bool(m.get("repaired")) for m in meta),
                       fell_back=sum(bool(m.get("fallback")) for m in meta), errors=check.errors)


def summary_table(results: list[DraftResult]) -> Table:
    """Return the closing summary: project, writer, sections repaired, fallen back, errors, status."""
    skipped = any(r.skipped for r in results)
    table = Table(title="起草结果", title_justify="left",
                  caption="“跳过”：输出已存在且比数据文件新；加 --force 重新起草" if skipped else None)
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


def _up_to_date(source: Path, outputs: tuple[Path, ...]) -> bool:
    """Return whether every output exists and is newer than the figures file (a finished project)."""
    try:
        newest_input = source.stat().st_mtime
        return all(p.stat().st_mtime >= newest_input for p in outputs)
    except OSError:
        return False


def _run_log(path: Path, settings: Settings) -> RunLog | None:
    if settings.run_dir is None:
        return None
    return RunLog(settings.run_dir / path.stem, lambda text: redact(text, settings))


def _run_record(path: Path, job: Job, seconds: float) -> dict[str, Any]:
    return {"source": str(path), "writer": job.writer.name, "seconds": round(seconds, 3),
            "settings": job.settings.model_dump(mode="json", exclude={"api_key"})}


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


# The process umask, read once at import: os.umask can only be read by setting it, which is not
# safe once the batch's worker threads are creating files.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=2)


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary file in the same folder, so a crash never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        # mkstemp makes the file private (0600); a report should get the mode any new file gets.
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
