"""Drafting many files: the chat backend from the command line, resume, the summary, the run folder."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from assistant.batch import draft_files
from assistant.report import Section
from assistant.scoring import load_scheme
from assistant.sections import DraftContext, SectionSpec
from assistant.settings import Settings
from assistant.writers import TemplateWriter
from tests.conftest import CASES
from tests.fake_openai import FakeOpenAI, Reply, echo_draft, first_user_text

KEY = "sk-batch-0a1b2c3d4e5f60718293"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def sloppy_on_funds(body: dict[str, Any]) -> Reply:
    """Echo the draft, except a wrong rate in the sample's first 资金管理 answer (repaired next turn)."""
    prompt = first_user_text(body)
    reply = echo_draft(body)
    if "资金管理过程情况" in prompt and "促进工业和信息化" in prompt and len(body["messages"]) == 2:
        return Reply(reply.text.replace("99.84%", "98.84%"))
    return reply


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "OPENAI_API_KEY": KEY}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("sample-2024.yaml", "water-missed-2023.yaml"):
        (folder / name).write_text((CASES / name).read_text("utf-8"), "utf-8")
    text = (CASES / "sample-2024.yaml").read_text("utf-8").replace("spent: 138.78", "spent: 一百多")
    (folder / "bad.yaml").write_text(text, "utf-8")
    return folder


def test_the_chat_backend_drafts_a_folder_records_the_run_and_never_the_key(
        fake: FakeOpenAI, inputs: Path, tmp_path: Path) -> None:
    fake.reset(default=sloppy_on_funds)
    args = ("draft", "in", "-o", "out", "--backend", "openai", "--model", "fake-model", "--base-url", fake.url,
            "--run-dir", "run", "--index", "no-index")
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr  # the bad file
    assert "funds.spent" in done.stderr and "一百多" in done.stderr
    assert not list((tmp_path / "out").glob("bad.*")) and not (tmp_path / "run/bad").exists()
    row = next(line for line in done.stderr.splitlines() if "sample-2024" in line and "openai" in line)
    assert [c.strip() for c in row.split("│")[2:7]] == ["openai", "1", "0", "0", "已生成"]  # 1 section repaired
    data = json.loads((tmp_path / "out/sample-2024.json").read_text("utf-8"))
    funds = next(s for s in data["sections"] if s["id"] == "use.funds")
    assert funds["writer"] == "openai" and funds["repaired"] is True and len(funds["attempts"]) == 2
    check = json.loads((tmp_path / "out/sample-2024.check.json").read_text("utf-8"))
    assert check["summary"]["errors"] == 0
    section = tmp_path / "run/sample-2024/sections/use.funds"
    assert {p.name for p in section.iterdir()} >= {"passages.json", "prompt-1.json", "reply-1.txt", "check-1.json",
                                                   "prompt-2.json", "reply-2.txt", "check-2.json", "section.json"}
    assert (tmp_path / "run/sample-2024/facts.json").is_file() and (tmp_path / "run/sample-2024/run.json").is_file()
    assert KEY not in done.stdout + done.stderr
    for path in [*(tmp_path / "out").rglob("*"), *(tmp_path / "run").rglob("*")]:
        if path.is_file() and path.suffix != ".docx":
            assert KEY not in path.read_text("utf-8"), path


def test_a_second_run_resumes_and_force_drafts_again(fake: FakeOpenAI, inputs: Path, tmp_path: Path) -> None:
    fake.reset()
    settings = Settings(backend="openai", model="fake-model", base_url=fake.url, api_key=KEY,
                        index_dir=tmp_path / "no-index")
    files = [inputs / "sample-2024.yaml", inputs / "water-missed-2023.yaml"]
    out = io.StringIO()

    def again(force: bool = False) -> list[bool]:
        results = draft_files(files, tmp_path / "out", load_scheme(), Console(file=out, width=200),
                              settings=settings, force=force)
        return [r.skipped for r in results]

    assert again() == [False, False] and len(fake.requests) == 24
    assert again() == [True, True] and len(fake.requests) == 24
    assert "跳过" in out.getvalue() and "--force" in out.getvalue()
    (inputs / "sample-2024.yaml").touch()  # a newer file with the same figures is still up to date
    with (inputs / "water-missed-2023.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# 修改过\n")  # a changed figures file is drafted again
    assert again() == [True, False] and len(fake.requests) == 36
    assert again(force=True) == [False, False] and len(fake.requests) == 60


def test_the_chat_backend_without_a_model_says_what_is_missing(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "assistant", "draft", str(CASES / "sample-2024.yaml"), "-o", "out",
                           "--backend", "openai"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))})
    assert done.returncode == 2
    assert "缺少" in done.stderr and "model" in done.stderr and "OPENAI_API_KEY" in done.stderr
    assert not (tmp_path / "out").exists()


class FailsOnWater(TemplateWriter):
    """The template writer, except that one project breaks it (a bug, a full disk …)."""

    concurrency = 4

    def write(self, spec: SectionSpec, context: DraftContext) -> Section:
        if "饮水" in context.table.figures.project.name and spec.id == "use.funds":
            raise RuntimeError("意外故障")
        return super().write(spec, context)


def test_one_failing_project_never_stops_the_others(tmp_path: Path) -> None:
    files = [CASES / "sample-2024.yaml", CASES / "water-missed-2023.yaml", CASES / "roads-adjusted-2024.yaml"]
    out = io.StringIO()
    console = Console(file=out, width=200)
    results = draft_files(files, tmp_path / "out", load_scheme(), console,
                          settings=Settings(project_concurrency=3), writer=FailsOnWater())
    assert [bool(r.error) for r in results] == [False, True, False]
    assert "意外故障" in results[1].error and "water-missed-2023" in results[1].error
    drafts = sorted(p.name for p in (tmp_path / "out").glob("*.md") if not p.name.endswith(".review.md"))
    assert drafts == ["roads-adjusted-2024.md", "sample-2024.md"]
    text = out.getvalue()
    assert "起草结果" in text and "失败" in text and text.count("已生成") >= 3


def test_outputs_get_the_mode_of_any_new_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    draft_files([CASES / "sample-2024.yaml"], out, load_scheme(), Console(file=io.StringIO()))
    umask = os.umask(0o022)
    os.umask(umask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert len(modes) == 5 and set(modes.values()) == {0o666 & ~umask}, modes
