"""Audio files: which ones grutui reads and writes, and opening them with one-line errors.

Kept free of the DSP layer: the UI checks ``grutui FILE`` before its screen starts, and loading
the kernels would make it wait seconds.
"""

from __future__ import annotations

import functools
import io
import os
from typing import Any

import soundfile as sf

from grutui.errors import GrutuiError, printable
from grutui.fileio import InputError, check_input, lower_first, reason

# Audition holds a file in memory up to this decoded (float32) size and streams it from disk
# above it: 64 MiB is about 2.9 minutes of 48 kHz stereo (a 16-bit WAV of 32 MiB).
STREAM_ABOVE_BYTES = 64 * 2**20

# The one table of audio file extensions: extension -> libsndfile major format.
EXTENSION_FORMATS = {
    ".wav": "WAV",
    ".flac": "FLAC",
    ".aif": "AIFF",
    ".aiff": "AIFF",
    ".ogg": "OGG",
    ".opus": "OGG",
    ".caf": "CAF",
    ".w64": "W64",
    ".rf64": "RF64",
    ".au": "AU",
    ".mp3": "MP3",
}
_READ_ONLY = {".opus"}  # read (Ogg Opus), not offered for output
# Subtypes a render may write, and the sample formats it keeps from an input where it can.
WRITE_SUBTYPES = ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "VORBIS", "MPEG_LAYER_III")
LINEAR_SUBTYPES = ("PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE")


class AudioFileError(GrutuiError):
    """A file that is missing, unreadable, not audio or empty."""


def input_extensions() -> tuple[str, ...]:
    """Extensions (with the dot) of files worth offering to open: what libsndfile reads."""
    known = {f".{name.lower()}" for name in sf.available_formats()}
    return tuple(sorted(known | set(EXTENSION_FORMATS)))


@functools.cache
def output_formats() -> dict[str, list[str]]:
    """Output extension (with the dot) -> the subtypes grutui writes in that format here."""
    available = sf.available_formats()
    table = {}
    for ext, fmt in EXTENSION_FORMATS.items():
        if fmt in available and ext not in _READ_ONLY:
            subtypes = [s for s in WRITE_SUBTYPES if sf.check_format(fmt, s)]
            if subtypes:
                table[ext] = subtypes
    return table


class InputFile(sf.SoundFile):
    """An input opened by ``open_input``: ``read`` failures (a FLAC that loses sync, a damaged
    MP3) are an ``AudioFileError`` naming the file, and a whole read works on files libsndfile
    cannot seek in (GSM 6.10)."""

    def read(self, frames: int = -1, *args: Any, **kwargs: Any) -> Any:
        if frames < 0 and not self.seekable():  # soundfile wants a count; open_input is at 0
            frames = self.frames
        try:
            return super().read(frames, *args, **kwargs)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioFileError(
                f"{printable(os.fsdecode(self.name))}: read error midway ({libsndfile_reason(exc)})"
            ) from None


def open_input(path: str | os.PathLike[str]) -> sf.SoundFile:
    """Open ``path`` for reading; an ``AudioFileError`` if it holds no audio to read.

    Only a regular file is opened (a FIFO or a device is named for what it is, never read).
    """
    try:
        path = check_input(path, "an audio file")
    except InputError as exc:
        raise AudioFileError(str(exc)) from None
    shown = printable(path)
    try:
        # as bytes: soundfile encodes a str name strictly, and a name that is not UTF-8 fails
        f = InputFile(os.fsencode(path))
    except sf.LibsndfileError as exc:
        why = libsndfile_reason(exc)
        if "not a regular file" in why:  # it is one (checked above): libsndfile's catch-all
            why = "damaged, truncated or not audio"
        raise AudioFileError(f"{shown}: not an audio file grutui can read ({why})") from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise AudioFileError(f"{shown}: cannot read ({reason(exc)})") from None
    if f.frames == 0:
        f.close()
        raise AudioFileError(
            f"{shown}: empty audio file (no frames, or damaged so that its length is unknown)"
        )
    return f


# Limits past which an encoder crashes the process instead of refusing (libvorbis: a segfault
# above 200 kHz or 255 channels), so they are checked before libsndfile is asked.
_ENCODER_LIMITS = {"VORBIS": (255, 200000)}  # subtype -> (channels, rate Hz)


def check_writable(fmt: str, subtype: str, channels: int, rate_hz: int) -> str | None:
    """Why libsndfile would refuse to write ``fmt``/``subtype`` with ``channels`` at ``rate_hz``
    (e.g. FLAC's 8 channels), or None; tried in memory, so nothing is created."""
    max_channels, max_rate_hz = _ENCODER_LIMITS.get(subtype, (channels, rate_hz))
    if channels > max_channels or rate_hz > max_rate_hz:
        return f"the encoder takes at most {max_channels} channels and {max_rate_hz} Hz"
    try:
        with sf.SoundFile(
            io.BytesIO(), "w", samplerate=rate_hz, channels=channels, format=fmt, subtype=subtype
        ):
            pass
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError) as exc:
        return libsndfile_reason(exc)
    return None


def libsndfile_reason(exc: BaseException) -> str:
    """libsndfile's words for ``exc`` as a short lower-case reason ("flac decoder lost sync")."""
    why = str(getattr(exc, "error_string", "") or reason(exc)).strip().rstrip(".")
    if why.lower().startswith("error :"):
        why = why[7:].strip()
    return printable(lower_first(why))


def decoded_bytes(frames: int, channels: int) -> int:
    """Size of ``frames`` x ``channels`` of float32 audio in memory, bytes."""
    return int(frames) * int(channels) * 4


def too_large_to_hold(f: sf.SoundFile) -> bool:
    """True when the open file decodes to more than ``STREAM_ABOVE_BYTES``: stream it."""
    return decoded_bytes(f.frames, f.channels) > STREAM_ABOVE_BYTES
