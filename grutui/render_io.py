"""Render's reading and writing of samples: raw PCM where it can (``grutui.pcm``), libsndfile's
own conversion elsewhere, the same samples and bytes either way.

``blocks`` reads an input in float32 blocks; a ``Writer`` applies the normalising gain, keeps
the peak and the count of samples over full scale, quantises (16 bits: TPDF dither; 24 and 32
bits: clipped to full scale) and writes. Both run in the render pipeline's threads
(``grutui.dsp.pipeline``): libsndfile and the numba kernels drop the GIL.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from grutui import pcm
from grutui.audiofile import libsndfile_reason
from grutui.errors import printable
from grutui.render_plan import RenderError

BLOCK_FRAMES = 65536  # frames per read: large enough that the per-block overheads vanish
WRITEBACK_BYTES = 16 << 20  # how often a Writer starts the write-back of what it wrote


def blocks(f: sf.SoundFile, source: Path) -> Iterator[np.ndarray]:
    """The samples of ``f``, freshly opened, float32 (frames, channels) blocks; a decoding error
    names ``source``.

    ``f`` is read once: libsndfile cannot seek in every format (GSM 6.10), so a second pass
    opens the file again (``grutui.render``).
    """
    if pcm.raw_reads(f):
        reader = pcm.read_blocks(f, BLOCK_FRAMES)
    else:  # ``frames``: soundfile wants the count for a file it cannot seek in (and no seek)
        reader = f.blocks(BLOCK_FRAMES, frames=f.frames, dtype="float32", always_2d=True)
    while True:
        try:
            block = next(reader)
        except StopIteration:
            return
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise RenderError(
                f"{printable(source)}: read error midway ({libsndfile_reason(exc)}); "
                "nothing written for it"
            ) from None
        yield block


class Writer:
    """Writes the chain's output blocks to ``out`` (open for writing), scaled by ``gain``.

    Every ``WRITEBACK_BYTES`` it asks the kernel to start writing the file to disk: closing the
    file (soundfile syncs it) then waits for the last part only, not for the whole file (0.07 s
    of a 10-minute stereo render, and the output's pages leave the cache as they are written).
    A context manager: leaving it closes the descriptor it uses for that.
    """

    def __init__(self, out: sf.SoundFile, gain: float = 1.0) -> None:
        self.out = out
        self.gain = np.float32(gain)
        self.peak = 0.0  # largest magnitude written, before clipping
        self.over = 0  # samples past full scale (clipped in integer formats)
        self._raw = pcm.raw_writes(out)
        self._scratch: np.ndarray | None = None
        self._dither = _Dither()
        self._pending = 0  # bytes written since the last write-back
        self._fd = _descriptor_for_writeback(out)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def write(self, block: np.ndarray) -> None:
        """Write ``block`` (frames, channels) float32; it may be changed in place."""
        peak, over = pcm.scale_and_measure(block.reshape(-1), self.gain)
        self.peak = max(self.peak, float(peak))
        self.over += int(over)
        subtype = self.out.subtype
        if subtype == "PCM_16":
            samples = np.empty(block.shape, np.int16)
            pcm.quantise_pcm16(
                block.reshape(-1), self._dither.take(block.size), samples.reshape(-1)
            )
            block = samples
        elif subtype.startswith("PCM") and not self._raw:
            block = np.clip(block, -1.0, 1.0)
        if self._raw:
            self._scratch = pcm.write(self.out, block, self._scratch)
        else:
            self.out.write(block)
        self._pending += block.nbytes
        if self._pending >= WRITEBACK_BYTES and self._fd is not None:
            self._pending = 0
            with contextlib.suppress(OSError):  # only a hint
                os.posix_fadvise(self._fd, 0, 0, os.POSIX_FADV_DONTNEED)


def _descriptor_for_writeback(out: sf.SoundFile) -> int | None:
    """A read-only descriptor of the file ``out`` writes, for write-back hints; None where the
    system has no ``posix_fadvise`` or ``out`` is not a named file."""
    if not hasattr(os, "posix_fadvise") or not isinstance(out.name, str | os.PathLike):
        return None
    try:
        return os.open(out.name, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


class _Dither:
    """Triangular (TPDF) noise of +-1 LSB for 16-bit output: sample j gets draws 2j and 2j + 1
    of one generator, whatever the sizes of the blocks it is written in."""

    CHUNK = 1 << 17  # samples

    def __init__(self) -> None:
        self._rng = np.random.default_rng(0)
        self._noise = np.empty(0)
        self._used = 0

    def take(self, count: int) -> np.ndarray:
        parts = []
        while count:
            if self._used == len(self._noise):
                pairs = self._rng.random((self.CHUNK, 2))  # sample j: draws 2j and 2j + 1
                self._noise = pairs[:, 0] - pairs[:, 1]
                self._used = 0
            part = self._noise[self._used : self._used + count]
            self._used += len(part)
            count -= len(part)
            parts.append(part)
        return np.concatenate([np.empty(0), *parts])
