"""Writers: what turns a planned section and its context into text. One small interface."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from assistant.prompts import render
from assistant.report import Section, paragraphs_from_marked

if TYPE_CHECKING:
    from assistant.draft import DraftContext, SectionSpec


class Writer(Protocol):
    """A writer drafts one section; `name` is recorded in the report's provenance."""

    name: str

    def write(self, spec: SectionSpec, context: DraftContext) -> Section: ...


class TemplateWriter:
    """The deterministic offline writer: renders `prompts/sections/<template>.j2`."""

    name = "template"

    def write(self, spec: SectionSpec, context: DraftContext) -> Section:
        """Return the section rendered from its template, each sentence with its fact ids."""
        paragraphs = ()
        if spec.template:
            text = render(f"sections/{spec.template}.j2", **context.variables(spec.id))
            paragraphs = paragraphs_from_marked(text, context.table)
        return Section(spec.id, spec.title, spec.level, paragraphs, self.name,
                       context.finding_codes(spec.id))


WRITERS: dict[str, type[TemplateWriter]] = {"template": TemplateWriter}
