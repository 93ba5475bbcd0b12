"""A scripted OpenAI-compatible server on 127.0.0.1 for tests and benchmarks (real HTTP, real client).

Replies come from a queue; when it is empty, `default` answers (by default it echoes the draft the
prompt carries between <底稿> and </底稿>, which is what a perfectly faithful model would write).
Every request body is recorded. A reply can be slow, fail with a status and headers (429 with
Retry-After, 500), cut its stream short, or never stop (`endless`: it writes until the request's
max_tokens, counting one character as one token, and forever when there is none). With `slots=1`
the server answers one request at a time and queues the rest, as llama.cpp and Ollama do by default.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DRAFT = re.compile(r"<底稿>\n?(.*?)\n?</底稿>", re.S)


@dataclass(frozen=True)
class Reply:
    """One scripted answer: text, or an error status; optionally slow or cut off mid-stream."""

    text: str = ""
    delay: float = 0.0
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    cut: str = ""  # "" | "drop" (close without [DONE]) | "broken" (promise more bytes than sent)
    finish: str = "stop"
    endless: bool = False  # a model that does not stop: text until max_tokens, finish "length"


ENDLESS_TEXT = "本项目持续推进各项工作，"


def reply_limit(body: dict[str, Any]) -> int | None:
    """Return the most tokens the request allows its answer, or None when it sets no limit."""
    limit = body.get("max_tokens") or body.get("max_completion_tokens")
    return int(limit) if limit else None


Responder = Callable[[dict[str, Any]], Reply]


def first_user_text(body: dict[str, Any]) -> str:
    """Return the first user message of a request: the section prompt."""
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


def echo_draft(body: dict[str, Any]) -> Reply:
    """Return the deterministic draft the prompt carries: a faithful model's answer."""
    m = DRAFT.search(first_user_text(body))
    return Reply(m.group(1) if m else "本节内容已按要求撰写。")


AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(万元|%)")


def wrong_figures(text: str) -> str:
    """Return text with every amount and percentage changed: 138.78万元 → 145.55万元, 99.84% → 103.17%."""
    def shift(m: re.Match[str]) -> str:
        return f"{float(m.group(1)) + (6.77 if m.group(2) == '万元' else 3.33):.2f}{m.group(2)}"
    return AMOUNT.sub(shift, text)


def wrong_model(sent: list[str], gives_in: str = "资金到位") -> Responder:
    """Return a model that answers with wrong figures (every amount and percentage of the draft changed).
    On a repair turn it gives in (answers the draft as it is) for sections whose draft holds `gives_in`, and
    insists on its wrong figures everywhere else. Every wrong figure it sends is appended to `sent`."""
    def answer(body: dict[str, Any]) -> Reply:
        m = DRAFT.search(first_user_text(body))
        draft = m.group(1) if m else ""
        if len(body["messages"]) > 2 and gives_in in draft:
            return Reply(draft)
        wrong = wrong_figures(draft)
        sent.extend(x.group(0) for x in AMOUNT.finditer(wrong))
        return Reply(wrong)
    return answer


class FakeOpenAI:
    """The server: start() binds port 0 in a thread; url is its /v1 base; requests are recorded."""

    def __init__(self, default: Responder = echo_draft, delay: float = 0.0, slots: int = 0) -> None:
        self.queue: deque[Reply | Responder] = deque()
        # At most `slots` requests are answered at once (0: no limit); the others wait, as in a queue.
        self.slots = threading.BoundedSemaphore(slots) if slots else None
        self.stopped = threading.Event()
        self.default = default
        self.delay = delay  # added before every answer (the benchmark's 1 s model)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.times: list[float] = []
        self.most_at_once = 0  # the most requests the server was answering at the same moment
        self._answering = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._server.handle_error = lambda request, address: None  # a client hanging up is normal here
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Return the base URL a client is given (…/v1)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        """Return the server, now answering in its thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and release the port."""
        self.stopped.set()  # an endless answer without a limit ends here
        self._server.shutdown()
        self._server.server_close()

    def reset(self, default: Responder = echo_draft, delay: float = 0.0) -> None:
        """Forget queued replies and recorded requests; set the default answer and delay."""
        with self._lock:
            self.queue.clear()
            self.requests.clear()
            self.headers.clear()
            self.times.clear()
            self.most_at_once = 0
            self.default, self.delay = default, delay

    def add(self, *replies: Reply | Responder) -> None:
        """Queue replies (or functions of the request body) for the next requests, in order."""
        with self._lock:
            self.queue.extend(replies)

    def next_reply(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        """Return the answer to a request, after recording it."""
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            self.times.append(time.monotonic())
            item = self.queue.popleft() if self.queue else self.default
        return item if isinstance(item, Reply) else item(body)

    def answering(self, change: int) -> None:
        """Count a request being answered (+1) or done (−1), keeping the most at once."""
        with self._lock:
            self._answering += change
            self.most_at_once = max(self.most_at_once, self._answering)


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the benchmark opens dozens of connections at once
    daemon_threads = True


def _completion(text: str, finish: str, model: str) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
            "usage": {"prompt_tokens": 100, "completion_tokens": len(text), "total_tokens": 100 + len(text)}}


