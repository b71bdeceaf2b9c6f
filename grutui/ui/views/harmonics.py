"""Harmonics: H1..H10 of the test sine in dBFS on a fixed scale, with THD, balance and DC."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from textual.strip import Strip

from grutui.ui.views.base import PlotView
from grutui.ui.views.canvas import AXIS_STYLE, EVEN_STYLE, ODD_STYLE, PLAIN, Axis, frame, row_of
from grutui.ui.views.worker import Drawing, Lab, ViewRequest

if TYPE_CHECKING:
    from grutui.analysis import Analysis

FLOOR_DB = -108.0  # the bars rise from here, so louder is taller
TOP_DB = 12.0  # the top of the scale: output gain can lift a full-scale H1 this far
_EIGHTHS_ARRAY = np.array(list(" ▁▂▃▄▅▆▇█"))
LABEL_W = 4  # "-108": the widest level label


def summary_line(analysis: Analysis, width: int) -> Strip:
    """THD, the even/odd balance and the DC offset on one line of ``width`` cells."""
    text = (
        f"THD {analysis.thd_percent:.1f}%  even/odd {analysis.even_odd_db:+.1f} dB  "
        f"DC {round(analysis.dc, 3) + 0.0:+.3f}"  # + 0.0: no "-0.000" for a tiny negative
    )
    return row_of([(text[:width], PLAIN)], width)


@lru_cache(maxsize=8)
def level_axis(rows: int) -> Axis:
    """``FLOOR_DB`` to ``TOP_DB`` dBFS, labelled at multiples of 12 dB (0 among them), as many
    as fit with a row between them, with a grid."""
    span_db = TOP_DB - FLOOR_DB
    step_db = 12.0 * max(1, math.ceil(span_db / 12.0 / max(1, (rows - 1) // 2)))
    values = np.arange(math.floor(TOP_DB / step_db) * step_db, FLOOR_DB - 1e-9, -step_db)
    ticks = tuple((float(db), f"{db:+.0f}" if db else "0") for db in values)
    return Axis(FLOOR_DB, TOP_DB, ticks, unit="dBFS", grid=True)


def harmonic_lines(analysis: Analysis, width: int, height: int) -> list[Strip]:
    """Bars H1..H10 in dBFS from ``FLOOR_DB`` to ``TOP_DB``, odd and even in two colours.

    The scale is fixed, so a change of level moves the bars, not the axis. Under the bars:
    their names, their levels when each has six cells or more, then THD, the even/odd
    balance and the DC offset.
    """
    levels = np.asarray(analysis.harmonics_dbfs, dtype=float)
    summary = summary_line(analysis, width)
    count = len(levels)
    slot = max(2, (width - LABEL_W - 1) // count)
    readouts = slot >= 6
    rows = height - 4  # under the bars: the axis, the names, the units or readouts, a summary
    if width < 24 or rows < 2:
        return [summary]
    bar_w = max(1, slot - 1 - (slot >= 6))
    # The x axis counts canvas cells, so each name sits under the middle of its bar.
    cols = width - LABEL_W - 1
    centres = [(h * slot + (bar_w - 1) / 2) for h in range(count)]
    names = tuple((c, f"H{h}") for h, c in enumerate(centres, start=1))
    # With readouts, "dBFS" is written left of them rather than on a line of its own.
    x_axis, y_axis = Axis(0.0, cols - 1.0, names), level_axis(rows)
    plot = frame(width, height - 1 - readouts, x_axis, y_axis, LABEL_W, units=not readouts)
    if not plot.usable or plot.cols != cols:
        return [summary]
    # Each bar's height in eighths of a cell, from the floor up, reaching the middle of the
    # row its level's label is on (where plotext puts the label); nothing at the floor.
    fraction = np.clip((levels - FLOOR_DB) / (TOP_DB - FLOOR_DB), 0.0, 1.0)
    eighths = np.where(
        levels > FLOOR_DB, np.round(((plot.rows - 1) * fraction + 0.5) * 8), 0
    ).astype(int)
    below = (plot.rows - 1 - np.arange(plot.rows))[:, None]  # cells under each row
    fill = np.clip(eighths[None, :] - below * 8, 0, 8)  # (rows, harmonics)
    cells = np.full((plot.rows, cols), " ", dtype="<U1")
    kind = np.zeros((plot.rows, cols), dtype=np.int64)
    for h in range(count):
        start = h * slot
        cells[:, start : start + bar_w] = _EIGHTHS_ARRAY[fill[:, h]][:, None]
        kind[:, start : start + bar_w] = 2 if h % 2 else 1  # odd H1, H3, ...; even H2, ...
    lines = plot.compose(cells, kind, [ODD_STYLE, EVEN_STYLE])
    if readouts:
        styles = [EVEN_STYLE if h % 2 == 0 else ODD_STYLE for h in range(1, count + 1)]
        runs = [(f"{y_axis.unit:<{plot.left}}", AXIS_STYLE)]
        for level, style in zip(levels.tolist(), styles, strict=True):
            runs.append((f"{f'{level:.1f}' if level > FLOOR_DB else '-':<{slot}}"[:slot], style))
        lines.append(row_of(runs, width))
    lines.append(summary)
    return lines


class HarmonicDrawer:
    def draw(self, request: ViewRequest, lab: Lab, stale: Callable[[], bool]) -> Drawing | None:
        analysis = lab.analysis(request.params, request.level_dbfs)
        if stale():
            return None
        return Drawing(harmonic_lines(analysis, *request.size))


class HarmonicView(PlotView):
    """Bars in dBFS, odd and even harmonics in two colours, their levels when there is room."""

    NAME = "harmonics"
    TITLE = "Harmonics"
    KEYS = "+/- level"
    ANALYTIC = True
    drawer = HarmonicDrawer
