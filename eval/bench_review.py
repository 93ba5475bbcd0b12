"""Review benchmark: a folder of 200 submitted reports (Word, PDF and Excel) reviewed as `assistant review
FOLDER -o review.xlsx` does, commented DOCX files included.

The folder is made once per run in a temporary folder: every case of eval/cases drafted into DOCX by the
template writer, each DOCX also as PDF (LibreOffice) and its figures as an .xlsx 自评表, plus the report
files of eval/reports; then copies up to 200, every third Word copy with a planted wrong figure in its
narrative. Only the review is timed.

Run: ./dev.sh bench review  (or python eval/bench_review.py [--reports N] [--processes N])
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docx
from bench_xlsx import cpu_seconds  # eval/ is on the path when a script in it runs
from rich.console import Console

from assistant.batch import draft_files
from assistant.bureau_out import write_review
from assistant.bureau_pool import notes_folder, review_files
from assistant.scoring import load_scheme
from assistant.sources import load_figures
from assistant.xlsx_write import write_figures_workbook

EVAL = Path(__file__).parent
_AMOUNT = re.compile(r"(\d+\.\d+)万元")


def base_reports(folder: Path) -> list[Path]:
    """Return the distinct reports the copies are made from: drafted DOCX, their PDFs, .xlsx tables and
    eval/reports."""
    drafts = folder / "drafts"
    cases = sorted((EVAL / "cases").glob("*.yaml"))
    draft_files(cases, drafts, load_scheme(), Console(file=io.StringIO()))
    out = sorted(drafts.glob("*.docx"))
    out += _as_pdf(out, folder / "pdf")
    for case in cases:
        book = folder / "xlsx" / f"{case.stem}.xlsx"
        book.parent.mkdir(exist_ok=True)
        write_figures_workbook([load_figures(case)], book)
        out.append(book)
    reports = EVAL / "reports"
    if reports.is_dir():
        out += sorted(p for p in reports.iterdir() if p.suffix.lower() in (".docx", ".pdf", ".xlsx"))
    return out


def _as_pdf(files: list[Path], folder: Path) -> list[Path]:
    """Return the files converted to PDF by LibreOffice (none where it is not installed)."""
    if not shutil.which("soffice"):
        print("LibreOffice (soffice) not found: no PDF reports in the folder")
        return []
    folder.mkdir()
    profile = tempfile.mkdtemp()
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), *map(str, files)], capture_output=True, check=False, timeout=600)
    shutil.rmtree(profile, ignore_errors=True)
    return sorted(folder.glob("*.pdf"))


def make_folder(bases: list[Path], folder: Path, count: int, seed: int = 19) -> dict[str, str]:
    """Copy the bases into folder up to `count` files; every third Word copy gets one amount of its
    narrative changed. Return the amount written wrong (如 183.78万元) by file name."""
    rng = random.Random(seed)
    folder.mkdir()
    planted = {}
    for n in range(count):
        base = bases[n % len(bases)]
        target = folder / f"{n + 1:03d}-{base.name}"
        if base.suffix == ".docx" and n % 3 == 2 and (wrong := _plant(base, target, rng)):
            planted[target.name] = wrong
        else:
            shutil.copyfile(base, target)
    return planted


def _plant(base: Path, target: Path, rng: random.Random) -> str:
    """Write a copy of a Word report whose first amount in 万元 in the narrative is off by 10–40%;
    return the amount as written, or "" when the report has none."""
    doc = docx.Document(str(base))
    for para in doc.paragraphs:
        for run in para.runs:
            if m := _AMOUNT.search(run.text):
                wrong = f"{float(m.group(1)) * rng.uniform(1.1, 1.4):.2f}"
                run.text = run.text[:m.start(1)] + wrong + run.text[m.end(1):]
                doc.save(str(target))
                return f"{wrong}万元"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--processes", type=int, default=None, help="worker processes (default: one per core)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        bases = base_reports(root)
        planted = make_folder(bases, root / "reports", args.reports)
        made = time.perf_counter() - start
        kinds = {s: sum(p.suffix == s for p in (root / "reports").iterdir()) for s in (".docx", ".pdf", ".xlsx")}
        files = sorted((root / "reports").iterdir())
        out = root / "review.xlsx"
        load_before = os.getloadavg()[0]
        start, cpu = time.perf_counter(), cpu_seconds()
        rows = review_files(files, notes_folder([out]), "national", processes=args.processes)
        write_review(rows, out)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        load_after = os.getloadavg()[0]
        commented = len(list(notes_folder([out]).glob("*.docx")))  # type: ignore[union-attr]
    failed = [r for r in rows if r.problem]
    found = sum(any(wrong in line for line in r.top) for r in rows if (wrong := planted.get(r.file)))
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"folder: {len(files)} reports ({kinds['.docx']} docx, {kinds['.pdf']} pdf, {kinds['.xlsx']} xlsx) "
          f"from {len(bases)} distinct files, {len(planted)} with a planted wrong amount; made in {made:.1f} s")
    print(f"review {len(files)} reports (read, extract, check, commented DOCX each, review.xlsx): {wall:.1f} s wall "
          f"(goal ≤ 60 s), {cpu:.1f} s CPU in all processes, {len(files) / wall:.1f} reports/s, "
          f"{len(failed)} unreadable, {commented} commented DOCX, planted amounts among the top findings "
          f"{found}/{len(planted)}, "
          f"peak memory {own_mb:.0f} MB (this process), {worker_mb:.0f} MB (largest worker)")
    for row in failed[:5]:
        print(f"  unreadable: {row.file}: {row.problem}")
    print(f"load average (1 min) before / after: {load_before:.1f} / {load_after:.1f} on {os.cpu_count()} CPUs")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