def _chunk(delta: dict[str, Any], finish: str | None, model: str) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _events(reply: Reply, body: dict[str, Any]) -> list[bytes]:
    """Return the SSE events of a streamed answer, split into small pieces like a real server."""
    model = body.get("model", "fake")
    pieces = [reply.text[i:i + 12] for i in range(0, len(reply.text), 12)]
    out = [_chunk({"role": "assistant", "content": ""}, None, model)]
    out += [_chunk({"content": p}, None, model) for p in pieces]
    out.append(_chunk({}, reply.finish, model))
    if (body.get("stream_options") or {}).get("include_usage"):
        out.append({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
                    "choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": len(reply.text),
                                             "total_tokens": 100 + len(reply.text)}})
    return [f"data: {json.dumps(e, ensure_ascii=False)}\n\n".encode() for e in out] + [b"data: [DONE]\n\n"]


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.endswith("/embeddings"):  # cheap deterministic vectors, for apps that search too
                from tests.conftest import bigram_vector

                data = [{"index": i, "embedding": bigram_vector(t)} for i, t in enumerate(body.get("input", []))]
                self._send(200, {"data": data, "model": body.get("model", "fake")})
                return
            if not self.path.endswith("/chat/completions"):
                self._send(404, {"error": {"message": "not found"}})
                return
            if fake.slots is None:
                self._answer(body)
                return
            with fake.slots:
                self._answer(body)

        def _answer(self, body: dict[str, Any]) -> None:
            reply = fake.next_reply(body, {k.lower(): v for k, v in self.headers.items()})
            fake.answering(+1)
            try:
                time.sleep(fake.delay + reply.delay)
                if reply.endless:
                    self._endless(body)
                    return
                if reply.status != 200:
                    error = {"message": reply.text or f"scripted {reply.status}", "type": "fake"}
                    self._send(reply.status, {"error": error}, reply.headers)
                elif body.get("stream"):
                    self._stream(reply, body)
                else:
                    self._send(200, _completion(reply.text, reply.finish, body.get("model", "fake")))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test): nothing to answer
            finally:
                fake.answering(-1)

        def _endless(self, body: dict[str, Any]) -> None:
            """Answer like a model that never stops: text until max_tokens, or until the client gives up."""
            limit, model = reply_limit(body), body.get("model", "fake")
            if not body.get("stream"):
                if limit is None:
                    fake.stopped.wait()
                    return
                text = (ENDLESS_TEXT * (limit // len(ENDLESS_TEXT) + 1))[:limit]
                self._send(200, _completion(text, "length", model))
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            sent = 0
            while (limit is None or sent < limit) and not fake.stopped.is_set():
                piece = ENDLESS_TEXT[: (limit - sent) if limit else None]
                self.wfile.write(f"data: {json.dumps(_chunk({'content': piece}, None, model))}\n\n".encode())
                self.wfile.flush()
                sent += len(piece)
                if limit is None:
                    time.sleep(0.01)
            for event in (_chunk({}, "length", model),):
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.close_connection = True

        def _send(self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(data, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
            events = _events(reply, body)
            if reply.cut:
                events = events[: max(2, len(events) // 2)]
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            if reply.cut == "broken":  # promise a longer body than is sent: the client sees a broken read
                self.send_header("Content-Length", str(sum(map(len, events)) + 1000))
            self.end_headers()
            for event in events:
                self.wfile.write(event)
                self.wfile.flush()
            self.close_connection = True

    return Handler
