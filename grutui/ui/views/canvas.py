"""Braille plots in a frame of axes, as Textual ``Strip`` lines, built with numpy.

A ``Plot`` is a frame (tick labels, axis lines) around a canvas of braille cells, 2x4 dots
each. Layers of dots (lines, vertical spans) are rasterised into ``(rows, cols)`` arrays of
braille bits; ``lines`` merges them, a cell taking the style of the topmost layer that marks
it, and cuts each row into as few segments as its styles allow (each segment costs the
compositor time on every repaint). Frames are cached by ``frame``, so a key press only
rasterises the data.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

# One palette for every view: the processed sound bold in cyan, the dry one dim (both also
# tell apart without colour), odd and even harmonics in cyan and magenta.
AXIS_STYLE = Style.parse("bright_black")
WET_STYLE = Style.parse("bold cyan")
DRY_STYLE = Style.parse("dim")
ODD_STYLE = Style.parse("bold cyan")
EVEN_STYLE = Style.parse("bold magenta")
PLAIN = Style()
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


@dataclass(frozen=True)
class Axis:
    """From ``lo`` to ``hi`` (log10 of the values when ``log``), with (value, label) ticks."""

    lo: float
    hi: float
    ticks: tuple[tuple[float, str], ...] = ()
    log: bool = False

    def fraction(self, values: np.ndarray) -> np.ndarray:
        """Where ``values`` fall, 0 at ``lo`` and 1 at ``hi``."""
        values = np.asarray(values, dtype=float)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log10(values)
            return (values - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        return (values - self.lo) / (self.hi - self.lo)


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


class Plot:
    """A frame of ``width`` x ``height`` cells around a braille canvas (get one by ``frame``)."""

    def __init__(
        self, width: int, height: int, x: Axis, y: Axis, label_w: int = 0, x_labels: bool = True
    ) -> None:
        """``label_w``: at least this many cells for the y labels (plots stacked in a column
        line up); ``x_labels``: the x tick labels under the axis (not for an upper plot whose
        lower one has them)."""
        self.width, self.height, self.x, self.y = width, height, x, y
        label_w = max(label_w, *(len(label) for _, label in y.ticks), 0)
        self.left = label_w + 1  # labels, then the axis line
        self.rows = max(0, height - 1 - x_labels)  # the x axis line (and labels) below
        self.cols = max(0, width - self.left - 1)  # a cell to the right for the last label
        self.dots_x, self.dots_y = self.cols * 2, self.rows * 4
        rows, cols = self.rows, self.cols
        y_ticks: dict[int, str] = {}
        for value, label in y.ticks:
            row = round((1.0 - float(y.fraction(np.array([value]))[0])) * (rows - 1))
            # a row between labels, or they read as one column of numbers
            if 0 <= row < rows and not {row - 1, row, row + 1} & y_ticks.keys():
                y_ticks[row] = label
        self._prefixes = [
            Strip(
                [
                    Segment(
                        f"{y_ticks.get(r, ''):>{label_w}}{'┤' if r in y_ticks else '│'}", AXIS_STYLE
                    )
                ]
            )
            for r in range(rows)
        ]
        axis = ["─"] * (cols + 1)
        labels = [" "] * (self.left + cols + 1)
        for value, label in x.ticks:
            col = round(float(x.fraction(np.array([value]))[0]) * (cols - 1))
            if not 0 <= col < cols:
                continue
            axis[col] = "┬"
            start = min(max(self.left + col - len(label) // 2, 0), len(labels) - len(label))
            if all(c == " " for c in labels[max(start - 1, 0) : start + len(label) + 1]):
                labels[start : start + len(label)] = label
        self._bottom = [row_of([(" " * label_w + "└" + "".join(axis), AXIS_STYLE)], width)]
        if x_labels:
            self._bottom.append(row_of([("".join(labels), AXIS_STYLE)], width))

    @property
    def usable(self) -> bool:
        return self.rows >= 2 and self.cols >= 4

    def blank(self) -> np.ndarray:
        return np.zeros((self.rows, self.cols), dtype=np.uint8)

    def dots(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Data coordinates as fractional dot coordinates (x right, y down)."""
        px = self.x.fraction(x) * (self.dots_x - 1)
        py = (1.0 - self.y.fraction(y)) * (self.dots_y - 1)
        return px, py

    def line(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Braille bits of the polyline through the points (x, y), densified to dot spacing;
        points that are not finite break the line."""
        px, py = self.dots(x, y)
        bits = self.blank()
        finite = np.isfinite(px) & np.isfinite(py)
        for run in np.split(np.arange(len(px)), np.flatnonzero(np.diff(finite)) + 1):
            if len(run) and finite[run[0]]:
                self._mark_path(bits, px[run], py[run])
        return bits

    def spans(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Braille bits of one vertical span per dot column, from ``lo`` to ``hi`` (data units;
        ``dots_x`` values each, NaN for none), joined to the neighbouring columns so the trace
        is unbroken."""
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
        dy, dx = np.nonzero(inside)
        bits = self.blank()
        np.bitwise_or.at(bits, (dy // 4, dx // 2), _DOT_BITS[dx % 2, dy % 4])
        return bits

    def trace(self, y: np.ndarray) -> np.ndarray:
        """Braille bits of evenly spaced samples ``y`` across the whole x axis: a line through
        them when they are fewer than the dot columns, else each column's span from its
        lowest to its highest sample (a waveform's envelope)."""
        y = np.asarray(y, dtype=float)
        if len(y) < self.dots_x:
            return self.line(np.linspace(self.x.lo, self.x.hi, len(y)), y)
        starts = (np.arange(self.dots_x) * len(y)) // self.dots_x
        return self.spans(np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts))

    def columns_of(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the dot column of each ``x`` that falls inside the plot, which ones do)."""
        spot = self.x.fraction(x) * (self.dots_x - 1)
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
        fraction = np.arange(self.dots_x) / max(self.dots_x - 1, 1)
        if self.x.log:
            where = 10.0 ** (math.log10(self.x.lo) + fraction * math.log10(self.x.hi / self.x.lo))
        else:
            where = self.x.lo + fraction * (self.x.hi - self.x.lo)
        known = np.isfinite(values)
        if not known.any():
            return where, np.full(self.dots_x, np.nan)
        filled = np.interp(where, where[known], values[known], left=np.nan, right=np.nan)
        return where, np.where(known, values, filled)

    def _mark_path(self, bits: np.ndarray, px: np.ndarray, py: np.ndarray) -> None:
        if len(px) == 1:
            px, py = np.repeat(px, 2), np.repeat(py, 2)
        steps = np.maximum(np.abs(np.diff(px)), np.abs(np.diff(py)))
        t = np.concatenate(([0.0], np.cumsum(np.maximum(steps, 1e-9))))
        dense = np.linspace(0.0, t[-1], int(min(t[-1], 1e6)) * 2 + 2)
        dx = np.rint(np.interp(dense, t, px)).astype(np.int64)
        dy = np.rint(np.interp(dense, t, py)).astype(np.int64)
        inside = (dx >= 0) & (dx < self.dots_x) & (dy >= 0) & (dy < self.dots_y)
        dx, dy = dx[inside], dy[inside]
        np.bitwise_or.at(bits, (dy // 4, dx // 2), _DOT_BITS[dx % 2, dy % 4])

    def lines(self, layers: Sequence[tuple[np.ndarray, Style]]) -> list[Strip]:
        """The frame with ``layers`` (bits, style) drawn in it, the last one on top."""
        if not self.usable:
            return []
        rows, cols = self.rows, self.cols
        kind = np.zeros((rows, cols), dtype=np.int64)  # 0: empty, i + 1: layer i on top
        merged = self.blank()
        for index, (bits, _) in enumerate(layers):
            merged |= bits
            kind[bits != 0] = index + 1
        styles = [PLAIN, *(style for _, style in layers)]
        # Empty cells take the style of the cell before them (a space shows no colour), so a
        # row is a few segments.
        filled = np.maximum.accumulate(np.where(kind != 0, np.arange(cols), 0), axis=1)
        kind = np.take_along_axis(kind, filled, axis=1)
        texts = _CELLS[merged].view(f"<U{cols}")[:, 0].tolist()
        cuts = np.diff(kind, axis=1) != 0
        out = []
        for r in range(rows):
            text, kinds = texts[r], kind[r]
            edges = [0, *(np.flatnonzero(cuts[r]) + 1).tolist(), cols]
            canvas = [Segment(text[a:b], styles[kinds[a]]) for a, b in itertools.pairwise(edges)]
            out.append(
                Strip([*self._prefixes[r], *canvas], self.left + cols).extend_cell_length(
                    self.width
                )
            )
        return out + self._bottom


@lru_cache(maxsize=32)
def frame(
    width: int, height: int, x: Axis, y: Axis, label_w: int = 0, x_labels: bool = True
) -> Plot:
    """The plot frame for this size and these axes (see ``Plot``), made once."""
    return Plot(width, height, x, y, label_w, x_labels)
