"""The mutation benchmark's machinery, on the drafts: every mutant caught, no equivalent flagged."""

from __future__ import annotations

import random
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "eval"))
import mutations  # noqa: E402


@pytest.fixture(scope="module")
def texts():
    return [t for t in mutations.faithful_texts() if t.name.startswith("draft:")]


def test_every_kind_of_mutant_is_caught_in_the_drafts(texts) -> None:
    rng = random.Random(3)
    kinds: dict[str, list[bool]] = {}
    for t in texts:
        for m in mutations.mutants(t, rng):
            kinds.setdefault(m.kind, []).append(mutations.caught_by_checker(m, t.table))
    assert {"digit change", "digit transposition", "unit scale", "percentage change", "values swapped",
            "rounding beyond precision", "verdict flip", "coincidence", "target bound changed",
            "number moved"} <= set(kinds)
    missed = {k: v.count(False) for k, v in kinds.items() if not all(v)}
    assert missed == {}


def test_equivalent_rewrites_raise_nothing(texts) -> None:
    for t in texts:
        for e in mutations.equivalents(t):
            assert mutations.check_text(e.text, t.table).errors == 0, (e.kind, e.spans)


def test_the_baseline_misses_what_only_context_and_units_reveal(texts) -> None:
    t = texts[0]
    swaps = list(mutations.swap(t, mutations.claims(t), random.Random(1)))
    assert swaps and not any(mutations.caught_by_baseline(m, t.table) for m in swaps)
