"""Retrieval over past reports and policy documents: ingest, index (Chroma + BM25), hybrid search.

The drafter uses::

    retriever = open_index(settings)
    passages = retriever.search("预算执行率偏低的原因", k=5, filters=Filters(type="report"))
"""

from .chunking import Chunk
from .embed import Embedder, EmbedderUnavailable, make_embedder
from .hybrid import Filters, Passage, Retriever, open_index
from .index import IndexReport, update_index
from .manifest import IndexMissing

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
