"""Writers: what turns a planned section and its context into text. One small interface, two writers:
the offline template writer and the guarded chat-model writer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from assistant.chat import ChatClient
from assistant.chat_prompt import SectionPrompt, build_prompt
from assistant.check import check_text
from assistant.guard import GuardJob, GuardOutcome, find_problems, paragraphs_from_checked, run_guard
from assistant.provenance import Provenance
from assistant.report import Paragraph, Section, paragraphs_from_marked
from assistant.retrieval.hybrid import Filters, Passage, Retriever, open_index
from assistant.retrieval.manifest import IndexMissing
from assistant.sections import DraftContext, SectionSpec
from assistant.settings import Settings
from assistant.templating import render

# Which kind of corpus passage (assistant.retrieval.chunking.KIND_RULES) suits each section template.
PASSAGE_KINDS = {"overview": "overview", "goal": "goals", "process": "process", "result": "result",
                 "funds": "funds", "indicators": "indicators", "problems": "problems", "deviation": "problems",
                 "improvements": "improvements", "publication": "publication"}


@dataclass(frozen=True)
class StreamEvent:
    """What a streaming draft reports: new text, a restart (discard what was shown), or the end."""

    kind: Literal["delta", "restart", "done"]
    text: str = ""
    section: Section | None = None


class Writer(Protocol):
    """A writer drafts one section; `name` is recorded in the report's provenance.

    `concurrency` is how many sections (and, in a batch, projects) it may write at once; `stream`
    yields a section as it is written, ending with a "done" event that carries it; `close` releases
    what the writer holds (the retrieval index). Callers use these and nothing else.
    """

    name: str
    concurrency: int

    def write(self, spec: SectionSpec, context: DraftContext) -> Section: ...

    def stream(self, spec: SectionSpec, context: DraftContext) -> Iterator[StreamEvent]: ...

    def close(self) -> None: ...


class TemplateWriter:
    """The deterministic offline writer: renders `prompts/sections/<template>.j2`."""

    name = "template"
    concurrency = 1  # pure computation: threads would only contend for the interpreter

    def __init__(self, settings: Settings | None = None) -> None:
        self.templates = settings.templates_dir if settings else None

    def write(self, spec: SectionSpec, context: DraftContext) -> Section:
        """Return the section rendered from its template, each sentence with its fact ids."""
        paragraphs: tuple[Paragraph, ...] = ()
        if spec.template:
            text = render(f"sections/{spec.template}.j2", self.templates, **context.variables(spec.id))
            paragraphs = paragraphs_from_marked(text, context.table)
        return Section(spec.id, spec.title, spec.level, paragraphs, self.name,
                       context.finding_codes(spec.id))

    def stream(self, spec: SectionSpec, context: DraftContext) -> Iterator[StreamEvent]:
        """Yield the whole section as one delta, then the section."""
        section = self.write(spec, context)
        yield StreamEvent("delta", section.text)
        yield StreamEvent("done", section.text, section)

    def close(self) -> None:
        """Release nothing: the template writer holds no resources."""


class ChatWriter:
    """The chat-model writer: the template draft, retrieved passages and the guard around a model.

    Shared by every section and project of a run; `close()` releases the retrieval index.
    """

    name = "openai"

    def __init__(self, settings: Settings, client: ChatClient | None = None,
                 retriever: Retriever | None | Literal["auto"] = "auto") -> None:
        self.settings = settings
        self.concurrency = settings.concurrency
        self.client = client or ChatClient(settings)
        self._template = TemplateWriter(settings)
        self._retriever: Retriever | None = None
        self.retrieval_note = ""
        if retriever == "auto":
            self._retriever, self.retrieval_note = open_retriever(settings)
        else:
            self._retriever = retriever
        self._search_lock = threading.Lock()  # the index's embedder and BM25 are not known to be thread-safe

    def close(self) -> None:
        """Release the retrieval index."""
        if self._retriever is not None:
            self._retriever.close()

    def write(self, spec: SectionSpec, context: DraftContext) -> Section:
        """Return the guarded section: the model's text if it passes the checker, else the template's."""
        events = self.stream(spec, context, stream=False)
        return _last(events)

    def stream(self, spec: SectionSpec, context: DraftContext, stream: bool = True) -> Iterator[StreamEvent]:
        """Yield the section's text as it arrives, restarts (repair, retry), and the final section."""
        draft = self._template.write(spec, context)
        if not spec.template:
            yield StreamEvent("done", "", draft)
            return
        record = context.run.child("sections", spec.id) if context.run else None
        passages, note = self._passages(spec, context)
        prompt = build_prompt(spec, context, draft, passages, self.settings)
        if record:
            record.write("passages.json", {"retrieval": note, "passages": [p.to_json() for p in prompt.passages]})
        job = GuardJob(prompt, draft, context.table, context.matcher, self.settings.repair_turns, record)
        guarded = run_guard(self.client, job, stream)
        while True:
            try:
                event = next(guarded)
            except StopIteration as done:
                outcome: GuardOutcome = done.value
                break
            yield StreamEvent(event.kind, event.text)
        section = self._section(spec, context, draft, outcome, (prompt, note))
        if section.writer != self.name and stream:
            yield StreamEvent("restart", "模型稿未通过核对，改用模板稿")
        yield StreamEvent("done", section.text, section)

    def _section(self, spec: SectionSpec, context: DraftContext, draft: Section, outcome: GuardOutcome,
                 sources: tuple[SectionPrompt, str]) -> Section:
        """Return the model's section with its provenance, or the template's when the guard fell back."""
        prompt, note = sources
        settled = Provenance(self.client.model_name, tuple(outcome.attempts), note, prompt.passages, prompt.tokens,
                             outcome.fallback_reason, outcome.timed_out)
        if outcome.text is None or outcome.result is None:
            # The template text is the last resort; if even it fails the checker, say so rather than hide it.
            checked = check_text(draft.text, context.table, context.matcher)
            provenance = replace(settled, fallback_findings=tuple(find_problems(draft.text, checked, draft)))
            return Section(spec.id, spec.title, spec.level, draft.paragraphs, draft.writer, draft.findings, provenance)
        paragraphs = paragraphs_from_checked(outcome.text, outcome.result)
        stated = {f for p in paragraphs for f in p.facts}
        provenance = replace(settled, facts_dropped=tuple(f.id for f in prompt.facts if f.id not in stated))
        return Section(spec.id, spec.title, spec.level, paragraphs, self.name, draft.findings, provenance)

    def _passages(self, spec: SectionSpec, context: DraftContext) -> tuple[list[Passage], str]:
        """Return the passages retrieved for a section and a note on how (or why none)."""
        if self._retriever is None or not self.settings.passages:
            return [], self.retrieval_note or "未检索"
        with self._search_lock:
            return section_passages(self._retriever, spec, context, self.settings.passages)


