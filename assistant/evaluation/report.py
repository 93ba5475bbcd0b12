"""report.md of `assistant eval`: a summary first (per writer, the checker's mutation recall against a naive
guard, the best retrieval method, and what moved against a baseline), then the tables per case, per mutation
kind and per retrieval method. Headings and labels are plain Chinese; shares are percentages with one
decimal, MRR three decimals, scores and seconds two decimals, counts whole with thousands separators.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant.evaluation.bench_results import MutationBenchmark, RetrievalBenchmark
from assistant.evaluation.compare import Comparison, Move
from assistant.evaluation.results import DraftMetrics, EvalResults
from assistant.files import write_text_atomic

REPORT_NAME = "report.md"
KIND_LABELS = {
    "digit change": "改动一位数字", "digit transposition": "相邻数字对调", "rounding beyond precision": "超出精度取整",
    "unit scale": "金额单位换错", "percentage change": "百分比改动", "values swapped": "两个数互换",
    "verdict flip": "完成结论颠倒", "coincidence": "换成他项的数值", "target bound changed": "目标界值改动",
    "name shortened": "简称指标并换数", "number moved": "数字挪到他处", "Chinese-numeral change": "中文数字改动",
}
REWRITE_LABELS = {
    "Chinese numerals": "写成中文数字", "unit conversion": "换算金额单位", "百分之": "写成“百分之”",
    "name shortened": "指标名用简称", "separators": "加千位分隔符",
}
METHOD_LABELS = {"bm25": "关键词（BM25）", "vector": "向量", "hybrid": "混合（默认）", "hybrid-rrf": "混合（RRF）"}
METRIC_LABELS = {
    "drafted": "已评测案例", "precision": "数字准确率", "recall": "必备事实召回率", "completeness": "章节完整率",
    "answered": "问题与改进回应率", "unsupported": "无据数字", "contradicted": "矛盾数字",
    "claim_errors": "结论与计算错误",
    "score_right": "得分正确", "grade_right": "等级正确", "author_faults": "填报问题写成项目问题",
    "boilerplate": "跨案例套话句", "impossible": "不可能的数字", "seconds": "用时（秒）", "kept_share": "模型稿保留率",
}


def pct(share: float) -> str:
    """Return a share (0–1) as a percentage with one decimal: 0.9964 → 99.6%."""
    return f"{share * 100:.1f}%"


def writer_label(writer: str) -> str:
    """Return how the report names a writer: 模板, 模型（openai）, 外部稿件 NAME."""
    if writer.startswith("runs:"):
        return f"外部稿件 {writer.removeprefix('runs:')}"
    return {"template": "模板", "openai": "模型（openai）"}.get(writer, writer)


def passes_checklist(m: DraftMetrics) -> bool:
    """Return whether a draft passes the reviewer checklist: no figures-file fault published as a project
    problem, no sentence repeated across cases, no impossible figure."""
    return m.author_faults == 0 and m.boilerplate == 0 and m.impossible == 0


def render_report(results: EvalResults, comparison: Comparison | None = None, charts: Sequence[Path] = ()) -> str:
    """Return report.md's text; charts (file names beside the report) are shown at the end."""
    parts = [f"# 绩效自评报告起草助手评测报告\n\n{_run_line(results)}", "## 摘要", *_summary(results, comparison)]
    for writer in results.writers:
        parts += [f"## 各案例结果：{writer_label(writer)}", _case_table(results, writer)]
    if results.mutations:
        parts += ["## 核对器变异基准（按变异类型）", _mutation_tables(results.mutations)]
    if results.retrieval:
        parts += ["## 检索基准（按方法）", _retrieval_table(results.retrieval)]
    if comparison is not None and comparison.moves:
        parts += ["## 与基线相比的全部变化", _moves_table(comparison.moves)]
    if charts:
        parts += ["## 图表", "\n\n".join(f"![{_chart_title(p)}]({p.name})" for p in charts)]
    return "\n\n".join(parts) + "\n"


def write_report(results: EvalResults, out_dir: Path, comparison: Comparison | None = None,
                 charts: Sequence[Path] = ()) -> Path:
    """Write report.md into out_dir; return its path."""
    path = out_dir / REPORT_NAME
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, render_report(results, comparison, charts))
    return path


def _run_line(r: EvalResults) -> str:
    return (f"评测于 {r.started}，用时 {r.seconds:.2f} 秒；评分方案 {r.scheme}；案例 {len(r.cases)} 个；"
            f"写作方式：{'、'.join(writer_label(w) for w in r.writers) or '无'}。")


# ---------------------------------------------------------------- the summary

