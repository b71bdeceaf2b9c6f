"""The read-only status the UI polls: ``stream.status()`` returns an ``AudioStatus`` (no
PortAudio, no numba here).

Poll it as often as the screen repaints (the workstation does every 50-100 ms); every call
makes a new immutable snapshot from values the callback keeps, so it never waits on audio.
The only thing the UI asks of the meters is ``stream.reset_clips()``: the clip counts (and the
highest peaks) stay until then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LevelMeter:
    """One meter (the input or the output), levels in dBFS (``-inf`` for silence), the
    highest of the channels."""

    peak_dbfs: float = -math.inf  # falls 20 dB/s after a peak, like a PPM
    rms_dbfs: float = -math.inf  # over about 300 ms, like a VU meter
    hold_dbfs: float = -math.inf  # the highest peak of the last 2 s
    max_dbfs: float = -math.inf  # the highest peak since the start or ``reset_clips()``
    clips: int = 0  # samples over full scale since the start or ``reset_clips()``

    @property
    def clipped(self) -> bool:
        """True from the first sample over full scale until ``reset_clips()``."""
        return self.clips > 0


@dataclass(frozen=True)
class AudioStatus:
    """A snapshot of a stream, safe to read from the UI thread."""

    state: str = "stopped"  # "stopped" | "playing" | "monitoring" | "error"
    message: str = ""  # why it stopped, or what it is doing
    input: LevelMeter = field(default_factory=LevelMeter)  # what enters the chain
    output: LevelMeter = field(default_factory=LevelMeter)  # what goes to the device
    xruns: int = 0  # blocks the callback was late for (under/overflow flags)
    underruns: int = 0  # blocks played as silence because a streamed file's reader fell behind
    cpu_load: float = 0.0  # 0..1, PortAudio's estimate for the stream
    latency_s: float = 0.0  # the device's: output latency (round trip for monitoring), seconds
    chain_latency_s: float = 0.0  # what the chain adds (its oversampling filters), seconds
    device: str = ""
    # Callbacks that took longer than their block lasts from their first line to their last
    # (counted by grutui, apart from the device's xruns; the OS running other threads counts),
    # the longest such time and the most CPU time one callback used (its own work), seconds.
    late_blocks: int = 0
    longest_block_s: float = 0.0
    busiest_block_s: float = 0.0
    # Auto gain (the ``auto_gain`` parameter): the gain on the wet so it is as loud as the dry,
    # dB; 0 while off (or, monitoring, until about a second of sound has been measured).
    auto_gain_db: float = 0.0
    # Bypass (player): the dry signal's gain, dB, and how much quieter than the wet's loudness
    # it plays because matching would have taken it over full scale (0 when it is matched).
    bypass_gain_db: float = 0.0
    bypass_cut_db: float = 0.0

    @property
    def peak_in_dbfs(self) -> float:
        """``input.peak_dbfs``."""
        return self.input.peak_dbfs

    @property
    def peak_out_dbfs(self) -> float:
        """``output.peak_dbfs``."""
        return self.output.peak_dbfs


def to_dbfs(level: float) -> float:
    """A linear level in dBFS; -inf for silence."""
    return 20.0 * math.log10(level) if level > 0.0 else -math.inf
