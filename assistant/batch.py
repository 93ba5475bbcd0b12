"""Drafting files: one or many figures files to Markdown, Word, JSON and a check report each."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from assistant.check import check_report
from assistant.draft import draft_report
from assistant.figures import FiguresError, read_figures
from assistant.findings import Finding
from assistant.report import Report, to_json, to_markdown
from assistant.scoring import Scheme
from assistant.word import write_docx


@dataclass(frozen=True)
class DraftResult:
    """What became of one figures file: the files written, or the error that stopped it."""

    source: Path
    outputs: tuple[Path, ...] = ()
    error: str = ""
    findings: tuple[Finding, ...] = ()


def draft_files(files: list[Path], out_dir: Path, scheme: Scheme, console: Console) -> list[DraftResult]:
    """Draft every file into out_dir; a bad file is reported and skipped, the others still drafted."""
    results = []
    for path in files:
        result = draft_file(path, out_dir, scheme)
        results.append(result)
        if result.error:
            console.print(result.error, style="red", markup=False, highlight=False)
        else:
            console.print(f"已生成：{'、'.join(str(p) for p in result.outputs)}", markup=False, highlight=False)
    return results


def draft_file(path: Path, out_dir: Path, scheme: Scheme) -> DraftResult:
    """Return the result of drafting one figures file; nothing is written when it cannot be read."""
    try:
        fig = read_figures(path)
    except FiguresError as exc:
        return DraftResult(path, error=str(exc))
    report = draft_report(fig, scheme)
    name = path.stem
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = (out_dir / f"{name}.md", out_dir / f"{name}.docx", out_dir / f"{name}.json",
               out_dir / f"{name}.check.json")
    _atomic(outputs[0], lambda p: p.write_text(to_markdown(report), encoding="utf-8"))
    _atomic(outputs[1], lambda p: write_docx(report, p))
    _atomic(outputs[2], lambda p: p.write_text(to_json(report), encoding="utf-8"))
    _atomic(outputs[3], lambda p: p.write_text(check_json(report), encoding="utf-8"))
    return DraftResult(path, outputs, findings=report.findings)


def check_json(report: Report) -> str:
    """Return the check result of a drafted report's Markdown (FORMAT.md §3)."""
    result = check_report(to_markdown(report), report.facts)
    return json.dumps(result.to_json(), ensure_ascii=False, indent=2)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, so a crash never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
