"""The player's output stage: the chain's output (at the auto gain) or, in bypass, the dry
input delayed by the chain's latency at a gain that matches the loudness, crossfaded over
``CROSSFADE_S``.

The gain targets are plain floats written by the loudness thread (``grutui.audio.match``); the
callback copies them into its state array at each block and ramps to them (see
``kernels.bypass_mix``), so a new gain is a smooth change, never a step.
"""

from __future__ import annotations

import numpy as np

from grutui.audio import kernels
from grutui.dsp import Chain, filters

CROSSFADE_S = 0.010  # bypass switch: long enough not to click, short enough to compare
_MAX_LATENCY_FRAMES = sum(filters.stage_latency(s) for s in range(1, filters.MAX_STAGES + 1))
# Indices of the state array of kernels.bypass_mix.
_X, _X_TARGET, _DRY_GAIN, _DRY_TARGET, _WET_GAIN, _WET_TARGET = range(6)


class BypassMix:
    """Wet or dry, for blocks of up to ``block`` frames of ``channels`` at ``rate_hz``."""

    def __init__(self, rate_hz: float, channels: int, block: int) -> None:
        self._dry = np.zeros((block, channels), np.float32)
        self._wet = np.zeros((block, channels), np.float32)
        # The dry signal for bypass: the input delayed by the chain's latency.
        self._ring = np.zeros((_MAX_LATENCY_FRAMES + 1, channels), np.float32)
        self._ring_state = np.zeros(1, np.int64)
        self._state = np.zeros(6, np.float64)  # see kernels.bypass_mix
        self._step = 1.0 / max(1.0, CROSSFADE_S * rate_hz)
        self._bypass = False
        # The gains' targets (loudness thread), linear.
        self.dry_gain = 1.0
        self.wet_gain = 1.0

    @property
    def bypass(self) -> bool:
        return self._bypass

    def set_bypass(self, value: bool, running: bool) -> None:
        """Crossfade to the dry signal (True) or the wet one; at once when not ``running``."""
        self._bypass = bool(value)
        self._state[_X_TARGET] = 1.0 if value else 0.0
        if not running:  # no fade needed: start where we will be
            self._state[_X] = self._state[_X_TARGET]

    def prepare(self) -> None:
        """Before a stream starts: the gains at their targets (no ramp), an empty delay line."""
        self._state[_DRY_GAIN] = self._state[_DRY_TARGET] = self.dry_gain
        self._state[_WET_GAIN] = self._state[_WET_TARGET] = self.wet_gain
        self.reset()

    # -- the callback's side -------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the delayed input (after a jump, with the chain's reset)."""
        self._ring.fill(0.0)
        self._ring_state[0] = 0

    def process(self, chain: Chain, x: np.ndarray, frames: int, out: np.ndarray) -> None:
        """``x`` through ``chain`` into ``out``, mixed with the delayed dry input."""
        kernels.delay_block(
            x, frames, self._ring, self._ring_state, chain.latency_samples, self._dry
        )
        chain.process_into(x, self._wet)
        self._state[_DRY_TARGET] = self.dry_gain
        self._state[_WET_TARGET] = self.wet_gain
        kernels.bypass_mix(self._dry, self._wet, frames, out, self._state, self._step)
