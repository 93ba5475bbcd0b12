"""Hybrid search: BM25 and vector hits fused into one ranking, with metadata filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from ..settings import Settings
from .chunking import Chunk, section_kind
from .embed import Embedder, EmbedderUnavailable, close_embedder, make_embedder
from .fusion import Fusion, Hits, fuse
from .index import vector_store_name
from .ingest import Scalar
from .lexical import LexicalIndex
from .manifest import IndexCorrupt, IndexMissing, Manifest, check_index_dir, read_chunks, read_manifest
from .store import StoreUnavailable, VectorStore, where_clause

Method = Literal["hybrid", "bm25", "vector"]
POOL = 50  # candidates taken from each method before fusing
# At most this many passages of one document in a hybrid result list ("auto"), so that one policy
# digest, whose sections all share its vocabulary, cannot fill the list alone. Not in BM25-only
# mode: there it lowered recall@5 on the labelled queries (0.835 to 0.793).
HYBRID_PER_DOC = 4
# Added to the fused score (0..1) of passages whose section kind is the one the query names, read
# by the same rules as headings (偏差原因 → problems, 改进措施 → improvements, 执行率 → funds).
# A query about deviation reasons then finds the reports' deviation sections, not only the
# deviation digest. How 0.15 was chosen, and its cross-validated effect: eval/retrieval_tuning.py.
KIND_BOOST = 0.15
# A section kind and the finer kinds found inside it: indicator completion holds output and benefit.
KIND_GROUPS: dict[str, tuple[str, ...]] = {"indicators": ("indicators", "output", "benefit")}


@dataclass(frozen=True)
class Filters:
    """Restrictions on what search may return; None means any."""

    type: str | None = None
    department: str | None = None
    year: int | None = None
    kind: str | None = None

    def conditions(self) -> dict[str, tuple[str | int, ...]]:
        """Return the set restrictions as field → accepted values."""
        kinds = KIND_GROUPS.get(self.kind, (self.kind,)) if self.kind else None
        items = {
            "type": (self.type,) if self.type else None,
            "department": (self.department,) if self.department else None,
            "year": (self.year,) if self.year is not None else None,
            "kind": kinds,
        }
        return {key: value for key, value in items.items() if value}


@dataclass(frozen=True)
class Passage:
    """One search hit: where it comes from, its text, and its fused score (1.0 = top of both lists)."""

    doc: str
    title: str
    section: str
    text: str
    score: float
    metadata: dict[str, Scalar] = field(default_factory=dict, hash=False, compare=False)
    id: str = ""


class Retriever:
    """Searches one index; falls back to BM25 alone when vectors are unavailable (see notices)."""

    def __init__(
        self,
        chunks: list[Chunk],
        lexical: LexicalIndex,
        vectors: VectorStore | None = None,
        embedder: Embedder | None = None,
        notices: Sequence[str] = (),
        owns_embedder: bool = False,
    ) -> None:
        self.chunks = chunks
        self._owns_embedder = owns_embedder
        self._lexical = lexical
        self._vectors = vectors if embedder is not None else None
        self._embedder = embedder
        self.notices: list[str] = list(notices)
        self._rows = {chunk.id: row for row, chunk in enumerate(chunks)}
        self._columns = {
            "type": np.array([c.type for c in chunks], dtype=object),
            "department": np.array([c.metadata.get("department") for c in chunks], dtype=object),
            "year": np.array([c.metadata.get("year") for c in chunks], dtype=object),
            "kind": np.array([c.kind for c in chunks], dtype=object),
        }

    def close(self) -> None:
        """Release the vector store's connections (and an embedder this retriever created)."""
        if self._vectors is not None:
            self._vectors.close()
            self._vectors = None
        if self._owns_embedder:
            close_embedder(self._embedder)

    def __enter__(self) -> Retriever:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def mode(self) -> Method:
        """Return "hybrid" when vectors are usable, else "bm25"."""
        return "hybrid" if self._vectors is not None else "bm25"

    def search(
        self,
        query: str,
        k: int = 5,
        filters: Filters | None = None,
        method: Method | None = None,
        per_doc: int | None | Literal["auto"] = "auto",
        fusion: Fusion = "convex",
        alpha: float | None = None,
        kind_boost: float = KIND_BOOST,
    ) -> list[Passage]:
        """Return the k best passages for query within filters.

        per_doc caps the passages of one document ("auto": HYBRID_PER_DOC when two lists are fused,
        else no cap; None: no cap). alpha is BM25's share in convex fusion (None: fusion.ALPHA).
        """
        method = method or self.mode
        filters = filters or Filters()
        lists: dict[str, Hits] = {}
        pool = max(POOL, 4 * k)
        if method in ("hybrid", "bm25"):
            lists["bm25"] = self._lexical.search(query, pool, self._mask(filters))
        if method in ("hybrid", "vector"):
            vector_hits = self._vector_hits(query, pool, filters)
            if vector_hits is not None:
                lists["vector"] = vector_hits
        if per_doc == "auto":
            per_doc = HYBRID_PER_DOC if sum(bool(hits) for hits in lists.values()) > 1 else None
        picked: list[Passage] = []
        per: dict[str, int] = {}
        for row, score in self._boost_kind(fuse(lists, fusion, alpha), query, kind_boost):
            doc = self.chunks[row].doc
            if per_doc is None or per.get(doc, 0) < per_doc:
                per[doc] = per.get(doc, 0) + 1
                picked.append(self._passage(row, score))
                if len(picked) == k:
                    break
        return picked

    def _boost_kind(self, fused: list[tuple[int, float]], query: str, boost: float) -> list[tuple[int, float]]:
        """Return the fused rows re-ranked with boost for the section kind the query names, scores
        scaled back so that 1.0 stays the top."""
        kind = section_kind((query,))
        if kind == "other" or not boost:
            return fused
        kinds = self._columns["kind"]
        boosted = [(row, (score + boost * (kinds[row] == kind)) / (1 + boost)) for row, score in fused]
        return sorted(boosted, key=lambda item: (-item[1], item[0]))

    def _mask(self, filters: Filters) -> np.ndarray | None:
        conditions = filters.conditions()
        if not conditions:
            return None
        mask = np.ones(len(self.chunks), dtype=bool)
        for key, values in conditions.items():
            mask &= np.isin(self._columns[key], np.array(values, dtype=object))
        return mask

    def _vector_hits(self, query: str, n: int, filters: Filters) -> list[tuple[int, float]] | None:
        if self._vectors is None or self._embedder is None:
            return None
        try:
            vector = self._embedder.embed_query([query])[0]
            hits = self._vectors.search(vector, n, where_clause(filters.conditions()))
        except (EmbedderUnavailable, StoreUnavailable) as exc:
            self.notices.append(f"{exc}；改为只用关键词检索（BM25）。")
            self._vectors.close()
            self._vectors = None
            return None
        # Ids not in this generation are leftovers of an interrupted run: not part of the index.
        return [(self._rows[i], score) for i, score in hits if i in self._rows]

    def _passage(self, row: int, score: float) -> Passage:
        chunk = self.chunks[row]
        meta = {**chunk.metadata, "kind": chunk.kind}
        return Passage(chunk.doc, chunk.title, chunk.section, chunk.text, round(score, 4), meta, chunk.id)


