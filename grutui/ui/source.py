"""The sound being worked on: the built-in demo or an audio file, read whole for audition."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from grutui.errors import GrutuiError


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
    """Read a whole audio file; a ``GrutuiError`` with a one-line reason if it cannot be.

    soundfile directly rather than ``grutui.render.read_audio``: importing the render module
    loads the DSP kernels (seconds), and ``grutui FILE`` must check FILE before the screen
    starts without waiting for that.
    """
    path = Path(path)
    if not path.exists():
        raise GrutuiError(f"{path}: no such file")
    if path.is_dir():
        raise GrutuiError(f"{path}: is a folder, not an audio file")
    try:
        data, rate_hz = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GrutuiError(f"{path}: not a readable audio file ({reason})") from None
    except OSError as exc:
        raise GrutuiError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if data.size == 0:
        raise GrutuiError(f"{path}: the file holds no audio")
    return Source(path.name, path, np.ascontiguousarray(data), float(rate_hz))
