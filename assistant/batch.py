"""Drafting files: one or many figures files to Markdown, Word, JSON and a check report each.

Projects are drafted concurrently when the writer waits on a model; a project whose outputs are
all present and were drafted from the same figures with the same settings is skipped unless forced
(so an interrupted batch resumes where it stopped); one failing project never stops the others.
A project's five files are written into a hidden folder and moved in together, or not at all.
A workbook stands for each of its projects (assistant/sources.py) and gets a summary workbook.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from assistant.batch_procs import draft_in_processes, process_count
from assistant.files import Staging, name_problem
from assistant.project_job import (
    SUFFIXES,
    DraftResult,
    Job,
    draft_one,
    where_of,
)
from assistant.scoring import Scheme
from assistant.sections import SECTIONS
from assistant.settings import Settings
from assistant.sources import Source, sources_of
from assistant.validation import terminal_safe
from assistant.writers import Writer, make_writer
from assistant.xlsx_write import SummaryRow, write_summary


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
                out[n] = (f"{where_of(sources[n])}：与 {others} 的输出同名（{stem}.md 等），为免互相覆盖均未起草，"
                          "请改名后重试")
        elif problem := name_problem(stem, out_dir, SUFFIXES):
            out[group[0]] = f"{where_of(sources[group[0]])}：{problem}"
    return out


def _cancel(job: Job, pool: ThreadPoolExecutor) -> None:
    job.cancel.set()
    pool.shutdown(wait=False, cancel_futures=True)
    with job.commit_lock:  # a project moving its files in finishes that first; none starts after
        for folder in list(job.staging):
            shutil.rmtree(folder, ignore_errors=True)


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
