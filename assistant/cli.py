"""The command line: a thin adapter from flags to the stages."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="项目支出绩效自评报告起草与核对助手")


def main() -> None:
    """Run the command line."""
    app()
