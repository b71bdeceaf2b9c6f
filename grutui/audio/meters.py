"""The meters the callback fills and the UI reads (through ``AudioStatus``): peaks, xruns,
errors.

The callback writes plain attributes and preallocated arrays only (no locks: a stale meter
value for one block is harmless).
"""

from __future__ import annotations

import numpy as np

from grutui.audio import kernels

IN, OUT = 0, 1
RELEASE_DB_PER_S = 20.0  # meters fall this fast after a peak, like a PPM


class Meters:
    """Preallocated meter state written by one callback."""

    def __init__(self) -> None:
        self.peaks = np.zeros(2, np.float64)  # linear, [IN, OUT]
        self.release = 1.0
        self.xruns = 0
        self.underruns = 0
        self.error = ""  # set once by the callback when it catches an exception

    def prepare(self, rate_hz: float, block: int) -> None:
        """Set the per-block release for ``block`` frames at ``rate_hz``."""
        self.release = 10.0 ** (-RELEASE_DB_PER_S * block / rate_hz / 20.0)
        self.reset()

    def measure(self, indata: np.ndarray, outdata: np.ndarray, frames: int) -> None:
        """Meter a block of input and output (callback thread)."""
        kernels.peak_hold(indata, frames, self.peaks, IN, self.release)
        kernels.peak_hold(outdata, frames, self.peaks, OUT, self.release)

    def reset(self) -> None:
        self.peaks[:] = 0.0
        self.xruns = 0
        self.underruns = 0
        self.error = ""
