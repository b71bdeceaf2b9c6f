"""The sound being worked on: the built-in demo or an audio file.

A file is read whole when it is small enough to hold (``audiofile.STREAM_ABOVE_BYTES``); a larger
one keeps only its path and format, and the player streams it from disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grutui.audiofile import open_input, too_large_to_hold
from grutui.material import peak_dbfs


@dataclass(frozen=True)
class Source:
    """Audio at ``rate_hz``: ``data`` float32 (frames, channels) in memory, or None for a file
    too large to hold (then ``frames`` and ``file_channels`` describe it)."""

    name: str
    path: Path | None
    data: np.ndarray | None
    rate_hz: float
    frames: int = 0
    file_channels: int = 0
    peak_dbfs: float | None = None  # None when not measured (a file too large to hold)

    @property
    def channels(self) -> int:
        return int(self.data.shape[1]) if self.data is not None else self.file_channels

    @property
    def duration_s(self) -> float:
        frames = len(self.data) if self.data is not None else self.frames
        return frames / self.rate_hz

    @property
    def streamed(self) -> bool:
        """True when the file is not held in memory (the player streams it)."""
        return self.data is None


def demo_source() -> Source:
    """The built-in demo sound (no file)."""
    from grutui.demo import RATE_HZ, demo_sound

    data = demo_sound()
    return Source("demo", None, data, float(RATE_HZ), peak_dbfs=peak_dbfs(data))


def audio_extensions() -> tuple[str, ...]:
    """Extensions (with the dot) of the files the open dialog lists: what libsndfile reads."""
    from grutui.audiofile import input_extensions

    return input_extensions()


def load_source(path: str | Path) -> Source:
    """Open an audio file, reading it whole unless it is too large to hold; an
    ``AudioFileError`` with a one-line reason if it cannot be read."""
    path = Path(path)
    with open_input(path) as f:
        rate_hz, frames, channels = float(f.samplerate), int(f.frames), int(f.channels)
        data = None
        if not too_large_to_hold(f):
            data = np.ascontiguousarray(f.read(dtype="float32", always_2d=True))
    peak = peak_dbfs(data) if data is not None else None
    return Source(path.name, path, data, rate_hz, frames, channels, peak)
