"""Comparing a run with a baseline (`assistant eval --compare BASELINE`): every metric that moved, and
whether it got worse beyond its tolerance.

Tolerances are absolute and chosen per metric: counts of faults (unsupported or contradicted numbers,
claim errors, figures-file faults published, boilerplate, impossible figures) and booleans (score and
grade right) have none, because the template writer is deterministic and one more is a regression;
ratios have half a point of a percent (one required fact of forty is 2.5 points, so a lost fact is
still caught); seconds are noisy on a shared machine, so only a run three times slower and 5 s
longer counts; a model's kept share may drift 5 points between runs of the same model.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.evaluation.bench_results import MutationBenchmark, RetrievalBenchmark
from assistant.evaluation.results import DraftMetrics, EvalResults, WriterSummary


@dataclass(frozen=True)
class Rule:
    """How a metric is judged: which way is better, and how far it may move the wrong way."""

    higher: bool  # whether a higher value is better
    tolerance: float = 0.0

    @property
    def allowed(self) -> str:
        """Return the tolerance in words: how far the metric may move the wrong way."""
        way = "下降" if self.higher else "上升"
        return f"{way}不超过 {self.tolerance:g}" if self.tolerance else f"不得{way}"

    def worse(self, before: float, after: float) -> bool:
        """Return whether after is worse than before beyond the tolerance."""
        drop = (before - after) if self.higher else (after - before)
        return drop > self.tolerance + 1e-9


@dataclass(frozen=True)
class Slower(Rule):
    """Time: worse only when both `factor` times and `floor` seconds slower."""

    factor: float = 3.0
    floor: float = 5.0

    @property
    def allowed(self) -> str:
        return f"不超过基线的 {self.factor:g} 倍或多 {self.floor:g} 秒"

    def worse(self, before: float, after: float) -> bool:
        return after > before * self.factor and after - before > self.floor


UP, DOWN = Rule(True), Rule(False)
RATIO = Rule(True, 0.005)
SUMMARY_RULES: dict[str, Rule] = {
    "drafted": UP, "precision": RATIO, "recall": RATIO, "completeness": RATIO, "answered": RATIO,
    "unsupported": DOWN, "contradicted": DOWN, "claim_errors": DOWN, "score_right": UP, "grade_right": UP,
    "author_faults": DOWN, "boilerplate": DOWN, "impossible": DOWN, "seconds": Slower(False),
}
CASE_RULES: dict[str, Rule] = {
    "precision": RATIO, "recall": RATIO, "completeness": RATIO, "answered": RATIO, "unsupported": DOWN,
    "contradicted": DOWN, "claim_errors": DOWN, "score_right": UP, "grade_right": UP, "author_faults": DOWN,
    "impossible": DOWN,
}
CHAT_RULES: dict[str, Rule] = {"kept_share": Rule(True, 0.05)}
MUTATION_RULE, RETRIEVAL_RULE = Rule(True, 0.01), Rule(True, 0.02)


@dataclass(frozen=True)
class Move:
    """One metric that moved: where (writer, case or benchmark), its values, and whether it got worse."""

    scope: str
    metric: str
    before: float
    after: float
    worse: bool
    tolerance: float
    better: bool = False  # moved the better way
    allowed: str = ""  # the tolerance in words


@dataclass(frozen=True)
class Comparison:
    """What moved between a baseline and a run, and what could not be compared (notes)."""

    moves: tuple[Move, ...]
    notes: tuple[str, ...]

    @property
    def worse(self) -> tuple[Move, ...]:
        return tuple(m for m in self.moves if m.worse)


def compare(run: EvalResults, baseline: EvalResults) -> Comparison:
    """Return every metric of the run that differs from the baseline, judged by its rule."""
    moves: list[Move] = []
    notes: list[str] = []
    for writer in run.writers:
        before, after = baseline.summary(writer), run.summary(writer)
        if before is None or after is None:
            notes.append(f"基线中没有写作方式 {writer} 的结果，未比较")
            continue
        ours = {d.case for d in run.drafts if d.writer == writer}
        theirs = {d.case for d in baseline.drafts if d.writer == writer}
        if ours == theirs:
            moves += _moved(writer, _summary_values(before), _summary_values(after), SUMMARY_RULES | CHAT_RULES)
        else:
            notes.append(f"{writer}：本次 {len(ours)} 个案例，基线 {len(theirs)} 个，只逐案例比较")
        for case in sorted(ours & theirs):
            old, new = baseline.draft(case, writer), run.draft(case, writer)
            if old and new:
                moves += _moved(f"{writer} · {case}", _case_values(old.metrics), _case_values(new.metrics),
                                CASE_RULES | CHAT_RULES)
    moves += _benchmarks(run, baseline)
    for name, before, after in (("变异基准", baseline.mutations, run.mutations),
                                ("检索基准", baseline.retrieval, run.retrieval)):
        if before is not None and after is None:
            notes.append(f"本次没有{name}的结果，未比较")
    return Comparison(tuple(moves), tuple(notes))


def _moved(scope: str, before: dict[str, float], after: dict[str, float], rules: dict[str, Rule]) -> list[Move]:
    out = []
    for metric, rule in rules.items():
        if metric in before and metric in after and abs(before[metric] - after[metric]) > 1e-9:
            old, new = before[metric], after[metric]
            out.append(Move(scope, metric, old, new, rule.worse(old, new), rule.tolerance, rule.higher == (new > old),
                            rule.allowed))
        elif metric in before and metric not in after:
            out.append(Move(scope, metric, before[metric], float("nan"), True, rule.tolerance, allowed=rule.allowed))
    return out


def _summary_values(s: WriterSummary) -> dict[str, float]:
    out = {name: float(getattr(s, name)) for name in SUMMARY_RULES}
    if s.chat:
        out["kept_share"] = s.chat.kept_share
    return out


def _case_values(m: DraftMetrics | None) -> dict[str, float]:
    """Return a draft's metrics by name; a draft that failed has none (every metric is then lost)."""
    if m is None:
        return {}
    out = {name: float(getattr(m, name)) for name in CASE_RULES}
    if m.chat:
        out["kept_share"] = m.chat.kept_share
    return out


def _benchmarks(run: EvalResults, baseline: EvalResults) -> list[Move]:
    """Return the moves of the benchmark figures both runs have."""
    pairs: list[tuple[str, dict[str, float], dict[str, float], Rule]] = []
    if baseline.mutations and run.mutations:
        pairs.append(("变异基准", _mutation_values(baseline.mutations), _mutation_values(run.mutations), MUTATION_RULE))
    if baseline.retrieval and run.retrieval:
        pairs.append(("检索基准", _retrieval_values(baseline.retrieval), _retrieval_values(run.retrieval),
                      RETRIEVAL_RULE))
    out: list[Move] = []
    for scope, before, after, rule in pairs:
        out += _moved(scope, before, after, {k: (DOWN if k.startswith("误报") else rule) for k in before})
    return out


def _mutation_values(b: MutationBenchmark) -> dict[str, float]:
    return {**{f"召回率 {k.kind}": k.recall for k in b.kinds}, "误报（忠实文本）": float(b.false_alarms),
            **{f"误报 {e.kind}": float(e.flagged) for e in b.equivalents}}


def _retrieval_values(b: RetrievalBenchmark) -> dict[str, float]:
    out = {}
    for m in b.methods:
        out.update({f"{m.method} recall@{k}": r for k, r in m.recall.items()})
        out[f"{m.method} MRR"] = m.mrr
    return out
