"""Template drafting in worker processes: the template writer is pure computation, so a batch of many
projects gains from every core, which threads (sharing one interpreter lock) cannot give it.

Workers are spawned, not forked: the parent may already run threads (the progress bar, a writer's
HTTP client), and a forked copy of a lock held by one of them would never be released.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from assistant.figures import Figures, FiguresError
from assistant.project_job import DraftResult, Job, draft_one
from assistant.scoring import Scheme
from assistant.sections import SECTIONS
from assistant.settings import Settings
from assistant.sources import Source, load_figures
from assistant.writers import Writer, make_writer

PROCESS_MIN = 40  # below this many projects, starting workers (about 2 s each) costs more than it saves

Portable = tuple[Path, str, str, Path | None, str, Figures | None, tuple[str, list[tuple[str, str]]] | None]


def process_count(projects: int, writer: Writer, settings: Settings) -> int:
    """Return how many worker processes a batch should use: 1 (in this process) unless it is long and templated."""
    if writer.name != "template" or projects < PROCESS_MIN:
        return 1
    return max(1, min(os.cpu_count() or 1, settings.project_concurrency))


def draft_in_processes(sources: list[Source], refused: dict[int, str], job: Job, processes: int,
                       announce: Callable[[DraftResult], None]) -> list[DraftResult]:
    """Return the result of every project, in order, drafted by `processes` spawned workers."""
    results: list[DraftResult | None] = [None] * len(sources)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=ctx) as pool:
        futures = {}
        for n, src in enumerate(sources):
            if n in refused:
                results[n] = DraftResult(src.path, error=refused[n], label=src.label, project=src.name,
                                         workbook=src.workbook)
                job.progress(len(SECTIONS))
                announce(results[n])  # type: ignore[arg-type]
            else:
                futures[pool.submit(_draft, _portable(src), job.out_dir, job.scheme, job.settings, job.force)] = n
        try:
            for future in as_completed(futures):
                n = futures[future]
                results[n] = future.result()
                job.progress(len(SECTIONS))
                announce(results[n])  # type: ignore[arg-type]
        except BaseException:  # Ctrl-C: the workers get it too, and their unfinished projects are not moved in
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return [r for r in results if r is not None]


def _portable(src: Source) -> Portable:
    """Return what a worker needs to draft a source: a figures file is read there, a workbook's project sent."""
    if src.workbook is None:
        return (src.path, src.stem, src.label, None, src.name, None, None)
    try:
        return (src.path, src.stem, src.label, src.workbook, src.name, src.load(), None)
    except FiguresError as exc:
        return (src.path, src.stem, src.label, src.workbook, src.name, None, (exc.source, exc.problems))


_JOBS: dict[Any, Job] = {}  # one job, and so one writer, per worker process


def _draft(item: Portable, out_dir: Path, scheme: Scheme, settings: Settings, force: bool) -> DraftResult:
    path, stem, label, workbook, name, figures, error = item
    key = (out_dir, scheme.name, force)
    job = _JOBS.get(key) or _JOBS.setdefault(key, Job(out_dir, scheme, make_writer(settings), settings, force))

    def load() -> Figures:
        if error is not None:
            raise FiguresError(*error)
        return figures if figures is not None else load_figures(path)

    return draft_one(Source(path, stem, label, load, workbook, name), job)
