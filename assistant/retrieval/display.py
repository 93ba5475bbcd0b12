"""What the index and search commands print: the index run's summary and the hits of a search."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from assistant.validation import terminal_safe

from .hybrid import Passage
from .index import IndexReport


def print_report(report: IndexReport, out: Console, err: Console) -> None:
    """Print an index run: files by fate, chunks, skipped files and notices."""
    out.print(
        f"索引完成：文件 {report.files} 个（新增 {report.added}，更新 {report.updated}，"
        f"未变 {report.unchanged}，删除 {report.removed}），片段 {report.chunks} 个"
        f"（新计算向量 {report.embedded} 个），跳过 {len(report.skipped)} 个，"
        f"用时 {report.seconds:.1f} 秒。",
        soft_wrap=True,
    )
    for name, reason in report.skipped:
        out.print(Text(terminal_safe(f"跳过 {name}：{reason}"), style="yellow"))
    for notice in report.notices:
        err.print(Text(f"提示：{notice}", style="yellow"))


def print_hits(hits: list[Passage], out: Console) -> None:
    """Print each hit: rank, document, section, score, then its text."""
    if not hits:
        out.print("没有找到相关段落。")
    for rank, hit in enumerate(hits, start=1):
        head = Text(f"{rank}. ", style="bold")
        head.append(hit.doc, style="bold cyan")
        head.append(f"  ·  {hit.section or '（正文开头）'}  ·  得分 {hit.score:.3f}")
        out.print(head, soft_wrap=True)
        out.print(Text(hit.text), soft_wrap=True)
        out.print()
