"""How the hybrid ranking's three settings were chosen, and what they are worth on unseen queries.

    python eval/retrieval_tuning.py        (after eval/bench_retrieval.py has built its index)

The settings are BM25's share in convex fusion (fusion.ALPHA), the boost for passages of the
section kind a query names (hybrid.KIND_BOOST) and the cap on passages of one document
(hybrid.HYBRID_PER_DOC). Choosing them on the same 68 labelled queries that measure them makes
the benchmark's figure optimistic, so this script also estimates recall@5 on queries the choice
did not see:
- leave-one-out: for each query, pick the best setting on the other 67, score the one left out;
- 5-fold, repeated over 20 shuffles: pick on four fifths, score the fifth.
It prints the best settings on all queries, the current defaults' figure and both estimates.
"""

from __future__ import annotations

import itertools
import random
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from assistant.evaluation.benchmarks import CachedQueries, evaluate, quality_settings  # noqa: E402
from assistant.retrieval.embed import make_embedder  # noqa: E402
from assistant.retrieval.fusion import ALPHA  # noqa: E402
from assistant.retrieval.hybrid import (  # noqa: E402
    HYBRID_PER_DOC,
    KIND_BOOST,
    open_index,  # noqa: E402
)

ALPHAS = (0.5, 0.6, 0.7, 0.8)
BOOSTS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
PER_DOC = (None, 4)
Setting = tuple[float, float, int | None]


def grid_scores(queries: list[dict]) -> dict[Setting, list[float]]:
    """Return each setting's recall@5 per query, hybrid with convex fusion."""
    settings = quality_settings()
    if not Path(settings.index_dir).is_dir():
        sys.exit(f"没有基准索引 {settings.index_dir}：请先运行 python eval/bench_retrieval.py --skip-speed")
    with open_index(settings, embedder=CachedQueries(make_embedder(settings))) as retriever:
        return {
            (alpha, boost, per_doc): evaluate(
                retriever, queries, "hybrid", alpha=alpha, kind_boost=boost, per_doc=per_doc
            ).per_query
            for alpha, boost, per_doc in itertools.product(ALPHAS, BOOSTS, PER_DOC)
        }


def best(scores: dict[Setting, list[float]], rows: Sequence[int]) -> Setting:
    """Return the setting with the highest mean recall over rows (ties: the earliest in the grid)."""
    return max(scores, key=lambda s: sum(scores[s][i] for i in rows))


def leave_one_out(scores: dict[Setting, list[float]], n: int) -> tuple[float, Counter[Setting]]:
    """Return the mean recall of each query under the setting chosen without it, and the choices."""
    chosen: Counter[Setting] = Counter()
    total = 0.0
    for i in range(n):
        pick = best(scores, [j for j in range(n) if j != i])
        chosen[pick] += 1
        total += scores[pick][i]
    return total / n, chosen


def k_fold(scores: dict[Setting, list[float]], n: int, folds: int = 5, repeats: int = 20) -> list[float]:
    """Return, for each shuffle, the mean recall of every query scored in the fold held out."""
    out = []
    for seed in range(repeats):
        order = list(range(n))
        random.Random(seed).shuffle(order)
        total = 0.0
        for f in range(folds):
            held = set(order[f::folds])
            pick = best(scores, [i for i in order if i not in held])
            total += sum(scores[pick][i] for i in held)
        out.append(total / n)
    return out


def fmt(setting: Setting) -> str:
    alpha, boost, per_doc = setting
    return f"ALPHA={alpha} KIND_BOOST={boost} PER_DOC={per_doc}"


def main() -> None:
    queries = yaml.safe_load((ROOT / "eval" / "retrieval_queries.yaml").read_text(encoding="utf-8"))
    scores = grid_scores(queries)
    n = len(queries)
    mean = {s: sum(v) / n for s, v in scores.items()}
    print(f"{len(scores)} 组设置 × {n} 条查询，hybrid（凸组合）recall@5：")
    for setting in sorted(mean, key=lambda s: -mean[s])[:8]:
        print(f"  {mean[setting]:.3f}  {fmt(setting)}")
    default = (ALPHA, KIND_BOOST, HYBRID_PER_DOC)
    untuned = (0.6, 0.0, None)
    print(f"当前默认 {fmt(default)}：{mean.get(default, float('nan')):.3f}")
    print(f"不加类别加权、不限篇（{fmt(untuned)}）：{mean[untuned]:.3f}")
    loo, chosen = leave_one_out(scores, n)
    top = "；".join(f"{fmt(s)} ×{c}" for s, c in chosen.most_common(3))
    print(f"留一法估计（每条查询用其余 {n - 1} 条选设置）：{loo:.3f}；选中：{top}")
    folds = k_fold(scores, n)
    print(f"5 折交叉验证（20 次重排）：平均 {statistics.mean(folds):.3f}，最低 {min(folds):.3f}，最高 {max(folds):.3f}")


if __name__ == "__main__":
    main()
