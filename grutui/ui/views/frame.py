"""Plot frames laid out by plotext: axes, ticks, tick labels, units and grid.

plotext builds each view's frame (a few to tens of milliseconds of pure Python), once per
size and set of axes, in the analysis thread; ``canvas.Plot`` then rasterises the data,
which changes on every key press, with numpy into the frame's canvas. plotext is given
linear coordinates only (log10 of a log axis's values), so where plotext puts a tick and
where the rasteriser puts a point follow the same mapping: the ``i``-th of ``n`` cells
holds the fraction ``i / (n - 1)`` of the axis.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

GRID_CHARS = "─│┼"  # what plotext draws its grid with
# What the grid is drawn with here: light dotted lines, so the data stands out.
GRID_ACROSS, GRID_UP, GRID_CROSS = "┈", "┊", "┼"
_PLOTEXT = threading.Lock()  # plotext draws on one module-wide figure


@dataclass(frozen=True)
class Axis:
    """From ``lo`` to ``hi``, with (value, label) ticks, on a log scale when ``log``;
    ``unit`` names the axis under the plot; ``grid`` draws grid lines at the ticks (True) or
    at those of them in a tuple of values."""

    lo: float
    hi: float
    ticks: tuple[tuple[float, str], ...] = ()
    log: bool = False
    unit: str = ""
    grid: bool | tuple[float, ...] = False

    def cell(self, value: float, cells: int) -> int:
        """The cell of ``value`` among ``cells`` along the axis, as plotext places ticks."""
        return math.floor(0.5 + (cells - 1) * float(self.fraction(np.array([value]))[0]))

    def linear(self, values: np.ndarray) -> np.ndarray:
        """``values`` on the axis's linear scale (log10 of them on a log axis)."""
        values = np.asarray(values, dtype=float)
        if not self.log:
            return values
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(values)

    @property
    def span(self) -> tuple[float, float]:
        """``lo`` and ``hi`` on the linear scale."""
        if self.log:
            return math.log10(self.lo), math.log10(self.hi)
        return self.lo, self.hi

    def fraction(self, values: np.ndarray) -> np.ndarray:
        """Where ``values`` fall, 0 at ``lo`` and 1 at ``hi``."""
        lo, hi = self.span
        return (self.linear(values) - lo) / (hi - lo)


@dataclass(frozen=True)
class Frame:
    """A frame of ``width`` x ``height`` cells as plain text around a canvas of ``rows`` x
    ``cols`` cells starting at column ``left``."""

    width: int
    height: int
    left: int
    rows: int
    cols: int
    prefixes: tuple[str, ...]  # per canvas row: the tick labels and the axis left of it
    background: np.ndarray  # (rows, cols) characters of the canvas: grid lines or spaces
    bottom: tuple[str, ...]  # the x axis, its tick labels and the units, as asked


def spaced_y_ticks(axis: Axis, rows: int) -> list[tuple[float, str]]:
    """The ticks of ``axis`` that keep a free row between their labels (earlier ones first)."""
    taken: set[int] = set()
    kept = []
    for value, label in axis.ticks:
        row = axis.cell(value, rows)
        if 0 <= row < rows and not {row - 1, row, row + 1} & taken:
            taken.add(row)
            kept.append((value, label))
    return kept


