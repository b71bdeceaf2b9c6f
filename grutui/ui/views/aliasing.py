"""Aliasing: a high sine through the chain at 1x and at the oversampling in use."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from rich.style import Style
from textual.strip import Strip

from grutui.material import Aliasing, alias_tone_hz, aliasing
from grutui.ui.views.axes import db_axis, log_frequency_axis
from grutui.ui.views.base import PlotView, ViewState, level_words
from grutui.ui.views.canvas import DRY_STYLE, ODD_STYLE, PLAIN, frame, row_of
from grutui.ui.views.worker import Drawing, Lab, ViewRequest

TOP_DBFS, FLOOR_DBFS = 0.0, -160.0
ALIAS_STYLE = Style.parse("bold bright_yellow")  # bright without colour too (NO_COLOR)


def aliasing_lines(result: Aliasing, width: int, height: int) -> list[Strip]:
    """Stems of the spectra: harmonics (wide), the aliases at the factor in use (bold) and at
    1x (dim, dotted); under them which is which, with the energy off the harmonics relative
    to them."""
    y_axis = db_axis(TOP_DBFS, FLOOR_DBFS, 40, "dBFS")
    plot = frame(width, height - 2, log_frequency_axis(result.rate_hz), y_axis)
    if not plot.usable:
        return []
    freqs = np.arange(len(result.harmonic)) * result.bin_hz
    floor = np.full(plot.dots_x, FLOOR_DBFS)

    def stems(
        levels: np.ndarray, where: np.ndarray, wide: bool = False, shade: bool = False
    ) -> np.ndarray:
        tops = plot.column_peaks(freqs[where], levels[where])
        if wide:  # two dots wide: tells a harmonic from an alias without colour
            tops = np.maximum(tops, np.concatenate(([-np.inf], tops[:-1])))
        heights = np.where(tops > FLOOR_DBFS, tops, np.nan)  # no bin, no stem
        return plot.spans(floor, heights, shade)

    layers = [(stems(result.spectra_dbfs[0], ~result.harmonic, shade=True), DRY_STYLE)]
    key = [("\u28ff harmonics  ", ODD_STYLE)]
    factor = result.oversample[-1]
    if factor > 1:
        layers.append((stems(result.spectra_dbfs[-1], ~result.harmonic), ALIAS_STYLE))
        key.append((f"\u2847 {factor}x aliases  ", ALIAS_STYLE))
    layers.append((stems(result.spectra_dbfs[-1], result.harmonic, wide=True), ODD_STYLE))
    key.append(("\u2805 1x aliases", DRY_STYLE))
    figures = ", ".join(
        f"{f}x {db:.0f} dB" for f, db in zip(result.oversample, result.aliasing_db, strict=True)
    )
    return [
        *plot.lines(layers),
        row_of(key, width),
        row_of([(f"aliasing {figures}", PLAIN)], width),
    ]


class AliasingDrawer:
    def draw(self, request: ViewRequest, lab: Lab, stale: Callable[[], bool]) -> Drawing | None:
        factor = int(request.params.oversample)
        factors = (1, factor) if factor > 1 else (1,)
        result = aliasing(request.params, request.rate_hz, request.level_dbfs, factors, stale)
        if result is None:
            return None
        return Drawing(aliasing_lines(result, *request.size))


class AliasingView(PlotView):
    """Where a high sine's distortion lands: on its harmonics, or folded back in between."""

    NAME = "aliasing"
    TITLE = "Aliasing"
    CHEAP = False
    ANALYTIC = True
    KEYS = "+/- level"
    drawer = AliasingDrawer

    def heading(self, state: ViewState) -> str:
        tone_khz = alias_tone_hz(state.rate_hz) / 1000
        return f"{self.TITLE} · {tone_khz:g} kHz at {level_words(state)}"
