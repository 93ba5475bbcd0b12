"""The code follows the project's lint rules (ruff: E, F, I, B, UP; see pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess

from tests.conftest import ROOT


def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff") or str(ROOT / ".venv/bin/ruff")
    done = subprocess.run([ruff, "check", "--output-format", "concise", str(ROOT)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
