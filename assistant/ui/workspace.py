"""The app's data folder: one folder per project, its figures, the current text of each section and
every earlier version. Nothing here imports the web framework, so it is tested on its own."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.files import write_text_atomic

FIGURE_SUFFIXES = (".yaml", ".yml", ".json")
REPORT_SUFFIXES = (".md", ".txt", ".docx")
CORPUS_SUFFIXES = (".md", ".txt", ".docx", ".pdf")
BATCH_SUFFIXES = (".docx", ".pdf", ".xlsx")  # what a reviewer reviews in bulk (assistant.bureau)
MAX_UPLOAD = 20 * 1024 * 1024  # a figures file or a report is a few kilobytes; anything this big is a mistake
EDIT = "编辑"
COALESCE_SECONDS = 60
_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff.\-]+")


class UploadRejected(ValueError):
    """An uploaded file of a type or size the app does not take; the message is in Chinese."""


def safe_name(name: str, default: str = "file") -> str:
    """Return a file name that stays where it is put: the last path component only, no leading dots,
    only letters, digits, CJK, '.', '-' and '_' (../../x.yaml → x.yaml)."""
    base = re.split(r"[\\/]", name)[-1]
    base = _UNSAFE.sub("_", base).lstrip(".") or default
    return base[:120]


def _inside(root: Path, path: Path) -> Path:
    """Return path resolved, after making sure it lies inside root (a second line of defence)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise UploadRejected(f"文件名「{path.name}」不安全，已拒绝")
    return resolved


