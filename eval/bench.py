"""Drafting benchmark: in-process draft time, and 1,000 generated figures files in one process.

Run: ./dev.sh bench  (or python eval/bench.py [--files N])
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from rich.console import Console

from assistant.batch import draft_files
from assistant.draft import draft_report
from assistant.figures import read_figures
from assistant.report import to_markdown
from assistant.scoring import load_scheme

CASES = Path(__file__).parent / "cases"


def time_one_report(runs: int = 200) -> float:
    """Return the median milliseconds to draft the sample report in-process (template writer)."""
    fig = read_figures(CASES / "sample-2024.yaml")
    draft_report(fig)  # warm the template cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        to_markdown(draft_report(fig))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def generate(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """Write `count` figures files varied from the example cases; return their paths."""
    rng = random.Random(seed)
    bases = [yaml.safe_load(p.read_text("utf-8")) for p in sorted(CASES.glob("*.yaml"))]
    paths = []
    for n in range(count):
        data = yaml.safe_load(yaml.safe_dump(rng.choice(bases), allow_unicode=True))
        funds = data["funds"]
        funds["spent"] = round(funds["spent"] * rng.uniform(0.7, 1.05), 2)
        funds.pop("breakdown", None)
        for ind in data.get("indicators", []):
            if isinstance(ind["actual"], int | float):
                ind["actual"] = round(ind["actual"] * rng.uniform(0.8, 1.5), 1)
        data["project"]["name"] += f"（{n + 1}）"
        path = folder / f"p{n:04d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    median = time_one_report()
    print(f"draft one report in-process (template writer): median {median:.1f} ms (goal ≤ 50 ms)")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "in").mkdir()
        files = generate(Path(tmp) / "in", args.files)
        start = time.perf_counter()
        quiet = Console(file=io.StringIO())
        results = draft_files(files, Path(tmp) / "out", load_scheme(), quiet)
        wall = time.perf_counter() - start
        failed = sum(bool(r.error) for r in results)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"draft {args.files} generated files (md, docx, json, check) in one process: {wall:.1f} s wall "
          f"(goal ≤ 60 s), {failed} failed, peak memory {peak_mb:.0f} MB (goal ≤ 500 MB)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
