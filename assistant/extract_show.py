"""What `assistant extract` and `assistant check REPORT` (without --figures) show and write: the values
read with where each stands, what could not be read, the figures file, and the same as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from assistant.convert import figures_data, figures_yaml
from assistant.extract import Extraction
from assistant.files import os_error_text, write_text_atomic
from assistant.validation import terminal_safe


def show_extraction(extraction: Extraction, console: Console) -> None:
    """Print what was read (what, where, value), the interpretations, and what could not be read."""
    table = Table(title=f"从报告中读到 {len(extraction.readings)} 项")
    for col in ("内容", "位置", "读到的值"):
        table.add_column(col)
    for r in extraction.readings:
        table.add_row(*(Text(terminal_safe(c)) for c in (r.what, r.where, _short(r.value))))
    for s in extraction.stated:
        table.add_row(*(Text(terminal_safe(c)) for c in (s.what, s.where, f"{s.value:g}")))
    if extraction.readings or extraction.stated:
        console.print(table)
    for note in extraction.notes:
        console.print(f"说明：{note}", markup=False)
    if extraction.unread:
        console.print(f"未能读取 {len(extraction.unread)} 项：", markup=False)
        for line in extraction.unread:
            console.print(f"  - {terminal_safe(line)}", markup=False)


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:58] + "……"


def extraction_json(extraction: Extraction) -> dict[str, Any]:
    """Return the extraction as JSON data: figures (or null), readings, stated scores, notes, unread."""
    return {
        "source": extraction.source,
        "figures": figures_data(extraction.figures) if extraction.figures else None,
        "readings": [{"what": r.what, "where": r.where, "value": r.value, "path": r.path}
                     for r in extraction.readings],
        "stated": [{"what": s.what, "where": s.where, "value": s.value, "kind": s.kind,
                    "indicator": s.indicator} for s in extraction.stated],
        "notes": list(extraction.notes),
        "unread": list(extraction.unread),
    }


def unusable_message(extraction: Extraction) -> str:
    """Return the one message for a report whose table gives no usable figures: every reason, listed."""
    lines = [f"{extraction.source}：未能从报告中读出项目数据，未写出任何文件："]
    lines += [f"  - {line}" for line in extraction.unread]
    return "\n".join(lines)


def write_figures(extraction: Extraction, out: Path) -> None:
    """Write the extracted figures as a figures file (.yaml/.yml, or .json); raise ValueError in Chinese
    when the place cannot take it."""
    import json

    assert extraction.figures is not None
    suffix = out.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise ValueError(f"输出文件「{out}」应为 .yaml、.yml 或 .json")
    text = (json.dumps(figures_data(extraction.figures), ensure_ascii=False, indent=2) + "\n" if suffix == ".json"
            else figures_yaml(extraction.figures))
    if out.is_dir():
        raise ValueError(f"输出位置「{out}」是一个文件夹；请用 -o 指定文件名（如 figures.yaml）")
    try:
        write_text_atomic(out, text)
    except OSError as exc:
        raise ValueError(f"无法写入「{out}」：{os_error_text(exc)}") from None