def _summary(r: EvalResults, comparison: Comparison | None) -> list[str]:
    out = []
    if r.summaries:
        out.append(_writer_table(r))
    lines = [f"- {writer_label(s.writer)}：模型写的 {s.chat.sections} 节中保留模型稿 {s.chat.kept} 节"
             f"（{pct(s.chat.kept_share)}），其中经修复后保留 {s.chat.repaired} 节，"
             f"回退为模板稿 {s.chat.fallbacks} 节；"
             f"提示 {s.chat.prompt_tokens:,} 词元，回复 {s.chat.reply_tokens:,} 词元。"
             for s in r.summaries if s.chat]
    if r.mutations:
        lines.append(_mutation_line(r.mutations))
    if r.retrieval and r.retrieval.methods:
        lines.append(_retrieval_line(r.retrieval))
    if comparison is not None:
        lines += _comparison_lines(comparison)
    if lines:
        out.append("\n".join(lines))
    return out


def _writer_table(r: EvalResults) -> str:
    head = ["写作方式", "已评测/案例", "数字准确率", "必备事实召回率", "矛盾数字", "结论与计算错误", "得分正确",
            "等级正确", "审阅清单通过"]
    rows = []
    for s in r.summaries:
        done = [d.metrics for d in r.drafts if d.writer == s.writer and d.metrics is not None]
        passed = sum(passes_checklist(m) for m in done)
        rows.append([writer_label(s.writer), f"{s.drafted}/{s.cases}", pct(s.precision), pct(s.recall),
                     str(s.contradicted), str(s.claim_errors), f"{s.score_right}/{s.drafted}",
                     f"{s.grade_right}/{s.drafted}", f"{passed}/{s.drafted}"])
    note = ("数字准确率 =（有据 + 可推算）÷ 文中全部数字；必备事实召回率 = 写出的必备事实 ÷ 必备事实；"
            "审阅清单：没有把填报问题写成项目问题、没有跨案例重复的套话句、没有不可能的数字。")
    return _table(head, rows) + "\n\n" + note


def _mutation_line(b: MutationBenchmark) -> str:
    made = sum(k.mutations for k in b.kinds)
    ours, naive = sum(k.caught for k in b.kinds), sum(k.baseline_caught for k in b.kinds)
    worst = min(b.kinds, key=lambda k: k.recall, default=None)
    rewrites = sum(e.rewrites for e in b.equivalents)
    flagged = sum(e.flagged for e in b.equivalents)
    sample = f"（每类抽取至多 {b.per_kind:,} 个）" if b.per_kind else ""
    share = (lambda n: pct(n / made)) if made else (lambda n: "—")
    text = (f"- 核对器变异基准：{b.texts} 篇忠实文本、{made:,} 个变异{sample}，"
            f"核对器检出 {share(ours)}，朴素基线（逐字比对数值）检出 {share(naive)}")
    if worst is not None:
        text += f"；最低的一类是{KIND_LABELS.get(worst.kind, worst.kind)}（{pct(worst.recall)}）"
    return text + (f"。误报：忠实文本 {b.false_alarms}/{b.clean_texts} 篇，等价改写 {flagged:,}/{rewrites:,} 处"
                   f"（朴素基线误报忠实文本 {b.baseline_false_alarms}/{b.clean_texts} 篇）。")


def _retrieval_line(b: RetrievalBenchmark) -> str:
    best = max(b.methods, key=lambda m: (m.recall.get(5, 0.0), m.mrr))
    ks = "，".join(f"recall@{k} {pct(v)}" for k, v in sorted(best.recall.items()))
    return (f"- 检索基准（{b.queries} 条标注查询，向量模型 {b.embedder or '未记录'}）：最好的是"
            f"{METHOD_LABELS.get(best.method, best.method)}，{ks}，MRR@10 {best.mrr:.3f}。")


def _comparison_lines(c: Comparison) -> list[str]:
    worse = [m for m in c.moves if m.worse]
    better = [m for m in c.moves if m.better and not m.worse]
    within = len(c.moves) - len(worse) - len(better)
    out = [f"- 与基线相比：变差超出容差 {len(worse)} 项，变好 {len(better)} 项，容差内变化 {within} 项。"]
    out += [f"  - 变差：{_move_text(m)}" for m in worse]
    out += [f"  - 变好：{_move_text(m)}" for m in better[:10]]
    if len(better) > 10:
        out.append(f"  - 另有 {len(better) - 10} 项变好，见文末全部变化。")
    out += [f"- 说明：{note}" for note in c.notes]
    return out


def _move_text(m: Move) -> str:
    return f"{_scope(m.scope)} · {_metric(m.metric)}：{_value(m.metric, m.before)} → {_value(m.metric, m.after)}"


# ---------------------------------------------------------------- the tables

def _case_table(r: EvalResults, writer: str) -> str:
    chat = any(d.metrics and d.metrics.chat for d in r.drafts if d.writer == writer)
    head = ["案例", "数字准确率", "必备事实召回率", "无据", "矛盾", "结论与计算错误", "章节完整率", "问题回应率",
            "得分", "等级", "审阅清单", "起草用时（秒）"] + (["模型稿保留率", "修复/回退"] if chat else [])
    rows = []
    for d in (d for d in r.drafts if d.writer == writer):
        m = d.metrics
        if m is None:
            rows.append([d.case, f"未评测：{d.error}"] + [""] * (len(head) - 2))
            continue
        row = [d.case, pct(m.precision), pct(m.recall), str(m.unsupported), str(m.contradicted), str(m.claim_errors),
               pct(m.completeness), pct(m.answered), _right(m.score_right, m.stated_score),
               _right(m.grade_right, m.stated_grade), "通过" if passes_checklist(m) else "未通过", f"{m.seconds:.2f}"]
        if chat:
            row += [pct(m.chat.kept_share), f"{m.chat.repaired}/{m.chat.fallbacks}"] if m.chat else ["—", "—"]
        rows.append(row)
    return _table(head, rows)


