"""Running the evaluation: every case drafted by each writer asked for (or read from --runs folders),
measured, the cross-case checklist applied, and the results assembled per writer."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from assistant.draft import draft_report
from assistant.evaluation.cases import Case
from assistant.evaluation.checklist import common_sentences, sentences
from assistant.evaluation.metrics import Draft, attempt_tokens, chat_metrics, measure
from assistant.evaluation.results import CaseInfo, ChatMetrics, DraftResult, EvalResults, summarise
from assistant.evaluation.runs import DraftMissing, read_draft
from assistant.facts import build_facts
from assistant.report import Report, to_markdown
from assistant.report_text import markdown_text
from assistant.scoring import Scheme
from assistant.writers import Writer

Step = Callable[[str], None]  # called once per case done, with what was done


@dataclass(frozen=True)
class Measured:
    """One case's draft by one writer: the result, and the text it was measured on (for the checklist)."""

    result: DraftResult
    text: str = ""


def evaluate(cases: list[Case], scheme: Scheme, writers: list[Writer], runs: list[Path],
             step: Step = lambda what: None, drafts_dir: Path | None = None, projects: int = 4) -> EvalResults:
    """Return the results of drafting every case with each writer and reading every run folder;
    `step` is told of each case done; drafts made here are written to drafts_dir/<writer>/NAME.md; a
    writer that writes concurrently drafts up to `projects` cases at once."""
    started, clock = datetime.now(UTC).isoformat(timespec="seconds"), time.monotonic()
    measured: dict[str, list[Measured]] = {}
    for writer in writers:
        folder = drafts_dir / writer.name if drafts_dir else None
        measured[writer.name] = _drafted(cases, scheme, writer, step, folder, projects)
    for folder in runs:
        name = f"runs:{folder.name}"
        measured[name] = [_read(case, scheme, folder, name, step) for case in cases]
    drafts = [d for group in measured.values() for d in _with_boilerplate(group)]
    summaries = tuple(summarise(w, [d for d in drafts if d.writer == w]) for w in measured)
    return EvalResults(started, time.monotonic() - clock, scheme.name, tuple(measured), tuple(map(case_info, cases)),
                       tuple(drafts), summaries)


def case_info(case: Case) -> CaseInfo:
    """Return a case as the results list it."""
    p = case.figures.project
    return CaseInfo(case.name, p.name, p.year, case.expect.score, case.expect.grade, len(case.expect.required),
                    len(case.expect.problems))


def _drafted(cases: list[Case], scheme: Scheme, writer: Writer, step: Step, folder: Path | None,
             projects: int) -> list[Measured]:
    """Return every case drafted by a writer and measured, projects in parallel where the writer allows."""
    def one(case: Case) -> Measured:
        done = draft_case(case, scheme, writer, folder)
        step(f"{writer.name} · {case.name}")
        return done

    if writer.concurrency <= 1:
        return [one(c) for c in cases]
    with ThreadPoolExecutor(max(1, min(projects, len(cases))), thread_name_prefix="eval") as pool:
        return list(pool.map(one, cases))


def draft_case(case: Case, scheme: Scheme, writer: Writer, folder: Path | None = None) -> Measured:
    """Return one case drafted by a writer and measured; a failure becomes the result's error."""
    try:
        clock = time.monotonic()
        report = draft_report(case.figures, scheme, writer)
        seconds = time.monotonic() - clock
        markdown = to_markdown(report)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{case.name}.md").write_text(markdown, "utf-8")
        text = markdown_text(markdown)
        draft = Draft(text, seconds, _codes(report), _chat(report))
        return Measured(DraftResult(case.name, writer.name, measure(case, draft, report.table)), text)
    except Exception as exc:  # one case's failure must not stop the evaluation
        return Measured(DraftResult(case.name, writer.name, error=f"起草失败（{type(exc).__name__}：{exc}）"))


def _read(case: Case, scheme: Scheme, folder: Path, name: str, step: Step) -> Measured:
    """Return the draft of a case found in a run folder, measured; a missing draft becomes the error."""
    try:
        draft = read_draft(folder, case.name)
        result = Measured(DraftResult(case.name, name, measure(case, draft, build_facts(case.figures, scheme))),
                          draft.text)
    except DraftMissing as exc:
        result = Measured(DraftResult(case.name, name, error=str(exc)))
    step(f"{name} · {case.name}")
    return result


def _codes(report: Report) -> tuple[str, ...]:
    return tuple(c for sid in ("lessons.problems", "improvements") for c in report.section(sid).findings)


def _chat(report: Report) -> ChatMetrics | None:
    """Return how the model-written sections of a report were settled, or None when no model wrote any."""
    settled = [(s.writer, s.provenance) for s in report.sections if s.provenance is not None]
    if not settled:
        return None
    return chat_metrics([(writer, p.repaired, p.fallback,
                          *attempt_tokens([(a.usage, a.prompt_tokens, a.reply_tokens) for a in p.attempts]))
                         for writer, p in settled])


def _with_boilerplate(group: list[Measured]) -> list[DraftResult]:
    """Return one writer's results with each draft's count of sentences common to more than a third of the
    cases added to its boilerplate (which already counts its stock sentences)."""
    texts = [m.text for m in group if m.result.metrics is not None]
    common = common_sentences(texts) if len(texts) >= 3 else set()
    out = []
    for m in group:
        if m.result.metrics is None:
            out.append(m.result)
            continue
        shared = len(sentences(m.text) & common)
        metrics = m.result.metrics
        out.append(replace(m.result, metrics=replace(metrics, boilerplate=metrics.boilerplate + shared)))
    return out
