"""The braille plots: points land where their axes say, labels sit on their ticks.

An axis from ``lo`` to ``hi`` runs from the middle of its first cell to the middle of its last
(where plotext puts the first and last tick), so a value on a tick is drawn in the tick's cell.
"""

from __future__ import annotations

import numpy as np
import pytest
from rich.style import Style

from grutui.params import Params
from grutui.ui.views.canvas import Axis, Plot

STYLE = Style.parse("cyan")


def _plot(log: bool = False) -> Plot:
    x = (
        Axis(20.0, 20000.0, ((20.0, "20"), (200.0, "200"), (2000.0, "2k"), (20000.0, "20k")), True)
        if log
        else Axis(-1.0, 1.0, ((-1.0, "-1"), (0.0, "0"), (1.0, "1")))
    )
    return Plot(43, 12, x, Axis(-1.0, 1.0, ((-1.0, "-1"), (0.0, "0"), (1.0, "1"))))


def _dots(bits: np.ndarray) -> set[tuple[int, int]]:
    """(x, y) of every dot set in braille ``bits``."""
    table = {0x01: (0, 0), 0x02: (0, 1), 0x04: (0, 2), 0x40: (0, 3)}
    table |= {0x08: (1, 0), 0x10: (1, 1), 0x20: (1, 2), 0x80: (1, 3)}
    found = set()
    for (row, col), cell in np.ndenumerate(bits):
        for bit, (dx, dy) in table.items():
            if cell & bit:
                found.add((col * 2 + dx, row * 4 + dy))
    return found


def _cells(bits: np.ndarray) -> set[tuple[int, int]]:
    """(column, row) of every cell with a dot."""
    return {(col, row) for row, col in zip(*np.nonzero(bits), strict=True)}


def test_a_diagonal_runs_corner_to_corner_through_every_column() -> None:
    plot = _plot()
    cells = _cells(plot.line(np.array([-1.0, 1.0]), np.array([-1.0, 1.0])))
    assert (0, plot.rows - 1) in cells and (plot.cols - 1, 0) in cells
    assert {col for col, _ in cells} == set(range(plot.cols))


def test_a_point_outside_the_axes_is_not_drawn_and_nan_breaks_a_line() -> None:
    plot = _plot()
    assert not plot.line(np.array([2.0, 3.0]), np.array([0.0, 0.0])).any()
    broken = _cells(
        plot.line(np.array([-1.0, -0.5, 0.0, 0.5, 1.0]), np.array([0, 0, np.nan, 0, 0]))
    )
    columns = {col for col, _ in broken}
    assert plot.cols // 2 not in columns and 0 in columns and plot.cols - 1 in columns


def test_a_dense_trace_spans_each_column_from_its_lowest_to_its_highest_sample() -> None:
    plot = _plot()
    cycles = 5 * plot.dots_x  # five cycles of 40 samples in each column
    samples = np.sin(2 * np.pi * cycles * np.arange(40 * cycles) / (40 * cycles))
    dots = _dots(plot.trace(samples))
    top, bottom = plot.dots(np.zeros(2), np.array([1.0, -1.0]))[1]
    for x in range(plot.dots_x):
        column = {y for dx, y in dots if dx == x}
        assert min(column) == round(top) and max(column) == round(bottom)  # +1 to -1


def test_tick_labels_sit_on_their_ticks_on_a_log_axis() -> None:
    plot = _plot(log=True)
    lines = plot.lines([(plot.blank(), STYLE)])
    axis, labels = lines[-2].text, lines[-1].text
    for label in ("200", "2k"):
        at = labels.index(label) + len(label) // 2
        assert axis[at] == "┬", label
    # 200 Hz is a third of the way along a 20 Hz..20 kHz log axis
    assert (labels.index("200") + 1 - plot.left) / plot.cols == pytest.approx(1 / 3, abs=0.05)


def test_the_topmost_layer_styles_a_shared_cell() -> None:
    plot = _plot()
    other = Style.parse("magenta")
    everywhere = plot.line(np.array([-1.0, 1.0]), np.array([0.0, 0.0]))
    row = plot.lines([(everywhere, STYLE), (everywhere, other)])[plot.rows // 2]
    canvas = [seg for seg in row if seg.text.strip() and seg.style in (STYLE, other)]
    assert canvas and all(seg.style == other for seg in canvas)


def test_a_dry_chain_draws_its_curve_on_the_diagonal() -> None:
    """mix 0: the output is the input, so the curve covers the dry diagonal exactly: no cell
    of the diagonal left uncovered (dim), none of the curve beside it."""
    from grutui.analysis import analyze
    from grutui.ui.views.axes import amplitude_axis
    from grutui.ui.views.canvas import DRY_STYLE, WET_STYLE, frame
    from grutui.ui.views.curve import curve_lines

    lines = curve_lines(analyze(Params(mix=0.0), level_dbfs=0.0), 60, 24)
    styles = [
        segment.style
        for line in lines
        for segment in line
        for char in segment.text
        if "\u2801" <= char <= "\u28ff"
    ]
    # The same frame (x to 1, y to 1.5: the curve's peak and a margin) and a solid diagonal.
    plot = frame(60, 24, amplitude_axis(1.0, "input (1 = 0 dBFS)"), amplitude_axis(1.5, "output"))
    diagonal = plot.line(np.array([-1.0, 1.0]), np.array([-1.0, 1.0]))
    assert styles.count(DRY_STYLE) == 0  # every cell of the diagonal has the curve in it
    # and the curve has hardly a cell beside it (rounding where it crosses a cell's edge)
    assert (
        30
        < np.count_nonzero(diagonal)
        <= styles.count(WET_STYLE)
        <= 1.15 * np.count_nonzero(diagonal)
    )
