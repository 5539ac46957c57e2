"""The report's plots: matplotlib (Agg, no display needed) drawing figures as small PNGs, returned
as ``data:`` URIs the page embeds, so the file opens anywhere with no network.

One look for all of them: one accent colour, light grid, no top/right frame, compact numbers
(12k, 1.5M). Figures are made with ``matplotlib.figure.Figure`` rather than pyplot: no global
state, no backend to choose, nothing kept between plots.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec

import numpy as np
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from codegen.runreport.figures import Bars, ColumnFigures, Correlation, Histogram
from codegen.runreport.relations import FanOut

P = ParamSpec("P")

ACCENT = "#3b6ea8"
MUTED = "#a9b4c2"
INK = "#2b2f36"
WIDTH_IN = 3.4  # a column card's plot; the page shows it about 340 px wide
DPI = 150  # drawn at 1.5x the size shown, so it stays sharp on high-density screens
SHOWN = 2 / 3
STYLE = {
    "font.size": 9,
    "axes.edgecolor": "#9aa3ad",
    "axes.labelcolor": INK,
    "axes.titlesize": 9,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#e3e7ec",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
}


def _styled(draw: Callable[P, Plot]) -> Callable[P, Plot]:
    """Draw under the report's style (rcParams are read as artists are made, so the whole
    drawing runs inside the context)."""

    @wraps(draw)
    def styled(*args: P.args, **kwargs: P.kwargs) -> Plot:
        from matplotlib import rc_context

        with rc_context(STYLE):
            return draw(*args, **kwargs)

    return styled


@dataclass(frozen=True)
class Plot:
    """A PNG as a ``data:`` URI, and the size to show it at in CSS pixels (two thirds of the
    pixels drawn, so that 9 pt text reads as about 12.5 px in every plot)."""

    uri: str
    width: int
    height: int


def column_plot(col: ColumnFigures) -> Plot | None:
    """The column's plot as a data URI, or None when it has none."""
    if isinstance(col.plot, Histogram):
        return histogram_plot(col.plot)
    if isinstance(col.plot, Bars):
        return bars_plot(col.plot)
    return None


@_styled
def histogram_plot(hist: Histogram, *, xlabel: str = "") -> Plot:
    fig, ax = _figure(WIDTH_IN, 2.2)
    edges = np.asarray(hist.edges, dtype=float)
    counts = np.asarray(hist.counts)
    if hist.time:
        edges = mdates.date2num((edges * 1e6).astype("datetime64[us]"))
        locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(6))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=ACCENT,
           edgecolor="white", linewidth=0.4)  # fmt: skip
    ax.set_xlim(edges[0], edges[-1])
    _count_axis(ax)
    if xlabel:
        ax.set_xlabel(xlabel)
    return _png(fig)


@_styled
def bars_plot(bars: Bars) -> Plot:
    """Ordered values (numbers, booleans) as columns; named values as rows, most common first."""
    labels, counts = list(bars.labels), list(bars.counts)
    if bars.ordered:
        fig, ax = _figure(WIDTH_IN, 2.2)
        x = np.arange(len(labels))
        ax.bar(x, counts, color=ACCENT, width=0.8)
        step = max(1, math.ceil(len(labels) / 12))
        ax.set_xticks(x[::step], labels[::step])
        _count_axis(ax)
        return _png(fig)
    colors = [ACCENT] * len(labels)
    if bars.rest:
        labels.append(f"{bars.rest_values:,} other values")
        counts.append(bars.rest)
        colors.append(MUTED)
    fig, ax = _figure(WIDTH_IN, 0.55 + 0.21 * len(labels))
    y = np.arange(len(labels))[::-1]
    ax.barh(y, counts, color=colors, height=0.72)
    ax.set_yticks(y, labels)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    ax.set_ylim(-0.6, len(labels) - 0.4)
    return _png(fig)


@_styled
def fan_out_plot(fan: FanOut) -> Plot:
    """Parents by how many children they have: one bar per count up to 40, whole-number bins
    above; a log scale when a few parents hold a long tail the eye would otherwise miss."""
    top = fan.distribution[-1][0]
    fig, ax = _figure(4.6, 2.4)
    children = np.array([n for n, _ in fan.distribution], dtype=float)
    parents = np.array([p for _, p in fan.distribution], dtype=float)
    if top <= 40:
        edges = np.arange(-0.5, top + 1.5)
    else:
        step = math.ceil((top + 1) / 40)
        edges = np.arange(-0.5, top + step + 0.5, step, dtype=float)
    counts, edges = np.histogram(children, bins=edges, weights=parents)
    width = np.diff(edges) * (0.8 if top <= 40 else 1.0)
    ax.bar(edges[:-1] + (np.diff(edges) - width) / 2, counts, width=width, align="edge",
           color=ACCENT, edgecolor="white", linewidth=0.4 if top > 40 else 0)  # fmt: skip
    ax.xaxis.set_major_locator(MaxNLocator(10, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    nonzero = counts[counts > 0]
    log = len(nonzero) > 1 and nonzero.max() > 30 * nonzero.min()
    ax.set_xlabel(f"{fan.child} rows per {fan.parent} row")
    ax.set_ylabel(f"{fan.parent} rows" + (" (log scale)" if log else ""))
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    else:
        _count_axis(ax)
    return _png(fig)


@_styled
def correlation_plot(corr: Correlation) -> Plot:
    """A heat map of Spearman rho, the values written in when there is room."""
    k = len(corr.columns)
    side = min(9.0, max(3.0, 0.5 * k + 1.6))
    fig, ax = _figure(side + 0.8, side)
    matrix = np.array(corr.rho, dtype=float)
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.grid(False)
    names = [_short(c, 18) for c in corr.columns]
    ax.set_xticks(range(k), names, rotation=40, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(k), names)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if k <= 12:
        for i in range(k):
            for j in range(k):
                value = matrix[i, j]
                text = "–" if math.isnan(value) else f"{value:.2f}"
                color = "white" if abs(value) > 0.6 else INK
                ax.text(j, i, text, ha="center", va="center", fontsize=9, color=color)
    bar = fig.colorbar(image, ax=ax, fraction=0.045, pad=0.03)
    bar.outline.set_visible(False)
    bar.ax.tick_params(labelsize=8, length=0)
    return _png(fig)


# --------------------------------------------------------------------------------- helpers


def compact(value: float) -> str:
    """12, 1.5k, 250k, 3M: axis numbers short enough to sit side by side."""
    size = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:.3g}{suffix}"
    if size == 0 or size >= 1:
        return f"{value:.4g}"
    return f"{value:.2g}"


def _short(text: str, width: int) -> str:
    """Cut in the middle: columns often differ only at the end (reading_14, reading_15)."""
    if len(text) <= width:
        return text
    tail = width // 2
    return text[: width - tail - 1] + "…" + text[-tail:]


def _figure(width: float, height: float) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig, fig.add_subplot()


def _count_axis(ax: object) -> None:
    ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))  # type: ignore[attr-defined]
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))  # type: ignore[attr-defined]


def _png(fig: Figure) -> Plot:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    width, height = fig.get_size_inches()
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return Plot(uri, round(width * DPI * SHOWN), round(height * DPI * SHOWN))
