"""The projects a batch drafts: one per figures file, one per project of a workbook.

A workbook is read once, before drafting starts; each of its projects carries its figures, or the
error naming its bad cells, so one bad project is reported and the others are drafted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.figures import Figures, FiguresError, read_figures
from assistant.xlsx import read_workbook, read_xlsx_figures

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
FIGURES_SUFFIXES = (".yaml", ".yml", ".json", *WORKBOOK_SUFFIXES)


def load_figures(path: Path) -> Figures:
    """Return the figures of a YAML or JSON file or of a one-project workbook; raise FiguresError
    listing all problems."""
    if path.suffix.lower() in (*WORKBOOK_SUFFIXES, ".xls"):
        return read_xlsx_figures(path)
    return read_figures(path)


@dataclass(frozen=True)
class Source:
    """One project to draft: the file it comes from, the stem of its outputs, and how to read its figures."""

    path: Path  # the file read; outputs newer than it are up to date
    stem: str  # output names: STEM.md, STEM.docx …
    label: str  # shown in messages and summaries: the file name, or 表.xlsx［Sheet2］
    load: Callable[[], Figures]
    workbook: Path | None = None  # the workbook the project belongs to, for its summary
    name: str = ""  # the project's name when known before its figures are loaded


def sources_of(files: list[Path]) -> list[Source]:
    """Return the projects of the named files; two projects of one workbook with one name get -2, -3 …"""
    out: list[Source] = []
    for path in files:
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            out += _unique(_workbook_sources(path))
        else:
            out.append(Source(path, path.stem, path.name, lambda p=path: read_figures(p)))
    return out


def _unique(sources: list[Source]) -> list[Source]:
    taken: set[str] = set()
    unique = []
    for src in sources:
        stem, n = src.stem, 1
        while stem.lower() in taken:
            n += 1
            stem = f"{src.stem}-{n}"
        taken.add(stem.lower())
        unique.append(src if stem == src.stem else Source(src.path, stem, src.label, src.load, src.workbook, src.name))
    return unique


def _workbook_sources(path: Path) -> list[Source]:
    try:
        projects = read_workbook(path)
    except FiguresError as exc:
        return [Source(path, path.stem, path.name, _raiser(exc), path)]
    if len(projects) == 1:
        p = projects[0]
        return [Source(path, path.stem, p.label, _loader(p.figures, p.error), path, p.name)]
    return [Source(path, safe_stem(p.name), p.label, _loader(p.figures, p.error), path, p.name) for p in projects]


def safe_stem(name: str) -> str:
    """Return a project name usable as a file name on every system (no / \\ : * ? " < > |, at most 80 characters)."""
    stem = re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("._") or "项目"
    return stem[:80]


def _loader(figures: Figures | None, error: FiguresError | None) -> Callable[[], Figures]:
    if error is not None:
        return _raiser(error)
    assert figures is not None
    return lambda: figures


def _raiser(error: FiguresError) -> Callable[[], Figures]:
    def load() -> Figures:
        raise error

    return load
