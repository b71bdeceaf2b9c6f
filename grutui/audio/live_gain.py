"""The monitor's auto gain: the chain's output turned up or down to the live input's loudness.

There is no file to measure ahead, so the callback measures as it goes (``kernels.
live_loudness``: BS.1770 K-weighting and gating over 400 ms blocks) both what enters the chain
and what leaves it, since the parameters last changed. Once about a second of sound has been
measured for both, the gain follows the ratio of their loudness (within ±``LIMIT_DB``); until
then, and while settings change, it keeps its last value. The gain moves smoothly
(``kernels.ramp_gain``), so a new value is a slope, never a step.
"""

from __future__ import annotations

import math

import numpy as np

from grutui.audio import kernels
from grutui.dsp.loudness import BLOCK_STEP_S, k_weighting_sos

MIN_BLOCKS = 6  # gating blocks kept, each signal, before the gain follows: about 0.9 s of sound
LIMIT_DB = 24.0  # as the player's match


class LiveAutoGain:
    """Measures and, when ``on``, applies the auto gain to blocks of ``channels`` channels."""

    def __init__(self, rate_hz: float = 48000.0, channels: int = 2) -> None:
        self.prepare(rate_hz, channels)

    def prepare(self, rate_hz: float, channels: int) -> None:
        """Set up for a stream (no callback running): nothing measured, unity gain."""
        self._sos = k_weighting_sos(rate_hz)
        self._z = np.zeros((2, 2, channels, 2), np.float64)
        self._acc = np.zeros((3, kernels.KEPT_COUNT + 1), np.float64)
        self._step = round(BLOCK_STEP_S * rate_hz)
        self._state = np.array([1.0, 1.0])  # [gain, target] for kernels.ramp_gain
        self.measured = 1.0  # the newest measured gain (callback)

    @property
    def gain_db(self) -> float:
        """The gain applied now (its target), dB."""
        return 20.0 * math.log10(self._state[1])

    # -- the callback's side -------------------------------------------------------------------
    def restart(self) -> None:
        """Measure anew (the parameters changed); the gain holds meanwhile."""
        self._acc.fill(0.0)

    def process(self, dry: np.ndarray, wet: np.ndarray, frames: int, on: bool) -> None:
        """Measure ``dry[:frames]`` (the chain's input) and ``wet[:frames]`` (its output), then
        apply the gain to ``wet`` in place when ``on`` (else ramp back to unity)."""
        acc = self._acc
        kernels.live_loudness(dry, wet, frames, self._sos, self._z, acc, self._step)
        dry_n, wet_n = acc[0, kernels.KEPT_COUNT], acc[1, kernels.KEPT_COUNT]
        if dry_n >= MIN_BLOCKS and wet_n >= MIN_BLOCKS:
            ratio = (acc[0, kernels.KEPT_SUM] / dry_n) / (acc[1, kernels.KEPT_SUM] / wet_n)
            self.measured = min(max(math.sqrt(ratio), _LOWEST), _HIGHEST)
        state = self._state
        state[1] = self.measured if on else 1.0
        if state[0] != 1.0 or state[1] != 1.0:
            kernels.ramp_gain(wet, frames, state)


_HIGHEST = 10.0 ** (LIMIT_DB / 20.0)
_LOWEST = 1.0 / _HIGHEST
