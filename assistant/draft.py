"""Drafting: write each planned section with a writer, in parallel where the writer allows, and
assemble the Report."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from assistant.figures import Figures
from assistant.report import Report, Section
from assistant.runlog import RunLog
from assistant.scoring import Scheme
from assistant.sections import SECTIONS, DraftContext, SectionSpec, draft_context
from assistant.writers import StreamEvent, TemplateWriter, Writer


def draft_report(fig: Figures, scheme: Scheme | None = None, writer: Writer | None = None, *,
                 run: RunLog | None = None, on_section: Callable[[Section], None] | None = None,
                 plan: Sequence[SectionSpec] = SECTIONS) -> Report:
    """Return the drafted report of one project-year; a writer with concurrency > 1 writes sections in parallel."""
    context = draft_context(fig, scheme, run)
    writer = writer or TemplateWriter()
    sections = write_sections(writer, context, on_section, plan)
    title = f"{fig.project.year}年度{fig.project.name}项目支出绩效自评报告"
    return Report(title, sections, context.table, tuple(context.findings))


def write_sections(writer: Writer, context: DraftContext, on_section: Callable[[Section], None] | None = None,
                   plan: Sequence[SectionSpec] = SECTIONS) -> tuple[Section, ...]:
    """Return the planned sections in plan order, written up to writer.concurrency at a time."""
    def one(spec: SectionSpec) -> Section:
        section = writer.write(spec, context)
        if context.run is not None:
            context.run.child("sections", spec.id).write("section.json", _section_record(section))
        if on_section:
            on_section(section)
        return section

    if writer.concurrency <= 1:
        return tuple(one(spec) for spec in plan)
    context.warm()
    with ThreadPoolExecutor(writer.concurrency, thread_name_prefix="section") as pool:
        return tuple(pool.map(one, plan))


def stream_section(context: DraftContext, section_id: str, writer: Writer) -> Iterator[StreamEvent]:
    """Yield one section as it is written: text deltas, restarts, and a final event with the Section."""
    spec = next(s for s in SECTIONS if s.id == section_id)
    yield from writer.stream(spec, context)


def _section_record(section: Section) -> dict[str, Any]:
    return {"id": section.id, "title": section.title, "writer": section.writer, "text": section.text,
            "facts": [list(p.facts) for p in section.paragraphs],
            **(section.provenance.to_json() if section.provenance else {})}
