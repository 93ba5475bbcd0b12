"""Converting between figures files and 自评表 workbooks: what was read from a table, as YAML, and back.

`assistant convert 表.xlsx -o figures.yaml` shows exactly what the drafter will use; a workbook with
several projects becomes one YAML file each; figures files become one workbook with a sheet each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.figures import Figures, FiguresError
from assistant.sources import WORKBOOK_SUFFIXES, load_figures, safe_stem
from assistant.xlsx import read_workbook
from assistant.xlsx_write import write_figures_workbook


@dataclass
class Converted:
    """The projects read from the inputs, the problems of those that could not be, and the notes."""

    projects: list[tuple[str, Figures]] = field(default_factory=list)  # (name for a file, figures)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_inputs(paths: list[Path]) -> Converted:
    """Return every project of the named figures files and workbooks; a bad one becomes an error, not an exception."""
    out = Converted()
    for path in paths:
        try:
            if path.suffix.lower() in WORKBOOK_SUFFIXES:
                for project in read_workbook(path):
                    out.notes += [f"{project.label}：{note}" for note in project.notes]
                    if project.error:
                        out.errors.append(str(project.error))
                    else:
                        assert project.figures is not None
                        stem = path.stem if len(paths) == 1 and project.label == path.name else project.name
                        out.projects.append((stem, project.figures))
            else:
                out.projects.append((path.stem, load_figures(path)))
        except FiguresError as exc:
            out.errors.append(str(exc))
    return out


def write_outputs(converted: Converted, out: Path | None, echo: Callable[[str], None]) -> list[Path]:
    """Write the projects read: YAML to echo (no out), one .yaml/.json/.xlsx file, or a folder of YAML files."""
    projects = converted.projects
    if out is None:
        echo("\n---\n".join(figures_yaml(fig) for _, fig in projects))
        return []
    suffix = out.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        write_figures_workbook([fig for _, fig in projects], out)
        return [out]
    if suffix in (".yaml", ".yml", ".json"):
        if len(projects) != 1:
            raise ValueError(f"读到 {len(projects)} 个项目，无法写入一个文件；"
                             "请用 -o 指定一个文件夹，每个项目写一个文件")
        out.write_text(_dump(projects[0][1], suffix), encoding="utf-8")
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written, taken = [], set()
    for stem, fig in projects:
        name, n = safe_stem(stem), 1
        while name in taken:
            n += 1
            name = f"{safe_stem(stem)}-{n}"
        taken.add(name)
        written.append(out / f"{name}.yaml")
        written[-1].write_text(figures_yaml(fig), encoding="utf-8")
    return written


def _dump(fig: Figures, suffix: str) -> str:
    if suffix == ".json":
        import json

        return json.dumps(figures_data(fig), ensure_ascii=False, indent=2) + "\n"
    return figures_yaml(fig)


def figures_yaml(fig: Figures) -> str:
    """Return the figures as a figures file (FORMAT.md §1) in YAML, empty fields left out."""
    return yaml.safe_dump(figures_data(fig), allow_unicode=True, sort_keys=False, width=1000)


def figures_data(fig: Figures) -> dict[str, Any]:
    """Return the figures as plain data, without empty fields and without the ids the loader generates itself."""
    data = _prune(fig.model_dump(mode="json"))
    for n, ind in enumerate(data.get("indicators", [])):
        if ind.get("id") == f"i{n + 1}":
            del ind["id"]
    return data


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 189, not the 189.0 of a float field
    return value
