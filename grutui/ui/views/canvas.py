"""Braille plots in a plotext frame, as Textual ``Strip`` lines, rasterised with numpy.

A ``Plot`` is a frame laid out by plotext (``frame.build_frame``: tick labels, axes, units,
grid) around a canvas of braille cells, 2x4 dots each. Layers of dots (lines, vertical
spans) are rasterised into ``(rows, cols)`` arrays of braille bits; ``lines`` merges them
over the frame's grid, a cell taking the style of the topmost layer that marks it, and cuts
each row into as few segments as its styles allow (each segment costs the compositor time
on every repaint). Plots are cached by ``frame``, so a key press only rasterises the data.

Every series also tells apart without colour (NO_COLOR, 16 colours): by its dash pattern,
its shading or its name at the right end of its line.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from grutui.ui.views.frame import Axis, build_frame

# One palette for every view: the processed sound bold in cyan, the dry one dim and dotted
# (or shaded), odd and even harmonics in cyan and magenta.
AXIS_STYLE = Style.parse("bright_black")
GRID_STYLE = Style.parse("bright_black")
WET_STYLE = Style.parse("bold cyan")
DRY_STYLE = Style.parse("dim")
ODD_STYLE = Style.parse("bold cyan")
EVEN_STYLE = Style.parse("bold magenta")
PLAIN = Style()
# Dash patterns along a line, in dots: (drawn, skipped).
DOTTED = (1, 1)
DASHED = (4, 3)
# Braille dot (column 0..1, row 0..3) -> bit of the U+2800 pattern.
_DOT_BITS = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]], dtype=np.uint8)
# Braille bits -> the cell's character; no dots is a space, not the blank braille pattern.
_CELLS = np.array([" "] + [chr(0x2800 + bits) for bits in range(1, 256)])
# Only for turning rich text into segments; never prints.
_CONSOLE = Console(
    file=io.StringIO(),
    width=1000,
    color_system="truecolor",
    force_terminal=True,
    legacy_windows=False,
)

__all__ = ["Axis", "Plot", "frame"]


def to_strips(text: Text, width: int) -> list[Strip]:
    """``text`` as one ``Strip`` per line, ``width`` cells each (cropped or padded)."""
    return [
        Strip(list(line.render(_CONSOLE, end=""))).adjust_cell_length(width)
        for line in text.split("\n", allow_blank=True)
    ]


def nice_limit(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 5 x 10^n at or above ``value``."""
    value = max(value, 1e-3)
    base = 10.0 ** math.floor(math.log10(value))
    for mantissa in (1.0, 1.5, 2.0, 3.0, 5.0, 10.0):
        if mantissa * base >= value - 1e-12:
            return mantissa * base
    return 10.0 * base


def row_of(runs: Sequence[tuple[str, Style]], width: int) -> Strip:
    """A line from (text, style) runs, merging neighbours of the same style."""
    segments: list[Segment] = []
    texts: list[str] = []
    current: Style | None = None
    for text, style in runs:
        if not text:
            continue
        if style is not current and texts:
            segments.append(Segment("".join(texts), current))
            texts = []
        texts.append(text)
        current = style
    if texts:
        segments.append(Segment("".join(texts), current))
    return Strip(segments).adjust_cell_length(width)


