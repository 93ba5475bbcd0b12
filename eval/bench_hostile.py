"""Checking time and memory on large and hostile texts: real report text and each pathological pattern.

Each cell runs `check_report` (what `assistant check` runs) against the sample project's fact
table in a fresh process and prints the wall and CPU seconds (on a shared machine the CPU time is
the work itself), the process's peak memory (interpreter and imports included, about 38 MB) and how
many numbers the check read.
The goal (issue 17): time grows linearly, and 1 MB of any pattern takes ≤ 3 s and ≤ 500 MB.

Run: ./dev.sh bench hostile   (or python eval/bench_hostile.py [--sizes 10,100,1000] [--limit 60])
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / ".." / "shared" / "reference" / "sample-report-2024.md"


def _numbers(size: int) -> str:
    """Sentences each holding a few different numbers: 10,000 numbers in about 300 KB."""
    rng = random.Random(7)
    out, n = [], 0
    while n < size:
        s = (f"项目支出{rng.randint(1, 9999)}.{rng.randint(0, 99)}万元，完成{rng.randint(1, 500)}个，"
             f"执行率{rng.randint(50, 100)}.{rng.randint(0, 9)}%。")
        out.append(s)
        n += len(s.encode())
    return "".join(out)


# Each pattern: name -> function of the size in bytes returning the text (UTF-8 size close to it).
def _repeat(unit: str):  # noqa: ANN202
    return lambda size: unit * max(1, size // len(unit.encode()))


PATTERNS = {
    "report": lambda size: _repeat(SAMPLE.read_text(encoding="utf-8") + "\n")(size),
    "numbers": _numbers,
    "第十百千": lambda size: "第" + _repeat("十百千")(size),
    "三分之一，五成，支出5个，": _repeat("三分之一，五成，支出5个，"),
    "one long number": lambda size: "支出" + "9" * size + "元",
    "share words": _repeat("三分之二七成千分之五"),
    "1,1,1": _repeat("1,"),
    "1.1.1": _repeat("1."),
    "1, 1, 1": _repeat("1, "),
    "一点一点": _repeat("一点"),
    "brackets": lambda size: "（《【〔" * (size // 24) + "1" + "〕】》）" * (size // 24),
    "open brackets": _repeat("《（【2024"),
}


def run_one(name: str, size: int) -> dict[str, float]:
    """Return seconds and peak MB of checking one generated text in this process."""
    from assistant.facts import build_facts
    from assistant.figures import read_figures
    from assistant.report_check import check_report

    table = build_facts(read_figures(ROOT / "eval" / "cases" / "sample-2024.yaml"))
    text = PATTERNS[name](size)
    check_report("支出95.4万元，三分之一。", table)  # warm caches and lazy imports (cn2an)
    start, cpu = time.perf_counter(), time.process_time()
    result = check_report(text, table)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu": cpu, "mb": peak, "numbers": len(result.numbers), "errors": result.errors}


def measure(name: str, size: int, limit: float) -> dict[str, float] | None:
    """Return the figures of one cell run in a fresh process, or None when it exceeds limit seconds."""
    try:
        done = subprocess.run([sys.executable, __file__, "--one", name, str(size)], capture_output=True,
                              text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="text sizes in KB")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds before a cell is given up")
    parser.add_argument("--only", default="", help="pattern names separated by ;")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return
    sizes = [int(s) * 1000 for s in args.sizes.split(",")]
    names = [n for n in PATTERNS if not args.only or n in args.only.split(";")]
    print(_pad("text", 28) + "".join(f"{f'{s // 1000} KB: s, CPU s, MB, numbers':>36}" for s in sizes))
    for name in names:
        row = _pad(name, 28)
        for size in sizes:
            cell = measure(name, size, args.limit)
            row += (f"{'> ' + str(int(args.limit)) + ' s':>36}" if cell is None else
                    f"{cell['seconds']:>12.2f} {cell['cpu']:>6.2f} {cell['mb']:>6.0f} {int(cell['numbers']):>9}")
        print(row, flush=True)


def _pad(text: str, width: int) -> str:
    """Return text padded to width terminal columns (a Chinese character takes two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


if __name__ == "__main__":
    main()
