"""Chat drafting benchmark against the scripted OpenAI-compatible server answering after 1 s.

1. A report of 10 sections drafted concurrently (goal ≤ 2.5 s wall) against sequentially (≈ 10 s).
2. The whole report (12 written sections) at the default concurrency.
3. 50 projects at project concurrency 8, ending with the summary table.

Run: python eval/bench_chat.py [--delay 1.0] [--projects 50]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the scripted server lives with the tests
sys.path.insert(0, str(ROOT / "eval"))

from bench import generate  # noqa: E402

from assistant.batch import draft_files  # noqa: E402
from assistant.draft import draft_report  # noqa: E402
from assistant.figures import read_figures  # noqa: E402
from assistant.project_job import DraftResult  # noqa: E402
from assistant.scoring import load_scheme  # noqa: E402
from assistant.sections import SECTIONS  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.writers import ChatWriter  # noqa: E402
from tests.fake_openai import FakeOpenAI  # noqa: E402

CASES = ROOT / "eval" / "cases"


def settings_for(fake: FakeOpenAI, folder: Path, **extra: object) -> Settings:
    """Return chat settings pointing at the scripted server, with no retrieval index."""
    values: dict[str, object] = {"backend": "openai", "model": "bench", "base_url": fake.url, "api_key": "sk-bench",
                                 "index_dir": folder / "no-index", "timeout": 30, **extra}
    return Settings(**values)  # type: ignore[arg-type]


def time_report(fake: FakeOpenAI, folder: Path, concurrency: int, sections: int | None) -> tuple[float, int]:
    """Return the wall seconds and model requests of drafting the sample report."""
    plan = [s for s in SECTIONS if s.template]
    plan = plan[:sections] if sections else plan
    writer = ChatWriter(settings_for(fake, folder, concurrency=concurrency))
    fig = read_figures(CASES / "sample-2024.yaml")
    before = len(fake.requests)
    start = time.perf_counter()
    report = draft_report(fig, writer=writer, plan=plan)
    wall = time.perf_counter() - start
    writer.close()
    assert all(s.writer == "openai" for s in report.sections), "a section fell back"
    return wall, len(fake.requests) - before


def time_batch(fake: FakeOpenAI, folder: Path, projects: int, workers: int) -> tuple[float, str, list[DraftResult]]:
    """Return the wall seconds, the printed summary and the results of drafting generated projects."""
    (folder / "in").mkdir()
    files = generate(folder / "in", projects)
    out = io.StringIO()
    console = Console(file=out, width=120)
    settings = settings_for(fake, folder, project_concurrency=workers)
    start = time.perf_counter()
    results = draft_files(files, folder / "out", load_scheme(), console, settings=settings)
    wall = time.perf_counter() - start
    return wall, out.getvalue(), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds the server takes per answer")
    parser.add_argument("--projects", type=int, default=50)
    args = parser.parse_args()
    fake = FakeOpenAI(delay=args.delay).start()
    fake.reset(delay=args.delay)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            time_report(fake, folder, 10, 2)  # warm up imports and the connection pool
            wall, n = time_report(fake, folder, 10, 10)
            print(f"10 sections, concurrency 10: {wall:.2f} s wall, {n} requests (goal ≤ 2.5 s)")
            wall, n = time_report(fake, folder, 1, 10)
            print(f"10 sections, sequential:     {wall:.2f} s wall, {n} requests (≈ 10 s expected)")
            default = Settings().concurrency
            wall, n = time_report(fake, folder, default, None)
            print(f"whole report ({n} sections), default concurrency {default}: {wall:.2f} s wall")
            before = len(fake.requests)
            wall, summary, results = time_batch(fake, folder, args.projects, 8)
            lines = summary.rstrip().splitlines()
            table = next(i for i, line in enumerate(lines) if line.startswith("起草结果"))
            print("\n".join(lines[table:table + 6] + ["…"] + lines[-3:]))
            failed = sum(bool(r.error) for r in results)
            print(f"{args.projects} projects, project concurrency 8, section concurrency {default}: {wall:.1f} s wall, "
                  f"{failed} failed, {len(fake.requests) - before} requests, "
                  f"{sum(r.repaired for r in results)} sections repaired, "
                  f"{sum(r.fell_back for r in results)} fell back")
    finally:
        fake.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
