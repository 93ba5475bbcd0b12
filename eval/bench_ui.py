"""Keystroke to highlight in 核对: the app started as `assistant ui`, Debian's chromium under playwright,
one section 10,000 characters long; each run types one character and waits until the checked view
(every number highlighted) shows it. Prints the median, 90th percentile and worst time.

    python eval/bench_ui.py [--chars 10000] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the browser helpers live with the tests

from tests.browser import chromium, draft_all, running_app, upload_figures  # noqa: E402

SECTION, TITLE = "use.funds", "（一）资金管理过程情况"
CHANGED = """() => {
  const v = document.querySelector('#check-view [data-revision]');
  return v && v.dataset.revision !== window.__rev;
}"""


def long_text(base: str, chars: int) -> str:
    """Return the drafted section repeated up to `chars` characters (it keeps its numbers and wording)."""
    return ((base.strip() + "\n") * (chars // max(1, len(base)) + 1))[:chars]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_app(Path(tmp) / "data") as app, chromium() as browser:
        page = browser.page(app.url)
        upload_figures(page, ROOT / "eval" / "cases" / "sample-2024.yaml")
        draft_all(page)
        page.get_by_role("tab", name="核对").click()
        page.click("#check-section input")
        page.get_by_role("option", name=TITLE).click()
        page.wait_for_function("document.querySelector('#check-box textarea').value.startsWith('1.')")
        text = long_text(page.input_value("#check-box textarea"), args.chars)
        page.fill("#check-box textarea", text)
        area = page.locator("#check-box textarea")
        area.press("End")
        times = []
        for n in range(args.runs + 1):
            page.evaluate("() => { window.__rev = document.querySelector('#check-view [data-revision]')"
                          "?.dataset.revision; }")
            start = time.perf_counter()
            page.keyboard.type("a")
            page.wait_for_function(CHANGED, timeout=10_000, polling="raf")
            if n:  # the first keystroke after the paste also saves the 10,000 characters: not counted
                times.append((time.perf_counter() - start) * 1000)
        final = page.input_value("#check-box textarea")
    print(f"核对：{len(final)} 字的章节，按键到高亮（{len(times)} 次）：中位数 {statistics.median(times):.0f} ms，"
          f"P90 {sorted(times)[int(0.9 * len(times)) - 1]:.0f} ms，最慢 {max(times):.0f} ms"
          f"（负载 {os.getloadavg()[0]:.1f}，{os.cpu_count()} 核）")
    print(f"其中服务端核对并渲染这一章节（同一进程内、不经浏览器）：中位数 {server_side(final):.0f} ms")


def server_side(text: str, runs: int = 5) -> float:
    """Return the median time of what the app does per keystroke for one section: check it, render it."""
    from assistant.ui.render import highlighted
    from assistant.ui.service import open_figures

    loaded = open_figures(ROOT / "eval" / "cases" / "sample-2024.yaml")
    assert loaded.context is not None
    loaded.check("warm-up", "预算1万元")
    times = []
    for n in range(runs):
        edited = f"{text}{'a' * (n + 1)}"
        start = time.perf_counter()
        highlighted(edited, loaded.check(SECTION, edited), loaded.context.table)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    main()
