"""What a sound designer reads off the views: units on every axis, ticks where values are,
levels in the titles, and scales that fit what is drawn."""

from __future__ import annotations

import re

import numpy as np
import pytest
from textual.pilot import Pilot

from grutui.analysis import analyze
from grutui.params import Params
from grutui.ui.app import GrutuiApp
from grutui.ui.views.axes import amplitude_axis, log_frequency_axis
from grutui.ui.views.canvas import frame
from grutui.ui.views.curve import curve_lines
from grutui.ui.views.deck import VIEWS
from grutui.ui.views.frame import build_frame
from tests.ui.helpers import deck, views_current

UNITS = {
    "curve": ["input (1 = 0 dBFS)", "output"],
    "harmonics": ["dBFS"],
    "sweep": ["input, dBFS", "dB re H1", "output level, dBFS"],
    "scope": ["time, ms", "1 = 0 dBFS"],
    "spectrum": ["frequency, Hz", "dBFS"],
    "aliasing": ["frequency, Hz", "dBFS"],
}


def _axis_and_labels(lines: list[str]) -> tuple[str, str]:
    """The x axis line and the tick labels under it (the last plot's)."""
    at = max(i for i, line in enumerate(lines) if "└" in line)
    return lines[at], lines[at + 1]


def _under_its_mark(axis: str, labels: str, label: str) -> bool:
    """``label`` stands alone on the label line, centred under a tick mark of the axis."""
    found = re.search(rf"(?<!\S){re.escape(label)}(?!\S)", labels)
    return found is not None and axis[found.start() + len(label) // 2] in "┬┼"


async def test_every_view_names_its_units_and_the_analytic_ones_their_level(
    app: GrutuiApp, pilot: Pilot
) -> None:
    for view in VIEWS:
        await views_current(pilot, app)
        shown = deck(app).view
        assert shown.NAME == view.NAME
        for unit in UNITS[view.NAME]:
            assert unit in shown.plain, (view.NAME, unit)
        if view.NAME in ("curve", "harmonics", "sweep", "aliasing"):
            assert f"{deck(app).level_dbfs:+.1f} dBFS" in str(shown.border_title), view.NAME
        await pilot.press("v")


@pytest.mark.parametrize("width", [36, 40, 68, 116])
def test_the_spectrum_marks_100_hz_1k_and_10k_at_every_width(width: int) -> None:
    """Where tick labels would collide the decades stay; each sits under its mark, and a
    line drawn at that frequency goes through the mark's column."""
    from grutui.ui.views.axes import db_axis
    from grutui.ui.views.spectrum import FLOOR_DBFS, TOP_DBFS

    plot = frame(width, 16, log_frequency_axis(48000.0), db_axis(TOP_DBFS, FLOOR_DBFS, 20, "dBFS"))
    lines = [strip.text for strip in plot.lines([])]
    axis, labels = _axis_and_labels(lines)
    for hz, label in ((100, "100"), (1000, "1k"), (10000, "10k")):
        assert _under_its_mark(axis, labels, label), (width, label, labels)
        bits = plot.line(np.array([hz, hz]), np.array([FLOOR_DBFS, TOP_DBFS]))
        (column,) = set(np.nonzero(bits)[1])
        assert axis[plot.left + column] in "┬┼", (width, label)


def test_a_level_is_drawn_in_the_row_of_its_label() -> None:
    """plotext places the y tick labels, numpy the data: they agree."""
    from grutui.ui.views.axes import db_axis

    plot = frame(60, 30, log_frequency_axis(48000.0), db_axis(0.0, -120.0, 20, "dBFS"))
    lines = [strip.text for strip in plot.lines([])]
    for level in (0, -20, -40, -60, -80, -100, -120):
        row = next(
            r
            for r, line in enumerate(lines)
            if line[: plot.left - 1].strip() == f"{level:+d}".replace("+0", "0")
        )
        bits = plot.line(np.array([100.0, 10000.0]), np.array([level, level]))
        assert set(np.nonzero(bits)[0]) == {row}, level


def test_frames_are_built_once_per_size_and_axes() -> None:
    """A key press only rasterises the data: the frame (plotext's work) is made once."""
    curve_lines(analyze(Params(), level_dbfs=-3.0), 57, 31)
    plots, frames = frame.cache_info(), build_frame.cache_info()
    for wf in (0.6, 0.7, 0.8):
        curve_lines(analyze(Params(Wf=wf), level_dbfs=-3.0), 57, 31)
    assert frame.cache_info().hits >= plots.hits + 3
    assert build_frame.cache_info().misses == frames.misses  # plotext not asked again


@pytest.mark.parametrize("output_db", [0.0, -12.0, -40.0])
def test_the_curve_scales_its_output_axis_to_the_output(output_db: float) -> None:
    """Within a few dB of the input the y axis is the input's (unity at 45 degrees); a far
    quieter output gets an axis of its own, so its shape fills the plot, not a flat line."""
    analysis = analyze(Params(output_db=output_db), level_dbfs=0.0)
    lines = [strip.text for strip in curve_lines(analysis, 60, 30)]
    top_label = float(lines[0].split("┼")[0])
    peak = float(np.max(np.abs(analysis.curve_y)))
    assert peak <= top_label
    if output_db == 0.0:
        assert top_label == 1.0
    else:
        assert top_label < 1.0 and peak > top_label / 2  # the loop spans over half the height


def test_the_scope_counts_time_in_ms_below_a_second() -> None:
    from grutui.ui.views.axes import time_axis

    for window_s, unit, last in ((0.02, "ms", "20"), (0.005, "ms", "5"), (2.0, "s", "2")):
        plot = frame(60, 12, time_axis(window_s), amplitude_axis(1.0, "1 = 0 dBFS"))
        lines = [strip.text for strip in plot.lines([])]
        _, labels = _axis_and_labels(lines)
        assert labels.split()[0] == "0" and labels.split()[-1] == last
        assert f"time, {unit}" in lines[-1]