def open_index(settings: Settings, embedder: Embedder | None = None) -> Retriever:
    """Return a retriever over the index in settings.index_dir; raise IndexMissing if there is none."""
    manifest, chunks, lexical = _load_generation(Path(settings.index_dir))
    notices: list[str] = []
    emb, vectors = _open_vectors(settings, manifest, embedder, notices)
    return Retriever(chunks, lexical, vectors, emb, notices, owns_embedder=embedder is None)


def _load_generation(index_dir: Path) -> tuple[Manifest, list[Chunk], LexicalIndex]:
    check_index_dir(index_dir)
    for attempt in range(2):
        manifest = read_manifest(index_dir)
        if manifest is None:
            break
        folder = manifest.generation_dir(index_dir)
        try:
            return manifest, read_chunks(folder), LexicalIndex.load(folder / "bm25")
        except FileNotFoundError:
            # An index run switched generations while we read; the manifest now names the new one.
            if attempt:
                raise IndexMissing(f"检索索引不完整（{folder}）：请重新运行 assistant index") from None
        except Exception:  # noqa: BLE001 - damaged chunk or BM25 files fail in json, numpy or bm25s
            raise IndexCorrupt(f"检索索引已损坏（{folder} 中的文件无法读取）：请重新运行 assistant index") from None
    raise IndexMissing(f"还没有检索索引（{index_dir}）：请先运行 assistant index 语料文件夹")


def _open_vectors(
    settings: Settings, manifest: Manifest, embedder: Embedder | None, notices: list[str]
) -> tuple[Embedder | None, VectorStore | None]:
    if manifest.embedder is None:
        notices.append("索引中没有完整的向量，只用关键词检索（BM25）。")
        return None, None
    if manifest.vector_store != vector_store_name(settings):
        notices.append(
            f"索引的向量存放在 {manifest.vector_store}，与当前设置（{vector_store_name(settings)}）不同，"
            "只用关键词检索（BM25）。"
        )
        return None, None
    emb: Embedder | None = None
    try:
        emb = embedder or make_embedder(settings)
        if emb.name == manifest.embedder:
            return emb, VectorStore(settings, emb.name)
        notices.append(
            f"索引的向量由 {manifest.embedder} 计算，当前设置为 {emb.name}，只用关键词检索（BM25）。"
        )
    except (EmbedderUnavailable, StoreUnavailable) as exc:
        notices.append(f"{exc}；只用关键词检索（BM25）。")
    if embedder is None:
        close_embedder(emb)
    return None, None
