"""Status values the callback fills and the UI reads: peaks, xruns, load, errors.

The callback writes plain attributes and preallocated arrays only (no locks: a stale meter
value for one block is harmless); ``AudioStatus`` is the immutable snapshot the UI gets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

IN, OUT = 0, 1
RELEASE_DB_PER_S = 20.0  # meters fall this fast after a peak, like a PPM


@dataclass(frozen=True)
class AudioStatus:
    """A snapshot of a stream, safe to read from the UI thread."""

    state: str = "stopped"  # "stopped" | "playing" | "monitoring" | "error"
    message: str = ""  # why it stopped, or what it is doing
    peak_in_dbfs: float = -math.inf  # max over channels; -inf when silent
    peak_out_dbfs: float = -math.inf
    xruns: int = 0  # blocks the callback was late for (under/overflow flags)
    underruns: int = 0  # blocks played as silence because a streamed file's reader fell behind
    cpu_load: float = 0.0  # 0..1, PortAudio's estimate for the stream
    latency_s: float = 0.0  # output latency (round trip for monitoring), seconds
    device: str = ""


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

    def reset(self) -> None:
        self.peaks[:] = 0.0
        self.xruns = 0
        self.underruns = 0
        self.error = ""


def to_dbfs(level: float) -> float:
    """A linear peak in dBFS; -inf for silence."""
    return 20.0 * math.log10(level) if level > 0.0 else -math.inf
