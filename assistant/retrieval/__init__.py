"""Retrieval over past reports and policy documents: ingest, index (Chroma + BM25), hybrid search.

The drafter uses::

    with open_index(settings) as retriever:
        passages = retriever.search("预算执行率偏低的原因", k=5, filters=Filters(type="report"))

Names are imported on first use, so `import assistant.retrieval.commands` (done by the command
line for every command) does not load numpy, jieba or chromadb.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .chunking import Chunk
    from .embed import Embedder, EmbedderUnavailable, make_embedder
    from .hybrid import Filters, Passage, Retriever, open_index
    from .index import IndexReport, update_index
    from .manifest import IndexMissing

_EXPORTS = {
    "Chunk": "chunking",
    "Embedder": "embed",
    "EmbedderUnavailable": "embed",
    "make_embedder": "embed",
    "Filters": "hybrid",
    "Passage": "hybrid",
    "Retriever": "hybrid",
    "open_index": "hybrid",
    "IndexReport": "index",
    "update_index": "index",
    "IndexMissing": "manifest",
}
__all__ = [
    "Chunk",
    "Embedder",
    "EmbedderUnavailable",
    "Filters",
    "IndexMissing",
    "IndexReport",
    "Passage",
    "Retriever",
    "make_embedder",
    "open_index",
    "update_index",
]


def __getattr__(name: str) -> Any:
    """Return an exported name, importing its module on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
