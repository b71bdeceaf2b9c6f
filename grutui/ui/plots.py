"""Plot lines for the two views, built in the analysis worker thread, painted by the UI thread.

textual-plotext's widget rebuilds its whole plot inside ``render()`` on the UI thread (tens of
milliseconds at 120x40), and even building it in a thread costs 10-30 ms per change. So plotext
(through textual-plotext's ``Plot``) draws only what changes rarely: the frame, the ticks and
the dry diagonal, cached per size and axis limits. The curve and the harmonic bars, which change
on every key press, are rasterised here with numpy straight into Textual ``Strip`` lines (about
a millisecond), and the UI thread only hands those lines to the compositor.
"""

from __future__ import annotations

import io
import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

if TYPE_CHECKING:
    from grutui.analysis import Analysis

FLOOR_DB = -96.0  # harmonic bars rise from here, so louder is taller
ODD_STYLE = Style.parse("bold cyan")
EVEN_STYLE = Style.parse("bold magenta")
AXIS_STYLE = Style.parse("bright_black")
CURVE_STYLE = Style.parse("cyan")
DRY_STYLE = Style.parse("bright_black")
_PLAIN = Style()
_EIGHTHS = " ▁▂▃▄▅▆▇█"
# Braille dot (column 0..1, row 0..3) -> bit of the U+2800 pattern.
_DOT_BITS = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]], dtype=np.uint8)
# Braille bits -> the cell's character; no dots is a space, not the blank braille pattern.
_CELLS = np.array([" "] + [chr(0x2800 + bits) for bits in range(1, 256)])
_KIND_STYLES = (_PLAIN, CURVE_STYLE, DRY_STYLE)  # indexed by: empty, curve, dry only
# Only for turning plotext's styled text into segments; never prints.
_CONSOLE = Console(
    file=io.StringIO(),
    width=1000,
    color_system="truecolor",
    force_terminal=True,
    legacy_windows=False,
)


def to_strips(text: Text, width: int) -> list[Strip]:
    """``text`` as one ``Strip`` per line, ``width`` cells each (cropped or padded)."""
    return [
        Strip(list(line.render(_CONSOLE, end=""))).adjust_cell_length(width)
        for line in text.split("\n", allow_blank=True)
    ]


def _row(runs: list[tuple[str, Style]], width: int) -> Strip:
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


