"""Charts for the 审核报告 as PNG pictures (matplotlib, Agg, imported only when a chart is drawn).

Labels are Chinese, so a chart is drawn only with a font that has Chinese glyphs (Noto Sans CJK or
another listed below, found through matplotlib's font manager); without one, or without matplotlib,
no chart is drawn and the report's tables carry the same figures. Figures are drawn through the
object API (no pyplot), so that nothing global changes in the caller's process.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from typing import Any

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK JP",
)
WIDTH_IN, DPI = 6.2, 200
BAR = "#4472C4"
BAR_2 = "#A5A5A5"


@functools.cache
def cjk_font() -> str | None:
    """The first font of CJK_FONTS matplotlib finds here; None without one (or without matplotlib)."""
    try:
        from matplotlib import font_manager
    except ImportError:
        return None
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _figure(height_in: float) -> tuple[Any, Any] | None:
    font = cjk_font()
    if font is None:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    figure.set_layout_engine("constrained")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _font(size: float) -> dict[str, Any]:
    return {"family": cjk_font(), "size": size}


def grade_chart(labels: Sequence[str], departments: Sequence[int], projects: Sequence[int]) -> bytes | None:
    """Departments and projects by grade, as grouped bars; None when no chart can be drawn."""
    drawn = _figure(2.8)
    if drawn is None:
        return None
    figure, axes = drawn
    positions = range(len(labels))
    width = 0.38
    for offset, counts, colour, name in (
        (-width / 2, departments, BAR, "部门"),
        (width / 2, projects, BAR_2, "项目"),
    ):
        bars = axes.bar([p + offset for p in positions], counts, width, color=colour, label=name)
        axes.bar_label(bars, labels=[str(c) if c else "" for c in counts], fontproperties=_font(9), padding=2)
    axes.set_xticks(list(positions), list(labels), fontproperties=_font(10))
    axes.set_ylabel("个数", fontproperties=_font(10))
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(prop=_font(9), frameon=False)
    axes.margins(y=0.15)
    return _png(figure)


def rules_chart(names: Sequence[str], counts: Sequence[int]) -> bytes | None:
    """The most frequent problems (rule names, counts) as horizontal bars, the most frequent on top."""
    drawn = _figure(0.8 + 0.32 * max(len(names), 1))
    if drawn is None:
        return None
    figure, axes = drawn
    rows = list(range(len(names)))[::-1]
    bars = axes.barh(rows, counts, color=BAR, height=0.6)
    axes.bar_label(bars, fontproperties=_font(9), padding=3)
    axes.set_yticks(rows, list(names), fontproperties=_font(9.5))
    axes.set_xlabel("问题数（项）", fontproperties=_font(10))
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.margins(x=0.12)
    for label in axes.get_xticklabels():
        label.set_fontproperties(_font(9))
    return _png(figure)
