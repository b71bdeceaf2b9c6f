"""Spectrum: the loaded sound around the play position, wet and (dim) dry, in dBFS."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from textual.strip import Strip

from grutui.material import spectrum_dbfs
from grutui.ui.views.base import PlotView
from grutui.ui.views.canvas import DRY_STYLE, WET_STYLE, Axis, Plot, frame
from grutui.ui.views.scope import legend, mid_excerpt
from grutui.ui.views.worker import Drawing, Lab, ViewRequest

WINDOWS_S = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
TOP_DBFS, FLOOR_DBFS = 0.0, -120.0
LOW_HZ = 20.0
_FREQ_TICKS = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)


def log_frequency_axis(rate_hz: float) -> Axis:
    """20 Hz to half the rate, log, ticked at 1-2-5 steps."""
    nyquist = rate_hz / 2
    ticks = tuple(
        (float(f), f"{f // 1000}k" if f >= 1000 else str(f)) for f in _FREQ_TICKS if f <= nyquist
    )
    return Axis(LOW_HZ, nyquist, ticks, log=True)


def db_axis(top: float, floor: float, step: float) -> Axis:
    """``floor`` to ``top`` dB, ticked at the multiples of ``step`` dB (0 among them)."""
    first = np.floor(top / step) * step
    ticks = tuple((db, f"{db:+.0f}" if db else "0") for db in np.arange(first, floor - 1e-9, -step))
    return Axis(floor, top, ticks)


def spectrum_trace(plot: Plot, freqs: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """A spectrum as one point per dot column (the mean power of the bins in it, so the
    dense top octaves read as smoothly as the sparse low ones) joined by a line."""
    columns, inside = plot.columns_of(freqs)
    power = np.bincount(columns, 10.0 ** (levels[inside] / 10.0), minlength=plot.dots_x)
    count = np.bincount(columns, minlength=plot.dots_x)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_db = np.where(count > 0, 10.0 * np.log10(power / count), np.nan)
    x, y = plot.filled(mean_db)
    return plot.line(x, np.maximum(y, FLOOR_DBFS))


def spectrum_lines(
    dry: np.ndarray, wet: np.ndarray, rate_hz: float, width: int, height: int
) -> list[Strip]:
    plot = frame(width, height, log_frequency_axis(rate_hz), db_axis(TOP_DBFS, FLOOR_DBFS, 20))
    if not plot.usable:
        return []
    layers = [
        (spectrum_trace(plot, *spectrum_dbfs(dry, rate_hz)), DRY_STYLE),
        (spectrum_trace(plot, *spectrum_dbfs(wet, rate_hz)), WET_STYLE),
    ]
    return plot.lines(layers)


class SpectrumDrawer:
    def draw(self, request: ViewRequest, lab: Lab, stale: Callable[[], bool]) -> Drawing | None:
        found = mid_excerpt(request, stale)
        if found is None:
            return None
        dry, wet, _ = found
        width, height = request.size
        lines = spectrum_lines(dry, wet, request.rate_hz, width, height - 1)
        return Drawing([*lines, legend(width)], "dBFS")


class SpectrumView(PlotView):
    """Wet (bold) over dry (dim) spectra of the sound around the play position."""

    NAME = "spectrum"
    TITLE = "Spectrum"
    CHEAP = False
    MATERIAL = True
    KEYS = "z/Z window"
    WINDOWS = WINDOWS_S
    WINDOW_S = 1.0
    drawer = SpectrumDrawer
