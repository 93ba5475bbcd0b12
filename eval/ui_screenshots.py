"""Screenshots of every tab of the app at 1366×768, as a user sees them after loading the sample,
drafting it and changing one number to a wrong value (核对 shows it contradicted, its fact beside it).

    python eval/ui_screenshots.py [FOLDER]      # default docs/screenshots

Each tab is saved whole (full page, 1366 wide); `app.png` is the first screen of 核对 (1366×768),
for the README; `review.png` is 核对's batch review of three reports with one row opened. Colours are
reduced to a 64-colour palette to keep the files small.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the browser helpers live with the tests

from tests.browser import (  # noqa: E402
    box,
    chromium,
    draft_all,
    reviewer_inbox,
    running_app,
    type_text,
    upload_figures,
)

SECTION, TITLE = "result", "三、绩效自评结果"
TABS = (("录入", "figures"), ("起草", "draft"), ("核对", "check"), ("导出", "export"), ("语料库", "corpus"))
DOCUMENTS = ("reports/2021-agri-tongling-farmland.md", "policy/execution-rate-basis.md",
             "policy/deviation-explanation.md")


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, running_app(Path(tmp) / "data") as app, chromium() as browser:
        page = browser.page(app.url)
        upload_figures(page, ROOT / "eval" / "cases" / "sample-2024.yaml")
        draft_all(page)
        text = page.input_value(box(SECTION)).replace("自评得分为99.98分", "自评得分为98.98分")
        type_text(page, box(SECTION), text)
        page.wait_for_function("document.querySelector('#status').innerText.includes('已保存「')")
        for label, name in TABS:
            page.get_by_role("tab", name=label).click()
            if name == "check":
                page.click("#check-section input")
                page.get_by_role("option", name=TITLE).click()
                page.wait_for_function("t => document.querySelector('#check-box textarea').value === t", arg=text)
                wrong = page.locator("#check-view mark[data-status=contradicted]").first
                wrong.click()  # its fact shows beside it
                page.screenshot(path=str(folder / "app.png"))
                _shrink(folder / "app.png")
            if name == "export":
                page.click("#export-run")
                page.wait_for_function("document.querySelector('#status').innerText.includes('已导出')")
                page.locator("#exports", has_text=".docx").wait_for()
            if name == "corpus":
                _search(page)
            page.wait_for_timeout(300)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
            _shrink(folder / f"{name}.png")
        _review(page, Path(tmp) / "收件", folder / "review.png")
        if browser.external:
            raise SystemExit(f"页面向外部地址发出了请求：{browser.external}")


def _review(page: object, inbox: Path, target: Path) -> None:
    """Review three reports at once in 核对 (a table, a Word report with a wrong figure, a damaged PDF)
    and open the Word report's row; save the batch part of the tab."""
    files = reviewer_inbox(inbox)
    page.get_by_role("tab", name="核对").click()  # type: ignore[attr-defined]
    page.get_by_text("审阅一批报告").click()  # type: ignore[attr-defined]
    page.set_input_files("#bureau-files input[type=file]", [str(f) for f in files])  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "document.querySelector('#bureau-files').innerText.includes('工信局报告') && "
        "!document.querySelector('#bureau-files').innerText.includes('Uploading')")
    page.click("#bureau-run")  # type: ignore[attr-defined]
    page.locator("#bureau-summary [data-reports='3']").wait_for()  # type: ignore[attr-defined]
    page.get_by_test_id("cell-1-0").click()  # type: ignore[attr-defined]
    page.locator("#bureau-view mark[data-status=contradicted]").first.wait_for()  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    box = page.locator("#bureau").bounding_box()  # type: ignore[attr-defined]  (relative to the viewport)
    top = box["y"] + page.evaluate("window.scrollY")  # type: ignore[attr-defined]
    page.screenshot(path=str(target), full_page=True,  # type: ignore[attr-defined]
                    clip={"x": box["x"], "y": top, "width": box["width"], "height": min(box["height"], 1400)})
    _shrink(target)


def _search(page: object) -> None:
    """Add a few of the sample documents to the app's corpus, then search it."""
    page.get_by_text("加入文档").click()  # type: ignore[attr-defined]
    page.set_input_files("#documents input[type=file]",  # type: ignore[attr-defined]
                         [str(ROOT / "corpus" / d) for d in DOCUMENTS])
    page.locator("#documents", has_text="farmland").wait_for()  # type: ignore[attr-defined]
    page.click("#index-run")  # type: ignore[attr-defined]
    page.locator("#index-report", has_text="索引：").wait_for(timeout=300_000)  # type: ignore[attr-defined]
    page.fill("#q textarea, #q input", "执行率偏低的原因怎么写")  # type: ignore[attr-defined]
    page.click("#q-run")  # type: ignore[attr-defined]
    page.locator("#hits li").first.wait_for()  # type: ignore[attr-defined]


def _shrink(path: Path) -> None:
    """Reduce a screenshot to a 64-colour palette: a screen of text stays legible at a third of the size."""
    from PIL import Image

    Image.open(path).convert("RGB").quantize(64).save(path, optimize=True)
    print(path, f"{path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
