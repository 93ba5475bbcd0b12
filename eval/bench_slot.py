"""A slow single-slot model server and a model that never stops, with the default settings.

1. The scripted server answers one request at a time, 2 s each (llama.cpp or Ollama on a small
   machine), the others queued: the sample report's 12 written sections with the default settings
   (concurrency 8, time-out 60 s). Prints the wall time, how many sections kept the model's text,
   and the lowest concurrency the writer fell to.
2. The same server answering every request with text that never stops: each answer is cut at the
   section's max_tokens, repaired, then falls back. Prints the wall time and the finish reasons.

Run: ./dev.sh bench slot   (or python eval/bench_slot.py [--delay 2.0])
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the scripted server lives with the tests

from assistant.draft import draft_report  # noqa: E402
from assistant.figures import read_figures  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.writers import ChatWriter  # noqa: E402
from tests.fake_openai import FakeOpenAI, Reply  # noqa: E402

SAMPLE = ROOT / "eval" / "cases" / "sample-2024.yaml"


def draft(fake: FakeOpenAI, folder: Path) -> tuple[float, list[dict[str, object]], int]:
    """Return the wall seconds, each model-written section's meta, and the lowest concurrency reached."""
    settings = Settings(backend="openai", model="bench", base_url=fake.url, index_dir=folder / "no-index")
    writer = ChatWriter(settings)
    start = time.perf_counter()
    try:
        report = draft_report(read_figures(SAMPLE), writer=writer)
    finally:
        writer.close()
    metas = [s.provenance.to_json() for s in report.sections if s.provenance]
    return time.perf_counter() - start, metas, writer.client.limit.lowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=2.0, help="seconds the server takes for each answer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fake = FakeOpenAI(delay=args.delay, slots=1).start()
        try:
            wall, metas, lowest = draft(fake, Path(tmp))
            kept = sum(not m["fallback"] for m in metas)
            print(f"一次只处理一个请求、每次 {args.delay:g} 秒，默认设置：{len(metas)} 节中 {kept} 节保留模型稿，"
                  f"请求 {len(fake.requests)} 次，用时 {wall:.1f} 秒，并发最低降到 {lowest}")
            fake.reset(default=lambda body: Reply(endless=True), delay=args.delay)
            wall, metas, lowest = draft(fake, Path(tmp))
            finishes = Counter(str(a.get("finish_reason")) for m in metas for a in m["attempts"])  # type: ignore[union-attr]
            fallen = sum(bool(m["fallback"]) for m in metas)
            print(f"回复永不停止：{len(metas)} 节全部在长度上限处截断（结束原因 {dict(finishes)}），修正后仍不合格，"
                  f"{fallen} 节改用模板稿；请求 {len(fake.requests)} 次，用时 {wall:.1f} 秒，并发最低降到 {lowest}")
        finally:
            fake.stop()


if __name__ == "__main__":
    main()
