"""The meters the callback fills and the UI reads (through ``AudioStatus``): input and output
levels, xruns, errors.

The callback writes plain attributes and preallocated arrays only (no locks: a stale meter
value for one block is harmless). Clearing the clip counts is asked by the caller and done by
the callback (``reset_clips``), so the counts keep one writer.
"""

from __future__ import annotations

import math

import numpy as np

from grutui.audio import kernels
from grutui.audio.status import LevelMeter, to_dbfs

IN, OUT = 0, 1
RELEASE_DB_PER_S = 20.0  # peaks fall this fast after a peak, like a PPM
RMS_WINDOW_S = 0.3  # the RMS reading's time constant, like a VU meter's
HOLD_S = 2.0  # the peak hold keeps the highest peak this long


class Meters:
    """Preallocated meter state written by one callback: a row per meter (``IN``, ``OUT``)
    as ``kernels.meter_block`` keeps it."""

    def __init__(self, channels: int = 2) -> None:
        self.levels = np.zeros((2, kernels.MS + channels), np.float64)
        self._release = 1.0
        self._ms_keep = 0.0
        self._hold_frames = 0.0
        self.xruns = 0
        self.underruns = 0
        self.late_blocks = 0  # callbacks that ended later than their block lasts
        self.longest_block_s = 0.0  # ... the longest, from PortAudio's call to its return
        self.busiest_block_s = 0.0  # the most CPU time one callback used
        self.error = ""  # set once by the callback when it catches an exception
        self._clear_asked = 0  # reset_clips() calls (caller)
        self._clear_done = 0  # ... acted on (callback)

    def prepare(self, rate_hz: float, block: int, channels: int) -> None:
        """Set up for ``block`` frames of up to ``channels`` channels at ``rate_hz``; clears."""
        if self.levels.shape[1] < kernels.MS + channels:
            self.levels = np.zeros((2, kernels.MS + channels), np.float64)
        self._release = 10.0 ** (-RELEASE_DB_PER_S * block / rate_hz / 20.0)
        self._ms_keep = math.exp(-block / (RMS_WINDOW_S * rate_hz))
        self._hold_frames = HOLD_S * rate_hz
        self.reset()

    def measure(self, indata: np.ndarray, outdata: np.ndarray, frames: int) -> None:
        """Meter a block of input and output (callback thread)."""
        levels = self.levels
        if self._clear_asked != self._clear_done:
            self._clear_clips()
        kernels.meter_block(
            indata, frames, levels, IN, self._release, self._ms_keep, self._hold_frames
        )
        kernels.meter_block(
            outdata, frames, levels, OUT, self._release, self._ms_keep, self._hold_frames
        )

    def reset_clips(self, now: bool = False) -> None:
        """Clear the clip counts and highest peaks: at the callback's next block, or ``now``
        when no callback runs."""
        self._clear_asked += 1
        if now:
            self._clear_clips()

    def _clear_clips(self) -> None:
        self._clear_done = self._clear_asked
        self.levels[:, kernels.CLIPS] = 0.0
        self.levels[:, kernels.MAX] = 0.0

    def reset(self) -> None:
        """Clear everything (no stream running)."""
        self.levels.fill(0.0)
        self._clear_done = self._clear_asked
        self.xruns = 0
        self.underruns = 0
        self.late_blocks = 0
        self.longest_block_s = 0.0
        self.busiest_block_s = 0.0
        self.error = ""

    def reading(self, row: int) -> LevelMeter:
        """The meter ``row`` (``IN`` or ``OUT``) as the UI reads it."""
        values = self.levels[row].tolist()
        mean_square = max(values[kernels.MS :], default=0.0)
        return LevelMeter(
            peak_dbfs=to_dbfs(values[kernels.PEAK]),
            rms_dbfs=to_dbfs(math.sqrt(mean_square)),
            hold_dbfs=to_dbfs(values[kernels.HOLD]),
            max_dbfs=to_dbfs(values[kernels.MAX]),
            clips=int(values[kernels.CLIPS]),
        )
