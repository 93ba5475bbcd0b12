"""What the app does, without the page: load figures, draft and stream sections, check edited text,
rebuild the report from it and export it. A thin layer over the stages; the page only wires it up."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.bureau import Examined, ReportReview, ReportUnreadable, examine
from assistant.bureau_out import write_review
from assistant.bureau_pool import review_files
from assistant.check import CheckResult, check_text
from assistant.draft import stream_section
from assistant.figures import Figures, FiguresError, figures_from_data
from assistant.files import write_text_atomic
from assistant.findings import Finding
from assistant.guard import paragraphs_from_checked
from assistant.report import Report, Section, to_json, to_markdown
from assistant.report_check import check_report
from assistant.report_text import markdown_text, read_report_text
from assistant.retrieval.hybrid import Filters
from assistant.retrieval.index import update_index
from assistant.scoring import load_scheme
from assistant.sections import SECTIONS, DraftContext, SectionSpec, draft_context
from assistant.settings import Settings
from assistant.sources import load_figures
from assistant.word import write_docx
from assistant.writers import StreamEvent, make_writer, open_retriever, section_passages

WRITTEN = tuple(s for s in SECTIONS if s.template)  # the sections that hold text (一、 and 五、 are headings only)
HEADINGS = {s.id: s.title for s in SECTIONS}


@dataclass
class Loaded:
    """A project opened in the app: its figures and drafting context, or the problems that stop it."""

    source: str
    figures: Figures | None = None
    context: DraftContext | None = None
    problems: tuple[tuple[str, str], ...] = ()
    _checks: dict[tuple[str, str], CheckResult] = field(default_factory=dict, repr=False)
    passages: dict[str, tuple[list[Any], str]] = field(default_factory=dict, repr=False)

    @property
    def title(self) -> str:
        p = self.figures.project if self.figures else None
        return f"{p.year}年度{p.name}项目支出绩效自评报告" if p else ""

    def check(self, section_id: str, text: str) -> CheckResult:
        """Return the check of one section's text; unchanged sections are not checked again."""
        assert self.context is not None
        key = (section_id, text)
        if key not in self._checks:
            if len(self._checks) > 256:
                self._checks.clear()
            self._checks[key] = check_text(text, self.context.table, self.context.matcher)
        return self._checks[key]


def open_figures(path: Path, scheme: str = "national") -> Loaded:
    """Return the project of a figures file, or its problems (path in the file, message) if it cannot be used."""
    try:
        fig = load_figures(path)
    except FiguresError as exc:
        return Loaded(path.name, problems=tuple(exc.problems))
    return Loaded(path.name, fig, draft_context(fig, load_scheme(scheme)))


def form_to_yaml(project: dict[str, Any], funds: dict[str, Any], indicators: list[dict[str, Any]]) -> str:
    """Return a figures file (YAML) from what was typed into the form, empty cells left out, so the
    usual validation names every problem by its path."""
    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if v not in (None, "") and not (isinstance(v, float) and v != v)}

    data = {"project": clean(project), "funds": clean(funds),
            "indicators": [clean(row) for row in indicators if any(clean(row).values())]}
    figures_from_data(data)  # raises FiguresError naming every problem before anything is written
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


