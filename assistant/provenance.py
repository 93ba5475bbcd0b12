"""Where a model-written section came from: each turn with the model, the passages it was shown, and
how the section was settled. Typed here; written into the report JSON by `to_json` (FORMAT.md §2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """What stops a model's text from being used: a checker error, an empty reply, a dropped mark."""

    code: str
    text: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text, "message": self.message}


@dataclass(frozen=True)
class Attempt:
    """One turn with the model: the first draft or a repair, and what came of it.

    A turn the endpoint never answered has `error`; an answered turn has the problems found in it,
    token usage and why the reply ended.
    """

    turn: int
    kind: str  # draft | repair
    prompt_tokens: int
    retries: tuple[str, ...] = ()
    waits: tuple[float, ...] = ()  # seconds slept before each retry (also written in `retries`)
    error: str | None = None
    timed_out: bool = False  # the unanswered turn ran out of time
    problems: tuple[Problem, ...] = ()
    usage: dict[str, int] = field(default_factory=dict)
    reply_tokens: int = 0
    finish_reason: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"turn": self.turn, "kind": self.kind, "prompt_tokens": self.prompt_tokens}
        if self.error is not None:
            return {**out, "error": self.error, "retries": list(self.retries), "timed_out": self.timed_out}
        return {**out, "findings": [p.to_json() for p in self.problems], "retries": list(self.retries),
                "usage": self.usage, "reply_tokens": self.reply_tokens, "finish_reason": self.finish_reason}


@dataclass(frozen=True)
class SentPassage:
    """A retrieved passage as the prompt showed it: its number, source line, text (perhaps trimmed) and cost."""

    n: int
    source: str
    doc: str
    id: str
    score: float
    text: str
    tokens: int

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.source, "doc": self.doc, "id": self.id, "score": self.score,
                "text": self.text, "tokens": self.tokens}

    def reference(self) -> dict[str, Any]:
        """Return the passage as the report JSON cites it (no text)."""
        return {"doc": self.doc, "id": self.id, "source": self.source, "score": self.score, "tokens": self.tokens}


@dataclass(frozen=True)
class Provenance:
    """How a model-written section was settled: the turns, the passages, the token budget, and either
    the facts the accepted text left out or, after a fallback, what was wrong with the template text."""

    model: str
    attempts: tuple[Attempt, ...]
    retrieval: str  # how passages were found, or why there are none
    passages: tuple[SentPassage, ...]
    tokens: dict[str, int]
    fallback_reason: str = ""  # empty when the model's text was accepted
    timed_out: bool = False  # the model ran out of time: the settings do not fit the server
    facts_dropped: tuple[str, ...] = ()
    fallback_findings: tuple[Problem, ...] = ()

    @property
    def fallback(self) -> bool:
        return bool(self.fallback_reason)

    @property
    def repaired(self) -> bool:
        return not self.fallback and len(self.attempts) > 1

    def to_json(self) -> dict[str, Any]:
        out = {"model": self.model, "attempts": [a.to_json() for a in self.attempts], "repaired": self.repaired,
               "fallback": self.fallback, "fallback_reason": self.fallback_reason, "timed_out": self.timed_out,
               "retrieval": self.retrieval,
               "passages": [p.reference() for p in self.passages], "tokens": self.tokens}
        if self.fallback:
            return {**out, "fallback_findings": [p.to_json() for p in self.fallback_findings]}
        return {**out, "facts_dropped": list(self.facts_dropped)}
