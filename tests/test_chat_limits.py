"""Bounded model replies and adaptive concurrency, against the scripted server (real HTTP, real client)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from assistant.batch import draft_files
from assistant.chat import AdaptiveLimit
from assistant.chat_prompt import reply_limit
from assistant.draft import draft_report
from assistant.figures import read_figures
from assistant.scoring import load_scheme
from assistant.writers import ChatWriter, TemplateWriter
from tests.conftest import CASES
from tests.fake_openai import FakeOpenAI, Reply, echo_draft
from tests.test_chat import SPEC, context, fake, server, settings_for, write  # noqa: F401 - fixtures

SAMPLE = CASES / "sample-2024.yaml"


@pytest.fixture
def one_slot() -> Iterator[FakeOpenAI]:
    """A server that answers one request at a time, 0.2 s each, and queues the rest."""
    slow = FakeOpenAI(delay=0.2, slots=1).start()
    yield slow
    slow.stop()


def test_every_request_carries_max_tokens_from_its_section(fake, tmp_path, context) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    write(fake, tmp_path, context)
    expected = reply_limit(TemplateWriter().write(SPEC, context))
    assert expected >= 256
    (body,) = fake.requests
    assert (body.get("max_tokens") or body.get("max_completion_tokens")) == expected


def test_a_setting_changes_the_reply_limit(fake, tmp_path, context) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    section = write(fake, tmp_path, context, reply_tokens=700)
    (body,) = fake.requests
    assert (body.get("max_tokens") or body.get("max_completion_tokens")) == 700
    assert section.provenance.tokens["reply_limit"] == 700


def test_a_never_stopping_reply_is_cut_at_the_limit_and_repaired(fake, tmp_path, context) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    fake.add(Reply(endless=True), echo_draft)
    section = write(fake, tmp_path, context, reply_tokens=300)
    first, second = section.provenance.attempts
    assert first.finish_reason == "length" and any(p.code == "cut_short" for p in first.problems)
    assert second.kind == "repair" and second.finish_reason == "stop"
    assert section.writer == "openai" and section.provenance.repaired is True


@pytest.mark.parametrize("stream", [False, True])
def test_a_model_that_never_stops_falls_back_after_its_repairs(fake, tmp_path, context, stream: bool) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    fake.reset(default=lambda body: Reply(endless=True))
    writer = ChatWriter(settings_for(fake, tmp_path, reply_tokens=200, repair_turns=1))
    try:
        events = list(writer.stream(SPEC, context, stream=stream))
    finally:
        writer.close()
    section = events[-1].section
    assert section is not None and section.writer == "template" and section.provenance.fallback is True
    assert [a.finish_reason for a in section.provenance.attempts] == ["length", "length"]
    assert section.provenance.timed_out is False
    assert all((b.get("max_tokens") or b.get("max_completion_tokens")) == 200 for b in fake.requests)


def test_a_one_slot_server_drafts_every_section_with_the_defaults(one_slot: FakeOpenAI, tmp_path: Path) -> None:
    # Defaults scaled with the server: 0.2 s a reply against a 6 s time-out is 2 s against the default 60 s.
    writer = ChatWriter(settings_for(one_slot, tmp_path, timeout=6.0))
    try:
        report = draft_report(read_figures(SAMPLE), writer=writer)
    finally:
        writer.close()
    written = [s for s in report.sections if s.provenance and s.provenance.model]
    assert len(written) >= 12
    assert all(s.writer == "openai" and not s.provenance.fallback for s in written)


def test_time_outs_lower_the_concurrency_and_the_draft_still_completes(one_slot: FakeOpenAI, tmp_path: Path) -> None:
    # Eight requests queue behind one slot at 0.2 s each; with a 1 s time-out the later ones run out of
    # time, the limit drops, and their retries get through one or two at a time.
    writer = ChatWriter(settings_for(one_slot, tmp_path, timeout=1.0, max_retries=4))
    try:
        report = draft_report(read_figures(SAMPLE), writer=writer)
        assert writer.client.limit.lowest < writer.client.limit.ceiling
    finally:
        writer.close()
    written = [s for s in report.sections if s.provenance and s.provenance.model]
    assert all(s.writer == "openai" for s in written), [s.provenance.fallback_reason for s in written]
    assert any(a.retries for s in written for a in s.provenance.attempts)


def test_the_summary_names_time_outs_and_the_setting_to_change(tmp_path: Path) -> None:
    slow = FakeOpenAI(delay=1.5).start()
    try:
        settings = settings_for(slow, tmp_path, timeout=0.5, max_retries=0)
        console = Console(file=io.StringIO(), width=200)
        (result,) = draft_files([SAMPLE], tmp_path / "out", load_scheme("national"), console, settings=settings)
    finally:
        slow.stop()
    assert result.fell_back >= 12 and result.timed_out == result.fell_back
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    assert f"有 {result.timed_out} 节因模型请求超时改用了模板稿" in printed
    assert "timeout（现为 0.5 秒" in printed and "concurrency" in printed


def test_the_limit_halves_on_a_time_out_and_grows_back_on_quick_replies() -> None:
    limit = AdaptiveLimit(8, timeout=10.0)
    limit.in_flight = 5  # five still waiting besides the one that ran out of time
    limit.timed_out()
    assert limit.limit == 3
    limit.in_flight = 0
    limit.answered(0.5)
    assert limit.limit == 4
    limit.answered(6.0)  # over half the time-out: the server is queueing
    assert limit.limit == 3
    for _ in range(10):
        limit.answered(0.5)
    assert limit.limit == 8 and limit.lowest == 3
