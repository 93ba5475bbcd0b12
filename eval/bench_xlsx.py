"""Workbook benchmark: a 500-project workbook (one 自评表 sheet per project) read and drafted in one process.

Run: ./dev.sh bench xlsx  (or python eval/bench_xlsx.py [--projects N])
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml
from rich.console import Console

from assistant.batch import draft_files
from assistant.figures import figures_from_data
from assistant.scoring import load_scheme
from assistant.xlsx import read_workbook
from assistant.xlsx_write import write_figures_workbook

CASES = Path(__file__).parent / "cases"


def projects(count: int, seed: int = 7) -> list:  # type: ignore[type-arg]
    """Return `count` figures varied from the example cases (spending and numeric actuals moved, names numbered)."""
    rng = random.Random(seed)
    bases = [yaml.safe_load(p.read_text("utf-8")) for p in sorted(CASES.glob("*.yaml"))]
    out = []
    for n in range(count):
        data = yaml.safe_load(yaml.safe_dump(rng.choice(bases), allow_unicode=True))
        data["funds"]["spent"] = round(data["funds"]["spent"] * rng.uniform(0.7, 1.05), 2)
        data["funds"].pop("breakdown", None)
        for ind in data.get("indicators", []):
            if isinstance(ind["actual"], int | float):
                ind["actual"] = round(ind["actual"] * rng.uniform(0.8, 1.5), 1)
        data["project"]["name"] += f"（{n + 1}）"
        out.append(figures_from_data(data))
    return out


def cpu_seconds() -> float:
    """Return the CPU seconds used so far by this process and its finished worker processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "projects.xlsx"
        start = time.perf_counter()
        write_figures_workbook(projects(args.projects), book)
        written = time.perf_counter() - start
        start = time.perf_counter()
        read = read_workbook(book)
        read_s = time.perf_counter() - start
        start, cpu = time.perf_counter(), cpu_seconds()
        results = draft_files([book], Path(tmp) / "out", load_scheme(), Console(file=io.StringIO()))
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        failed = sum(bool(r.error) for r in results)
        summary = (Path(tmp) / "out" / "projects-汇总.xlsx").exists()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"write a {args.projects}-project workbook: {written:.1f} s; read it back: {read_s:.1f} s "
          f"({len(read)} projects, {sum(p.error is not None for p in read)} refused)")
    print(f"draft the {args.projects}-project workbook (read, md, docx, json, check, summary workbook) with the "
          f"template writer: {wall:.1f} s wall (goal ≤ 60 s), {cpu:.1f} s CPU in all processes, {failed} failed, "
          f"summary written: {summary}, peak memory {peak_mb:.0f} MB (this process)")
    # The machine is shared: the load average says whether the wall time is the program's or the queue's.
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    sys.exit(1 if failed or not summary else 0)


if __name__ == "__main__":
    main()
