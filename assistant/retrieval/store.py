"""The vector store: a Chroma collection, local (PersistentClient) or on a server (HttpClient)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..settings import Settings

Metadata = dict[str, str | int | float | bool]


class StoreUnavailable(RuntimeError):
    """The vector store cannot be opened or reached; the message is in Chinese."""


def collection_name(embedder: str) -> str:
    """Return the Chroma collection name for vectors of one embedder."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", embedder).strip("-._") or "default"
    return f"assistant-{slug}"[:60]


def make_client(settings: Settings) -> Any:
    """Return a Chroma client: HttpClient when chroma_url is set, else PersistentClient in index_dir."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            ssl = url.scheme == "https"
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if ssl else 8000),
                ssl=ssl,
                settings=chroma_settings,
            )
        path = Path(settings.index_dir) / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:  # noqa: BLE001 - chromadb raises many kinds (connection, Rust, value)
        where = settings.chroma_url or str(Path(settings.index_dir) / "chroma")
        raise StoreUnavailable(f"无法打开向量库 {where}（{exc}）") from None


class VectorStore:
    """One Chroma collection; vectors come precomputed from our embedder, never from Chroma's."""

    def __init__(self, settings: Settings, embedder: str) -> None:
        client = make_client(settings)
        try:
            # embedding_function=None: Chroma's default would download a model.
            self._col = client.get_or_create_collection(
                collection_name(embedder),
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": embedder},
            )
        except Exception as exc:  # noqa: BLE001 - see make_client
            raise StoreUnavailable(f"无法打开向量集合（{exc}）") from None
        self._client = client
        self._batch = int(client.get_max_batch_size())

    def close(self) -> None:
        """Release the client's connections and files (a shared local database stays open for others)."""
        # chromadb 1.5's HTTP client does not close its httpx sessions (its own and its admin
        # client's) on close(); left open they leak sockets, so close them here.
        sessions = [
            getattr(getattr(owner, "_server", None), "_session", None)
            for owner in (self._client, getattr(self._client, "_admin_client", None))
        ]
        try:
            self._client.close()
            for session in sessions:
                if session is not None:
                    session.close()
        except Exception:  # noqa: BLE001, S110 - closing is best effort; nothing is lost if it fails
            pass

    def ids(self) -> set[str]:
        """Return the ids of every vector in the collection."""
        try:
            return set(self._col.get(include=[])["ids"])
        except Exception as exc:  # noqa: BLE001 - see make_client
            raise StoreUnavailable(f"无法读取向量库（{exc}）") from None

    def add(self, ids: Sequence[str], vectors: Sequence[Sequence[float]], meta: Sequence[Metadata]) -> None:
        """Store vectors with their metadata (an existing id is overwritten)."""
        try:
            for start in range(0, len(ids), self._batch):
                end = start + self._batch
                self._col.upsert(
                    ids=list(ids[start:end]),
                    embeddings=[list(v) for v in vectors[start:end]],
                    metadatas=list(meta[start:end]),
                )
        except Exception as exc:  # noqa: BLE001 - see make_client
            raise StoreUnavailable(f"无法写入向量库（{exc}）") from None

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the vectors with these ids."""
        try:
            for start in range(0, len(ids), self._batch):
                self._col.delete(ids=list(ids[start:start + self._batch]))
        except Exception as exc:  # noqa: BLE001 - see make_client
            raise StoreUnavailable(f"无法删除向量（{exc}）") from None

    def search(self, vector: Sequence[float], n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """Return up to n (id, cosine similarity) pairs nearest to vector, best first."""
        if n <= 0:
            return []
        try:
            found = self._col.query(
                query_embeddings=[list(vector)], n_results=n, where=where, include=["distances"]
            )
        except Exception as exc:  # noqa: BLE001 - see make_client
            raise StoreUnavailable(f"向量检索失败（{exc}）") from None
        ids = found["ids"][0]
        distances = (found.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]


def where_clause(conditions: dict[str, tuple[str | int, ...]]) -> dict[str, Any] | None:
    """Return a Chroma where-filter requiring every field to take one of its accepted values."""
    parts = [
        {key: values[0]} if len(values) == 1 else {key: {"$in": list(values)}}
        for key, values in conditions.items()
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}
