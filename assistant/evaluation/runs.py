"""Drafts made elsewhere (`assistant eval --runs DIR`): a folder of NAME.md/.docx/.txt drafts (an
`assistant draft` output folder among them, whose NAME.json records how each section was written), or
a run folder (`draft --run-dir`: NAME/sections/<id>/section.json), matched to the cases by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import Draft, attempt_tokens, chat_metrics
from assistant.evaluation.results import ChatMetrics
from assistant.report_text import ReportReadError, read_report_text
from assistant.sections import SECTIONS

SUFFIXES = (".md", ".docx", ".txt")
RECORDED = ("lessons.problems", "improvements")  # sections whose finding codes the checklist reads


class DraftMissing(ValueError):
    """No draft of a case in a folder, or one that cannot be read; the message is in Chinese."""


def read_draft(folder: Path, name: str) -> Draft:
    """Return the draft of case `name` in a folder; raise DraftMissing when there is none or it cannot be read."""
    for suffix in SUFFIXES:
        path = folder / f"{name}{suffix}"
        if path.is_file():
            try:
                text = read_report_text(path)
            except ReportReadError as exc:
                raise DraftMissing(str(exc)) from None
            record = _record(folder / f"{name}.json")
            return Draft(text, 0.0, *_from_sections(record.get("sections", []))) if record else Draft(text)
    records = sorted((folder / name / "sections").glob("*/section.json"))
    if records:
        return _from_run_folder(folder / name, records)
    raise DraftMissing(f"{folder} 中没有 {name} 的稿件（{name}.md、.docx、.txt 或运行记录 {name}/sections/）")


def _record(path: Path) -> dict[str, Any]:
    """Return a draft's JSON record (NAME.json written by `assistant draft`), or {} when there is none."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("sections"), list) else {}


def _from_sections(sections: list[dict[str, Any]]) -> tuple[tuple[str, ...], ChatMetrics | None]:
    """Return the finding codes of 存在的问题/改进意见 and, when a model wrote any section, the chat record."""
    codes = tuple(c for s in sections if s.get("id") in RECORDED for c in s.get("findings", []))
    settled = [s for s in sections if "attempts" in s]
    if not settled:
        return codes, None
    return codes, chat_metrics([(s.get("writer", ""), bool(s.get("repaired")), bool(s.get("fallback")),
                                 *_tokens(s.get("attempts", []))) for s in settled])


def _tokens(attempts: list[dict[str, Any]]) -> tuple[int, int]:
    return attempt_tokens([(a.get("usage") or {}, a.get("prompt_tokens", 0), a.get("reply_tokens", 0))
                           for a in attempts])


def _seconds(path: Path) -> float:
    """Return the drafting time a run folder's run.json records, or 0 when it records none."""
    try:
        data = json.loads(path.read_text("utf-8"))
        return float(data.get("seconds", 0.0)) if isinstance(data, dict) else 0.0
    except (OSError, ValueError, TypeError):
        return 0.0


def _from_run_folder(folder: Path, records: list[Path]) -> Draft:
    """Return a draft assembled from a run folder's section records, in the outline's order."""
    by_id = {}
    for path in records:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise DraftMissing(f"{path}：无法读取（{exc}）") from None
        by_id[data.get("id", path.parent.name)] = data
    lines = []
    for spec in SECTIONS:
        lines += [f"{'#' * (spec.level + 1)} {spec.title}", ""]
        if spec.id in by_id:
            lines += [by_id[spec.id].get("text", ""), ""]
    seconds = _seconds(folder / "run.json")
    codes, chat = _from_sections([d for d in by_id.values()])
    return Draft("\n".join(lines), seconds, codes, chat)
