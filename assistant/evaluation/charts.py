"""PNG charts of `assistant eval` (matplotlib, Agg, Chinese labels): numeric precision per case by writer,
the checker's mutation recall by kind against the naive baseline, retrieval recall@k by method.

Chinese needs a CJK font, and none is ever downloaded: the font is looked up among the fonts matplotlib
knows by family name, then asked of fontconfig (fc-match), and used only when it has Chinese glyphs.
Without one the charts are still written and the caller is told once, in plain Chinese.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.evaluation.bench_results import MutationBenchmark, RetrievalBenchmark
from assistant.evaluation.report import KIND_LABELS, METHOD_LABELS, writer_label
from assistant.evaluation.results import EvalResults

# Families with Chinese glyphs, best first: Debian's fonts-noto-cjk and fonts-wqy-microhei, then what
# Windows and macOS machines carry.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Droid Sans Fallback", "AR PL UMing CN")
PROBE = "数字准确率检索召回"  # characters every chart label uses; a font must have them all
NO_FONT = ("未找到中文字体（可安装 fonts-noto-cjk 或 fonts-wqy-microhei），图表已生成，但其中的中文可能显示为方框。")
COLOURS = ("#1f5fa8", "#d9822b", "#3a9a5b", "#9b59b6", "#7f8c8d")
DPI = 120
TITLE_PAD = 22  # points between the title and the axes, room for the legend


@dataclass(frozen=True)
class Font:
    """The CJK font the charts use: its family name (as matplotlib knows it) and its file."""

    name: str
    path: str


def _has_glyphs(path: str) -> bool:
    """Return whether the font file has a glyph for every character of PROBE."""
    from matplotlib.ft2font import FT2Font

    try:
        face = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(face.get_char_index(ord(c)) for c in PROBE)


@functools.cache
def cjk_font() -> Font | None:
    """Return a font with Chinese glyphs installed on this machine (matplotlib's font list first, then
    fontconfig), or None when there is none."""
    from matplotlib import font_manager

    for name in CJK_FAMILIES:
        # The regular face first: matplotlib picks by weight anyway, this only says which file is checked.
        faces = sorted((f for f in font_manager.fontManager.ttflist if f.name == name),
                       key=lambda f: f.weight not in (400, "normal", "regular"))
        for face in faces:
            if _has_glyphs(face.fname):
                return Font(name, face.fname)
    path = _fc_match()
    if path and _has_glyphs(path):
        font_manager.fontManager.addfont(path)
        return Font(font_manager.FontProperties(fname=path).get_name(), path)
    return None


def _fc_match() -> str:
    """Return the file fontconfig picks for Chinese sans-serif text, or "" (no fontconfig, or no answer)."""
    try:
        done = subprocess.run(["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def write_charts(results: EvalResults, out_dir: Path, warn: Callable[[str], None] = _stderr) -> list[Path]:
    """Write the charts the results have data for into out_dir (faithfulness.png, mutations.png,
    retrieval.png); return their paths. warn is told once when no Chinese font is found."""
    font = cjk_font()
    if font is None:
        warn(NO_FONT)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    plans: list[tuple[str, Callable[[], Any] | None]] = [
        ("faithfulness.png", (lambda: faithfulness(results)) if results.drafts else None),
        ("mutations.png", (lambda: mutation_recall(results.mutations)) if results.mutations else None),
        ("retrieval.png", (lambda: retrieval_recall(results.retrieval)) if results.retrieval else None),
    ]
    for name, draw in plans:
        if draw is None:
            continue
        with _style(font):
            figure = draw()
            figure.savefig(out_dir / name, dpi=DPI, bbox_inches="tight")
        written.append(out_dir / name)
    return written


@contextmanager
def _style(font: Font | None) -> Iterator[None]:
    """Apply the charts' fonts while a figure is drawn and saved; without a CJK font, matplotlib's warnings
    about each missing glyph are not repeated (the caller was told once)."""
    import matplotlib

    family = [font.name, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": family, "font.size": 10,
                                "axes.unicode_minus": False}), warnings.catch_warnings():
        if font is None:
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


def _figure(rows: int) -> tuple[Any, Any]:
    """Return a figure (Agg canvas, no pyplot state) and its axes, tall enough for `rows` bars."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, max(3.2, 1.2 + 0.32 * rows)))
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _bars(ax: Any, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]) -> None:
    """Draw grouped horizontal bars (values in %, None: nothing measured) labelled with their values."""
    height = 0.8 / len(series)
    for i, (name, values) in enumerate(series):
        ys = [row + (i - (len(series) - 1) / 2) * height for row in range(len(labels))]
        shown = [v if v is not None else 0.0 for v in values]
        ax.barh(ys, shown, height=height * 0.92, color=COLOURS[i % len(COLOURS)], label=name)
        for y, v in zip(ys, values, strict=True):
            ax.text((v or 0.0) + 1, y, "未评测" if v is None else f"{v:.1f}%", va="center",
                    fontsize=7 if len(series) > 1 else 8)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # the first row at the top, as in the report's tables; no empty margin
    ax.set_xlim(0, 112)
    ax.set_xticks(range(0, 101, 20), [f"{x}%" for x in range(0, 101, 20)])
    ax.grid(axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    if len(series) > 1:  # above the bars, under the title, where it covers none of them
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(series), fontsize=8, frameon=False)


def faithfulness(results: EvalResults) -> Any:
    """Return the figure of numeric precision per case, one bar per writer."""
    cases = list(dict.fromkeys(d.case for d in results.drafts))
    series = []
    for writer in results.writers:
        values = []
        for case in cases:
            d = results.draft(case, writer)
            values.append(d.metrics.precision * 100 if d and d.metrics else None)
        series.append((writer_label(writer), values))
    figure, ax = _figure(len(cases) * max(1, len(series)))
    _bars(ax, cases, series)
    ax.set_title("各案例数字准确率（有据 + 可推算的数字 ÷ 全部数字）", pad=TITLE_PAD if len(series) > 1 else 8)
    ax.set_xlabel("数字准确率")
    return figure


def mutation_recall(b: MutationBenchmark) -> Any:
    """Return the figure of the checker's recall per mutation kind beside the naive baseline's."""
    labels = [KIND_LABELS.get(k.kind, k.kind) + f"（{k.mutations:,}）" for k in b.kinds]
    series = [("核对器", [k.recall * 100 for k in b.kinds]), ("朴素基线", [k.baseline_recall * 100 for k in b.kinds])]
    figure, ax = _figure(len(labels) * 2)
    _bars(ax, labels, series)
    ax.set_title("核对器变异检出率（按变异类型，括号内为变异数）", pad=TITLE_PAD)
    ax.set_xlabel("检出率")
    return figure


def retrieval_recall(b: RetrievalBenchmark) -> Any:
    """Return the figure of recall@k per retrieval method, one bar per k."""
    ks = sorted({k for m in b.methods for k in m.recall})
    labels = [METHOD_LABELS.get(m.method, m.method) for m in b.methods]
    series = [(f"前 {k} 条（recall@{k}）", [m.recall[k] * 100 if k in m.recall else None for m in b.methods])
              for k in ks]
    figure, ax = _figure(len(labels) * len(series))
    _bars(ax, labels, series)
    ax.set_title(f"检索召回率 recall@k（按方法，{b.queries} 条标注查询）", pad=TITLE_PAD)
    ax.set_xlabel("召回率：前 k 条覆盖的相关章节 ÷ min(相关章节数, k)")
    return figure
