"""The chat prompt of one section: its facts, rules, fenced passages and draft, within a token budget.

The wording lives in `prompts/chat/*.j2`; this module supplies the variables and decides how many
retrieved passages fit the configured context window (counted with tiktoken's bundled offline
cl100k encoding, which never downloads).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.chat import ChatMessage
from assistant.provenance import Problem, SentPassage
from assistant.report import Section
from assistant.retrieval.chunking import count_tokens
from assistant.retrieval.hybrid import Passage
from assistant.sections import DraftContext, SectionSpec
from assistant.settings import Settings
from assistant.templating import render
from assistant.text import split_sentences
from assistant.vocabulary import MISSING_MARK

MESSAGE_OVERHEAD = 4  # tokens a chat format adds around each message
MIN_PASSAGE_TOKENS = 60  # a passage trimmed below this says nothing useful: drop it instead
_FENCE = re.compile(r"</?\s*(参考资料|底稿)\s*>")
_BLANKS = re.compile(r"\n\s*\n(?:\s*\n)+")


@dataclass(frozen=True)
class AllowedFact:
    """A fact a section may state, in the exact written form the checker accepts."""

    id: str
    label: str
    written: str


@dataclass(frozen=True)
class SectionPrompt:
    """The messages of a section's first turn and what went into them."""

    messages: tuple[ChatMessage, ...]
    facts: tuple[AllowedFact, ...]
    passages: tuple[SentPassage, ...]
    tokens: dict[str, int] = field(default_factory=dict)


def allowed_facts(draft: Section, context: DraftContext) -> tuple[AllowedFact, ...]:
    """Return the facts the deterministic draft states, each written as the draft writes it."""
    text = draft.text
    ids = dict.fromkeys(f for p in draft.paragraphs for f in p.facts)
    out = []
    for fid in ids:
        fact = context.table[fid]
        written = fact.display if fact.display in text else fact.number
        out.append(AllowedFact(fid, fact.label, written))
    return tuple(out)


def build_prompt(spec: SectionSpec, context: DraftContext, draft: Section,
                 passages: Sequence[Passage], settings: Settings) -> SectionPrompt:
    """Return the first-turn messages: system rules, then facts, passages that fit, and the draft."""
    facts = allowed_facts(draft, context)
    system = tidy(render("chat/system.j2", project=context.table.figures.project))
    variables = _variables(spec, context, draft, facts)
    fixed = count_tokens(system) + count_tokens(tidy(render(f"chat/{spec.template}.j2", passages=[], **variables)))
    limit = settings.reply_tokens or reply_limit(draft)
    reserve = _reply_reserve(limit, facts, settings.repair_turns)
    room = settings.context_tokens - fixed - reserve - 2 * MESSAGE_OVERHEAD
    while True:
        sent, _ = fit_passages(passages, room)
        user = tidy(render(f"chat/{spec.template}.j2", passages=sent, **variables))
        prompt = count_tokens(system) + count_tokens(user) + 2 * MESSAGE_OVERHEAD
        over = prompt + reserve - settings.context_tokens
        if not sent or over <= 0:
            break
        room -= over  # the fence and its notice cost a little more than estimated: fit again in less room
    tokens = {"budget": settings.context_tokens, "prompt": prompt, "passages": sum(p.tokens for p in sent),
              "reply_reserve": reserve, "reply_limit": limit, "passages_offered": len(passages),
              "passages_sent": len(sent), "passages_dropped": len(passages) - len(sent)}
    return SectionPrompt((ChatMessage("system", system), ChatMessage("user", user)), facts, tuple(sent), tokens)


def repair_message(problems: Sequence[Problem], facts: Sequence[AllowedFact]) -> str:
    """Return the repair turn's text: each offending number or word, and the allowed facts again."""
    return tidy(render("chat/repair.j2", problems=problems, facts=facts))


def tidy(text: str) -> str:
    """Return rendered prompt text without the blank runs that template tags leave behind."""
    return _BLANKS.sub("\n\n", text).strip()


def _variables(spec: SectionSpec, context: DraftContext, draft: Section,
               facts: Sequence[AllowedFact]) -> dict[str, Any]:
    project = context.table.figures.project
    return {"title": spec.title, "project": project, "facts": facts, "draft": _unfence(draft.text),
            "placeholders": MISSING_MARK in draft.text}


def reply_limit(draft: Section) -> int:
    """Return the most tokens one answer may take (its max_tokens): twice the template draft, at least
    256. A rewrite of a section is about as long as its draft; a model that does not stop is cut here."""
    return max(256, 2 * count_tokens(draft.text))


def _reply_reserve(reply: int, facts: Sequence[AllowedFact], repair_turns: int) -> int:
    """Return the tokens kept free for the answer and, after it, each repair turn and its answer."""
    repair = reply + sum(count_tokens(f"{f.label}{f.written}") + 4 for f in facts) + 200
    return reply + repair_turns * repair


def fit_passages(passages: Sequence[Passage], room: int) -> tuple[list[SentPassage], int]:
    """Return the passages that fit in `room` tokens (best first, the last one trimmed) and how many were dropped."""
    sent: list[SentPassage] = []
    for passage in passages:
        source = " › ".join(x for x in (passage.title, passage.section) if x)
        text = _unfence(passage.text.strip())
        head = count_tokens(source) + 12  # the 【资料n】来源 line around it
        cost = head + count_tokens(text)
        if cost > room:
            text = _trim(text, room - head)
            cost = head + count_tokens(text)
            if not text or cost - head < MIN_PASSAGE_TOKENS:
                break
        sent.append(SentPassage(len(sent) + 1, source, passage.doc, passage.id, passage.score, text, cost))
        room -= cost
    return sent, len(passages) - len(sent)


def _trim(text: str, tokens: int) -> str:
    """Return the leading whole sentences of text that fit in `tokens`."""
    out = ""
    for part in split_sentences(text):
        if count_tokens(out + part) > tokens:
            break
        out += part
    return out.strip()


def _unfence(text: str) -> str:
    """Return text that cannot close or open our fences: a passage must not escape its block."""
    return _FENCE.sub(lambda m: f"〈{m.group(1)}〉", text)


def message_records(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    """Return messages as role/content records (for the run folder)."""
    return [{"role": m.role, "content": m.content} for m in messages]
