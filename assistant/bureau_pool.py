"""A folder of submitted reports reviewed at once: the files found, each reviewed in a spawned worker
process (checking is pure Python, so threads would share one core), a progress bar, and the review
written out. One file that fails is its own row; nothing stops the others."""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.bureau import REVIEWED_SUFFIXES, ReportReview, review_one
from assistant.bureau_docx import COMMENTED
from assistant.bureau_out import OUTPUT_SUFFIXES, review_table, write_review
from assistant.files import os_error_text
from assistant.validation import terminal_safe

# Below this many files one process reviews them: a spawned worker takes about a second to start
# (measured, Word reports: 10 in 0.9 s alone and 1.0 s with two workers; 20 in 1.5 s and 1.3 s).
PROCESS_MIN = 16


class ReviewInputError(ValueError):
    """Inputs or outputs a review cannot start with; the message is plain Chinese."""


def report_files(paths: Iterable[Path], skip: Iterable[Path] = ()) -> list[Path]:
    """Return the reports to review: the files named, and the .docx/.pdf/.xlsx files directly in each
    folder named (not Office lock files, hidden files, commented copies, or the review's own outputs)."""
    skipped = {p.resolve() for p in skip}
    out: list[Path] = []
    for path in paths:
        if not path.exists():
            raise ReviewInputError(f"找不到「{path}」")
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.suffix.lower() in REVIEWED_SUFFIXES and p.is_file()
                          and not p.name.startswith(("~$", ".")) and not p.name.endswith(COMMENTED)
                          and p.resolve() not in skipped)
        else:
            out.append(path)
    return list(dict.fromkeys(out))


def notes_folder(outputs: list[Path]) -> Path | None:
    """Return where the commented DOCX files go: beside the first output, named after it
    (review.xlsx → review-批注/); None when nothing is written."""
    return outputs[0].parent / f"{outputs[0].stem}-批注" if outputs else None


def check_outputs(outputs: list[Path]) -> None:
    """Raise ReviewInputError, before any work, for an output of a kind not written or in a folder not writable."""
    for out in outputs:
        if out.is_dir():
            raise ReviewInputError(f"输出位置「{out}」是一个文件夹；请给出文件名，如 审阅汇总.xlsx")
        if out.suffix.lower() not in OUTPUT_SUFFIXES:
            raise ReviewInputError(f"输出文件「{out}」的类型不支持：请用 .xlsx 或 .md")
        folder = out.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReviewInputError(f"无法创建输出文件夹「{folder}」：{os_error_text(exc)}") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ReviewInputError(f"无法写入输出文件夹「{folder}」：没有权限")


def review_files(files: list[Path], notes: Path | None, scheme: str,
                 done: Callable[[list[ReportReview]], None] = lambda rows: None,
                 processes: int | None = None, chosen: bool = False) -> list[ReportReview]:
    """Return the rows of every file in severity order (ReportReview.severity_key); `done` is called with
    each file's rows as it finishes. `processes` defaults to one per core from PROCESS_MIN files on;
    `chosen`: the scheme was asked for, so a report's table does not pick its own (bureau.examine)."""
    if processes is None:
        processes = min(os.cpu_count() or 1, len(files)) if len(files) >= PROCESS_MIN else 1
    jobs = list(zip(files, shown_names(files), strict=True))
    rows: list[ReportReview] = []
    if processes <= 1:
        for path, name in jobs:
            rows += _done(review_one(path, notes, scheme, chosen, name), done)
    else:
        rows = _in_processes(jobs, notes, scheme, chosen, done, processes)
    return sorted(rows, key=ReportReview.severity_key)


def shown_names(files: list[Path]) -> list[str]:
    """Return the name each file is shown (and its commented copy named) under: its own name, or for
    two files of one name from different folders, its path below the folders' common parent."""
    seen = Counter(p.name for p in files)
    if all(n == 1 for n in seen.values()):
        return [p.name for p in files]
    common = Path(os.path.commonpath([p.resolve().parent for p in files]))
    return [p.resolve().relative_to(common).as_posix() if seen[p.name] > 1 else p.name for p in files]


def _done(rows: list[ReportReview], done: Callable[[list[ReportReview]], None]) -> list[ReportReview]:
    done(rows)
    return rows


def _in_processes(jobs: list[tuple[Path, str]], notes: Path | None, scheme: str, chosen: bool,
                  done: Callable[[list[ReportReview]], None], processes: int) -> list[ReportReview]:
    """Return the rows of every file, reviewed by `processes` spawned workers; a worker that dies
    (killed, out of memory) makes its files rows saying so."""
    rows: list[ReportReview] = []
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=ctx) as pool:
        futures: dict[Future[list[ReportReview]], str] = {
            pool.submit(review_one, path, notes, scheme, chosen, name): name for path, name in jobs}
        try:
            for future in as_completed(futures):
                try:
                    result = future.result()
                except BrokenProcessPool:
                    result = [ReportReview(futures[future], problem="核对进程意外退出（可能内存不足），未能核对")]
                rows += _done(result, done)
        except BaseException:  # Ctrl-C: the workers get it too; stop without waiting for the queue
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return rows


def review_folder(paths: list[Path], outputs: list[Path], scheme: str, console: Console, chosen: bool = False) -> int:
    """Review every report of the folders (or files) named, write the outputs, print the table, and
    return the exit status: 2 when a report could not be read, else 1 when one has errors, else 0
    (130 on Ctrl-C, nothing but complete commented copies written).
    Raises ReviewInputError before any work when the inputs or outputs cannot be used."""
    check_outputs(outputs)
    files = report_files(paths, skip=outputs)
    if not files:
        raise ReviewInputError("没有找到要审阅的报告（.docx、.pdf 或 .xlsx）")
    notes = notes_folder(outputs)
    bar = Progress(TextColumn("审阅"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                   transient=True, disable=not console.is_terminal)
    task = bar.add_task("审阅", total=len(files))
    try:
        with bar:
            rows = review_files(files, notes, scheme, lambda _: bar.advance(task), chosen=chosen)
    except KeyboardInterrupt:
        console.print("已中断：审阅汇总未写出（已写出的批注文件都是完整的）。", markup=False, highlight=False)
        return 130
    console.print(review_table(rows))
    for out in outputs:
        write_review(rows, out)
        console.print(terminal_safe(f"已写出：{out}"), markup=False, highlight=False, soft_wrap=True)
    if notes is not None and any(r.commented for r in rows):
        console.print(terminal_safe(f"逐份批注的 Word 文件：{notes}"), markup=False, highlight=False, soft_wrap=True)
    return 2 if any(r.problem for r in rows) else 1 if any(r.errors for r in rows) else 0
