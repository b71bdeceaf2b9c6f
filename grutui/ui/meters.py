"""The input and output meters: peak and RMS in dBFS, a peak hold and a clip count.

The audio layer measures (every sample, in the callback); this only draws what the app hands
it from ``AudioStatus`` a few times a second. A clip stays lit, with its count, until the user
resets it (``x``): a clip that has passed is what a meter is for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from grutui.ui.status_bar import ALARM, count_text

if TYPE_CHECKING:  # the UI reads the audio layer's status; it does not load it to draw
    from grutui.audio.status import AudioStatus

FLOOR_DBFS = -60.0  # the bar's left end
WARN_DBFS, HOT_DBFS = -6.0, -1.0  # where the bar turns yellow, then red
LABEL_W, NUMBERS_W, CLIP_W = 4, 13, 9


@dataclass(frozen=True)
class MeterReading:
    """One meter's levels in dBFS (``-inf`` for silence) and its clipped samples."""

    peak_dbfs: float = -math.inf
    rms_dbfs: float = -math.inf
    hold_dbfs: float = -math.inf  # the highest recent peak
    clips: int = 0  # samples over full scale since the last reset


class ClipLatch:
    """Clip counts that stay until the user resets them.

    A stream counts its clips from its start; the latch adds what earlier runs counted, so a
    clip stays lit across stop and play until ``x``. ``run`` (``AudioControl.starts``) says
    which run a status is from.
    """

    def __init__(self) -> None:
        self._before = [0, 0]  # (input, output) counted by earlier runs
        self._last = [0, 0]  # this run's counts at the last reading
        self._run = 0

    def readings(self, status: AudioStatus, run: int) -> tuple[MeterReading, MeterReading]:
        """The input and output readings of ``status``, with the latched counts."""
        if run != self._run:
            self._before = [b + last for b, last in zip(self._before, self._last, strict=True)]
            self._last, self._run = [0, 0], run
        found = []
        for i, meter in enumerate((status.input, status.output)):
            self._last[i] = meter.clips
            clips = self._before[i] + meter.clips
            found.append(MeterReading(meter.peak_dbfs, meter.rms_dbfs, meter.hold_dbfs, clips))
        return found[0], found[1]

    def reset(self) -> None:
        """Forget every count (the stream's own are reset by the caller)."""
        self._before = [0, 0]
        self._last = [0, 0]


def _db(value: float) -> str:
    return f"{value:+5.1f}" if math.isfinite(value) else " -inf"


def _cell(dbfs: float, width: int) -> int:
    """How many cells of a ``width``-cell bar ``dbfs`` fills."""
    if not math.isfinite(dbfs):
        return 0
    fraction = (min(max(dbfs, FLOOR_DBFS), 0.0) - FLOOR_DBFS) / -FLOOR_DBFS
    return round(fraction * width)


def _colour(cell: int, width: int) -> str:
    level = FLOOR_DBFS * (1.0 - (cell + 1) / width)
    return "red" if level > HOT_DBFS else "yellow" if level > WARN_DBFS else "green"


def meter_line(label: str, reading: MeterReading, width: int) -> Text:
    """``in  ███▒▒··│···  -3.2 -12.0  CLIP 12`` in ``width`` cells."""
    bar_w = max(4, width - LABEL_W - NUMBERS_W - CLIP_W)
    rms, peak = _cell(reading.rms_dbfs, bar_w), _cell(reading.peak_dbfs, bar_w)
    hold = _cell(reading.hold_dbfs, bar_w) - 1
    line = Text(f"{label:<{LABEL_W}}", no_wrap=True, end="")
    for i in range(bar_w):
        if i == hold and hold >= peak:
            line.append("│", "bold " + _colour(i, bar_w))
        elif i < rms:
            line.append("█", _colour(i, bar_w))
        elif i < peak:
            line.append("▒", _colour(i, bar_w))
        else:
            line.append("·", "bright_black")
    line.append(f" {_db(reading.peak_dbfs)} {_db(reading.rms_dbfs)} ")
    if reading.clips:
        line.append(f"CLIP {count_text(reading.clips)}".ljust(CLIP_W - 1), ALARM)
    else:
        line.append("no clip".ljust(CLIP_W - 1), "dim")
    return line


class MeterPanel(Widget):
    """Three lines: a header, the input meter and the output meter."""

    DEFAULT_CSS = """
    MeterPanel { height: 3; width: 1fr; dock: bottom; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.readings = (MeterReading(), MeterReading())

    def show(self, input: MeterReading, output: MeterReading) -> None:
        """Show new readings; repaints only when they changed."""
        if (input, output) != self.readings:
            self.readings = (input, output)
            self.refresh()

    def render(self) -> Text:
        width = self.size.width or 36
        bar_w = max(4, width - LABEL_W - NUMBERS_W - CLIP_W)
        header = Text(
            f"{'dBFS':<{LABEL_W}}{'':<{bar_w}}  peak   rms  x: reset", "dim", no_wrap=True, end=""
        )
        header.truncate(width)
        lines = [header]
        for label, reading in zip(("in", "out"), self.readings, strict=True):
            lines.append(meter_line(label, reading, width))
        return Text("\n").join(lines)
