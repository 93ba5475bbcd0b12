"""An installed wheel carries the templates and schemes the program reads at run time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_the_wheel_ships_every_template_and_scheme(tmp_path: Path) -> None:
    # Built from a copy: a checkout's build/ folder may hold files of an earlier layout that would ride along.
    copy = tmp_path / "source"
    skip = shutil.ignore_patterns(".*", "build", "dist", "runs", "out", "*.egg-info", "__pycache__")
    shutil.copytree(ROOT, copy, ignore=skip)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(copy)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    names = set(zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist())
    for source in [*(ROOT / "prompts").rglob("*.j2"), *(ROOT / "assistant/schemes").glob("*.yaml")]:
        inside = source.relative_to(ROOT).as_posix().replace("prompts/", "assistant/prompts/", 1)
        assert inside in names, inside
    assert "assistant/retrieval/hybrid.py" in names
    assert not any(name.startswith("assistant/templates/") for name in names)  # one name: assistant.prompts

    # Installed from the wheel (not the checkout), the loader finds every template and renders one.
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target",
                           str(site), str(next(tmp_path.glob("*.whl")))], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    probe = ("import json, assistant.templating as t; print(json.dumps([t.__file__, t.environment().list_templates(),"
             " t.render('chat/repair.j2', problems=[], facts=[])]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(site)})
    assert done.returncode == 0, done.stderr
    where, listed, rendered = json.loads(done.stdout)
    assert Path(where).is_relative_to(site)
    expected = sorted(p.relative_to(ROOT / "prompts").as_posix() for p in (ROOT / "prompts").rglob("*.j2"))
    assert sorted(name for name in listed if name.endswith(".j2")) == expected
    assert rendered.lstrip().startswith("上一稿没有通过数字核对")
