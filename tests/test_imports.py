"""The modules' imports: no cycle among them, no TYPE_CHECKING blocks, and our own modules imported at
the top except by the command adapters, which load a command's stage when the command runs."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "assistant"
# Command adapters: they import a command's stage inside the command, so `assistant check` never loads
# the drafting and retrieval stacks. Every other module imports our own modules at its top.
# The UI's entry (ui/app.py) also sets Gradio's offline environment before anything imports gradio.
DEFERRING = {"assistant.cli", "assistant.cli_common", "assistant.cli_tables", "assistant.retrieval.commands",
             "assistant.ui.app"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text("utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, node: ast.Import | ast.ImportFrom, known: set[str]) -> list[str]:
    """Return the project modules an import statement loads (anywhere in the module, even in a function)."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = name.split(".")[: len(name.split(".")) - node.level + (name in PACKAGE_NAMES)]
            base = ".".join([*package, base] if base else package)
        targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
    return [t for t in targets if t in known]


PACKAGE_NAMES = {module_name(p) for p in PACKAGE.rglob("__init__.py")}


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: {t for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                   for t in imported(name, node, known) if t != name}
            for name, tree in mods.items()}


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """Return one import cycle as a path of module names, or [] when the graph has none."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return []

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_the_walker_sees_a_cycle_when_there_is_one() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []


def test_the_walker_resolves_relative_imports() -> None:
    edges = graph()
    assert "assistant.retrieval.chunking" in edges["assistant.retrieval.hybrid"]  # from .chunking import …
    assert "assistant.vocabulary" in edges["assistant.facts"]  # from assistant import vocabulary as v


def test_no_module_imports_itself_back_through_others() -> None:
    assert cycle(graph()) == []


def test_no_type_checking_blocks() -> None:
    offenders = [name for name, tree in modules().items() for node in ast.walk(tree)
                 if isinstance(node, ast.Name) and node.id == "TYPE_CHECKING"]
    assert offenders == []


def test_our_modules_are_imported_at_the_top() -> None:
    known = set(modules())
    late = []
    for name, tree in modules().items():
        if name in DEFERRING:
            continue
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top and imported(name, node, known):
                late.append(f"{name}:{node.lineno}")
    assert late == []
