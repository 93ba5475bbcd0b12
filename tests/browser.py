"""Driving the app in a real browser: the app started as `assistant ui` on a free port, Debian's
chromium under playwright (never a downloaded browser), every request leaving 127.0.0.1 recorded."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class App:
    """A running app: its address, data folder and process."""

    url: str
    data: Path
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def running_app(data: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Iterator[App]:
    """Start `assistant ui` on a free port over data; stop it afterwards."""
    port = free_port()
    log = data.parent / f"{data.name}-app.log"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    environ.update(env or {})
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "ui", "--port", str(port), "--data", str(data),
                                 *args], stdout=out, stderr=subprocess.STDOUT, env=environ, cwd=data.parent)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, proc, log)
        yield App(url, data, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}: {log.read_text(errors='replace')}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"app did not answer within {timeout} s: {log.read_text(errors='replace')}")


def have_chromium() -> bool:
    return Path(CHROMIUM).is_file() and shutil.which("chromium") is not None


@dataclass
class Browser:
    """One chromium; pages it opens record every request that leaves 127.0.0.1 (none may)."""

    browser: Any
    external: list[str] = field(default_factory=list)

    def page(self, url: str) -> Any:
        """Return a new 1366×768 page at url, with the network outside this machine closed."""
        page = self.browser.new_page(viewport=VIEWPORT, accept_downloads=True)
        page.set_default_timeout(60000)  # generous: the machine running the tests may be busy
        page.route("**/*", self._only_local)
        page.goto(url)
        page.wait_for_selector("#upload", timeout=30000)
        return page

    def _only_local(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()


@contextmanager
def chromium() -> Iterator[Browser]:
    """Launch Debian's chromium through playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield Browser(browser)
        finally:
            browser.close()


def box(section_id: str) -> str:
    """Return the selector of a section's text box in 起草."""
    return f"#box-{section_id.replace('.', '-')} textarea"


def upload_figures(page: Any, path: Path | None = None, name: str = "", data: bytes = b"") -> None:
    """Upload a figures file in 录入 (a file on disk, or bytes under any name) and wait for the result."""
    page.get_by_role("tab", name="录入").click()
    files: Any = str(path) if path else {"name": name, "mimeType": "application/x-yaml", "buffer": data}
    page.set_input_files("#upload input[type=file]", files)
    page.wait_for_function("/已载入|未保存/.test(document.querySelector('#status').innerText)", timeout=30000)


def draft_all(page: Any) -> None:
    """Draft the whole report with the writer chosen and wait until it is saved."""
    page.get_by_role("tab", name="起草").click()
    page.click("#draft-all")
    page.wait_for_function("document.querySelector('#status').innerText.includes('起草完成')", timeout=60000)


def type_text(page: Any, selector: str, text: str) -> None:
    """Put text into a text box as a person would: all but one character pasted in, the last ASCII
    character typed where it belongs (the page reacts to keystrokes, and a fill types none)."""
    at = max(i for i, ch in enumerate(text) if ch.isascii())
    page.fill(selector, text[:at] + text[at + 1:])
    page.eval_on_selector(selector, f"e => {{ e.focus(); e.setSelectionRange({at}, {at}); }}")
    page.keyboard.type(text[at])


def reviewer_inbox(folder: Path) -> list[Path]:
    """Write three reports a finance bureau might receive: a clean 自评表 workbook, a Word report whose
    narrative states 183.78万元 where its own table has 138.78, and a damaged PDF with a hostile name."""
    import docx

    from assistant.draft import draft_report
    from assistant.sources import load_figures
    from assistant.word import build_docx
    from assistant.xlsx_write import write_figures_workbook

    folder.mkdir(parents=True, exist_ok=True)
    cases = ROOT / "eval" / "cases"
    book = folder / "工信局.xlsx"
    write_figures_workbook([load_figures(cases / "sample-2024.yaml")], book)
    doc, _ = build_docx(draft_report(load_figures(cases / "sample-2024.yaml")))
    report = folder / "工信局报告.docx"
    doc.save(str(report))
    doc = docx.Document(str(report))
    para = next(p for p in doc.paragraphs if "年度实际支出138.78万元" in p.text)
    for run in para.runs:
        run.text = run.text.replace("年度实际支出138.78万元", "年度实际支出183.78万元")
    doc.save(str(report))
    damaged = folder / "<b>坏<i>.pdf"
    damaged.write_bytes(b"%PDF-1.4 cut off")
    return [book, report, damaged]
