"""The house rules a reader relies on: the README's layout table names every module, and no module
grows past the size one can read in a sitting (STYLE.md: modules under ~400 lines)."""

from __future__ import annotations

import re

from tests.conftest import ROOT

MAX_LINES = 420  # "~400": a little slack, not a second limit


def layout_table() -> str:
    """Return the README's Layout section."""
    text = (ROOT / "README.md").read_text("utf-8")
    return text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]


def test_the_layout_table_names_every_module_or_its_folder() -> None:
    named = set(re.findall(r"`([^`]+)`", layout_table()))
    missing = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "assistant").rglob("*.py"))
               if p.name != "__init__.py" and p.relative_to(ROOT).as_posix() not in named
               and p.parent.relative_to(ROOT).as_posix() + "/" not in named]
    assert missing == []


def test_the_layout_table_names_only_paths_that_exist() -> None:
    named = {n for n in re.findall(r"`([^`]+)`", layout_table()) if n.startswith(("assistant/", "prompts/"))}
    stale = sorted(n for n in named if "*" not in n and not (ROOT / n).exists())
    assert stale == []


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text("utf-8").splitlines())
             for p in (ROOT / "assistant").rglob("*.py")}
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}