@dataclass(frozen=True)
class Workspace:
    """The --data folder: projects/<name>/ and the app's own state."""

    root: Path

    def __post_init__(self) -> None:
        (self.root / "projects").mkdir(parents=True, exist_ok=True)

    def projects(self) -> list[str]:
        """Return the project names, most recently changed first."""
        folders = [p for p in (self.root / "projects").iterdir() if (p / "figures").is_dir()]
        return [p.name for p in sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True)]

    def project(self, name: str) -> Project:
        """Return the project of this name (its folder is created on first use)."""
        return Project(_inside(self.root, self.root / "projects" / safe_name(name, "project")))

    def add_figures(self, source: Path, original_name: str) -> Project:
        """Copy an uploaded figures file into a project named after it and return the project.

        The file keeps a safe form of its name; whatever the name says, it lands inside the data folder.
        """
        name = safe_name(original_name, "figures.yaml")
        stem, suffix = os.path.splitext(name)
        if suffix.lower() not in FIGURE_SUFFIXES:
            raise UploadRejected(f"「{name}」不是项目数据文件：请上传 .yaml、.yml 或 .json")
        _check_size(source, name)
        project = self.project(stem or "project")
        target = _inside(self.root, project.folder / "figures" / name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        project.set_figures(target.name)
        return project

    def add_report(self, source: Path, original_name: str) -> Path:
        """Copy a report a reviewer uploads into reviews/ and return where it is."""
        name = safe_name(original_name, "report.md")
        if os.path.splitext(name)[1].lower() not in REPORT_SUFFIXES:
            raise UploadRejected(f"「{name}」不是报告文件：请上传 .md、.txt 或 .docx")
        _check_size(source, name)
        target = _inside(self.root, self.root / "reviews" / f"{time.strftime('%Y%m%d-%H%M%S')}-{name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target

    def batch(self, name: str) -> Path:
        """Return the folder of a batch of reports reviewed together (inside reviews/, whatever the name says)."""
        return _inside(self.root, self.root / "reviews" / safe_name(name, "batch"))

    def add_batch(self, files: list[tuple[Path, str]]) -> tuple[Path, list[Path], list[tuple[str, str]]]:
        """Copy reports a reviewer uploads at once into a new reviews/批量-TIME/ folder; return the folder,
        the files saved (safe names, made distinct) and (name, why) for each file refused."""
        folder = self.batch(f"批量-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6:06d}")
        folder.mkdir(parents=True)
        saved: list[Path] = []
        refused: list[tuple[str, str]] = []
        for source, original in files:
            name = safe_name(original, "report.docx")
            stem, suffix = os.path.splitext(name)
            if suffix.lower() not in BATCH_SUFFIXES:
                refused.append((name, "不是报告文件：请上传 .docx、.pdf 或 .xlsx"))
                continue
            try:
                _check_size(source, name)
            except UploadRejected as exc:
                refused.append((name, str(exc)))
                continue
            target, n = folder / name, 1
            while target.exists():
                n += 1
                target = folder / f"{stem}-{n}{suffix}"
            shutil.copyfile(source, _inside(self.root, target))
            saved.append(target)
        return folder, saved, refused

    @property
    def corpus(self) -> Path:
        """Return the folder of the app's corpus (past reports and policy digests); its index is index/."""
        return self.root / "corpus"

    def add_document(self, source: Path, original_name: str) -> Path:
        """Copy an uploaded document into the corpus under a safe name and return where it is."""
        name = safe_name(original_name, "document.md")
        if os.path.splitext(name)[1].lower() not in CORPUS_SUFFIXES:
            raise UploadRejected(f"「{name}」的类型不能加入语料库：请上传 .md、.txt、.docx 或 .pdf")
        _check_size(source, name)
        target = _inside(self.root, self.corpus / name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target

    @property
    def last(self) -> str | None:
        """Return the project opened last (restored when the page is reloaded or the app restarted)."""
        state = _read_json(self.root / "state.json", {})
        name = state.get("project")
        return name if name in self.projects() else (self.projects() or [None])[0]

    def remember(self, name: str) -> None:
        """Record the project now open."""
        write_text_atomic(self.root / "state.json", json.dumps({"project": name}, ensure_ascii=False))


def _check_size(source: Path, name: str) -> None:
    if source.stat().st_size > MAX_UPLOAD:
        raise UploadRejected(f"「{name}」超过 {MAX_UPLOAD // 1024 // 1024} MB，未保存")


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return default


@dataclass(frozen=True)
class Project:
    """One project's folder: figures/, sections.json (the current texts) and history/ (every version)."""

    folder: Path

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def figures_path(self) -> Path | None:
        """Return the figures file in use, if one was saved."""
        chosen = _read_json(self.folder / "project.json", {}).get("figures")
        path = self.folder / "figures" / chosen if chosen else None
        return path if path and path.is_file() else None

    def set_figures(self, file_name: str) -> None:
        """Make a file in figures/ the one in use."""
        meta = _read_json(self.folder / "project.json", {})
        write_text_atomic(self.folder / "project.json", json.dumps({**meta, "figures": file_name}, ensure_ascii=False))

    def texts(self) -> dict[str, str]:
        """Return the current text of each section (empty before the first draft)."""
        return _read_json(self.folder / "sections.json", {})

    def save(self, texts: dict[str, str], why: str) -> bool:
        """Save the texts of some sections as the current ones, keeping the previous version in history/.

        Returns whether anything changed (typing that ends where it started saves nothing).
        """
        current = self.texts()
        merged = {**current, **texts}
        if merged == current:
            return False
        record = {"time": time.strftime("%Y-%m-%d %H:%M:%S"), "why": why, "sections": merged}
        write_text_atomic(self._version_file(why), json.dumps(record, ensure_ascii=False))
        write_text_atomic(self.folder / "sections.json", json.dumps(merged, ensure_ascii=False, indent=1))
        return True

    def _version_file(self, why: str) -> Path:
        """Return the history file for this save: typing keeps amending its last version for a
        minute, so a version is a pause in the work, not a keystroke."""
        versions = sorted((self.folder / "history").glob("*.json"))
        if versions and why == EDIT and time.time() - versions[-1].stat().st_mtime < COALESCE_SECONDS:
            if _read_json(versions[-1], {}).get("why") == EDIT:
                return versions[-1]
        return self.folder / "history" / f"{time.time():.6f}.json".replace(".", "-", 1)

    def history(self) -> list[dict[str, Any]]:
        """Return every saved version, oldest first."""
        return [_read_json(p, {}) for p in sorted((self.folder / "history").glob("*.json"))]

    def export_path(self, suffix: str) -> Path:
        """Return where an export of this project is written."""
        return self.folder / "exports" / f"{self.name}{suffix}"