def _nice_limit(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 5 x 10^n at or above ``value``."""
    value = max(value, 1e-3)
    base = 10.0 ** math.floor(math.log10(value))
    for mantissa in (1.0, 1.5, 2.0, 3.0, 5.0, 10.0):
        if mantissa * base >= value - 1e-12:
            return mantissa * base
    return 10.0 * base


@dataclass
class _Frame:
    """plotext's drawing of the axes and the dry diagonal, split around its canvas."""

    lines: list[Strip]
    top: int  # first canvas row
    left: int  # first canvas column
    rows: int
    cols: int
    dry_bits: np.ndarray  # (rows, cols) braille bits of the diagonal
    prefixes: list[Strip]  # per canvas row: the cells left of the canvas
    suffixes: list[Strip]  # per canvas row: the cells right of it


class CurvePlotter:
    """The transfer curve (output against input) in braille over a plotext frame."""

    def __init__(self) -> None:
        # Imported here, in the analysis thread: plotext takes ~40 ms to import, and the screen
        # should not wait for it at start-up.
        from textual_plotext.plot import Plot

        # One figure per plotter: plotext's module-level figure is shared state, this one is not.
        self._plot = Plot()
        self._frame: _Frame | None = None
        self._frame_key: tuple[int, int, float, float] | None = None

    def _frame_for(self, width: int, height: int, x_lim: float, y_lim: float) -> _Frame | None:
        key = (width, height, x_lim, y_lim)
        if key == self._frame_key:
            return self._frame
        self._frame_key, self._frame = key, None
        plot = self._plot
        plot.clear_figure()
        plot.theme("clear")  # no background: the widget's own background shows through
        plot.plotsize(width, height)
        plot._set_size(width, height)
        reach = min(x_lim, y_lim)
        plot.plot([-reach, reach], [-reach, reach], marker="braille", color="gray")
        plot.xlim(-x_lim, x_lim)
        plot.ylim(-y_lim, y_lim)
        plot.xticks([-x_lim, 0.0, x_lim], [f"{-x_lim:g}", "in", f"{x_lim:g}"])
        plot.yticks([-y_lim, 0.0, y_lim], [f"{-y_lim:g}", "0", f"{y_lim:g}"])
        text = Text.from_ansi(plot.build(), no_wrap=True, end="")
        plain = text.plain.split("\n")
        top = next((i for i, line in enumerate(plain) if "┌" in line), None)
        bottom = next((i for i, line in enumerate(plain) if "└" in line), None)
        if top is None or bottom is None or bottom - top < 2 or "┐" not in plain[top]:
            return None
        left = plain[top].index("┌") + 1
        right = plain[top].index("┐", left)
        rows, cols = bottom - top - 1, right - left
        dry = np.zeros((rows, cols), dtype=np.uint8)
        for r in range(rows):
            for c, char in enumerate(plain[top + 1 + r][left:right]):
                if "\u2800" <= char <= "\u28ff":
                    dry[r, c] = ord(char) - 0x2800
        lines = to_strips(text, width)
        canvas = lines[top + 1 : bottom]
        self._frame = _Frame(
            lines,
            top + 1,
            left,
            rows,
            cols,
            dry,
            [line.crop(0, left) for line in canvas],
            [line.crop(right, width) for line in canvas],
        )
        return self._frame

    def build(self, analysis: Analysis, width: int, height: int) -> list[Strip]:
        """The curve of ``analysis`` as ``height`` lines of ``width`` cells."""
        if width < 12 or height < 5:
            return []
        x = np.append(analysis.curve_x, analysis.curve_x[:1]).astype(float)  # close the loop
        y = np.append(analysis.curve_y, analysis.curve_y[:1]).astype(float)
        y_lim = _nice_limit(max(1.0, float(np.max(np.abs(y))) * 1.05))
        x_lim = _nice_limit(float(analysis.gain))
        frame = self._frame_for(width, height, x_lim, y_lim)
        if frame is None:
            return []
        bits = _rasterise(x, y, x_lim, y_lim, frame.rows, frame.cols)
        lines = list(frame.lines)
        for r, canvas in enumerate(_canvas_rows(bits, frame.dry_bits)):
            segments = [*frame.prefixes[r], *canvas, *frame.suffixes[r]]
            lines[frame.top + r] = Strip(segments, width)
        return lines


def _rasterise(
    x: np.ndarray, y: np.ndarray, x_lim: float, y_lim: float, rows: int, cols: int
) -> np.ndarray:
    """Braille bits (rows, cols) of the polyline through (x, y), densified to dot spacing."""
    dots_x, dots_y = cols * 2, rows * 4
    px = (x + x_lim) / (2 * x_lim) * (dots_x - 1)
    py = (y_lim - y) / (2 * y_lim) * (dots_y - 1)
    steps = np.maximum(np.abs(np.diff(px)), np.abs(np.diff(py)))
    t = np.concatenate(([0.0], np.cumsum(np.maximum(steps, 1e-9))))
    dense = np.linspace(0.0, t[-1], int(t[-1]) * 2 + 2)
    dx = np.rint(np.interp(dense, t, px)).astype(np.int64)
    dy = np.rint(np.interp(dense, t, py)).astype(np.int64)
    inside = (dx >= 0) & (dx < dots_x) & (dy >= 0) & (dy < dots_y)
    dx, dy = dx[inside], dy[inside]
    bits = np.zeros((rows, cols), dtype=np.uint8)
    np.bitwise_or.at(bits, (dy // 4, dx // 2), _DOT_BITS[dx % 2, dy % 4])
    return bits


def _canvas_rows(curve: np.ndarray, dry: np.ndarray) -> list[list[Segment]]:
    """Segments of each canvas row: curve cells in the curve colour, dry-only cells grey.

    Vectorised: the row texts come from one array lookup, and segments are cut only where
    the kind of cell changes (a few per row), so a row costs microseconds, not a loop over
    its cells.
    """
    rows, cols = curve.shape
    kind = np.where(curve != 0, 1, np.where(dry != 0, 2, 0))
    # Empty cells take the style of the cell before them (a space shows no colour), so a row
    # is a few segments; each segment costs the compositor time on every repaint.
    filled = np.maximum.accumulate(np.where(kind != 0, np.arange(cols), 0), axis=1)
    kind = np.take_along_axis(kind, filled, axis=1)
    texts = _CELLS[curve | dry].view(f"<U{cols}")[:, 0].tolist()
    cuts = np.diff(kind, axis=1) != 0
    out = []
    for r in range(rows):
        text, kinds = texts[r], kind[r]
        edges = [0, *(np.flatnonzero(cuts[r]) + 1).tolist(), cols]
        out.append(
            [Segment(text[a:b], _KIND_STYLES[kinds[a]]) for a, b in itertools.pairwise(edges)]
        )
    return out


def harmonic_lines(analysis: Analysis, width: int, height: int) -> list[Strip]:
    """Bars H1..H10 in dBFS rising from ``FLOOR_DB``, odd and even in two colours.

    Under the bars: their names (and levels when there is room), then THD, the even/odd
    balance and the DC offset.
    """
    levels = np.asarray(analysis.harmonics_dbfs, dtype=float)
    numbers = (
        f"THD {analysis.thd_percent:.1f}%  even/odd {analysis.even_odd_db:+.1f} dB  "
        f"DC {round(analysis.dc, 3) + 0.0:+.3f}"  # + 0.0: no "-0.000" for a tiny negative
    )
    if width < 24 or height < 3:
        return [_row([(numbers[:width], _PLAIN)], width)]
    top_db = min(12.0, max(0.0, math.ceil(float(levels.max()) / 6.0) * 6.0))
    span_db = top_db - FLOOR_DB
    rows = height - 2
    axis_w = 4
    slot = max(2, (width - axis_w) // len(levels))
    bar_w = max(1, slot - 1 - (slot >= 6))
    gap = " " * (slot - bar_w)
    eighths = np.round(np.clip((levels - FLOOR_DB) / span_db, 0.0, 1.0) * rows * 8).astype(int)
    styles = [EVEN_STYLE if h % 2 == 0 else ODD_STYLE for h in range(1, len(levels) + 1)]

    lines = []
    for row in range(rows):
        below = rows - 1 - row  # cells under this row
        label = ""
        if row == 0:
            label = f"{top_db:+.0f}" if top_db else "0"
        elif row == rows - 1:
            label = f"{FLOOR_DB:.0f}"
        elif rows >= 6 and row == rows // 2:
            label = f"{(top_db + FLOOR_DB) / 2:.0f}"
        runs = [(f"{label:>3}│", AXIS_STYLE)]
        for filled, style in zip(eighths.tolist(), styles, strict=True):
            # The gap in the bar's style: one segment per bar, not two (spaces show no colour).
            runs.append((_EIGHTHS[min(max(filled - below * 8, 0), 8)] * bar_w + gap, style))
        lines.append(_row(runs, width))
    names = [(" " * axis_w, _PLAIN)]
    for h, (level, style) in enumerate(zip(levels.tolist(), styles, strict=True), start=1):
        name = f"H{h}"
        if slot >= 8:
            name += f" {level:.0f}" if level > FLOOR_DB else " -"
        names.append((f"{name:<{slot}}"[:slot], style))
    lines.append(_row(names, width))
    lines.append(_row([(numbers[:width], _PLAIN)], width))
    return lines
