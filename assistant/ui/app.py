"""The web app: the page wired to its controller, and the launcher the `ui` command calls.

Only this package imports gradio, so the other commands start without it.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterator
from html import escape
from pathlib import Path
from typing import Any

from assistant.settings import Settings

FONTS = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "sans-serif"]
MONO = ["Noto Sans Mono CJK SC", "monospace"]


def _offline_environment(data: Path) -> None:
    """Set before gradio is imported: no analytics, and its upload cache inside the data folder, so
    every uploaded byte stays under --data."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["GRADIO_TEMP_DIR"] = str((data / ".uploads").resolve())
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def build(data: Path, settings: Settings) -> Any:
    """Return the Blocks of the app over the data folder."""
    _offline_environment(data)
    import gradio as gr

    from assistant.ui.controller import Controller
    from assistant.ui.page import layout
    from assistant.ui.service import Library
    from assistant.ui.workspace import Workspace

    settings = settings.model_copy(update={"index_dir": data / "index"})  # the corpus and its index live in --data
    drafter = Library(settings)
    with gr.Blocks(title="绩效自评报告起草助手", analytics_enabled=False) as demo:
        page = layout(drafter.writers())
        ctl = Controller(page, Workspace(data), drafter, settings.scheme)
        _wire(gr, demo, page, ctl)
    return demo


def _escaping(p: Any, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Return the handler with its status line and title shown as text: they carry file names,
    project names and error messages, which must never be read as markup."""
    def safe(out: Any) -> Any:
        if isinstance(out, dict):
            for key in (p.status, p.title):
                if isinstance(out.get(key), str):
                    out[key] = f"<div>{escape(out[key])}</div>"
        return out

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def stream(*args: Any, **kwargs: Any) -> Iterator[Any]:
            for out in fn(*args, **kwargs):
                yield safe(out)
        return stream

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        return safe(fn(*args, **kwargs))
    return call


def _wire(gr: Any, demo: Any, p: Any, ctl: Any) -> None:
    """Connect every control to its handler."""
    ctl = _Escaped(p, ctl)
    everything = [p.project, p.projects, p.status, p.title, p.problems, p.facts, p.score, p.figure_findings,
                  p.f_name, p.f_unit, p.f_year, p.f_money, p.f_initial, p.f_adjusted, p.f_allocated, p.f_spent,
                  p.f_basis, p.f_indicators, *p.boxes.values(), *p.sources.values(), p.check_box, p.check_view,
                  p.check_findings]
    demo.load(ctl.start, None, everything)
    p.projects.input(ctl.choose, p.projects, everything)
    p.upload.upload(ctl.upload, [p.upload, p.project], everything)
    form = [p.f_name, p.f_unit, p.f_year, p.f_money, p.f_initial, p.f_adjusted, p.f_allocated, p.f_spent,
            p.f_basis, p.f_indicators]
    p.f_save.click(ctl.save_form, [p.project, *form], everything)

    drafted = [*p.boxes.values(), *p.sources.values(), p.status]
    p.draft_all.click(ctl.draft, [p.project, p.writer], drafted)
    for sid, box in p.boxes.items():
        p.redraft[sid].click(functools.partial(ctl.draft, only=sid), [p.project, p.writer], drafted)
        for event in (box.input, box.blur):  # blur too: text that arrives without a keystroke (a paste)
            event(lambda name, text, sid=sid: ctl.edit(name, sid, text), [p.project, box], p.status,
                  trigger_mode="always_last", show_progress="hidden", queue=False)

    checked = [p.check_box, p.check_view, p.check_findings]
    p.tab_check.select(ctl.check_view, [p.project, p.check_section], checked, show_progress="hidden")
    p.check_section.change(ctl.check_view, [p.project, p.check_section], checked, show_progress="hidden")
    for event in (p.check_box.input, p.check_box.blur):
        event(ctl.check_edit, [p.project, p.check_section, p.check_box], [p.check_view, p.check_findings, p.status],
              trigger_mode="always_last", show_progress="hidden", queue=False)
    p.tab_draft.select(ctl.choose_quietly, p.project, [*p.boxes.values(), *p.sources.values()],
                       show_progress="hidden")
    p.review_run.click(ctl.review, [p.review_report, p.review_figures], [p.review_view, p.review_findings])
    p.bureau_run.click(ctl.review_many, p.bureau_files, [p.bureau_batch, p.bureau_table, p.bureau_summary,
                                                          p.bureau_downloads, p.bureau_view, p.bureau_findings])
    p.bureau_table.select(ctl.review_open, p.bureau_batch, [p.bureau_view, p.bureau_findings])
    p.export_run.click(ctl.export, p.project, [p.exports, p.status])
    p.q_run.click(ctl.search, [p.q, p.q_type, p.q_department, p.q_year], p.hits)
    p.q.submit(ctl.search, [p.q, p.q_type, p.q_department, p.q_year], p.hits)
    p.index_run.click(ctl.add_documents, p.documents, p.index_report)


class _Escaped:
    """The controller seen through _escaping: every handler's status and title escaped."""

    def __init__(self, p: Any, ctl: Any) -> None:
        self._p, self._ctl = p, ctl

    def __getattr__(self, name: str) -> Any:
        return _escaping(self._p, getattr(self._ctl, name))


def launch(host: str, port: int, auth: tuple[str, str] | None, data: Path, settings: Settings) -> None:
    """Serve the app until interrupted (no share link, nothing fetched from the internet)."""
    demo = build(data, settings)
    import gradio as gr

    from assistant.ui.render import CSS

    theme = gr.themes.Default(font=FONTS, font_mono=MONO)
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, auth=auth, share=False, inbrowser=False, show_error=True,
        quiet=True, ssr_mode=False, pwa=False, mcp_server=False, enable_monitoring=False,
        max_file_size="20mb", theme=theme, css=CSS, footer_links=[])