def spaced_x_ticks(axis: Axis, cols: int, left: int, width: int) -> list[tuple[float, str]]:
    """The ticks of ``axis`` whose labels, centred under them, keep a cell from each
    other's (earlier ones first: a log axis lists its decades first)."""
    taken: list[tuple[int, int]] = []
    kept = []
    for value, label in axis.ticks:
        col = axis.cell(value, cols)
        if not 0 <= col < cols:
            continue
        start = min(max(left + col - len(label) // 2, 0), width - len(label))
        end = start + len(label)
        if all(end + 1 <= a or start >= b + 1 for a, b in taken):
            taken.append((start, end))
            kept.append((value, label))
    return kept


@lru_cache(maxsize=48)
def build_frame(
    width: int,
    height: int,
    x: Axis,
    y: Axis,
    label_w: int = 0,
    x_labels: bool = True,
    units: bool = True,
) -> Frame | None:
    """The frame for this size and these axes, laid out by plotext (None if too small).

    ``label_w``: at least this many cells for the y tick labels (plots stacked in a column
    line up); ``x_labels``: the x tick labels under the axis; ``units``: a line naming the
    axes (y on the left, x in the middle) under everything.
    """
    units = units and bool(x.unit or y.unit)
    rows = height - 1 - x_labels - units
    if rows < 2:
        return None
    label_w = max(label_w, *(len(label) for _, label in y.ticks), 0)
    y_ticks = spaced_y_ticks(y, rows)
    left = (label_w if y_ticks else 0) + 1
    x_ticks = spaced_x_ticks(x, width - left, left, width)
    # plotext always writes the tick labels: lay out a line for them and drop it after.
    plot_h = rows + 2 + units
    with _PLOTEXT:
        text = _plotext(width, plot_h, x, y, x_ticks, y_ticks, label_w, units)
    lines = text.splitlines()
    axis_row = next((i for i in range(len(lines) - 1, -1, -1) if "└" in lines[i]), None)
    if axis_row != rows or len(lines) != plot_h:
        return None  # plotext laid it out otherwise (too small): nothing to draw in
    if lines[axis_row].index("└") + 1 != left or width - left < 4:
        return None  # (not as laid out for the x labels: cannot happen with plotext 5)
    cols = width - left
    canvas = np.array([list(line.ljust(width)[left:width]) for line in lines[:rows]], "<U1")
    background = _grid(canvas, x, y)
    # The axes' tick marks cross only where a grid line goes on.
    across = (background == GRID_ACROSS).any(axis=1) | (background == GRID_CROSS).any(axis=1)
    up = (background == GRID_UP).any(axis=0) | (background == GRID_CROSS).any(axis=0)
    prefixes = [
        line[: left - 1] + (line[left - 1] if across[r] else line[left - 1].replace("┼", "┤"))
        for r, line in enumerate(lines[:rows])
    ]
    axis_line = list(lines[axis_row].ljust(width))
    for c in range(cols):
        if not up[c] and axis_line[left + c] == "┼":
            axis_line[left + c] = "┬"
    bottom = ["".join(axis_line)] + ([lines[axis_row + 1]] if x_labels else [])
    bottom += lines[rows + 2 :]
    return Frame(
        width,
        height,
        left,
        rows,
        cols,
        tuple(prefixes),
        background,
        tuple(line.ljust(width)[:width] for line in bottom),
    )


def _grid(canvas: np.ndarray, x: Axis, y: Axis) -> np.ndarray:
    """The grid plotext drew in ``canvas``, only at the values the axes ask for and not on
    the axes' own edges (it would double the axis lines), in the grid's light characters."""
    rows, cols = canvas.shape
    marks = np.isin(canvas, list(GRID_CHARS))
    across = marks.mean(axis=1) > 0.5  # rows plotext drew a line through
    up = marks.mean(axis=0) > 0.5
    across[-1] = up[0] = False
    for keep, axis, cells in ((across, y, rows), (up, x, cols)):
        if isinstance(axis.grid, tuple):
            wanted = np.zeros(cells, bool)
            wanted[[axis.cell(v, cells) for v in axis.grid if 0 <= axis.cell(v, cells) < cells]] = (
                True
            )
            keep &= wanted[::-1] if axis is y else wanted
    grid = np.full((rows, cols), " ", "<U1")
    grid[across, :] = GRID_ACROSS
    grid[:, up] = GRID_UP
    grid[np.ix_(across, up)] = GRID_CROSS
    return grid


def _plotext(
    width: int,
    height: int,
    x: Axis,
    y: Axis,
    x_ticks: list[tuple[float, str]],
    y_ticks: list[tuple[float, str]],
    label_w: int,
    units: bool,
) -> str:
    """plotext's drawing of the frame, as plain text (under ``_PLOTEXT``)."""
    import plotext as plt  # here, in the analysis thread: importing it takes ~40 ms

    plt.clear_figure()
    plt.limitsize(False, False)  # the view's size, not the terminal's
    plt.plotsize(width, height)
    plt.theme("clear")
    plt.xaxes(True, False)  # only the lower x axis and the left y axis: more room for data
    plt.yaxes(True, False)
    (x_lo, x_hi), (y_lo, y_hi) = x.span, y.span
    plt.xlim(x_lo, x_hi)
    plt.ylim(y_lo, y_hi)
    plt.xticks([float(x.linear(np.array(v))) for v, _ in x_ticks], [t for _, t in x_ticks])
    plt.yticks(
        [float(y.linear(np.array(v))) for v, _ in y_ticks], [f"{t:>{label_w}}" for _, t in y_ticks]
    )
    # plotext draws no ticks without data: one point, outside the axes, so not drawn.
    plt.scatter([x_hi + (x_hi - x_lo)], [y_hi + (y_hi - y_lo)], marker=" ")
    if units:
        plt.xlabel(x.unit or " ")
        plt.ylabel(y.unit or " ")
    plt.grid(y.grid, x.grid)
    return str(plt.uncolorize(plt.build()))
