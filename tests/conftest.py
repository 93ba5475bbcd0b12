"""Shared fixtures: a clean environment for every test, and the example cases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "eval" / "cases"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Clear ASSISTANT_*/OPENAI_* settings and run in a fresh folder, so no test sees the user's setup."""
    for key in list(os.environ):
        if key.startswith(("ASSISTANT_", "OPENAI_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def case_files() -> list[Path]:
    """Return every example figures file."""
    return sorted(CASES.glob("*.yaml"))
