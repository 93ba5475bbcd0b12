"""The page's layout: tabs 录入 / 起草 / 核对 / 导出 and the components the controller fills."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from assistant.ui import render
from assistant.ui.service import WRITTEN

# The indicator table of the form: figures-file key and column heading.
FORM_COLUMNS = (("id", "编号"), ("level1", "一级指标"), ("level2", "二级指标"), ("name", "指标名称"),
                ("target", "年度指标值"), ("actual", "实际完成值"), ("weight", "分值"),
                ("deviation_reason", "偏差原因"))
BASES = [("全年预算数", "budget_adjusted"), ("年初预算数", "budget_initial"), ("实际到位资金", "allocated")]
WRITER_LABELS = {"template": "模板（离线）", "openai": "对话模型"}


@dataclass
class Page:
    """Every component the controller reads or writes, by role."""

    c: dict[str, Any] = field(default_factory=dict)
    boxes: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Any] = field(default_factory=dict)
    redraft: dict[str, Any] = field(default_factory=dict)
    check_section_default: str = WRITTEN[0].id

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["c"][name]
        except KeyError:
            raise AttributeError(name) from None

    def add(self, name: str, component: Any) -> Any:
        self.c[name] = component
        return component


def layout(writers: list[str]) -> Page:
    """Create the components inside the current Blocks and return them."""
    p = Page()
    p.add("project", gr.State(None))
    with gr.Row(equal_height=True):
        p.add("title", gr.HTML("尚未载入项目数据", elem_id="title"))
        p.add("projects", gr.Dropdown(label="项目", choices=[], scale=0, min_width=260, elem_id="projects"))
    p.add("status", gr.HTML("", elem_id="status"))
    with gr.Tabs() as tabs:
        p.add("tabs", tabs)
        with gr.Tab("录入", id="figures") as tab:
            p.add("tab_figures", tab)
            _figures_tab(p)
        with gr.Tab("起草", id="draft") as tab:
            p.add("tab_draft", tab)
            _draft_tab(p, writers)
        with gr.Tab("核对", id="check") as tab:
            p.add("tab_check", tab)
            _check_tab(p)
        with gr.Tab("导出", id="export") as tab:
            p.add("tab_export", tab)
            _export_tab(p)
        with gr.Tab("语料库", id="corpus") as tab:
            p.add("tab_corpus", tab)
            _corpus_tab(p)
    return p


def _figures_tab(p: Page) -> None:
    with gr.Row():
        with gr.Column(scale=2):
            p.add("upload", gr.File(label="上传项目数据（YAML / JSON）", file_types=[".yaml", ".yml", ".json"],
                                    type="filepath", elem_id="upload"))
            p.add("problems", gr.HTML(elem_id="problems"))
            with gr.Accordion("或在此填写项目数据", open=False):
                with gr.Row():
                    p.add("f_name", gr.Textbox(label="项目名称"))
                    p.add("f_unit", gr.Textbox(label="评价单位"))
                    p.add("f_year", gr.Number(label="年度", precision=0))
                with gr.Row():
                    p.add("f_money", gr.Dropdown(["万元", "元", "亿元"], value="万元", label="金额单位"))
                    p.add("f_basis", gr.Dropdown(BASES, value="budget_adjusted", label="执行率口径"))
                with gr.Row():
                    p.add("f_initial", gr.Number(label="年初预算数"))
                    p.add("f_adjusted", gr.Number(label="全年预算数（调整后）"))
                    p.add("f_allocated", gr.Number(label="实际到位资金"))
                    p.add("f_spent", gr.Number(label="全年执行数"))
                p.add("f_indicators", gr.Dataframe(headers=[h for _, h in FORM_COLUMNS], datatype="str",
                                                   column_count=len(FORM_COLUMNS), row_count=3, interactive=True,
                                                   label="绩效指标"))
                p.add("f_save", gr.Button("保存并载入", variant="primary"))
        with gr.Column(scale=3):
            with gr.Accordion("评分表", open=True):
                p.add("score", gr.HTML(elem_id="score"))
            with gr.Accordion("诊断发现", open=True):
                p.add("figure_findings", gr.HTML(elem_id="figure-findings"))
            with gr.Accordion("事实表", open=False):
                p.add("facts", gr.HTML(elem_id="facts"))


def _draft_tab(p: Page, writers: list[str]) -> None:
    with gr.Row():
        p.add("writer", gr.Radio([(WRITER_LABELS[w], w) for w in writers], value=writers[0], label="起草方式",
                                 elem_id="writer"))
        p.add("draft_all", gr.Button("起草全文", variant="primary", elem_id="draft-all", scale=0, min_width=160))
    for spec in WRITTEN:
        with gr.Row(elem_classes="section-row"):
            with gr.Column(scale=3):
                p.boxes[spec.id] = gr.Textbox(label=spec.title, lines=3, max_lines=40,
                                              elem_id=f"box-{spec.id.replace('.', '-')}")
                p.redraft[spec.id] = gr.Button("重新起草", size="sm", elem_id=f"redraft-{spec.id.replace('.', '-')}")
            with gr.Column(scale=2):
                p.sources[spec.id] = gr.HTML(elem_id=f"src-{spec.id.replace('.', '-')}")


def _check_tab(p: Page) -> None:
    with gr.Row():
        with gr.Column(scale=2):
            p.add("check_section", gr.Dropdown([(s.title, s.id) for s in WRITTEN], value=p.check_section_default,
                                               label="编辑章节", elem_id="check-section"))
            p.add("check_box", gr.Textbox(label="章节文字（边输入边核对）", lines=10, max_lines=24,
                                          elem_id="check-box"))
            p.add("check_findings", gr.HTML(elem_id="check-findings"))
        with gr.Column(scale=3):
            gr.HTML(render.legend())
            p.add("check_view", gr.HTML(elem_id="check-view"))
    with gr.Accordion("审阅任意报告：上传报告和项目数据", open=False):
        with gr.Row():
            p.add("review_report", gr.File(label="报告（.md / .txt / .docx）", file_types=[".md", ".txt", ".docx"],
                                           type="filepath", elem_id="review-report"))
            p.add("review_figures", gr.File(label="项目数据（YAML / JSON）", file_types=[".yaml", ".yml", ".json"],
                                            type="filepath", elem_id="review-figures"))
        p.add("review_run", gr.Button("核对", variant="primary", elem_id="review-run"))
        with gr.Row():
            p.add("review_findings", gr.HTML(elem_id="review-findings"))
            p.add("review_view", gr.HTML(elem_id="review-view"))
    with gr.Accordion("审阅一批报告：Word / PDF 报告或 Excel 自评表，可多选", open=False, elem_id="bureau"):
        p.add("bureau_batch", gr.State(None))
        with gr.Row():
            p.add("bureau_files", gr.File(label="报告（.docx / .pdf / .xlsx，可多选）", file_count="multiple",
                                          file_types=[".docx", ".pdf", ".xlsx"], type="filepath",
                                          elem_id="bureau-files", scale=3))
            p.add("bureau_downloads", gr.File(label="审阅汇总表和逐份批注的 Word 文件", file_count="multiple",
                                              interactive=False, elem_id="bureau-downloads", scale=2))
        p.add("bureau_run", gr.Button("审阅全部", variant="primary", elem_id="bureau-run"))
        p.add("bureau_summary", gr.HTML(elem_id="bureau-summary"))
        p.add("bureau_table", gr.Dataframe(headers=list(render.REVIEW_HEAD), datatype="str", interactive=False,
                                           wrap=True, elem_id="bureau-table", label="审阅结果（点击一行查看该报告）",
                                           column_widths=["13%", "11%", "13%", "5%", "8%", "7%", "6%", "4%", "4%",
                                                          "29%"]))
        with gr.Row():
            p.add("bureau_findings", gr.HTML(elem_id="bureau-findings"))
            p.add("bureau_view", gr.HTML(elem_id="bureau-view"))


def _export_tab(p: Page) -> None:
    gr.Markdown("导出当前编辑后的文字：Word（含自评表）、Markdown，以及带出处（每句对应的事实）的 JSON。")
    p.add("export_run", gr.Button("导出", variant="primary", elem_id="export-run"))
    p.add("exports", gr.File(label="导出的文件", file_count="multiple", interactive=False, elem_id="exports"))


def _corpus_tab(p: Page) -> None:
    with gr.Row():
        p.add("q", gr.Textbox(label="检索内容", placeholder="如：执行率偏低的原因怎么写", scale=3, elem_id="q"))
        p.add("q_type", gr.Dropdown([("全部", ""), ("往年报告", "report"), ("政策文件", "policy")], value="",
                                    label="类型", scale=1))
        p.add("q_department", gr.Textbox(label="主管部门", scale=1))
        p.add("q_year", gr.Number(value=None, label="年度", precision=0, scale=1))
    p.add("q_run", gr.Button("检索", variant="primary", elem_id="q-run"))
    p.add("hits", gr.HTML(elem_id="hits"))
    with gr.Accordion("加入文档（.md / .txt / .docx / .pdf，每个不超过 20 MB）", open=False):
        p.add("documents", gr.File(file_count="multiple", file_types=[".md", ".txt", ".docx", ".pdf"],
                                   type="filepath", label="文档", elem_id="documents"))
        p.add("index_run", gr.Button("加入语料库并更新索引", elem_id="index-run"))
        p.add("index_report", gr.HTML(elem_id="index-report"))
