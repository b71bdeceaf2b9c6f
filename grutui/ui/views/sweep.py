"""Level sweep: output level, THD and H2..H5 against the input level of a 100 Hz sine.

Where gating, sputter and compression show: a gate is output falling faster than input.
Measured coarse to fine: every 6 dB first, shown at once, then the levels between, in rising
order (each level's steady state starts from the one below: the fastest way through). What
was measured is kept per setting, so moving the marker (+/-) or coming back to a setting
measures nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.style import Style
from textual.strip import Strip

from grutui.params import Params
from grutui.ui.views.axes import db_axis
from grutui.ui.views.base import PlotView, ViewState, level_words
from grutui.ui.views.canvas import (
    DASHED,
    DOTTED,
    DRY_STYLE,
    EVEN_STYLE,
    ODD_STYLE,
    PLAIN,
    WET_STYLE,
    Axis,
    dash_sample,
    frame,
    row_of,
)
from grutui.ui.views.worker import Drawing, Lab, ViewRequest

LO_DBFS, HI_DBFS = -60, 12  # the input levels swept, every 1 dB
STEPS_DB = (6, 1)  # measured at these steps in turn, the coarse one shown when done
LEVELS_AT_ONCE = 8  # levels measured between looks for a newer request (~10 ms)
SETTINGS_KEPT = 8  # settings whose measured levels are kept
OUT_TOP, OUT_FLOOR = 12.0, -84.0  # output level scale, dBFS
DBR_TOP, DBR_FLOOR = 0.0, -100.0  # THD and harmonics scale, dB relative to H1
NAMES_W = 4  # cells right of the plots for the names at the ends of the lines
# H2..H5 and THD (drawn last, on top): even and odd harmonics in the Harmonics view's colours,
# and each its own dash pattern, so they tell apart without colour too.
LONG_DASH, SPARSE = (6, 2), (1, 5)
_EVEN, _ODD = Style(color=EVEN_STYLE.color), Style(color=ODD_STYLE.color)
CURVES: tuple[tuple[str, Style, tuple[int, int] | None], ...] = (
    ("H2", _EVEN, LONG_DASH),
    ("H3", _ODD, DASHED),
    ("H4", _EVEN, DOTTED),
    ("H5", _ODD, SPARSE),
    ("THD", Style.parse("bold bright_yellow"), None),
)
MARKER_STYLE = Style.parse("bright_black")


@dataclass(frozen=True)
class Sweep:
    """Per input level: output level (dBFS), THD (percent) and H2..H5 (dB relative to H1)."""

    level_dbfs: np.ndarray
    output_dbfs: np.ndarray
    thd_percent: np.ndarray
    harmonics_dbr: np.ndarray  # (levels, 4): H2..H5


class Measured:
    """The levels of one setting measured so far: level -> (output, THD, H2..H5)."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.points: dict[float, tuple[float, float, list[float]]] = {}

    def measure(self, levels: list[float], stale: Callable[[], bool]) -> bool:
        """Measure those of ``levels`` not yet measured, a few at a time; False if
        ``stale()`` turned true first (what was measured is kept)."""
        from grutui.analysis import level_sweep

        todo = [level for level in levels if level not in self.points]
        for at in range(0, len(todo), LEVELS_AT_ONCE):
            if stale():
                return False
            part = level_sweep(self.params, levels_dbfs=todo[at : at + LEVELS_AT_ONCE])
            for i, level in enumerate(part.level_dbfs):
                harmonics = part.harmonics_dbr[i][1:5]
                self.points[level] = (part.output_dbfs[i], part.thd_percent[i], harmonics)
        return True

    def sweep(self, levels: list[float]) -> Sweep:
        points = [self.points[level] for level in levels]
        return Sweep(
            np.array(levels),
            np.array([p[0] for p in points]),
            np.array([p[1] for p in points]),
            np.array([p[2] for p in points]).reshape(len(points), 4),
        )


def levels_every(step_db: int) -> list[float]:
    return [float(v) for v in range(LO_DBFS, HI_DBFS + 1, step_db)]


def _input_axis() -> Axis:
    ticks = tuple((float(v), f"{v:+d}" if v else "0") for v in range(LO_DBFS, HI_DBFS + 1, 12))
    return Axis(float(LO_DBFS), float(HI_DBFS), ticks, unit="input, dBFS", grid=True)


def _above(values: np.ndarray, floor: float) -> np.ndarray:
    return np.where(values > floor, values, np.nan)  # below the scale: no line at all


