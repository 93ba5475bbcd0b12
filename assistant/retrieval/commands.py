"""The `index` and `search` commands: thin adapters from flags to the retrieval stage."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..settings import Settings, SettingsError
from .chunking import SECTION_KINDS

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the index and search commands to app."""
    app.command("index", help="建立或更新检索索引：只处理新增、修改和删除的文件。")(index_command)
    app.command("search", help="在索引中检索往年报告和政策文件（关键词与向量混合）。")(search_command)


def _settings(overrides: dict[str, Any]) -> Settings:
    try:
        return Settings.load(overrides)
    except SettingsError as exc:
        err.print(Text(str(exc), style="red"))
        raise typer.Exit(2) from None


def index_command(
    corpus_dir: Annotated[Path, typer.Argument(help="语料文件夹（.md .txt .docx .pdf）")],
    index: Annotated[Path | None, typer.Option("--index", help="索引文件夹（默认 .index）")] = None,
) -> None:
    """Build or update the retrieval index from a corpus folder."""
    # The stage loads when its command runs, so other commands never load numpy, jieba or chromadb.
    from .display import print_report
    from .index import IndexBusy, update_index
    from .manifest import IndexUnusable

    settings = _settings({"index_dir": index})
    if not corpus_dir.is_dir():
        err.print(Text(f"找不到语料文件夹：{corpus_dir}", style="red"))
        raise typer.Exit(2)
    try:
        with _progress() as progress:
            report = update_index(corpus_dir, settings, progress=progress)
    except (IndexBusy, IndexUnusable) as exc:
        err.print(Text(str(exc), style="red"))
        raise typer.Exit(2) from None
    print_report(report, out, err)


@contextmanager
def _progress() -> Iterator[Any]:
    bars = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    with bars:
        yield update


def search_command(
    query: Annotated[str, typer.Argument(help="检索内容，如：预算执行率偏低的原因")],
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=100, help="返回条数")] = 5,
    type_: Annotated[str | None, typer.Option("--type", help="文件类型：report 或 policy")] = None,
    department: Annotated[str | None, typer.Option("--department", help="主管部门")] = None,
    year: Annotated[int | None, typer.Option("--year", help="年度")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="章节类别：" + "、".join(SECTION_KINDS))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    index: Annotated[Path | None, typer.Option("--index", help="索引文件夹（默认 .index）")] = None,
) -> None:
    """Search the index and print each hit's document, section, score and text."""
    from .display import print_hits
    from .hybrid import Filters, open_index
    from .manifest import IndexCorrupt, IndexMissing, IndexUnusable

    if kind is not None and kind not in SECTION_KINDS:
        err.print(Text(f"未知的章节类别：{kind}（可选：{'、'.join(SECTION_KINDS)}）", style="red"))
        raise typer.Exit(2)
    settings = _settings({"index_dir": index})
    try:
        retriever = open_index(settings)
    except (IndexCorrupt, IndexUnusable) as exc:  # an index that is there but cannot be used: bad input
        err.print(Text(str(exc), style="red"))
        raise typer.Exit(2) from None
    except IndexMissing as exc:
        err.print(Text(str(exc), style="red"))
        raise typer.Exit(1) from None
    filters = Filters(type=type_, department=department, year=year, kind=kind)
    with retriever:
        hits = retriever.search(query, k=k, filters=filters)
        mode, notices = retriever.mode, list(retriever.notices)
    if as_json:
        payload = {
            "query": query,
            "mode": mode,
            "notices": notices,
            "results": [{"rank": i, **asdict(hit)} for i, hit in enumerate(hits, start=1)],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, allow_nan=False, indent=2))
        return
    for notice in notices:
        err.print(Text(f"提示：{notice}", style="yellow"))
    print_hits(hits, out)
