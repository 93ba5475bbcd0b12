"""Mutation benchmark for the checker: faithful texts, mutated ones, equivalent rewrites, a naive baseline.

Faithful texts are the template drafts of every example case plus the hand-written reports in
eval/handwritten/ (front matter names their figures file). Each mutation changes one claim; it is
caught when an error finding covers its span. Equivalent rewrites must raise nothing new. The
benchmark itself is assistant.evaluation.benchmarks.run_mutations (also run by `assistant eval`);
this script prints its figures for every mutant, then the checker's speed.

Run: python eval/mutations.py [--json] [--per-kind N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from assistant.check import check_text
from assistant.draft import draft_report
from assistant.evaluation.benchmarks import progress_bar, run_mutations
from assistant.figures import read_figures
from assistant.report import to_markdown

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "eval" / "cases"


def speed() -> dict[str, float]:
    """Return checking speed: a 10,000-character report in-process, and the command on the sample report."""
    path = CASES / "sample-2024.yaml"
    report = draft_report(read_figures(path))
    text = to_markdown(report)
    text = (text * (10000 // len(text) + 1))[:10000]
    check_text(text, report.table)
    times = []
    for _ in range(30):
        start = time.perf_counter()
        check_text(text, report.table)
        times.append((time.perf_counter() - start) * 1000)
    sample = ROOT.parent / "shared/reference/sample-report-2024.md"
    walls = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "check", str(sample), "--figures", str(path), "--json"],
                       capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
    return {"in_process_ms": statistics.median(times), "command_s": statistics.median(walls)}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--per-kind", type=int, default=0, help="check a sample of N mutants of each kind (0: all)")
    args = parser.parse_args()
    with progress_bar(Console(stderr=True)) as progress:
        figures = run_mutations(per_kind=args.per_kind, progress=progress)
    timing = speed()
    if args.json:
        print(json.dumps({**figures.to_json(), **timing}, ensure_ascii=False))
        return
    print(f"faithful texts: {figures.texts}")
    print(f"{'mutation kind':28} {'n':>5} {'ours':>8} {'baseline':>9}")
    for k in figures.kinds:
        n = k.mutations
        print(f"{k.kind:28} {n:5d} {_pct(k.caught, n):>8} {_pct(k.baseline_caught, n):>9}")
    n = figures.clean_texts
    print(f"{'false alarms, clean texts':28} {n:5d} {_pct(figures.false_alarms, n):>8} "
          f"{_pct(figures.baseline_false_alarms, n):>9}")
    for e in figures.equivalents:
        print(f"{'false alarms, ' + e.kind:28} {e.rewrites:5d} {_pct(e.flagged, e.rewrites):>8} "
              f"{_pct(e.baseline_flagged, e.rewrites):>9}")
    print(f"check a 10,000-character report in-process: median {timing['in_process_ms']:.1f} ms (goal ≤ 20 ms)")
    print(f"`assistant check` on the sample report, whole process: median {timing['command_s']:.2f} s (goal ≤ 1.5 s)")


if __name__ == "__main__":
    main()
