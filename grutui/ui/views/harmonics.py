"""Harmonics: H1..H10 of the test sine in dBFS on a fixed scale, with THD, balance and DC."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from textual.strip import Strip

from grutui.ui.views.base import PlotView
from grutui.ui.views.canvas import AXIS_STYLE, EVEN_STYLE, ODD_STYLE, PLAIN, row_of
from grutui.ui.views.worker import Drawing, Lab, ViewRequest

if TYPE_CHECKING:
    from grutui.analysis import Analysis

FLOOR_DB = -108.0  # the bars rise from here, so louder is taller
TOP_DB = 12.0  # the top of the scale: output gain can lift a full-scale H1 this far
_EIGHTHS = " ▁▂▃▄▅▆▇█"


def summary_line(analysis: Analysis, width: int) -> Strip:
    """THD, the even/odd balance and the DC offset on one line of ``width`` cells."""
    text = (
        f"THD {analysis.thd_percent:.1f}%  even/odd {analysis.even_odd_db:+.1f} dB  "
        f"DC {round(analysis.dc, 3) + 0.0:+.3f}"  # + 0.0: no "-0.000" for a tiny negative
    )
    return row_of([(text[:width], PLAIN)], width)


def harmonic_lines(analysis: Analysis, width: int, height: int) -> list[Strip]:
    """Bars H1..H10 in dBFS from ``FLOOR_DB`` to ``TOP_DB``, odd and even in two colours.

    The scale is fixed, so a change of level moves the bars, not the axis. Under the bars:
    their names, their levels when each has six cells or more, then THD, the even/odd balance
    and the DC offset.
    """
    levels = np.asarray(analysis.harmonics_dbfs, dtype=float)
    summary = summary_line(analysis, width)
    axis_w = 5
    slot = max(2, (width - axis_w) // len(levels))
    readouts = slot >= 6
    rows = height - 2 - readouts
    if width < 24 or rows < 2:
        return [summary]
    span_db = TOP_DB - FLOOR_DB
    bar_w = max(1, slot - 1 - (slot >= 6))
    gap = " " * (slot - bar_w)
    eighths = np.round(np.clip((levels - FLOOR_DB) / span_db, 0.0, 1.0) * rows * 8).astype(int)
    styles = [EVEN_STYLE if h % 2 == 0 else ODD_STYLE for h in range(1, len(levels) + 1)]
    # Labels at multiples of 12 dB (0 among them), as many as fit with a row between them.
    step_db = 12.0 * max(1, math.ceil(span_db / 12.0 / max(1, (rows - 1) // 2)))
    labels = {}
    for db in np.arange(math.floor(TOP_DB / step_db) * step_db, FLOOR_DB - 1e-9, -step_db):
        labels[round((TOP_DB - db) / span_db * (rows - 1))] = f"{db:+.0f}" if db else "0"

    lines = []
    for row in range(rows):
        below = rows - 1 - row  # cells under this row
        runs = [(f"{labels.get(row, ''):>4}│", AXIS_STYLE)]
        for filled, style in zip(eighths.tolist(), styles, strict=True):
            # The gap in the bar's style: one segment per bar, not two (spaces show no colour).
            runs.append((_EIGHTHS[min(max(filled - below * 8, 0), 8)] * bar_w + gap, style))
        lines.append(row_of(runs, width))
    names = [(" " * axis_w, PLAIN)]
    values = [(" " * axis_w, PLAIN)]
    for h, (level, style) in enumerate(zip(levels.tolist(), styles, strict=True), start=1):
        names.append((f"{'H' + str(h):<{slot}}", style))
        values.append((f"{f'{level:.1f}' if level > FLOOR_DB else '-':<{slot}}"[:slot], style))
    lines.append(row_of(names, width))
    if readouts:
        lines.append(row_of(values, width))
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
