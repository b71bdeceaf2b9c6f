"""Transfer curve: output against input over one steady-state period of the test sine."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from textual.strip import Strip

from grutui.ui.views.axes import amplitude_axis
from grutui.ui.views.base import PlotView
from grutui.ui.views.canvas import DOTTED, DRY_STYLE, WET_STYLE, frame, nice_limit
from grutui.ui.views.harmonics import summary_line
from grutui.ui.views.worker import Drawing, Lab, ViewRequest

if TYPE_CHECKING:
    from grutui.analysis import Analysis

MIN_REACH = 1e-3  # -60 dBFS: the y axis zooms no closer (into numerical noise)


def output_limit(peak: float, x_lim: float) -> float:
    """The y axis's reach for an output peaking at ``peak``: the input's when the output is
    within a few dB of it (the diagonal at 45 degrees, compression and boost read as such),
    else the output's own (a gated or quiet sound still shows its shape)."""
    own = nice_limit(max(peak * 1.05, MIN_REACH))
    return max(own, x_lim) if own >= x_lim / 2 else own


def curve_lines(analysis: Analysis, width: int, height: int) -> list[Strip]:
    """The loop of ``analysis`` in braille over the dry diagonal (dotted), ``height`` lines."""
    x = np.append(analysis.curve_x, analysis.curve_x[:1]).astype(float)  # close the loop
    y = np.append(analysis.curve_y, analysis.curve_y[:1]).astype(float)
    x_lim = nice_limit(float(np.max(np.abs(x))))
    y_lim = output_limit(float(np.max(np.abs(y))), x_lim)
    plot = frame(
        width,
        height,
        amplitude_axis(x_lim, "input (1 = 0 dBFS)"),
        amplitude_axis(y_lim, "output"),
    )
    if not plot.usable:
        return []
    reach = min(x_lim, y_lim)
    dry = plot.line(np.array([-reach, reach]), np.array([-reach, reach]), DOTTED)
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
