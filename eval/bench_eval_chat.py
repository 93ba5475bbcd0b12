"""`assistant eval --backend all` over every case against the scripted OpenAI-compatible server answering
with wrong figures (every amount and percentage of the draft changed; on a repair the funds sections give
in, the others insist). Prints the summary the command prints, the wall time, and how many of the wrong
figures the model sent reached a final draft (the goal is none).

Run: python eval/bench_eval_chat.py [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the scripted server lives with the tests

from tests.fake_openai import AMOUNT, FakeOpenAI, wrong_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="eval-chat-"))
    sent: list[str] = []
    fake = FakeOpenAI(default=wrong_model(sent)).start()
    env = {**os.environ, "ASSISTANT_API_KEY": "sk-bench-0123456789abcdef", "ASSISTANT_RETRY_BACKOFF": "0.05",
           "ASSISTANT_INDEX_DIR": str(out / "no-index")}
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "assistant", "eval", "--no-benchmarks", "--backend", "all",
                               "--cases", str(ROOT / "eval" / "cases"), "--base-url", fake.url,
                               "--model", "wrong-figures", "--out", str(out)],
                              env=env, text=True, stderr=subprocess.PIPE)
    finally:
        fake.stop()
    seconds = time.perf_counter() - started
    print(done.stderr)
    right = {m.group(0) for p in (out / "drafts" / "template").glob("*.md") for m in AMOUNT.finditer(p.read_text())}
    wrong = set(sent) - right
    kept = {w for p in (out / "drafts" / "openai").glob("*.md") for w in wrong if w in p.read_text("utf-8")}
    print(f"exit status {done.returncode}; wall time {seconds:.1f} s; {len(sent)} wrong figures sent by the model "
          f"({len(wrong)} distinct, none of them a figure of any template draft); in the final drafts: {len(kept)}")


if __name__ == "__main__":
    main()
