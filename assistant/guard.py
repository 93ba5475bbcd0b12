"""The faithfulness guard: check every model-written section, ask for repairs, else fall back.

A section's text is accepted only when the checker finds no error in it (no unsupported or
contradicted number, no miscomputed rate, no contradicted verdict) and it keeps the draft's
【待补充】 marks. Each failed turn gets one repair turn naming every offending number and the
allowed facts; after `repair_turns` failed repairs the caller falls back to the deterministic text.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from assistant.chat import ChatClient, ChatEvent, ChatMessage, ModelUnavailable
from assistant.chat_prompt import SectionPrompt, count_tokens, message_records, repair_message
from assistant.check import CheckResult, check_text
from assistant.facts import FactTable
from assistant.matching import Matcher
from assistant.provenance import Attempt, Problem
from assistant.report import Paragraph, Section, Sentence
from assistant.runlog import RunLog
from assistant.text import split_sentences, without_heading_number
from assistant.vocabulary import MISSING_MARK

CUT_SHORT = {"length": "回复在写完之前达到了长度上限，请写得更简洁，完整输出整节正文",
             "content_filter": "回复被服务端的内容过滤截断，请改写后完整输出整节正文"}
_FENCE_LINE = re.compile(r"^\s*```")
_EMPHASIS = re.compile(r"\*\*|__")


@dataclass
class GuardOutcome:
    """What the guard decided: the accepted text and its check, or why the section falls back."""

    text: str | None = None
    result: CheckResult | None = None
    attempts: list[Attempt] = field(default_factory=list)
    fallback_reason: str = ""
    timed_out: bool = False  # the model ran out of time: the settings do not fit the server


@dataclass(frozen=True)
class GuardJob:
    """One section to guard: its prompt, its draft, and where to check and record."""

    prompt: SectionPrompt
    draft: Section
    table: FactTable
    matcher: Matcher
    repair_turns: int
    record: RunLog | None = None


def run_guard(client: ChatClient, job: GuardJob, stream: bool = False) -> Generator[ChatEvent, None, GuardOutcome]:
    """Yield streamed text and restarts; return the accepted text, or the reason to fall back."""
    messages = list(job.prompt.messages)
    outcome = GuardOutcome()
    for turn in range(1, job.repair_turns + 2):
        _record(job, f"prompt-{turn}.json", message_records(messages))
        kind, prompt_tokens = "draft" if turn == 1 else "repair", sum(count_tokens(m.content) for m in messages)
        try:
            reply = yield from client.complete(messages, stream, job.prompt.tokens.get("reply_limit"))
        except ModelUnavailable as exc:
            outcome.attempts.append(Attempt(turn, kind, prompt_tokens, exc.retries, exc.waits, error=str(exc),
                                            timed_out=exc.timed_out))
            outcome.fallback_reason = f"模型不可用{'（请求超时）' if exc.timed_out else ''}：{exc}"
            outcome.timed_out = exc.timed_out
            return outcome
        text = clean_reply(reply.text, job.draft.title)
        result = check_text(text, job.table, job.matcher)
        problems = find_problems(text, result, job.draft)
        if reply.finish_reason in CUT_SHORT:  # text may pass the checker and still stop mid-sentence
            problems.append(Problem("cut_short", "", CUT_SHORT[reply.finish_reason]))
        outcome.attempts.append(Attempt(turn, kind, prompt_tokens, reply.retries, reply.waits, problems=tuple(problems),
                                        usage=reply.usage, reply_tokens=count_tokens(reply.text),
                                        finish_reason=reply.finish_reason))
        _record(job, f"reply-{turn}.txt", reply.text)
        _record(job, f"check-{turn}.json", {**result.to_json(), "problems": [p.to_json() for p in problems]})
        if not problems:
            outcome.text, outcome.result = text, result
            return outcome
        if turn <= job.repair_turns:
            if stream:
                yield ChatEvent("restart", f"第 {turn} 稿有 {len(problems)} 处问题，正在修正")
            messages += [ChatMessage("assistant", reply.text),
                         ChatMessage("user", repair_message(problems, job.prompt.facts))]
    outcome.fallback_reason = f"修正 {job.repair_turns} 次后仍有错误"
    return outcome


def find_problems(text: str, result: CheckResult, draft: Section) -> list[Problem]:
    """Return what stops a text from being used: error findings, an empty reply, dropped 【待补充】 marks."""
    out = [Problem(f.code, f.text, f.message) for f in result.findings if f.severity == "error"]
    if not text.strip():
        out.append(Problem("empty_reply", "", "回复中没有正文"))
    elif text.count(MISSING_MARK) < draft.text.count(MISSING_MARK):
        out.append(Problem("placeholder_dropped", "【待补充：……】",
                           "底稿中的【待补充：……】标记被删去或改写了，请原样保留"))
    return out


def clean_reply(text: str, title: str) -> str:
    """Return a reply as paragraphs, one a line: no code fences, Markdown headings, emphasis or title."""
    plain_title = without_heading_number(title).strip()
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = _EMPHASIS.sub("", line).strip()
        if not line or _FENCE_LINE.match(line) or line.startswith("#"):
            continue
        if not lines and without_heading_number(line).strip() in (plain_title, title):
            continue  # the model repeated the heading the report already prints
        lines.append(line)
    return "\n".join(lines)


def paragraphs_from_checked(text: str, result: CheckResult) -> tuple[Paragraph, ...]:
    """Return a model text's paragraphs, each sentence carrying the facts its numbers state."""
    stated = [(n.quantity.start, n.fact) for n in result.numbers if n.status in ("supported", "derived") and n.fact]
    paragraphs, offset = [], 0
    for line in text.split("\n"):
        sentences, at = [], offset
        for piece in split_sentences(line):
            facts = tuple(dict.fromkeys(f for start, f in stated if at <= start < at + len(piece)))
            if piece.strip():
                sentences.append(Sentence(piece.strip(), facts))
            at += len(piece)
        if sentences:
            paragraphs.append(Paragraph(tuple(sentences)))
        offset += len(line) + 1
    return tuple(paragraphs)


def _record(job: GuardJob, name: str, data: Any) -> None:
    if job.record is not None:
        job.record.write(name, data)