class Drafter:
    """Writes sections with the writer the user chose; holds the retrieval index open for the sources."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._retriever: Any = None
        self._note = ""
        self._opened = False
        self._lock = threading.Lock()

    def writers(self) -> list[str]:
        """Return the writers available: the template always, the chat model when one is configured."""
        return ["template", "openai"] if self.settings.model else ["template"]

    def stream(self, loaded: Loaded, section_id: str, writer_name: str) -> Iterator[StreamEvent]:
        """Yield one section as it is written (deltas, restarts, done); raises ChatNotConfigured."""
        assert loaded.context is not None
        writer = make_writer(self.settings.model_copy(update={"backend": writer_name}))
        try:
            yield from stream_section(loaded.context, section_id, writer)
        finally:
            writer.close()

    def passages(self, loaded: Loaded, spec: SectionSpec) -> tuple[list[Any], str]:
        """Return the retrieved passages that suit a section (for every writer) and how they were found;
        searched once per project and section."""
        assert loaded.context is not None
        with self._lock:
            if spec.id not in loaded.passages:
                if not self._opened:
                    self._retriever, self._note = open_retriever(self.settings)
                    self._opened = True
                loaded.passages[spec.id] = ([], self._note) if self._retriever is None else \
                    section_passages(self._retriever, spec, loaded.context, max(self.settings.passages, 3))
            return loaded.passages[spec.id]


class Library(Drafter):
    """The drafter plus the corpus: search it with filters, and bring its index up to date."""

    def search(self, query: str, k: int, **filters: Any) -> tuple[list[Any], str]:
        """Return the passages that best answer the query within the filters, and a note on how."""
        with self._lock:
            if not self._opened:
                self._retriever, self._note = open_retriever(self.settings)
                self._opened = True
            if self._retriever is None:
                return [], self._note
            hits = self._retriever.search(query, k=k, filters=Filters(**filters))
            return hits, self._retriever.mode

    def reindex(self, corpus: Path, progress: Any = None) -> Any:
        """Bring the index up to date with the corpus folder (only changed files) and return the report."""
        with self._lock:
            if self._retriever is not None:
                self._retriever.close()
            self._retriever, self._opened = None, False  # the next search opens the new generation
            return update_index(corpus, self.settings, progress=progress)


def edited_report(loaded: Loaded, texts: dict[str, str]) -> Report:
    """Return the report as edited, each sentence with the facts the checker finds it states."""
    assert loaded.context is not None
    sections = []
    for spec in SECTIONS:
        text = texts.get(spec.id, "") if spec.template else ""
        paragraphs = paragraphs_from_checked(text, loaded.check(spec.id, text)) if text else ()
        sections.append(Section(spec.id, spec.title, spec.level, paragraphs, "edited",
                                loaded.context.finding_codes(spec.id)))
    return Report(loaded.title, tuple(sections), loaded.context.table, tuple(loaded.context.findings))


def text_findings(loaded: Loaded, texts: dict[str, str]) -> list[tuple[str, Finding]]:
    """Return (section id, finding) for every finding in the sections' text, in reading order."""
    out = []
    for spec in WRITTEN:
        out += [(spec.id, f) for f in loaded.check(spec.id, texts.get(spec.id, "")).findings]
    return out


def export(loaded: Loaded, texts: dict[str, str], folder: Path, stem: str) -> dict[str, Path]:
    """Write the edited report as .docx (every error and warning a comment at its number), .md and
    .json into folder and return the paths by suffix, with the check the comments come from."""
    report = edited_report(loaded, texts)
    markdown = to_markdown(report)
    result = check_report(markdown_text(markdown), report.table, list(report.findings))
    remarks = [f for f in result.findings if f.severity in ("error", "warning")]
    folder.mkdir(parents=True, exist_ok=True)
    out = {suffix: folder / f"{stem}{suffix}" for suffix in (".docx", ".md", ".json")}
    write_docx(report, out[".docx"], remarks, source_text=markdown)
    write_text_atomic(out[".md"], markdown)
    write_text_atomic(out[".json"], to_json(report))
    return out


def review(report: Path, figures: Path, scheme: str = "national") -> tuple[str, CheckResult | None, Loaded]:
    """Return a reviewer's view of any report: its text and check against the figures (None when the
    figures cannot be used; the Loaded says why). Raises ReportReadError for an unreadable report."""
    loaded = open_figures(figures, scheme)
    text = read_report_text(report)
    if loaded.context is None:
        return text, None, loaded
    return text, check_report(text, loaded.context.table, list(loaded.context.findings)), loaded


BATCH_ROWS, BATCH_BOOK, BATCH_NOTES = "review.json", "审阅汇总.xlsx", "批注"


def review_batch(files: list[Path], folder: Path, scheme: str, refused: list[tuple[str, str]],
                 done: Callable[[list[ReportReview]], None] = lambda rows: None) -> list[ReportReview]:
    """Review the reports saved in a batch folder as `assistant review` does (a refused upload is a row
    saying why); write the rows (review.json, 审阅汇总.xlsx) and the commented DOCX files there, and
    return the rows in severity order."""
    rows = review_files(files, folder / BATCH_NOTES, scheme, done)
    rows = sorted(rows + [ReportReview(name, problem=why) for name, why in refused], key=ReportReview.severity_key)
    write_review(rows, folder / BATCH_BOOK)
    write_text_atomic(folder / BATCH_ROWS, json.dumps([asdict(r) for r in rows], ensure_ascii=False))
    return rows


def batch_rows(folder: Path) -> list[ReportReview]:
    """Return the rows of a batch reviewed before (none when it has no review yet)."""
    try:
        data = json.loads((folder / BATCH_ROWS).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    return [ReportReview(**{**row, "top": tuple(row["top"])}) for row in data]


def reviewed(row: ReportReview, scheme: str = "national") -> Examined | str:
    """Return one reviewed report checked again for its highlighted view, or why it cannot be shown."""
    if row.problem or not row.source:
        return row.problem or "没有可显示的内容"
    try:
        found = [item for item in examine(Path(row.source), scheme) if item.label == row.file]
    except ReportUnreadable as exc:
        return str(exc)
    return found[0] if found else "该项目已不在文件中"
