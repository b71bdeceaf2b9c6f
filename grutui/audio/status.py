"""``AudioStatus``: the snapshot of a stream that the UI polls (no PortAudio, no numba)."""

from __future__ import annotations

import math
from dataclasses import dataclass


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


def to_dbfs(level: float) -> float:
    """A linear peak in dBFS; -inf for silence."""
    return 20.0 * math.log10(level) if level > 0.0 else -math.inf
