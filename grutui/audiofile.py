"""Reading audio files, with one-line errors that name the file.

Kept free of the DSP layer: the UI checks ``grutui FILE`` before its screen starts, and loading
the kernels would make it wait seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

from grutui.errors import GrutuiError

# Audition holds a file in memory up to this decoded (float32) size and streams it from disk
# above it: 64 MiB is about 2.9 minutes of 48 kHz stereo (a 16-bit WAV of 32 MiB).
STREAM_ABOVE_BYTES = 64 * 2**20


class AudioFileError(GrutuiError):
    """A file that is missing, unreadable, not audio or empty."""


def open_input(path: str | os.PathLike[str]) -> sf.SoundFile:
    """Open ``path`` for reading; an ``AudioFileError`` if it holds no audio to read."""
    path = Path(path)
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a folder, not an audio file")
    try:
        f = sf.SoundFile(path)
    except sf.LibsndfileError as exc:
        why = str(getattr(exc, "error_string", "") or exc).strip().rstrip(".")
        raise AudioFileError(f"{path}: not an audio file grutui can read ({why})") from None
    except OSError as exc:
        raise AudioFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if f.frames == 0:
        f.close()
        raise AudioFileError(f"{path}: empty audio file (no frames)")
    return f


def read_audio(path: str | os.PathLike[str]) -> tuple[np.ndarray, float]:
    """The whole file as float32 (frames, channels), C-contiguous, and its rate in Hz."""
    with open_input(path) as f:
        return np.ascontiguousarray(f.read(dtype="float32", always_2d=True)), float(f.samplerate)


def decoded_bytes(frames: int, channels: int) -> int:
    """Size of ``frames`` x ``channels`` of float32 audio in memory, bytes."""
    return int(frames) * int(channels) * 4


def too_large_to_hold(f: sf.SoundFile) -> bool:
    """True when the open file decodes to more than ``STREAM_ABOVE_BYTES``: stream it."""
    return decoded_bytes(f.frames, f.channels) > STREAM_ABOVE_BYTES
