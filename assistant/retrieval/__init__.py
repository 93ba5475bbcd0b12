"""Retrieval over past reports and policy documents: ingest, index (Chroma + BM25), hybrid search.

The drafter uses::

    with open_index(settings) as retriever:       # assistant.retrieval.hybrid
        passages = retriever.search("预算执行率偏低的原因", k=5, filters=Filters(type="report"))

Import names from their modules (chunking, embed, hybrid, index, manifest): this package imports
nothing, so `import assistant.retrieval.commands` (done by the command line for every command)
does not load numpy, jieba or chromadb.
"""
