"""The workbook commands `convert` and `template`: thin adapters from flags to the table stages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli_common import fail


def register(app: typer.Typer) -> None:
    """Add the convert and template commands to app."""
    app.command()(convert)
    app.command()(template)


def convert(
    inputs: Annotated[list[Path], typer.Argument(help="自评表工作簿（.xlsx）或项目数据文件（YAML/JSON）")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help=(
        "输出：.yaml/.json 文件、文件夹（每个项目一个 YAML）或 .xlsx 工作簿；省略时把 YAML 打印出来"))] = None,
) -> None:
    """转换自评表与项目数据文件，显示从表格中读到的内容；有项目无法读取时退出码为 2。"""
    from assistant.convert import read_inputs, write_outputs

    converted = read_inputs(inputs)
    for note in converted.notes:
        typer.echo(f"说明：{note}", err=True)
    for error in converted.errors:
        typer.echo(error, err=True)
    if converted.projects:
        try:
            written = write_outputs(converted, out, typer.echo)
        except (ValueError, OSError) as exc:
            fail(str(exc))
        for path in written:
            typer.echo(f"已写出：{path}", err=True)
    if converted.errors or not converted.projects:
        raise typer.Exit(2)


def template(
    kind: Annotated[str, typer.Argument(help="模板类型：xlsx（自评表工作簿）")] = "xlsx",
    out: Annotated[Path, typer.Option("-o", "--out", help="输出文件")] = Path("自评表模板.xlsx"),
    force: Annotated[bool, typer.Option("--force", help="文件已存在时覆盖")] = False,
) -> None:
    """写出空白自评表模板：表头、指标级别和指标性质的下拉选项、一行示例。"""
    from assistant.xlsx_write import write_template

    if kind != "xlsx":
        fail(f"未知的模板类型「{kind}」（可选：xlsx）")
    if out.exists() and not force:
        fail(f"{out} 已存在；加 --force 覆盖")
    write_template(out)
    typer.echo(f"已写出：{out}", err=True)
