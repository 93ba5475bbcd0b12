"""Pooled relevance judging for the retrieval benchmark.

Labels written by hand from memory miss sections that are just as relevant, and a benchmark with
missing labels punishes a search for finding them. So the labels are completed the way shared
IR test collections are: every section that any method ranks in its top 10 is judged.

    python eval/retrieval_pool.py sheets OUT_DIR [--batches N] [--all]
        writes judging sheets: for each query, the sections in any method's top 10 and the
        sections labelled relevant, less those judged already (--all: judge them again), in a
        shuffled order and without ranks or method names, so a judge cannot tell which method
        found what, or which section was labelled before.
    python eval/retrieval_pool.py merge JUDGMENTS.json... [--replace]
        adds the verdicts ({"<query no>|<doc>|<section>": true|false}) to
        eval/retrieval_queries.yaml as `relevant` and `not_relevant` (--replace: a judged query's
        lists become its verdicts alone).
    python eval/retrieval_pool.py agreement JUDGMENTS.json
        compares a second, independent judge's verdicts with the labels: share agreed and
        Cohen's kappa (eval/retrieval_second_opinion.json holds one, on hybrid's top 5).

The judging rule is written at the top of every sheet (RULE below). `sheets` searches the
benchmark's own index (runs/bench_retrieval/index): run eval/bench_retrieval.py once before it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from assistant.evaluation.benchmarks import METHODS, is_relevant  # noqa: E402
from assistant.retrieval.hybrid import open_index  # noqa: E402
from assistant.settings import Settings  # noqa: E402

QUERIES = ROOT / "eval" / "retrieval_queries.yaml"
INDEX = ROOT / "runs" / "bench_retrieval" / "index"
DEPTH = 10
HEADER = (
    "# 检索基准：起草人员会输入的查询，以及对每条查询评判过的（文档，章节）。\n"
    "# relevant：能回答该查询的章节；not_relevant：评判过、不能回答的章节。\n"
    "# 标注方法见 eval/retrieval_pool.py：各方法前 10 名的章节全部盲评（不知排名和来源方法）。\n"
    "# section 为“二级标题 > 三级标题”路径，按文件中标题原文书写（不含#）。\n"
)
RULE = """\
评判规则：设想一位正在起草项目支出绩效自评报告的工作人员输入了这条查询。
一个章节算“相关”（true），当且仅当读到它能直接回答这条查询：
- 它陈述了查询所问的规则、口径、计分方法、标准或要求；或
- 它是过去报告中的一段，正好写了查询所说的情形（同一种问题、原因、指标或做法），可以直接当作写法范例。
只是同一主题、同一章节名称、顺带提到关键词，但不回答查询的，算“不相关”（false）。
查询里点名了部门、地区、年份、文号或指标的，不符合的章节不相关。
逐条独立判断，不要考虑别的候选有没有更好。"""


def sheets(out_dir: Path, batches: int, again: bool = False) -> None:
    """Write batches of judging sheets for the top-10 sections of every method and the labels."""
    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    retriever = open_index(Settings(index_dir=INDEX))
    texts: dict[tuple[str, str], list[str]] = {}
    for chunk in retriever.chunks:
        texts.setdefault((chunk.doc, chunk.section), []).append(chunk.text)
    items = []
    for number, item in enumerate(queries, 1):
        judged = [] if again else item.get("relevant", []) + item.get("not_relevant", [])
        pool = {
            (hit.doc, hit.section): None
            for _, method, fusion in METHODS
            for hit in retriever.search(item["query"], k=DEPTH, method=method, fusion=fusion)
        }
        for doc, section in texts:  # labelled sections, a labelled heading standing for its subsections
            if any(is_relevant(doc, section, label) for label in item.get("relevant", [])):
                pool[(doc, section)] = None
        candidates = [key for key in pool if not any(is_relevant(*key, label) for label in judged)]
        random.Random(number).shuffle(candidates)
        if candidates:
            items.append({
                "query_no": number,
                "query": item["query"],
                "candidates": [
                    {"key": f"{number}|{doc}|{section}", "doc": doc, "section": section,
                     "text": "\n".join(texts[(doc, section)])[:2000]}
                    for doc, section in candidates
                ],
            })
    out_dir.mkdir(parents=True, exist_ok=True)
    size = -(-len(items) // batches)
    for n in range(batches):
        part = items[n * size:(n + 1) * size]
        if part:
            sheet = {"rule": RULE, "items": part}
            path = out_dir / f"sheet-{n + 1}.json"
            path.write_text(json.dumps(sheet, ensure_ascii=False, indent=1), encoding="utf-8")
    total = sum(len(i["candidates"]) for i in items)
    print(f"{len(items)} 条查询、{total} 个待评章节，写入 {out_dir}")


def merge(files: list[Path], replace: bool = False) -> None:
    """Add the verdicts in files to the labelled queries (replace: verdicts alone for a judged query)."""
    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    verdicts: dict[str, bool] = {}
    for file in files:
        verdicts.update(json.loads(file.read_text(encoding="utf-8")))
    if replace:
        for number in {int(key.split("|", 1)[0]) for key in verdicts}:
            queries[number - 1]["relevant"], queries[number - 1]["not_relevant"] = [], []
    added = {True: 0, False: 0}
    for key, verdict in verdicts.items():
        number, doc, section = key.split("|", 2)
        item = queries[int(number) - 1]
        judged = item.get("relevant", []) + item.get("not_relevant", [])
        if any(label["doc"] == doc and label["section"] == section for label in judged):
            continue
        item.setdefault("relevant" if verdict else "not_relevant", []).append({"doc": doc, "section": section})
        added[bool(verdict)] += 1
    ordered = [
        {key: item[key] for key in ("query", "filters", "relevant", "not_relevant", "note") if key in item}
        for item in queries
    ]
    body = yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=200)
    QUERIES.write_text(HEADER + body, encoding="utf-8")
    print(f"新增相关 {added[True]} 个、不相关 {added[False]} 个")


def agreement(file: Path) -> tuple[int, float, float]:
    """Return (verdicts compared, share agreed, Cohen's kappa) of file against the labels."""
    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    pairs = []
    for key, second in json.loads(file.read_text(encoding="utf-8")).items():
        number, doc, section = key.split("|", 2)
        item = queries[int(number) - 1]
        relevant = {(lab["doc"], lab["section"]) for lab in item["relevant"]}
        rejected = {(lab["doc"], lab["section"]) for lab in item.get("not_relevant", [])}
        if (doc, section) in relevant | rejected:
            pairs.append(((doc, section) in relevant, bool(second)))
    n = len(pairs)
    if not n:
        return 0, 0.0, 0.0
    agreed = sum(a == b for a, b in pairs) / n
    p_first, p_second = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    chance = p_first * p_second + (1 - p_first) * (1 - p_second)
    kappa = (agreed - chance) / (1 - chance) if chance < 1 else 1.0
    return n, agreed, kappa


def main() -> None:
    """Parse the command line and run sheets or merge."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("sheets")
    make.add_argument("out_dir", type=Path)
    make.add_argument("--batches", type=int, default=6)
    make.add_argument("--all", action="store_true", help="judge the already judged sections again")
    add = sub.add_parser("merge")
    add.add_argument("files", type=Path, nargs="+")
    add.add_argument("--replace", action="store_true", help="a judged query's labels become its verdicts alone")
    second = sub.add_parser("agreement")
    second.add_argument("file", type=Path)
    args = parser.parse_args()
    if args.command == "sheets":
        sheets(args.out_dir, args.batches, args.all)
    elif args.command == "merge":
        merge(args.files, args.replace)
    else:
        n, agreed, kappa = agreement(args.file)
        print(f"比较 {n} 个评判：一致 {agreed:.1%}，Cohen's kappa {kappa:.3f}")


if __name__ == "__main__":
    main()
