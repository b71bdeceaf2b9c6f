"""The sound being worked on: the built-in demo or an audio file, read whole for audition."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from grutui.audiofile import read_audio


@dataclass(frozen=True)
class Source:
    """Audio in memory: ``data`` is float32 (frames, channels) at ``rate_hz``."""

    name: str
    path: Path | None
    data: np.ndarray
    rate_hz: float

    @property
    def channels(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration_s(self) -> float:
        return len(self.data) / self.rate_hz


def demo_source() -> Source:
    """The built-in demo sound (no file)."""
    from grutui.demo import RATE_HZ, demo_sound

    return Source("demo", None, demo_sound(), float(RATE_HZ))


def audio_extensions() -> tuple[str, ...]:
    """Extensions (with the dot) of the files the open dialog lists: what libsndfile reads."""
    known = {f".{name.lower()}" for name in sf.available_formats()}
    return tuple(
        sorted(
            known
            | {
                ".wav",
                ".flac",
                ".ogg",
                ".aif",
                ".aiff",
                ".mp3",
                ".opus",
                ".caf",
                ".w64",
                ".rf64",
                ".au",
            }
        )
    )


def load_source(path: str | Path) -> Source:
    """Read a whole audio file; an ``AudioFileError`` with a one-line reason if it cannot be."""
    data, rate_hz = read_audio(path)
    return Source(Path(path).name, Path(path), data, rate_hz)
