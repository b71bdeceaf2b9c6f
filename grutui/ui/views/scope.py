"""Scope: the loaded sound around the play position, dry and through the chain, overlaid."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from textual.strip import Strip

from grutui.material import excerpt
from grutui.ui.views.axes import amplitude_axis, time_axis
from grutui.ui.views.base import PlotView
from grutui.ui.views.canvas import DRY_STYLE, WET_STYLE, frame, nice_limit, row_of
from grutui.ui.views.worker import Drawing, Lab, ViewRequest

# From single cycles (asymmetry, hysteresis) to the envelope (gating, sputter).
WINDOWS_S = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def mid_excerpt(
    request: ViewRequest, stale: Callable[[], bool]
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """The stretch of the loaded sound a material view asks for, dry and wet, each the mid of
    its channels, and how many channels there are (None if ``stale()`` turned true)."""
    source = request.source
    sound = None if source is None else source.data if source.data is not None else source.path
    if source is None or sound is None:
        raise ValueError("no sound to show")
    part = excerpt(
        sound, source.rate_hz, request.params, request.position_s, request.window_s, stale
    )
    if part is None:
        return None
    return part.dry.mean(axis=1), part.wet.mean(axis=1), part.dry.shape[1]


FILLED, SHADED = "\u28ff" * 2, "\u2895" * 2  # samples of a full and of a shaded trace


def legend(width: int, wet: str = FILLED, dry: str = SHADED) -> Strip:
    """What the two traces are, each with a sample of how it is drawn."""
    return row_of([(f"{wet} wet (processed)   ", WET_STYLE), (f"{dry} dry", DRY_STYLE)], width)


def scope_lines(
    dry: np.ndarray, wet: np.ndarray, window_s: float, width: int, height: int
) -> list[Strip]:
    """Mono ``dry`` (dim, shaded) under ``wet`` (bold) against time, on a shared symmetric
    scale."""
    reach = max(float(np.max(np.abs(dry), initial=0.0)), float(np.max(np.abs(wet), initial=0.0)))
    y_lim = nice_limit(max(reach, 1e-3))
    plot = frame(width, height, time_axis(window_s), amplitude_axis(y_lim, "1 = 0 dBFS"))
    if not plot.usable:
        return []
    return plot.lines([(plot.trace(dry, shade=True), DRY_STYLE), (plot.trace(wet), WET_STYLE)])


class ScopeDrawer:
    def draw(self, request: ViewRequest, lab: Lab, stale: Callable[[], bool]) -> Drawing | None:
        found = mid_excerpt(request, stale)
        if found is None:
            return None
        dry, wet, channels = found
        width, height = request.size
        lines = scope_lines(dry, wet, request.window_s, width, height - 1)
        return Drawing([*lines, legend(width)], "mono" if channels == 1 else "mid")


class ScopeView(PlotView):
    """Dry (dim) and wet (bold) waveforms of the sound around the play position."""

    NAME = "scope"
    TITLE = "Scope"
    CHEAP = False
    MATERIAL = True
    KEYS = "z/Z window"
    WINDOWS = WINDOWS_S
    WINDOW_S = 0.02
    drawer = ScopeDrawer
