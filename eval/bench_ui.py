"""Keystroke to highlight in 核对: the app started as `assistant ui`, Debian's chromium under playwright,
one section 10,000 characters long; each run types one character and waits until the checked view
(every number highlighted) shows it. Prints the median, 90th percentile and worst time.

    python eval/bench_ui.py [--chars 10000] [--runs 15]
"""

from __future__ import annotations

import argparse
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
        shown = len(page.input_value("#check-box textarea"))
        print(f"核对：{shown} 字的章节，按键到高亮（{len(times)} 次）：中位数 {statistics.median(times):.0f} ms，"
              f"P90 {sorted(times)[int(0.9 * len(times)) - 1]:.0f} ms，最慢 {max(times):.0f} ms")


if __name__ == "__main__":
    main()
