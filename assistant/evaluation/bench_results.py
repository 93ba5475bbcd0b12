"""The benchmark sections of `assistant eval`'s results, typed: the checker's mutation benchmark (recall
per kind of mutation, false alarms per kind of equivalent rewrite) and the retrieval benchmark (recall@k
per method). Their JSON is the "mutations" and "retrieval" objects of results.json (see results.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class MutationKind:
    """One kind of mutation: how many were made, and how many the checker and the naive baseline caught."""

    kind: str
    mutations: int
    caught: int
    baseline_caught: int

    @property
    def recall(self) -> float:
        return self.caught / self.mutations if self.mutations else 0.0

    @property
    def baseline_recall(self) -> float:
        return self.baseline_caught / self.mutations if self.mutations else 0.0


@dataclass(frozen=True)
class FalseAlarms:
    """One kind of equivalent rewrite (the same facts said another way): how many were made, and how many
    the checker and the naive baseline flagged (every flag is a false alarm)."""

    kind: str
    rewrites: int
    flagged: int
    baseline_flagged: int

    @property
    def rate(self) -> float:
        return self.flagged / self.rewrites if self.rewrites else 0.0

    @property
    def baseline_rate(self) -> float:
        return self.baseline_flagged / self.rewrites if self.rewrites else 0.0


@dataclass(frozen=True)
class MutationBenchmark:
    """The checker's mutation benchmark: recall per kind, false alarms on faithful and rewritten texts."""

    texts: int
    kinds: tuple[MutationKind, ...]
    clean_texts: int = 0  # faithful texts checked for false alarms
    false_alarms: int = 0  # of those, texts the checker flagged
    baseline_false_alarms: int = 0
    seconds: float = 0.0
    equivalents: tuple[FalseAlarms, ...] = ()  # false alarms per kind of equivalent rewrite
    per_kind: int = 0  # at most this many mutants (and rewrites) of each kind were checked; 0: all

    def to_json(self) -> dict[str, Any]:
        return {"texts": self.texts, "clean_texts": self.clean_texts, "false_alarms": self.false_alarms,
                "baseline_false_alarms": self.baseline_false_alarms, "seconds": round(self.seconds, 3),
                "per_kind": self.per_kind,
                "kinds": [{**asdict(k), "recall": round(k.recall, 4), "baseline_recall": round(k.baseline_recall, 4)}
                          for k in self.kinds],
                "equivalents": [{**asdict(e), "rate": round(e.rate, 4), "baseline_rate": round(e.baseline_rate, 4)}
                                for e in self.equivalents]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MutationBenchmark:
        kinds = tuple(MutationKind(k["kind"], k["mutations"], k["caught"], k["baseline_caught"])
                      for k in data["kinds"])
        equivalents = tuple(FalseAlarms(e["kind"], e["rewrites"], e["flagged"], e["baseline_flagged"])
                            for e in data.get("equivalents", ()))
        return cls(data["texts"], kinds, data.get("clean_texts", 0), data.get("false_alarms", 0),
                   data.get("baseline_false_alarms", 0), data.get("seconds", 0.0), equivalents,
                   data.get("per_kind", 0))


@dataclass(frozen=True)
class RetrievalMethod:
    """One retrieval method (bm25, vector, hybrid, hybrid-rrf): recall@k for each k measured, MRR@10, and at
    k=5 the share of queries with a hit, recall without the cap, top-5 hits nobody judged, and the queries
    whose recall@5 is below 1."""

    method: str
    recall: dict[int, float]  # k → recall@k (relevant sections found ÷ min(relevant, k), mean over queries)
    mrr: float = 0.0
    hit: float = 0.0
    plain_recall: float = 0.0
    unjudged: int = 0
    misses: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "recall": {str(k): round(v, 4) for k, v in sorted(self.recall.items())},
                "mrr": round(self.mrr, 4), "hit": round(self.hit, 4), "plain_recall": round(self.plain_recall, 4),
                "unjudged": self.unjudged, "misses": list(self.misses)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RetrievalMethod:
        return cls(data["method"], {int(k): float(v) for k, v in data["recall"].items()}, data.get("mrr", 0.0),
                   data.get("hit", 0.0), data.get("plain_recall", 0.0), data.get("unjudged", 0),
                   tuple(data.get("misses", ())))


@dataclass(frozen=True)
class RetrievalBenchmark:
    """The retrieval benchmark over the labelled queries: each method's recall@k."""

    queries: int
    methods: tuple[RetrievalMethod, ...]
    embedder: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"queries": self.queries, "embedder": self.embedder, "seconds": round(self.seconds, 3),
                "methods": [m.to_json() for m in self.methods]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RetrievalBenchmark:
        return cls(data["queries"], tuple(RetrievalMethod.from_json(m) for m in data["methods"]),
                   data.get("embedder", ""), data.get("seconds", 0.0))
