"""Shared fixtures: a clean environment for every test, the example cases, a local embeddings endpoint."""

from __future__ import annotations

import json
import math
import os
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "eval" / "cases"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Clear ASSISTANT_*/OPENAI_* settings and run in a fresh folder, so no test sees the user's setup."""
    for key in list(os.environ):
        if key.startswith(("ASSISTANT_", "OPENAI_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def case_files() -> list[Path]:
    """Return every example figures file."""
    return sorted(CASES.glob("*.yaml"))


DIM = 128


def bigram_vector(text: str) -> list[float]:
    """Return a normalized bag of hashed character bigrams: a cheap, deterministic embedding."""
    vec = [0.0] * DIM
    for a, b in zip(text, text[1:], strict=False):
        vec[zlib.crc32((a + b).encode()) % DIM] += 1.0
    norm = math.sqrt(sum(x * x for x in vec)) or 1.0
    return [x / norm for x in vec]


class EmbeddingsHandler(BaseHTTPRequestHandler):
    """A local OpenAI-compatible /embeddings endpoint: bigram vectors, requests recorded, status settable."""

    requests: list[dict[str, Any]] = []
    status = 200
    failures = 0  # answer this many requests with 503 first, then `status`
    url = ""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if self.failures > 0 or self.status != 200:
            self.send_response(503 if self.failures > 0 else self.status)
            type(self).failures = max(0, self.failures - 1)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        # Answer in reverse order: the client must use each item's index.
        data = [{"index": i, "embedding": bigram_vector(t)} for i, t in enumerate(body["input"])][::-1]
        payload = json.dumps({"data": data, "model": body["model"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def embeddings_server() -> Iterator[type[EmbeddingsHandler]]:
    """Serve EmbeddingsHandler on a free loopback port; yield it (its url, requests and status)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EmbeddingsHandler)
    EmbeddingsHandler.requests = []
    EmbeddingsHandler.status = 200
    EmbeddingsHandler.failures = 0
    EmbeddingsHandler.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield EmbeddingsHandler
    server.shutdown()
    server.server_close()
    thread.join()
