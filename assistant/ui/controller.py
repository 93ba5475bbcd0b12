"""What each control of the page does: plain functions of the inputs returning {component: value}.

The page (app.py) lays the components out; this module reads the workspace and calls the service.
Edits are saved the moment they arrive, so a reload or a restart finds them.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.figures import FiguresError
from assistant.files import write_text_atomic
from assistant.provenance import Provenance
from assistant.report_text import ReportReadError
from assistant.sections import SECTIONS
from assistant.sources import load_figures
from assistant.ui import render
from assistant.ui.page import FORM_COLUMNS, Page
from assistant.ui.service import (
    BATCH_BOOK,
    HEADINGS,
    WRITTEN,
    Library,
    Loaded,
    batch_rows,
    export,
    form_to_yaml,
    open_figures,
    review,
    review_batch,
    reviewed,
    text_findings,
)
from assistant.ui.workspace import EDIT, UploadRejected, Workspace, safe_name

Updates = dict[Any, Any]
PROGRESS = gr.Progress()  # gradio fills in a handler's progress bar through this default


class Controller:
    """The handlers of one app: the data folder, the drafter and the projects opened so far."""

    def __init__(self, page: Page, workspace: Workspace, drafter: Library, scheme: str) -> None:
        self.p, self.ws, self.drafter, self.scheme = page, workspace, drafter, scheme
        self._open: dict[str, tuple[float, Loaded]] = {}
        self._revision = 0

    # ------------------------------------------------------------ projects

    def loaded(self, name: str | None) -> Loaded | None:
        """Return the project opened (again only when its figures file changed), or None."""
        if not name:
            return None
        path = self.ws.project(name).figures_path
        if path is None:
            return None
        stamp = path.stat().st_mtime
        if name not in self._open or self._open[name][0] != stamp:
            self._open[name] = (stamp, open_figures(path, self.scheme))
        return self._open[name][1]

    def start(self) -> Updates:
        """Show the project open last (page load: what was there before a reload or restart)."""
        return self.show(self.ws.last, "")

    def choose(self, name: str) -> Updates:
        return self.show(name, f"已打开项目「{name}」" if name else "")

    def show(self, name: str | None, status: str) -> Updates:
        """Return every component's value for a project: figures, form, sections and the check."""
        p, loaded = self.p, self.loaded(name)
        if name:
            self.ws.remember(name)
        out: Updates = {p.project: name, p.projects: gr.update(choices=self.ws.projects(), value=name),
                        p.status: status}
        out.update(self._figures_view(loaded))
        texts = self.ws.project(name).texts() if name else {}
        for spec in WRITTEN:
            out[p.boxes[spec.id]] = texts.get(spec.id, "")
            out[p.sources[spec.id]] = self._sources(loaded, spec.id, texts.get(spec.id, ""))
        out.update(self.check_view(name, p.check_section_default))
        return out

    def choose_quietly(self, name: str | None) -> Updates:
        """Return the sections' current texts (coming back to 起草 after editing in 核对)."""
        loaded, texts = self.loaded(name), self.ws.project(name).texts() if name else {}
        out: Updates = {}
        for spec in WRITTEN:
            out[self.p.boxes[spec.id]] = texts.get(spec.id, "")
            out[self.p.sources[spec.id]] = self._sources(loaded, spec.id, texts.get(spec.id, ""))
        return out

    def _figures_view(self, loaded: Loaded | None) -> Updates:
        p = self.p
        if loaded is None:
            return {p.problems: "", p.facts: "", p.score: "", p.figure_findings: "", p.title: "尚未载入项目数据"}
        out: Updates = {p.problems: render.problems(loaded.problems, loaded.source)}
        if loaded.context is None:
            out.update({p.facts: "", p.score: "", p.figure_findings: "", p.title: f"{loaded.source}（数据有误）"})
            return out
        table = loaded.context.table
        out.update({p.facts: render.fact_table(table), p.score: render.score_sheet(table),
                    p.figure_findings: render.findings(loaded.context.findings), p.title: loaded.title})
        out.update(self._form(loaded))
        return out

    def _form(self, loaded: Loaded) -> Updates:
        fig, p = loaded.figures, self.p
        assert fig is not None
        rows = [[str(getattr(i, key) if getattr(i, key) is not None else "") for key, _ in FORM_COLUMNS]
                for i in fig.indicators]
        funds = fig.funds
        return {p.f_name: fig.project.name, p.f_unit: fig.project.unit, p.f_year: fig.project.year,
                p.f_money: funds.unit, p.f_initial: funds.budget_initial, p.f_adjusted: funds.budget_adjusted,
                p.f_allocated: funds.allocated, p.f_spent: funds.spent, p.f_basis: funds.rate_basis,
                p.f_indicators: rows}

    # ------------------------------------------------------------ 录入

    def upload(self, file: str | None, current: str | None) -> Updates:
        """Take an uploaded figures file: its problems if it cannot be used (nothing saved), else the project."""
        if not file:
            return {}
        source = Path(file)
        try:
            load_figures(source)
        except FiguresError as exc:
            return {self.p.problems: render.problems(exc.problems, safe_name(source.name)),
                    self.p.status: "项目数据有误，未保存；请按提示修改后重新上传"}
        try:
            project = self.ws.add_figures(source, source.name)
        except UploadRejected as exc:
            return {self.p.status: str(exc)}
        return self.show(project.name, f"已载入「{safe_name(source.name)}」，保存在项目「{project.name}」")

    def save_form(self, current: str | None, *values: Any) -> Updates:
        """Save the figures typed into the form (the open project's, or a new one named after it)."""
        name, unit, year, money, initial, adjusted, allocated, spent, basis, rows = values
        project = {"name": name, "unit": unit, "year": int(year) if year else None}
        funds = {"unit": money, "budget_initial": initial, "budget_adjusted": adjusted, "allocated": allocated,
                 "spent": spent, "rate_basis": basis}
        table = rows.values.tolist() if hasattr(rows, "values") else list(rows or [])
        indicators = [dict(zip([k for k, _ in FORM_COLUMNS], _cells(r), strict=False)) for r in table]
        try:
            text = form_to_yaml(project, funds, indicators)
        except FiguresError as exc:
            return {self.p.problems: render.problems(exc.problems, "表单"), self.p.status: "表单数据有误，未保存"}
        target = self.ws.project(current or name or "project")
        path = target.folder / "figures" / "form.yaml"
        write_text_atomic(path, text)
        target.set_figures(path.name)
        return self.show(target.name, "已保存表单数据")

    # ------------------------------------------------------------ 起草

    def draft(self, name: str | None, writer: str, only: str | None = None) -> Iterator[Updates]:
        """Write every section (or one), streaming each into its box; a failure keeps the text there."""
        loaded = self.loaded(name)
        if loaded is None or loaded.context is None or name is None:
            yield {self.p.status: "请先在「录入」中载入项目数据"}
            return
        project, note = self.ws.project(name), ""
        for spec in [s for s in WRITTEN if only in (None, s.id)]:
            yield {self.p.status: f"正在起草「{spec.title}」……"}
            note = yield from self._draft_one(loaded, project, spec, writer)
            if note.startswith("！"):
                yield {self.p.status: note[1:]}
                return
        done = note if only else "起草完成"
        yield {self.p.status: f"{done}（{time.strftime('%H:%M:%S')}）"}

    def _draft_one(self, loaded: Loaded, project: Any, spec: Any, writer: str) -> Generator[Updates, None, str]:
        """Stream one section into its box and save it; returns the status note ("！…" when drafting
        must stop). A failed model call, or a model text that fell back, leaves the text there as it was."""
        before = project.texts().get(spec.id, "")
        box, shown = self.p.boxes[spec.id], ""
        try:
            for event in self.drafter.stream(loaded, spec.id, writer):
                if event.kind != "done" or event.section is None:
                    shown = "" if event.kind == "restart" else shown + event.text
                    yield {box: shown}
                    continue
                provenance = event.section.provenance
                if provenance is not None and provenance.fallback and before.strip():
                    yield {box: before}
                    return f"「{spec.title}」模型未给出可用的文字（{provenance.fallback_reason}），原文已保留"
                project.save({spec.id: event.section.text}, f"起草（{writer}）")
                yield {box: event.section.text, self.p.sources[spec.id]: self._sources(loaded, spec.id,
                                                                                        event.section.text)}
                return _drafted(spec.title, provenance)
        except Exception as exc:  # whatever went wrong, the text that was there is not lost
            yield {box: before}
            return f"！「{spec.title}」起草失败，原文已保留：{exc}"
        return ""

    def _sources(self, loaded: Loaded | None, section_id: str, text: str) -> str:
        if loaded is None or loaded.context is None:
            return ""
        table = loaded.context.table
        result = loaded.check(section_id, text)
        stated = dict.fromkeys(n.fact for n in result.numbers if n.status in ("supported", "derived") and n.fact)
        spec = next(s for s in SECTIONS if s.id == section_id)
        passages, note = self.drafter.passages(loaded, spec)
        return render.sources([table[f] for f in stated if f in table], passages, note)

    def edit(self, name: str | None, section_id: str, text: str) -> Updates:
        """Save one section's text as typed."""
        if not name:
            return {self.p.status: "请先载入项目数据，编辑内容才能保存"}
        self.ws.project(name).save({section_id: text}, EDIT)
        return {self.p.status: f"已保存「{HEADINGS[section_id]}」（{time.strftime('%H:%M:%S')}）"}

    # ------------------------------------------------------------ 核对

    def check_view(self, name: str | None, section_id: str) -> Updates:
        """Return the checked report (every section highlighted), its findings, and the chosen section's text."""
        p, loaded = self.p, self.loaded(name)
        texts = self.ws.project(name).texts() if name else {}
        out: Updates = {p.check_box: texts.get(section_id, "")}
        out.update(self._checked(loaded, texts))
        return out

    def check_edit(self, name: str | None, section_id: str, text: str) -> Updates:
        """Save the section being edited in 核对 and check the report again."""
        loaded = self.loaded(name)
        if not name or loaded is None:
            return {self.p.status: "请先载入项目数据"}
        project = self.ws.project(name)
        project.save({section_id: text}, EDIT)
        saved = {self.p.status: f"已保存「{HEADINGS[section_id]}」（{time.strftime('%H:%M:%S')}）"}
        return {**self._checked(loaded, {**project.texts(), section_id: text}), **saved}

    def _checked(self, loaded: Loaded | None, texts: dict[str, str]) -> Updates:
        p = self.p
        if loaded is None or loaded.context is None:
            return {p.check_view: '<p class="muted">尚未载入项目数据。</p>', p.check_findings: ""}
        table = loaded.context.table
        self._revision += 1
        parts = [(s.id, s.title, render.highlighted(texts.get(s.id, ""), loaded.check(s.id, texts.get(s.id, "")),
                                                    table)) for s in WRITTEN]
        placed = text_findings(loaded, texts)
        return {p.check_view: render.report_view(parts, self._revision),
                p.check_findings: render.findings(loaded.context.findings, HEADINGS, placed)}

    def review(self, report: str | None, figures: str | None) -> Updates:
        """Check any report against its figures: the reviewer's whole job."""
        p = self.p
        if not report or not figures:
            return {p.review_view: '<p class="muted">请同时上传报告（.md/.txt/.docx）和项目数据文件。</p>'}
        try:
            saved = self.ws.add_report(Path(report), Path(report).name)
            text, result, loaded = review(saved, Path(figures), self.scheme)
        except (UploadRejected, ReportReadError) as exc:
            return {p.review_view: f'<p class="problems">{render.escape(str(exc))}</p>', p.review_findings: ""}
        if result is None or loaded.context is None:
            return {p.review_view: render.problems(loaded.problems, loaded.source), p.review_findings: ""}
        self._revision += 1
        view = render.report_view([("review", saved.name, render.highlighted(text, result, loaded.context.table))],
                                  self._revision)
        in_text = [("review", f) for f in result.findings if f.start is not None]
        figures_only = [f for f in result.findings if f.start is None]
        return {p.review_view: view, p.review_findings: render.findings(figures_only, {"review": "报告"}, in_text)}

    def review_many(self, files: list[str] | None, progress: Any = PROGRESS) -> Updates:
        """Review several reports at once (as `assistant review` does): the table of rows in severity
        order, the review workbook and the commented DOCX files to download."""
        p = self.p
        if not files:
            return {p.bureau_summary: '<p class="muted">请先选择报告文件（可多选）。</p>'}
        folder, saved, refused = self.ws.add_batch([(Path(f), Path(f).name) for f in files])
        finished = [0]

        def done(rows: list[Any]) -> None:
            finished[0] += 1
            progress((finished[0], len(saved)), desc="审阅")

        rows = review_batch(saved, folder, self.scheme, refused, done)
        downloads = [str(folder / BATCH_BOOK), *(r.commented for r in rows if r.commented)]
        return {p.bureau_batch: folder.name, p.bureau_table: render.review_rows(rows),
                p.bureau_summary: render.review_summary(rows), p.bureau_downloads: downloads,
                p.bureau_view: "", p.bureau_findings: ""}

    def review_open(self, batch: str | None, evt: gr.SelectData) -> Updates:
        """Show one row of a batch review: the report's text with every number highlighted (a table: its
        score sheet) and its findings; for a report that could not be read, why."""
        p = self.p
        rows = batch_rows(self.ws.batch(batch)) if batch else []
        n = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if not isinstance(n, int) or not 0 <= n < len(rows):
            return {}
        item = reviewed(rows[n], self.scheme)
        if isinstance(item, str):
            return {p.bureau_view: render.problems([("", item)], rows[n].file), p.bureau_findings: ""}
        self._revision += 1
        if item.text:
            body = render.highlighted(item.text, item.result, item.table)
        else:
            body = render.score_sheet(item.table)
        view = render.report_view([("review", item.label, body)], self._revision)
        # In the text, the errors and warnings: a number the table does not state is marked in the view already.
        in_text = [("review", f) for f in item.result.findings if f.start is not None and f.severity != "info"]
        figures_only = [f for f in item.result.findings if f.start is None]
        return {p.bureau_view: view, p.bureau_findings: render.findings(figures_only, {"review": "报告"}, in_text)}

    # ------------------------------------------------------------ 导出

    def export(self, name: str | None) -> Updates:
        """Write the edited report as DOCX, Markdown and JSON and offer the files."""
        loaded = self.loaded(name)
        if not name or loaded is None or loaded.context is None:
            return {self.p.status: "请先载入项目数据"}
        project = self.ws.project(name)
        paths = export(loaded, project.texts(), project.folder / "exports", name)
        return {self.p.exports: [str(x) for x in paths.values()],
                self.p.status: f"已导出 {len(paths)} 个文件（{time.strftime('%H:%M:%S')}）"}

    # ------------------------------------------------------------ 语料库

    def search(self, query: str, kind: str, department: str, year: float | None) -> Updates:
        """Search the corpus with the filters given (empty means any)."""
        if not query.strip():
            return {self.p.hits: '<p class="muted">请输入检索内容。</p>'}
        filters = {"type": kind or None, "department": department.strip() or None,
                   "year": int(year) if year else None}
        hits, note = self.drafter.search(query, 10, **filters)
        return {self.p.hits: render.passages(hits, note)}

    def add_documents(self, files: list[str] | None, progress: Any = PROGRESS) -> Updates:
        """Put uploaded documents into the corpus and update its index (changed files only), with progress."""
        saved, refused = [], []
        for file in files or []:
            try:
                saved.append(self.ws.add_document(Path(file), Path(file).name).name)
            except UploadRejected as exc:
                refused.append(str(exc))
        if not saved:
            return {self.p.index_report: render.problems([("", r) for r in refused] or [("", "请先选择文档")])}
        report = self.drafter.reindex(self.ws.corpus, lambda stage, done, total: progress((done, total), desc=stage))
        for _stamp, loaded in self._open.values():
            loaded.passages.clear()  # the sections' sources are searched again in the new index
        lines = [f"已加入 {len(saved)} 个文档：{'、'.join(saved)}",
                 f"索引：文件 {report.files} 个（新增 {report.added}，更新 {report.updated}，"
                 f"未变 {report.unchanged}），片段 {report.chunks} 个，用时 {report.seconds:.1f} 秒"]
        lines += refused + [f"跳过 {name}：{why}" for name, why in report.skipped] + list(report.notices)
        return {self.p.index_report: "<br>".join(render.escape(x) for x in lines)}


def _cells(row: list[Any]) -> list[Any]:
    return [None if c is None or (isinstance(c, float) and c != c) else c for c in row]


def _drafted(title: str, provenance: Provenance | None) -> str:
    """Return the status line after a section is written: by whom, and how many repairs it took."""
    if provenance is None:
        return f"已起草「{title}」（模板）"
    if provenance.fallback:
        return f"「{title}」的模型稿未通过核对，已改用模板稿：{provenance.fallback_reason}"
    repairs = max(0, len(provenance.attempts) - 1)
    return f"已起草「{title}」（对话模型{f'，经 {repairs} 次修正' if repairs else ''}）"
