"""An installed wheel carries the templates and schemes the program reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_the_wheel_ships_every_template_and_scheme(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    names = set(zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist())
    for source in [*(ROOT / "prompts").rglob("*.j2"), *(ROOT / "assistant/schemes").glob("*.yaml")]:
        inside = source.relative_to(ROOT).as_posix().replace("prompts/", "assistant/templates/", 1)
        assert inside in names, inside
    assert "assistant/retrieval/hybrid.py" in names
