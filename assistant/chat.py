"""The chat-model client: ChatOpenAI against any OpenAI-compatible endpoint, with our own retries.

Retries live here rather than in the openai client so that the wait honours Retry-After, the
backoff is a setting (tests use milliseconds), a cut-off stream is retried like a dropped
connection, and every retry is written down in the section's provenance.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import SecretStr

from assistant.secrets import redact_text
from assistant.settings import Settings

log = logging.getLogger("assistant.chat")
MAX_WAIT = 60.0  # never sleep longer than this on one retry, whatever Retry-After says


class ChatNotConfigured(ValueError):
    """The chat backend was chosen but a setting it needs is missing; the message is in Chinese."""


class ModelUnavailable(RuntimeError):
    """The model gave no usable answer after the allowed retries; the message is in Chinese.

    `timed_out` says the last try ran out of time: settings that do not fit the server, not a broken model.
    """

    def __init__(self, message: str, retries: Sequence[str] = (), waits: Sequence[float] = (),
                 timed_out: bool = False) -> None:
        super().__init__(message)
        self.retries = tuple(retries)
        self.waits = tuple(waits)  # seconds slept before each retry
        self.timed_out = timed_out


class AdaptiveLimit:
    """How many requests may be in flight at once: fewer when the server queues, more when it keeps up.

    A request that times out halves the limit; one that takes over half the time-out (the server is
    queueing it) lowers it by one; one that comes back sooner raises it by one, up to `ceiling`.
    Thread-safe; every request of a run goes through the one limit of its client.
    """

    def __init__(self, ceiling: int, timeout: float) -> None:
        self.ceiling = self.limit = self.lowest = max(1, ceiling)
        self.timeout = timeout
        self.in_flight = 0
        self._cond = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one request slot for the block, waiting while the limit is reached."""
        with self._cond:
            self._cond.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()

    def timed_out(self) -> None:
        """Note a request that ran out of time: allow half of what was in flight with it."""
        self._set(min(self.limit, self.in_flight + 1) // 2)

    def answered(self, seconds: float) -> None:
        """Note a request answered after seconds."""
        self._set(self.limit + 1 if seconds < self.timeout / 2 else self.limit - 1)

    def _set(self, limit: int) -> None:
        with self._cond:
            old, self.limit = self.limit, min(self.ceiling, max(1, limit))
            self.lowest = min(self.lowest, self.limit)
            self._cond.notify_all()
        if self.limit < old:
            log.warning("模型服务响应变慢，同时发出的请求由 %d 个减为 %d 个", old, self.limit)


class _Incomplete(RuntimeError):
    """A streamed answer that ended without a finish reason: the connection was cut."""


@dataclass(frozen=True)
class ChatMessage:
    """One message of a conversation with the model (turned into the client's own type at the edge)."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class ChatEvent:
    """What the client reports while it works: more text, or a restart (a retry: drop what was shown)."""

    kind: Literal["delta", "restart"]
    text: str = ""


@dataclass(frozen=True)
class Reply:
    """One complete answer: its text, why it ended, token usage and the retries it took."""

    text: str
    finish_reason: str
    usage: dict[str, int] = field(default_factory=dict)
    retries: tuple[str, ...] = ()
    waits: tuple[float, ...] = ()  # seconds slept before each retry, as decided (Retry-After or backoff)


def check_configured(settings: Settings) -> None:
    """Return nothing when the chat backend can run; raise ChatNotConfigured naming what is missing."""
    missing = []
    if not settings.model:
        missing.append("模型名称 model（--model、环境变量 ASSISTANT_MODEL 或 assistant.toml 中的 model）")
    if not settings.base_url and not settings.api_key:
        missing.append("API 密钥（环境变量 OPENAI_API_KEY 或 ASSISTANT_API_KEY）；"
                       "使用本地服务（vLLM、Ollama 等）时改为设置服务地址 base_url（--base-url 或 OPENAI_BASE_URL）")
    if missing:
        raise ChatNotConfigured("使用 --backend openai 起草需要配置对话模型，缺少：" + "；".join(missing))


def redact(text: str, settings: Settings) -> str:
    """Return text with every credential of the settings (key, URL user-info, headers) replaced by ***."""
    return redact_text(text, settings)


class ChatClient:
    """One configured model; thread-safe (the underlying HTTP client is shared by all sections)."""

    def __init__(self, settings: Settings) -> None:
        check_configured(settings)
        self.settings = settings
        self.model_name = settings.model or ""
        self._llm = _chat_model(settings)
        self.limit = AdaptiveLimit(settings.concurrency * settings.project_concurrency, settings.timeout)

    def complete(self, messages: Sequence[ChatMessage], stream: bool = False,
                 max_tokens: int | None = None) -> Generator[ChatEvent, None, Reply]:
        """Yield text as it arrives (when streaming) and return the whole reply, retrying failures.

        max_tokens bounds the reply: a model that never stops is cut there (finish reason "length").
        """
        import openai  # the client library loads only when a model is used

        llm = self._llm.bind(max_tokens=max_tokens) if max_tokens else self._llm
        retries: list[str] = []
        waits: list[float] = []
        for attempt in range(self.settings.max_retries + 1):
            started = time.monotonic()
            try:
                with self.limit.slot():
                    reply = yield from (self._stream(llm, messages) if stream else self._invoke(llm, messages))
                self.limit.answered(time.monotonic() - started)
                return Reply(reply.text, reply.finish_reason, reply.usage, tuple(retries), tuple(waits))
            except Exception as exc:
                reason = self._describe(exc)
                timed_out = isinstance(exc, openai.APITimeoutError)
                if timed_out:
                    self.limit.timed_out()
                if not retryable(exc) or attempt == self.settings.max_retries:
                    raise ModelUnavailable(reason, retries, waits, timed_out) from None
                wait = self._wait(exc, attempt)
                retries.append(f"{reason}；{wait:.2f} 秒后重试")
                waits.append(wait)
                log.warning("模型 %s 请求失败：%s；%.2f 秒后第 %d 次重试", self.model_name, reason, wait, attempt + 1)
                if stream:
                    yield ChatEvent("restart", f"请求失败，正在重试（{reason}）")
                time.sleep(wait)
        raise AssertionError("unreachable")  # the loop either returns or raises

    def _invoke(self, llm: Any, messages: Sequence[ChatMessage]) -> Generator[ChatEvent, None, Reply]:
        message = llm.invoke(_langchain_messages(messages))
        meta = message.response_metadata or {}
        return Reply(_text(message.content), str(meta.get("finish_reason") or ""), _usage(message))
        yield  # a generator like _stream, so complete() treats both alike

    def _stream(self, llm: Any, messages: Sequence[ChatMessage]) -> Generator[ChatEvent, None, Reply]:
        parts: list[str] = []
        finish, usage = "", dict[str, int]()
        for chunk in llm.stream(_langchain_messages(messages)):
            piece = _text(chunk.content)
            if piece:
                parts.append(piece)
                yield ChatEvent("delta", piece)
            finish = str((chunk.response_metadata or {}).get("finish_reason") or finish)
            usage = _usage(chunk) or usage
        if not finish:
            raise _Incomplete("回复流在结束前中断")
        return Reply("".join(parts), finish, usage)

    def _describe(self, exc: Exception) -> str:
        status = getattr(exc, "status_code", None)
        kind = {429: "请求过于频繁（429）"}.get(status or 0, f"HTTP {status}" if status else type(exc).__name__)
        return redact(f"{kind}：{exc}", self.settings)

    def _wait(self, exc: Exception, attempt: int) -> float:
        return retry_wait(exc, attempt, self.settings.retry_backoff)


def retry_wait(exc: Exception, attempt: int, backoff: float) -> float:
    """Return how long to wait before the next try: Retry-After if the server said, else backoff."""
    told = _retry_after(exc)
    if told is not None:
        return min(told, MAX_WAIT)
    base = backoff * 2**attempt
    return min(base * random.uniform(0.8, 1.2), MAX_WAIT)  # jitter: concurrent requests do not retry in step


def _chat_model(settings: Settings) -> Any:
    from langchain_openai import ChatOpenAI

    # Local servers (vLLM, Ollama) need no key, but the client insists on one.
    key = settings.api_key or SecretStr("not-needed")
    return ChatOpenAI(model=settings.model or "", base_url=settings.base_url, api_key=key,
                      temperature=settings.temperature, timeout=settings.timeout, max_retries=0, stream_usage=True)


def _langchain_messages(messages: Sequence[ChatMessage]) -> list[Any]:
    """Return our messages as LangChain's (imported here: the client library loads only when a model is used)."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m.role](m.content) for m in messages]


def retryable(exc: Exception) -> bool:
    """Return whether trying again may help: timeouts, dropped connections, 408/409/429 and 5xx."""
    import openai

    if isinstance(exc, _Incomplete | openai.APIConnectionError):  # APITimeoutError is one of these
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(exc, openai.APIStatusError) and (status in (408, 409, 429) or (status or 0) >= 500)


def _retry_after(exc: Exception) -> float | None:
    """Return the wait the server asked for (Retry-After-Ms or Retry-After, seconds or a date)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        if headers.get("retry-after-ms"):
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if not value:
            return None
        if value.strip().replace(".", "", 1).isdigit():
            return max(0.0, float(value))
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _text(content: Any) -> str:
    """Return a message's text: content is a string, or a list of parts for some providers."""
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content or ())


def _usage(message: Any) -> dict[str, int]:
    usage = getattr(message, "usage_metadata", None) or {}
    return {k: int(usage[k]) for k in ("input_tokens", "output_tokens") if k in usage}
