"""PCM samples of WAV-family files moved as raw bytes and converted in numba kernels.

libsndfile converts 24-bit samples a byte at a time and writes through a small buffer: reading
and writing 10 minutes of 48 kHz stereo took 0.3 s and 0.5 s of a 1x render (more than the
rest but the GRU). For the little-endian WAV family (WAV, WAVEX, RF64, W64) with 16-, 24- or
32-bit integer samples (and 32-bit float when reading), render moves the bytes with
libsndfile's ``sf_read_raw``/``sf_write_raw`` (libsndfile still reads and writes the headers)
and converts them here, to exactly the values libsndfile gives and takes (``tests/test_pcm.py``
compares them on every 16- and 24-bit value and the edges of the float conversions). Float
output stays with libsndfile: it writes a PEAK chunk from the samples it converts.

python-soundfile has no public raw calls, so this reaches its cffi handles (``_snd``,
``_ffi``, ``SoundFile._file``); where they are missing everything goes through libsndfile's
own conversion (``raw_reads``/``raw_writes`` say False).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numba as nb
import numpy as np
import soundfile as sf

from grutui.jit import njit

_OPTS: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}
_FAMILY = ("WAV", "WAVEX", "RF64", "W64")
WIDTH = {"PCM_16": 2, "PCM_24": 3, "PCM_32": 4, "FLOAT": 4}
_WRITES = ("PCM_16", "PCM_24", "PCM_32")
_SND: Any = getattr(sf, "_snd", None)
_FFI: Any = getattr(sf, "_ffi", None)


def _has_raw(f: sf.SoundFile, call: str) -> bool:
    return hasattr(_SND, call) and _FFI is not None and getattr(f, "_file", None) is not None


def raw_reads(f: sf.SoundFile) -> bool:
    """True if ``read_blocks`` can read ``f`` (opened for reading) as raw bytes."""
    little = f.endian in ("FILE", "LITTLE")
    return f.format in _FAMILY and f.subtype in WIDTH and little and _has_raw(f, "sf_read_raw")


def raw_writes(f: sf.SoundFile) -> bool:
    """True if ``write`` can write to ``f`` (opened for writing) as raw bytes."""
    little = f.endian in ("FILE", "LITTLE")
    return f.format in _FAMILY and f.subtype in _WRITES and little and _has_raw(f, "sf_write_raw")


def read_blocks(f: sf.SoundFile, frames: int) -> Iterator[np.ndarray]:
    """``f`` from its start in float32 blocks of ``frames`` (frames, channels), the same
    samples as ``f.blocks(frames, dtype="float32")``. An ``OSError`` if the data ends early."""
    width = WIDTH[f.subtype]
    frame_bytes = width * f.channels
    raw = np.empty(frames * frame_bytes, np.uint8)
    f.seek(0)
    left = f.frames
    while left > 0:
        want = min(frames, left) * frame_bytes
        got = _SND.sf_read_raw(f._file, _FFI.from_buffer(raw), want)
        if got != want:
            raise OSError(f"the data ends {left - got // frame_bytes} frames early")
        out = np.empty((want // frame_bytes, f.channels), np.float32)
        _DECODERS[f.subtype](raw[:want], out.reshape(-1))
        left -= len(out)
        yield out


def write(f: sf.SoundFile, block: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """Write ``block`` (frames, channels) to ``f`` as libsndfile's ``f.write`` would: float32
    samples to 24 or 32 bits (clipped to full scale), int16 samples to 16 bits as they are.

    Returns the byte buffer used, to pass back as ``scratch`` next time (saves allocating).
    """
    width = WIDTH[f.subtype]
    size = block.size * width
    if scratch is None or len(scratch) < size:
        scratch = np.empty(size, np.uint8)
    data = np.ascontiguousarray(block).reshape(-1)
    if f.subtype == "PCM_16":
        if data.dtype != np.int16:
            raise TypeError("16-bit output is written from int16 samples (dithered first)")
        scratch[:size] = data.view(np.uint8)
    else:
        _ENCODERS[f.subtype](data.astype(np.float32, copy=False), scratch)
    written = _SND.sf_write_raw(f._file, _FFI.from_buffer(scratch), size)
    if written != size:
        raise OSError(f"only {written} of {size} bytes written")
    return scratch


# -- the conversions: libsndfile's own, sample for sample ------------------------------------
class _Lazy:
    """A kernel loaded (or compiled) on its first call, so that a render loads only the
    conversions its files need: each load costs milliseconds of every render's start-up."""

    _lock = threading.Lock()

    def __init__(self, signature: str, func: Any) -> None:
        self.signature, self.func = signature, func
        self.kernel: Any = None
        self.__name__ = func.__name__

    def __call__(self, *args: Any) -> Any:
        if self.kernel is None:
            with self._lock:
                if self.kernel is None:
                    self.kernel = njit(self.signature, **_OPTS)(self.func)
        return self.kernel(*args)


