"""What the command adapters share: the plain-Chinese exit with status 2, the settings and scheme they
run with, the figures files a command names, and the output folder it writes into."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

SchemeOpt = Annotated[str | None, typer.Option("--scheme", help="评分方案：national（默认）、sichuan、exec20")]


def fail(message: str) -> None:
    """Print a plain-Chinese message on stderr and exit with status 2 (input could not be used)."""
    from assistant.validation import terminal_safe

    typer.echo(terminal_safe(message), err=True)
    raise typer.Exit(2)


def settings_from(**flags: object):  # type: ignore[no-untyped-def]
    """Return the settings from these flags, then the environment, then assistant.toml; exit 2 on a bad one."""
    from assistant.settings import Settings, SettingsError

    try:
        return Settings.load(flags)
    except SettingsError as exc:
        fail(str(exc))


def scheme_named(name: str):  # type: ignore[no-untyped-def]
    """Return the scoring scheme of this name; exit 2 when there is none."""
    from assistant.scoring import load_scheme

    try:
        return load_scheme(name)
    except KeyError as exc:
        fail(str(exc.args[0]))


def figure_files(paths: list[Path]) -> list[Path]:
    """Return the figures files named, a folder standing for the files (and workbooks) in it."""
    from assistant.sources import FIGURES_SUFFIXES

    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            # Not Excel's and LibreOffice's lock files, nor the summaries draft writes beside its outputs.
            out += sorted(p for p in path.iterdir() if p.suffix.lower() in FIGURES_SUFFIXES
                          and not p.name.startswith(("~$", ".~lock")) and not p.stem.endswith("-汇总"))
        else:
            out.append(path)
    return out


def output_folder(out: Path) -> None:
    """Create the output folder, or exit 2 saying in Chinese why it cannot be one."""
    from assistant.files import os_error_text

    if out.exists() and not out.is_dir():
        fail(f"输出位置「{out}」是一个文件，不是文件夹；请用 -o 指定文件夹")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"无法创建输出文件夹「{out}」：{os_error_text(exc)}")
    if not os.access(out, os.W_OK | os.X_OK):
        fail(f"无法写入输出文件夹「{out}」：没有权限")