def dash_sample(dash: tuple[int, int] | None, cells: int = 3) -> str:
    """A short horizontal line in ``dash``'s pattern, for a legend."""
    dots = np.arange(cells * 2)
    drawn = np.ones(len(dots), bool) if dash is None else dots % sum(dash) < dash[0]
    bits = np.zeros(cells, np.uint8)
    np.bitwise_or.at(bits, dots[drawn] // 2, _DOT_BITS[dots[drawn] % 2, 1])
    return "".join(_CELLS[bits].tolist()).replace(" ", "\u2800")


class Plot:
    """A plotext frame of ``width`` x ``height`` cells around a braille canvas (get one by
    ``frame``), with ``right_w`` cells right of it for the names at the ends of lines."""

    def __init__(
        self,
        width: int,
        height: int,
        x: Axis,
        y: Axis,
        label_w: int = 0,
        x_labels: bool = True,
        units: bool = True,
        right_w: int = 0,
    ) -> None:
        self.width, self.height, self.x, self.y = width, height, x, y
        self.right_w = right_w
        built = build_frame(width - right_w, height, x, y, label_w, x_labels, units)
        self.rows = built.rows if built else 0
        self.cols = built.cols if built else 0
        self.left = built.left if built else 0
        self.dots_x, self.dots_y = self.cols * 2, self.rows * 4
        if built is None:
            return
        self._prefixes = [Segment(prefix, AXIS_STYLE) for prefix in built.prefixes]
        self._background = built.background
        self._grid = built.background != " "
        self._bottom = [row_of([(line, AXIS_STYLE)], width) for line in built.bottom]

    @property
    def usable(self) -> bool:
        return self.rows >= 2 and self.cols >= 4

    def blank(self) -> np.ndarray:
        return np.zeros((self.rows, self.cols), dtype=np.uint8)

    def dots(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Data coordinates as fractional dot coordinates (x right, y down).

        A value plotext ticks falls in the middle of the tick's cell: plotext puts the
        fraction ``f`` of an axis of ``n`` cells in cell ``round(f * (n - 1))``."""
        px = self.x.fraction(x) * (self.cols - 1) * 2 + 0.5
        py = (1.0 - self.y.fraction(y)) * (self.rows - 1) * 4 + 1.5
        return px, py

    def line(self, x: np.ndarray, y: np.ndarray, dash: tuple[int, int] | None = None) -> np.ndarray:
        """Braille bits of the polyline through the points (x, y), densified to dot spacing
        (``dash``: drawn and skipped dots along it); points that are not finite break it."""
        px, py = self.dots(x, y)
        bits = self.blank()
        finite = np.isfinite(px) & np.isfinite(py)
        for run in np.split(np.arange(len(px)), np.flatnonzero(np.diff(finite)) + 1):
            if len(run) and finite[run[0]]:
                self._mark_path(bits, px[run], py[run], dash)
        return bits

    def spans(self, lo: np.ndarray, hi: np.ndarray, shade: bool = False) -> np.ndarray:
        """Braille bits of one vertical span per dot column, from ``lo`` to ``hi`` (data units;
        ``dots_x`` values each, NaN for none), joined to the neighbouring columns so the trace
        is unbroken; ``shade``: every other dot only, a lighter fill."""
        _, top = self.dots(np.zeros(1), np.asarray(hi, dtype=float))
        _, bottom = self.dots(np.zeros(1), np.asarray(lo, dtype=float))
        top, bottom = np.minimum(top, bottom), np.maximum(top, bottom)
        drawn = np.isfinite(top) & np.isfinite(bottom)
        # Reach halfway to the neighbours, so a steep edge is drawn, not dotted.
        top = np.fmin(top, (top + np.concatenate((top[:1], top[:-1]))) / 2)
        bottom = np.fmax(bottom, (bottom + np.concatenate((bottom[:1], bottom[:-1]))) / 2)
        top = np.clip(np.rint(np.where(drawn, top, 0)), 0, self.dots_y - 1).astype(np.int64)
        bottom = np.clip(np.rint(np.where(drawn, bottom, -1)), -1, self.dots_y - 1)
        rows = np.arange(self.dots_y)[:, None]
        inside = (rows >= top[None, :]) & (rows <= bottom.astype(np.int64)[None, :])
        if shade:
            inside &= (rows + np.arange(self.dots_x)[None, :]) % 2 == 0
        dy, dx = np.nonzero(inside)
        bits = self.blank()
        np.bitwise_or.at(bits, (dy // 4, dx // 2), _DOT_BITS[dx % 2, dy % 4])
        return bits

    def trace(self, y: np.ndarray, shade: bool = False) -> np.ndarray:
        """Braille bits of evenly spaced samples ``y`` across the whole x axis: a line through
        them when they are fewer than the dot columns (dotted when ``shade``), else each
        column's span from its lowest to its highest sample (a waveform's envelope)."""
        y = np.asarray(y, dtype=float)
        if len(y) < self.dots_x:
            x = np.linspace(self.x.lo, self.x.hi, len(y))
            return self.line(x, y, DOTTED if shade else None)
        starts = (np.arange(self.dots_x) * len(y)) // self.dots_x
        return self.spans(np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts), shade)

    def columns_of(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the dot column of each ``x`` that falls inside the plot, which ones do)."""
        spot, _ = self.dots(x, np.zeros(1))
        inside = np.isfinite(spot) & (spot > -0.5) & (spot < self.dots_x - 0.5)
        return np.rint(spot[inside]).astype(np.int64), inside

    def column_peaks(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The largest ``y`` among the points whose ``x`` falls in each dot column (-inf where
        none does)."""
        columns, inside = self.columns_of(x)
        peak = np.full(self.dots_x, -np.inf)
        np.maximum.at(peak, columns, np.asarray(y, float)[inside])
        return peak

    def filled(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of one point per dot column from per-column ``values``, interpolated where
        a value is not finite (a spectrum's bins are sparse at the low end of a log axis);
        NaN beyond the first and last known value."""
        fraction = (np.arange(self.dots_x) - 0.5) / max(2 * (self.cols - 1), 1)  # as ``dots``
        if self.x.log:
            where = 10.0 ** (math.log10(self.x.lo) + fraction * math.log10(self.x.hi / self.x.lo))
        else:
            where = self.x.lo + fraction * (self.x.hi - self.x.lo)
        known = np.isfinite(values)
        if not known.any():
            return where, np.full(self.dots_x, np.nan)
        filled = np.interp(where, where[known], values[known], left=np.nan, right=np.nan)
        return where, np.where(known, values, filled)

    def _mark_path(
        self, bits: np.ndarray, px: np.ndarray, py: np.ndarray, dash: tuple[int, int] | None
    ) -> None:
        if len(px) == 1:
            px, py = np.repeat(px, 2), np.repeat(py, 2)
        steps = np.maximum(np.abs(np.diff(px)), np.abs(np.diff(py)))
        t = np.concatenate(([0.0], np.cumsum(np.maximum(steps, 1e-9))))
        dense = np.linspace(0.0, t[-1], int(min(t[-1], 1e6)) * 2 + 2)
        if dash is not None:  # by distance along the line, so a dash keeps its length
            dense = dense[np.floor(dense) % sum(dash) < dash[0]]
        dx = np.rint(np.interp(dense, t, px)).astype(np.int64)
        dy = np.rint(np.interp(dense, t, py)).astype(np.int64)
        inside = (dx >= 0) & (dx < self.dots_x) & (dy >= 0) & (dy < self.dots_y)
        dx, dy = dx[inside], dy[inside]
        np.bitwise_or.at(bits, (dy // 4, dx // 2), _DOT_BITS[dx % 2, dy % 4])

    def row(self, value: float) -> int:
        """The canvas row of the y ``value`` (clipped to the canvas)."""
        _, py = self.dots(np.zeros(1), np.array([value]))
        return int(np.clip(np.rint(py[0]) // 4, 0, self.rows - 1)) if np.isfinite(py[0]) else -1

    def lines(
        self,
        layers: Sequence[tuple[np.ndarray, Style]],
        names: Sequence[tuple[float, str, Style]] = (),
    ) -> list[Strip]:
        """The frame with ``layers`` (bits, style) drawn in it, the last one on top, and
        ``names`` (y value, text, style) right of the canvas at the rows of their values."""
        if not self.usable:
            return []
        kind = np.zeros((self.rows, self.cols), dtype=np.int64)  # 0: empty, i + 1: layer i
        merged = self.blank()
        for index, (bits, _) in enumerate(layers):
            merged |= bits
            kind[bits != 0] = index + 1
        cells = np.where(merged != 0, _CELLS[merged], " ")
        return self.compose(cells, kind, [style for _, style in layers], names)

    def compose(
        self,
        cells: np.ndarray,
        kind: np.ndarray,
        styles: Sequence[Style],
        names: Sequence[tuple[float, str, Style]] = (),
    ) -> list[Strip]:
        """The frame around canvas ``cells`` (characters; a space shows the grid), the cell
        in row r, column c styled by ``styles[kind[r, c] - 1]`` (kind 0: no style of its own),
        and ``names`` (y value, text, style) right of the canvas at the rows of their values."""
        rows, cols = self.rows, self.cols
        empty = cells == " "
        cells = np.where(empty, self._background, cells)
        kind = np.where(empty, np.where(self._grid, len(styles) + 1, 0), kind)
        palette = [PLAIN, *styles, GRID_STYLE]
        # Empty cells take the style of the cell before them (a space shows no colour), so a
        # row is a few segments.
        filled = np.maximum.accumulate(np.where(kind != 0, np.arange(cols), 0), axis=1)
        kind = np.take_along_axis(kind, filled, axis=1)
        texts = np.ascontiguousarray(cells).view(f"<U{cols}")[:, 0].tolist()
        cuts = np.diff(kind, axis=1) != 0
        margin = self._margin(names)
        out = []
        for r in range(rows):
            text, kinds = texts[r], kind[r]
            edges = [0, *(np.flatnonzero(cuts[r]) + 1).tolist(), cols]
            canvas = [Segment(text[a:b], palette[kinds[a]]) for a, b in itertools.pairwise(edges)]
            length = self.left + cols
            label = margin.get(r)
            if label is not None:
                canvas.append(Segment(f" {label[0]}", label[1]))
                length += 1 + len(label[0])
            out.append(Strip([self._prefixes[r], *canvas], length).adjust_cell_length(self.width))
        return out + self._bottom

    def _margin(self, names: Sequence[tuple[float, str, Style]]) -> dict[int, tuple[str, Style]]:
        """Row -> the name written right of the canvas: each at its value's row, or the
        nearest free one (lines that end together get their names one above the other)."""
        taken: dict[int, tuple[str, Style]] = {}
        if not self.right_w:
            return taken
        for value, text, style in names:
            want = self.row(value)
            if want < 0:
                continue
            free = [r for r in range(self.rows) if r not in taken]
            if free:
                row = min(free, key=lambda r: (abs(r - want), r))
                taken[row] = (text[: self.right_w - 1], style)
        return taken


# The plot for a size and a set of axes (``Plot``'s arguments), made once.
frame = lru_cache(maxsize=32)(Plot)