def _right(right: bool, stated: float | str | None) -> str:
    shown = "未写明" if stated in (None, "") else f"{stated:.2f}" if isinstance(stated, float) else str(stated)
    return f"{shown} ✓" if right else f"{shown} ✗"


def _mutation_tables(b: MutationBenchmark) -> str:
    rows = [[KIND_LABELS.get(k.kind, k.kind), f"{k.mutations:,}", pct(k.recall), pct(k.baseline_recall)]
            for k in b.kinds]
    made = sum(k.mutations for k in b.kinds)
    if made:
        rows.append(["合计", f"{made:,}", pct(sum(k.caught for k in b.kinds) / made),
                     pct(sum(k.baseline_caught for k in b.kinds) / made)])
    caught = _table(["变异类型", "变异数", "核对器检出率", "朴素基线检出率"], rows)
    alarms = [["忠实文本（未改动）", f"{b.clean_texts:,}", pct(b.false_alarms / b.clean_texts if b.clean_texts else 0),
               pct(b.baseline_false_alarms / b.clean_texts if b.clean_texts else 0)]]
    alarms += [[REWRITE_LABELS.get(e.kind, e.kind), f"{e.rewrites:,}", pct(e.rate), pct(e.baseline_rate)]
               for e in b.equivalents]
    sample = f"每类变异与改写至多抽取 {b.per_kind:,} 个；" if b.per_kind else ""
    note = (f"变异：把一处数字或结论改错，错误发现覆盖改动处即为检出。{sample}朴素基线：文中阿拉伯数字与某项事实的"
            f"数值字符串不同就报错。用时 {b.seconds:.2f} 秒。")
    return (caught + "\n\n### 误报（说法不同、事实相同的文本被报错的比例）\n\n"
            + _table(["文本", "数量", "核对器误报率", "朴素基线误报率"], alarms) + "\n\n" + note)


def _retrieval_table(b: RetrievalBenchmark) -> str:
    ks = sorted({k for m in b.methods for k in m.recall})
    head = ["方法", *(f"recall@{k}" for k in ks), "hit@5", "MRR@10", "前5未评判"]
    rows = [[METHOD_LABELS.get(m.method, m.method), *(pct(m.recall[k]) if k in m.recall else "—" for k in ks),
             pct(m.hit), f"{m.mrr:.3f}", str(m.unjudged)]
            for m in b.methods]
    note = (f"{b.queries} 条标注查询，向量模型 {b.embedder or '未记录'}，用时 {b.seconds:.2f} 秒。"
            "recall@k：前 k 条覆盖的相关章节数 ÷ min(相关章节数, k)，对查询取平均；"
            "hit@5：前 5 条中有相关章节的查询所占比例。")
    return _table(head, rows) + "\n\n" + note


def _moves_table(moves: Sequence[Move]) -> str:
    rows = [[_scope(m.scope), _metric(m.metric), _value(m.metric, m.before), _value(m.metric, m.after),
             "变差" if m.worse else ("变好" if m.better else "容差内")]
            for m in sorted(moves, key=lambda m: (not m.worse, not m.better))]
    return _table(["范围", "指标", "基线", "本次", "判断"], rows)


# ---------------------------------------------------------------- formatting

_SHARES = {"precision", "recall", "completeness", "answered", "kept_share"}


def _metric(metric: str) -> str:
    """Return a metric's Chinese name; benchmark metrics (召回率 digit change, hybrid recall@5) are translated
    word by word."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    for raw, label in {**KIND_LABELS, **METHOD_LABELS}.items():
        if metric.endswith(" " + raw) or metric.startswith(raw + " "):
            return metric.replace(raw, label)
    return metric


def _value(metric: str, value: float) -> str:
    if value != value:
        return "缺失"
    if metric in _SHARES or "召回率" in metric or "recall@" in metric:
        return pct(value)
    if metric.endswith("MRR"):
        return f"{value:.3f}"
    return f"{value:.2f}" if metric == "seconds" else f"{value:g}"


def _scope(scope: str) -> str:
    writer, _, case = scope.partition(" · ")
    return f"{writer_label(writer)} · {case}" if case else writer_label(writer)


def _chart_title(path: Path) -> str:
    return {"faithfulness.png": "各案例数字准确率", "mutations.png": "变异检出率", "retrieval.png": "检索召回率"}.get(
        path.name, path.stem)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return a Markdown table; text columns left, figures right."""
    align = ["---"] + ["--:"] * (len(head) - 1)
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
