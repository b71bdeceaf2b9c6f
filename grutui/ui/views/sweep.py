"""Level sweep: output level, THD and H2..H5 against the input level of a 100 Hz sine.

Where gating, sputter and compression show: a gate is output falling faster than input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.style import Style
from textual.strip import Strip

from grutui.ui.views.base import PlotView, ViewState
from grutui.ui.views.canvas import AXIS_STYLE, DRY_STYLE, PLAIN, WET_STYLE, Axis, frame, row_of
from grutui.ui.views.spectrum import db_axis
from grutui.ui.views.worker import Drawing, Lab, ViewRequest

LEVELS_AT_ONCE = 12  # levels measured between looks for a newer request
OUT_TOP, OUT_FLOOR = 12.0, -84.0  # output level scale, dBFS
DBR_TOP, DBR_FLOOR = 0.0, -100.0  # THD and harmonics scale, dB relative to H1
# H2..H5, then THD (drawn last, on top): colours a 16-colour terminal tells apart.
CURVE_STYLES = (
    ("H2", Style.parse("magenta")),
    ("H3", Style.parse("green")),
    ("H4", Style.parse("blue")),
    ("H5", Style.parse("white")),
    ("THD", Style.parse("bold yellow")),
)


@dataclass(frozen=True)
class Sweep:
    """Per input level: output level (dBFS), THD (percent) and H2..H5 (dB relative to H1)."""

    level_dbfs: np.ndarray
    output_dbfs: np.ndarray
    thd_percent: np.ndarray
    harmonics_dbr: np.ndarray  # (levels, 4): H2..H5


def measure(request: ViewRequest, stale: Callable[[], bool]) -> Sweep | None:
    """``grutui.level_sweep`` of ``request``'s parameters, a few levels at a time so a newer
    request need not wait for all of them (None if ``stale()`` turned true)."""
    from grutui.analysis import SWEEP_LEVELS_DBFS, level_sweep

    parts = []
    for at in range(0, len(SWEEP_LEVELS_DBFS), LEVELS_AT_ONCE):
        if stale():
            return None
        parts.append(
            level_sweep(request.params, levels_dbfs=SWEEP_LEVELS_DBFS[at : at + LEVELS_AT_ONCE])
        )
    return Sweep(
        np.concatenate([part.level_dbfs for part in parts]),
        np.concatenate([part.output_dbfs for part in parts]),
        np.concatenate([part.thd_percent for part in parts]),
        np.concatenate([np.asarray(part.harmonics_dbr)[:, 1:5] for part in parts]),
    )


def _x_axis() -> Axis:
    ticks = tuple((float(v), f"{v:+d}" if v else "0") for v in range(-60, 13, 12))
    return Axis(-60.0, 12.0, ticks)


def sweep_lines(sweep: Sweep, level_dbfs: float, width: int, height: int) -> list[Strip]:
    """Output against input (top, over the unity line) and THD, H2..H5 against input
    (bottom); a dim line at ``level_dbfs``, the level of the other views."""
    top_h = (height - 2) // 2
    top = frame(width, top_h, _x_axis(), db_axis(OUT_TOP, OUT_FLOOR, 24), 4, x_labels=False)
    bottom = frame(width, height - 2 - top_h, _x_axis(), db_axis(DBR_TOP, DBR_FLOOR, 25), 4)
    if not (top.usable and bottom.usable):
        return []
    x = sweep.level_dbfs
    here = np.array([level_dbfs, level_dbfs])

    def above(values: np.ndarray, floor: float) -> np.ndarray:
        return np.where(values > floor, values, np.nan)  # below the scale: no line at all

    unity = top.line(np.array([OUT_FLOOR, OUT_TOP]), np.array([OUT_FLOOR, OUT_TOP]))
    upper = top.lines(
        [
            (unity, DRY_STYLE),
            (top.line(here, np.array([OUT_FLOOR, OUT_TOP])), AXIS_STYLE),
            (top.line(x, above(sweep.output_dbfs, OUT_FLOOR)), WET_STYLE),
        ]
    )
    with np.errstate(divide="ignore"):
        thd_db = 20 * np.log10(sweep.thd_percent / 100)
    curves = [*sweep.harmonics_dbr.T, thd_db]
    lower = bottom.lines(
        [(bottom.line(here, np.array([DBR_FLOOR, DBR_TOP])), AXIS_STYLE)]
        + [
            (bottom.line(x, above(values, DBR_FLOOR)), style)
            for values, (_, style) in zip(curves, CURVE_STYLES, strict=True)
        ]
    )
    return [*upper, *lower]


def readout(sweep: Sweep, level_dbfs: float, width: int) -> list[Strip]:
    """The legend, then the figures at the level nearest ``level_dbfs``."""
    key = [("━out dBFS ", WET_STYLE), ("━in=out ", DRY_STYLE)] + [
        (f"━{name} ", style) for name, style in CURVE_STYLES
    ]
    i = int(np.argmin(np.abs(sweep.level_dbfs - level_dbfs)))
    harmonics = " ".join(
        f"H{h} {f'{db:.0f}' if db > DBR_FLOOR else '-'}"
        for h, db in enumerate(sweep.harmonics_dbr[i], start=2)
    )
    figures = (
        f"at {sweep.level_dbfs[i]:+.0f} dBFS: out {sweep.output_dbfs[i]:+.1f} dBFS, "
        f"THD {sweep.thd_percent[i]:.1f}%, {harmonics} dB"
    )
    return [row_of(key, width), row_of([(figures[:width], PLAIN)], width)]


class SweepDrawer:
    def draw(self, request: ViewRequest, lab: Lab, stale: Callable[[], bool]) -> Drawing | None:
        sweep = measure(request, stale)
        if sweep is None:
            return None
        width, height = request.size
        lines = sweep_lines(sweep, request.level_dbfs, width, height)
        return Drawing([*lines, *readout(sweep, request.level_dbfs, width)])


class SweepView(PlotView):
    """Output level and distortion against input level, -60 to +12 dBFS."""

    NAME = "sweep"
    TITLE = "Level sweep"
    CHEAP = False
    KEYS = "+/- marker"
    drawer = SweepDrawer

    def heading(self, state: ViewState) -> str:
        return f"{self.TITLE} · 100 Hz sine"
