"""The command line as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docx

from tests.conftest import CASES


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


def test_draft_writes_markdown_word_json_and_check(tmp_path: Path) -> None:
    done = run("draft", str(CASES / "sample-2024.yaml"), "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["sample-2024.check.json", "sample-2024.docx", "sample-2024.json", "sample-2024.md",
                     "sample-2024.review.md"]
    data = json.loads((tmp_path / "out/sample-2024.json").read_text("utf-8"))
    assert data["score_sheet"]["grade"] == "优"
    assert docx.Document(str(tmp_path / "out/sample-2024.docx")).tables


def test_bad_figures_exit_2_name_the_field_and_write_nothing(tmp_path: Path) -> None:
    text = (CASES / "sample-2024.yaml").read_text("utf-8").replace("spent: 138.78", "spent: 一百多")
    (tmp_path / "bad.yaml").write_text(text, "utf-8")
    done = run("draft", "bad.yaml", "-o", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert "funds.spent" in done.stderr and "一百多" in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in/bad.yaml").write_text("project: {}\n", "utf-8")
    (tmp_path / "in/good.yaml").write_text((CASES / "roads-adjusted-2024.yaml").read_text("utf-8"), "utf-8")
    done = run("draft", "in", "-o", "out", cwd=tmp_path)
    assert done.returncode == 2 and "bad.yaml" in done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[0] == "good.check.json"
    assert not list((tmp_path / "out").glob("bad.*"))


def test_score_json_prints_facts_sheet_and_findings(tmp_path: Path) -> None:
    done = run("score", str(CASES / "water-missed-2023.yaml"), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    facts = {f["id"]: f for f in data["facts"]}
    assert facts["rate.budget_adjusted"]["display"] == "82.52%"
    assert data["score_sheet"]["total"] == 95.42
    codes = {f["code"] for f in data["findings"]}
    assert {"deviation_explained", "underachievement_unexplained", "score_mismatch"} <= codes


def test_score_for_people_and_another_scheme(tmp_path: Path) -> None:
    done = run("score", str(CASES / "culture-qualitative-2024.yaml"), "--scheme", "sichuan", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "评分表" in done.stdout and "方案补" in done.stdout


def test_unknown_scheme_is_refused(tmp_path: Path) -> None:
    done = run("score", str(CASES / "sample-2024.yaml"), "--scheme", "nowhere", cwd=tmp_path)
    assert done.returncode == 2 and "national" in done.stderr
