"""Drafting one project of a batch: its four files staged and moved in together, skipped when they
are newer than its figures, and what came of it (DraftResult). Threads and worker processes alike
run `draft_one`."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant import __version__
from assistant import vocabulary as v
from assistant.chat import redact
from assistant.draft import draft_report
from assistant.facts import FactTable, build_facts
from assistant.figures import Figures, FiguresError
from assistant.files import InputFileError, Staging, os_error_text, read_regular
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
from assistant.word import write_docx
from assistant.word_comments import review_comments
from assistant.writers import Writer, make_writer

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


def where_of(src: Source) -> str:
    """Return how messages name a project's source: its workbook label, or its file path."""
    return src.label if src.workbook else str(src.path)


def draft_one(source: Source, job: Job) -> DraftResult:
    """Return the result of one project; any failure becomes the result's error, never an exception."""
    base = {"label": source.label, "project": source.name, "workbook": source.workbook}
    where = where_of(source)
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
    check = check_report(plain, report.table, list(report.findings))
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
                       warnings=check.summary()["warnings"], **base, **_facts_scores(report.table))


def _scores(fig: Figures, scheme: Scheme) -> dict[str, Any]:
    return _facts_scores(build_facts(fig, scheme))


def _facts_scores(table: FactTable) -> dict[str, Any]:
    """Return the total score, grade and execution rate a summary lists for a project."""
    rate = table.get(table.rate_id)
    return {"score": float(table[v.SCORE_TOTAL].value), "grade": str(table[v.GRADE].value),
            "rate": float(rate.value) if rate is not None else None}


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
    return {"source": where_of(source), "writer": job.writer.name, "seconds": round(seconds, 3), "drafted_from": stamp,
            "settings": public_settings(job.settings)}


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=2)