def section_passages(retriever: Retriever, spec: SectionSpec, context: DraftContext,
                     k: int) -> tuple[list[Passage], str]:
    """Return the passages of past reports and rules that suit a section, and a note on how they were found."""
    project = context.table.figures.project
    query = f"{spec.title.lstrip('一二三四五六七八九十、（）')} {project.name}"
    kind = PASSAGE_KINDS.get(spec.template or "")
    try:
        hits = retriever.search(query, k=k, filters=Filters(kind=kind)) if kind else []
        hits = hits or retriever.search(query, k=k)  # no passage of this kind: any will do
    except Exception as exc:  # retrieval only helps the wording: a broken index must not stop drafting
        return [], f"检索失败，未提供参考资料：{type(exc).__name__}：{exc}"
    notices = "；".join(getattr(retriever, "notices", ()))
    return hits, f"{retriever.mode}{f'（{notices}）' if notices else ''}：{query}"


def open_retriever(settings: Settings) -> tuple[Retriever | None, str]:
    """Return the index's retriever, or None and a note saying why drafting goes on without passages."""
    try:
        retriever = open_index(settings)
    except IndexMissing as exc:
        return None, f"无参考资料：{exc}"
    return retriever, ""


def _last(events: Iterator[StreamEvent]) -> Section:
    section = None
    for event in events:
        section = event.section or section
    assert section is not None, "a writer's stream always ends with the section"
    return section


def make_writer(settings: Settings) -> Writer:
    """Return the writer the settings choose (raises ChatNotConfigured when the model is missing)."""
    return WRITERS[settings.backend](settings)


WRITERS: dict[str, Callable[[Settings], Writer]] = {"template": TemplateWriter, "openai": ChatWriter}
