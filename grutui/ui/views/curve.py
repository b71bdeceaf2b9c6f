"""Transfer curve: output against input over one steady-state period of the test sine."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from textual.strip import Strip

from grutui.ui.views.base import PlotView
from grutui.ui.views.canvas import DRY_STYLE, WET_STYLE, Axis, frame, nice_limit
from grutui.ui.views.harmonics import summary_line
from grutui.ui.views.worker import Drawing, Lab, ViewRequest

if TYPE_CHECKING:
    from grutui.analysis import Analysis


def curve_lines(analysis: Analysis, width: int, height: int) -> list[Strip]:
    """The loop of ``analysis`` in braille over the dry diagonal, ``height`` lines."""
    x = np.append(analysis.curve_x, analysis.curve_x[:1]).astype(float)  # close the loop
    y = np.append(analysis.curve_y, analysis.curve_y[:1]).astype(float)
    y_lim = nice_limit(max(1.0, float(np.max(np.abs(y))) * 1.05))
    x_lim = nice_limit(float(np.max(np.abs(x))))
    plot = frame(
        width,
        height,
        Axis(-x_lim, x_lim, ((-x_lim, f"{-x_lim:g}"), (0.0, "in"), (x_lim, f"{x_lim:g}"))),
        Axis(-y_lim, y_lim, ((-y_lim, f"{-y_lim:g}"), (0.0, "0"), (y_lim, f"{y_lim:g}"))),
    )
    if not plot.usable:
        return []
    reach = min(x_lim, y_lim)
    dry = plot.line(np.array([-reach, reach]), np.array([-reach, reach]))
    return plot.lines([(dry, DRY_STYLE), (plot.line(x, y), WET_STYLE)])


class CurveDrawer:
    """The curve over its frame, and the distortion figures on the last line."""

    def draw(self, request: ViewRequest, lab: Lab, stale: Callable[[], bool]) -> Drawing | None:
        analysis = lab.analysis(request.params, request.level_dbfs)
        if stale():
            return None
        width, height = request.size
        return Drawing([*curve_lines(analysis, width, height - 1), summary_line(analysis, width)])


class CurveView(PlotView):
    """The steady-state input/output loop (hysteresis and all); the dry diagonal dim."""

    NAME = "curve"
    TITLE = "Transfer curve"
    KEYS = "+/- level"
    ANALYTIC = True
    drawer = CurveDrawer
