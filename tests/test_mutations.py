"""The mutation benchmark's machinery, on the drafts: every mutant caught, no equivalent flagged; and the
benchmark as a function (`run_mutations`) on a reduced input."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from assistant.check import check_text
from assistant.evaluation import mutants as m
from assistant.evaluation.benchmarks import faithful_texts, run_mutations


@pytest.fixture(scope="module")
def texts() -> list[m.Text]:
    return [t for t in faithful_texts() if t.name.startswith("draft:")]


def test_every_kind_of_mutant_is_caught_in_the_drafts(texts) -> None:
    rng = random.Random(3)
    kinds: dict[str, list[bool]] = {}
    for t in texts:
        for mutant in m.mutants(t, rng):
            kinds.setdefault(mutant.kind, []).append(m.caught_by_checker(mutant, t.table))
    assert {"digit change", "digit transposition", "unit scale", "percentage change", "values swapped",
            "rounding beyond precision", "verdict flip", "coincidence", "target bound changed",
            "number moved"} <= set(kinds)
    missed = {k: v.count(False) for k, v in kinds.items() if not all(v)}
    assert missed == {}


def test_equivalent_rewrites_raise_nothing(texts) -> None:
    for t in texts:
        for e in m.equivalents(t):
            assert check_text(e.text, t.table).errors == 0, (e.kind, e.spans)


def test_the_baseline_misses_what_only_context_and_units_reveal(texts) -> None:
    t = texts[0]
    swaps = list(m.swap(t, m.claims(t), random.Random(1)))
    assert swaps and not any(m.caught_by_baseline(s, t.table) for s in swaps)


def shortened(t: m.Text, size: int = 1500) -> m.Text:
    """Return the text cut at the first paragraph end after `size` characters (a reduced input)."""
    return replace(t, text=t.text[: t.text.index("\n\n", size)])


def test_the_benchmark_function_counts_what_the_machinery_finds(texts) -> None:
    """Two shortened drafts: the kinds and their counts are those of the mutants made with the same seed, every
    mutant is caught, and the naive guard misses swaps, verdict flips and unit changes."""
    reduced = [shortened(t) for t in texts if t.name in ("draft:sample-2024", "draft:water-missed-2023")]
    assert len(reduced) == 2
    seen: list[tuple[str, int]] = []
    result = run_mutations(seed=5, texts=reduced, progress=lambda stage, done, total: seen.append((stage, total)))

    rng = random.Random(5)
    made = [x.kind for t in reduced for x in m.mutants(t, rng)]
    assert [(k.kind, k.mutations) for k in result.kinds] == [(k, made.count(k)) for k in dict.fromkeys(made)]
    assert all(k.caught == k.mutations for k in result.kinds)
    by_kind = {k.kind: k for k in result.kinds}
    for kind in ("values swapped", "verdict flip", "unit scale"):
        assert by_kind[kind].baseline_caught < by_kind[kind].mutations
    assert by_kind["verdict flip"].baseline_caught == 0  # no digit changes: a string match sees nothing
    # Drafts raise no error; the naive guard flags every draft (it does not know 万元 in 元).
    assert (result.texts, result.clean_texts, result.false_alarms, result.baseline_false_alarms) == (2, 2, 0, 2)
    rewrites = [e.kind for t in reduced for e in m.equivalents(t)]
    assert {e.kind: e.rewrites for e in result.equivalents} == {k: rewrites.count(k) for k in set(rewrites)}
    assert all(e.flagged == 0 for e in result.equivalents)
    assert {s for s, _ in seen} == {"生成变异", "核对变异", "核对等价改写"}
    assert ("核对变异", len(made)) in seen


def test_a_sample_per_kind_is_a_capped_subset_drawn_the_same_way_each_time(texts) -> None:
    reduced = [shortened(t) for t in texts if t.name == "draft:sample-2024"]
    full = run_mutations(seed=5, texts=reduced)
    sampled = run_mutations(seed=5, texts=reduced, per_kind=3)
    assert sampled.per_kind == 3 and full.per_kind == 0
    assert [k.kind for k in sampled.kinds] == [k.kind for k in full.kinds]
    assert all(s.mutations == min(3, f.mutations) for s, f in zip(sampled.kinds, full.kinds, strict=True))
    assert any(f.mutations > 3 for f in full.kinds)
    assert all(e.rewrites <= 3 for e in sampled.equivalents)
    again = run_mutations(seed=5, texts=reduced, per_kind=3)
    assert replace(again, seconds=0) == replace(sampled, seconds=0)