def _lazy(signature: str) -> Any:
    return lambda func: _Lazy(signature, func)


@_lazy("void(uint8[::1], float32[::1])")
def decode_pcm16(raw, out):  # pragma: no cover - compiled
    for j in range(out.shape[0]):
        v = np.int32(raw[2 * j]) | (np.int32(raw[2 * j + 1]) << 8)
        out[j] = np.float32(v - ((v & 0x8000) << 1)) * np.float32(1.0 / 32768.0)


@_lazy("void(uint8[::1], float32[::1])")
def decode_pcm24(raw, out):  # pragma: no cover - compiled
    for j in range(out.shape[0]):
        k = 3 * j
        v = np.int32(raw[k]) | (np.int32(raw[k + 1]) << 8) | (np.int32(raw[k + 2]) << 16)
        out[j] = np.float32(v - ((v & 0x800000) << 1)) * np.float32(1.0 / 8388608.0)


@_lazy("void(uint8[::1], float32[::1])")
def decode_pcm32(raw, out):  # pragma: no cover - compiled
    ints = raw.view(np.int32)
    for j in range(out.shape[0]):
        out[j] = np.float32(ints[j]) * np.float32(1.0 / 2147483648.0)


@_lazy("void(uint8[::1], float32[::1])")
def decode_float(raw, out):  # pragma: no cover - compiled
    floats = raw.view(np.float32)
    for j in range(out.shape[0]):
        out[j] = floats[j]


@nb.njit(inline="always")
def _scaled(x):  # pragma: no cover - compiled
    """libsndfile's clipping conversion: x * 2**31 in float32, and where it is out of range."""
    s = x * np.float32(2147483648.0)
    high = np.float64(s) >= 2147483647.0
    low = not np.float64(s) > -2147483648.0  # NaN counts as low, as the CPU's conversion does
    return s, high, low


@_lazy("void(float32[::1], uint8[::1])")
def encode_pcm24(x, raw):  # pragma: no cover - compiled
    for j in range(x.shape[0]):
        s, high, low = _scaled(x[j])
        v = (
            np.int32(0x7FFFFF)
            if high
            else np.int32(-0x800000)
            if low
            else np.int32(np.rint(s)) >> 8
        )
        raw[3 * j] = np.uint8(v & 0xFF)
        raw[3 * j + 1] = np.uint8((v >> 8) & 0xFF)
        raw[3 * j + 2] = np.uint8((v >> 16) & 0xFF)


@_lazy("void(float32[::1], uint8[::1])")
def encode_pcm32(x, raw):  # pragma: no cover - compiled
    ints = raw.view(np.int32)
    for j in range(x.shape[0]):
        s, high, low = _scaled(x[j])
        ints[j] = (
            np.int32(0x7FFFFFFF) if high else np.int32(-0x80000000) if low else np.int32(np.rint(s))
        )


@njit("int64(float32[::1], float32)", **_OPTS)
def scale_and_count(x, gain):  # pragma: no cover - compiled
    """``x *= gain`` in place; returns the count of samples over full scale (vectorises)."""
    over = 0
    for j in range(x.shape[0]):
        v = x[j] * gain
        x[j] = v
        over += abs(v) > np.float32(1.0)
    return over


def scale_and_measure(x: np.ndarray, gain: np.float32) -> tuple[float, int]:
    """``x *= gain`` in place; returns the peak magnitude and the count of samples over 1.

    The peak comes from numpy's max and min, which use SIMD (numba's float max does not)."""
    over = scale_and_count(x, gain)
    peak = max(float(x.max(initial=0.0)), -float(x.min(initial=0.0)))
    return peak, int(over)


@_lazy("void(float32[::1], float64[::1], int16[::1])")
def quantise_pcm16(x, noise, out):  # pragma: no cover - compiled
    """``round(x * 32767 + noise)`` clipped to 16 bits (``x * 32767`` in float32, as numpy)."""
    for j in range(x.shape[0]):
        v = np.rint(np.float64(x[j] * np.float32(32767.0)) + noise[j])
        out[j] = np.int16(min(max(v, -32768.0), 32767.0))


_DECODERS = {
    "PCM_16": decode_pcm16,
    "PCM_24": decode_pcm24,
    "PCM_32": decode_pcm32,
    "FLOAT": decode_float,
}
_ENCODERS = {"PCM_24": encode_pcm24, "PCM_32": encode_pcm32}
