"""The run folder (`draft --run-dir`): what each stage saw and produced, for debugging and evaluation.

Layout, one folder per figures file::

    <run-dir>/<name>/run.json                 settings (never the API key), writer, timings
    <run-dir>/<name>/facts.json               the fact table
    <run-dir>/<name>/sections/<id>/passages.json   retrieved passages as sent
    <run-dir>/<name>/sections/<id>/prompt-N.json   the messages of turn N
    <run-dir>/<name>/sections/<id>/reply-N.txt     the raw reply of turn N
    <run-dir>/<name>/sections/<id>/check-N.json    its check result and the problems named
    <run-dir>/<name>/sections/<id>/section.json    the final text, writer and provenance

Everything written passes through the same redaction as log lines, so a key that slipped into an
error message still never reaches the disk.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.files import write_text_atomic


class RunLog:
    """Writes named records into one folder; thread-safe (sections write their own subfolders)."""

    def __init__(self, folder: Path, redact: Callable[[str], str] = lambda text: text) -> None:
        self.folder = folder
        self._redact = redact

    def child(self, *parts: str) -> RunLog:
        """Return the run log of a subfolder (a section's records)."""
        return RunLog(self.folder.joinpath(*parts), self._redact)

    def write(self, name: str, data: Any) -> None:
        """Write data as name: text as it is, anything else as JSON; replaced atomically."""
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, allow_nan=False, indent=2,
                                                             default=str)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.folder / name, self._redact(text))