def _last(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if len(finite) else np.nan


def sweep_lines(sweep: Sweep, level_dbfs: float, width: int, height: int) -> list[Strip]:
    """Output against input (top, over the dotted unity line) and THD, H2..H5 against input
    (bottom), each line named at its right end; a grey line at ``level_dbfs``, the level of
    the other views."""
    top_h = (height - 2) // 2
    x_axis = _input_axis()
    top_y = db_axis(OUT_TOP, OUT_FLOOR, 24, "output dBFS")
    top = frame(width, top_h, x_axis, top_y, 4, x_labels=False, units=False, right_w=NAMES_W)
    bottom_y = db_axis(DBR_TOP, DBR_FLOOR, 25, "dB re H1")
    bottom = frame(width, height - top_h, x_axis, bottom_y, 4, right_w=NAMES_W)
    if not (top.usable and bottom.usable):
        return []
    x = sweep.level_dbfs
    here = np.array([level_dbfs, level_dbfs])
    output = _above(sweep.output_dbfs, OUT_FLOOR)
    unity = top.line(np.array([OUT_FLOOR, OUT_TOP]), np.array([OUT_FLOOR, OUT_TOP]), DOTTED)
    upper = top.lines(
        [
            (unity, DRY_STYLE),
            (top.line(here, np.array([OUT_FLOOR, OUT_TOP])), MARKER_STYLE),
            (top.line(x, output), WET_STYLE),
        ],
        [(_last(output), "out", WET_STYLE), (OUT_TOP, "in", DRY_STYLE)],
    )
    with np.errstate(divide="ignore"):
        thd_db = 20 * np.log10(sweep.thd_percent / 100)
    curves = [_above(values, DBR_FLOOR) for values in (*sweep.harmonics_dbr.T, thd_db)]
    lower = bottom.lines(
        [(bottom.line(here, np.array([DBR_FLOOR, DBR_TOP])), MARKER_STYLE)]
        + [
            (bottom.line(x, values, dash), style)
            for values, (_, style, dash) in zip(curves, CURVES, strict=True)
        ],
        # THD first: it gets its own row, the others the nearest free ones
        [
            (_last(values), name, style)
            for values, (name, style, _) in reversed(list(zip(curves, CURVES, strict=True)))
        ],
    )
    return [*upper, *lower]


def readout(sweep: Sweep, level_dbfs: float, width: int) -> list[Strip]:
    """The key to the lines (when it fits), then the figures at the level nearest
    ``level_dbfs`` (on two lines when one is too narrow)."""
    key = [
        ("out: output level, dBFS ", WET_STYLE),
        (f"{dash_sample(DOTTED, 2)} in=out  ", DRY_STYLE),
    ]
    key += [(f"{dash_sample(dash, 2)} {name} ", style) for name, style, dash in CURVES]
    i = int(np.argmin(np.abs(sweep.level_dbfs - level_dbfs)))
    harmonics = " ".join(
        f"H{h} {f'{db:.0f}' if db > DBR_FLOOR else '-'}"
        for h, db in enumerate(sweep.harmonics_dbr[i], start=2)
    )
    level = (
        f"at {sweep.level_dbfs[i]:+.0f} dBFS: out {sweep.output_dbfs[i]:+.1f} dBFS, "
        f"THD {sweep.thd_percent[i]:.1f}%"
    )
    relative = f"{harmonics} dB re H1"
    lines = [row_of(key, width)] if sum(len(text) for text, _ in key) <= width else []
    if len(level) + 2 + len(relative) <= width:
        return [*lines, row_of([(f"{level}, {relative}", PLAIN)], width)]
    return [*lines, row_of([(level, PLAIN)], width), row_of([(relative, PLAIN)], width)]


class SweepDrawer:
    """Measures coarse to fine, showing each stage; keeps what it measured per setting."""

    def __init__(self) -> None:
        self._kept: OrderedDict[Params, Measured] = OrderedDict()

    def measured(self, params: Params) -> Measured:
        found = self._kept.pop(params, None) or Measured(params)
        self._kept[params] = found  # the newest last
        while len(self._kept) > SETTINGS_KEPT:
            self._kept.popitem(last=False)
        return found

    def draw(self, request: ViewRequest, lab: Lab, stale: Callable[[], bool]) -> Drawing | None:
        measured = self.measured(request.params)
        for step in STEPS_DB:
            levels = levels_every(step)
            fresh = any(level not in measured.points for level in levels)
            if not measured.measure(levels, stale):
                return None
            if step != STEPS_DB[-1] and fresh:  # a stage of its own: show it
                lab.preview(self.drawing(measured.sweep(levels), request, f"every {step} dB"))
        return self.drawing(measured.sweep(levels_every(STEPS_DB[-1])), request)

    @staticmethod
    def drawing(sweep: Sweep, request: ViewRequest, caption: str = "") -> Drawing:
        width, height = request.size
        figures = readout(sweep, request.level_dbfs, width)
        lines = sweep_lines(sweep, request.level_dbfs, width, height - len(figures))
        return Drawing([*lines, *figures], caption)


class SweepView(PlotView):
    """Output level and distortion against input level, -60 to +12 dBFS."""

    NAME = "sweep"
    TITLE = "Level sweep"
    CHEAP = False
    ANALYTIC = True
    KEYS = "+/- marker"
    drawer = SweepDrawer

    def heading(self, state: ViewState) -> str:
        return f"{self.TITLE} · marker at {level_words(state)} · 100 Hz sine"
