"""What the player plays: a file held in memory, or one streamed from disk through a ring.

Both offer the callback the same few members, so the player handles seek, loop and the end of
the file one way:

- ``request(frame)`` jumps to ``frame`` (callback thread, or the player while stopped);
- ``ready()`` is True once audio from there can be read;
- ``read(dst, n, loop)`` copies the next ``n`` frames into ``dst`` (silence past the end unless
  ``loop``) and returns False, touching nothing, if a streamed file's reader fell behind;
  looping, the loop point is faded (``LOOP_FADE_S`` out before it and in after it, see
  ``kernels.loop_fade``) so a file that ends and starts at different levels does not click,
  while a pass that starts from a jump (the first one) plays unfaded from its start;
- ``pos`` is the file frame of the next frame read, ``past_end`` says the end was read without
  looping;
- ``excerpt(start, frames)`` reads a stretch for the loudness match and ``peak()`` finds the
  highest sample (any thread).

A ``StreamedFile`` has a reader thread that fills a preallocated ring from the file. The ring's
counters are plain ints, each written by one side only: ``_r`` by the callback, ``_w``,
``_boundary`` (where the file ended in the ring), the acknowledgement of a jump and ``_parked``
by the reader.
Each side writes its data before the counter that publishes it, and reads the other side's
counter before the data it publishes, so no lock is needed (attribute writes are atomic under the
GIL). The callback never waits, and cannot wake the reader (an event takes a lock): the reader
polls, with ``time.sleep``, which allocates nothing while it idles.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np

from grutui.audio import kernels
from grutui.audiofile import open_input

RING_S = 3.0  # read-ahead held in the ring: rides out a slow disk on a busy machine
READ_CHUNK_S = 0.1  # the reader reads this much at a time
PREFILL_S = 0.1  # after a jump, audio waits for this much in the ring (or the end of the file)
POLL_S = 0.005  # the reader looks for work this often
# Looping, the input fades out over this much before the end of the file and in over this much
# after the wrap (raised cosine, like the seek's fade): the chain hears no step and keeps its
# state, and the loop keeps the file's length.
LOOP_FADE_S = 0.005


def loop_fade_frames(frames: int, rate_hz: float) -> int:
    """Frames of each half of the loop-point fade, at most half the file."""
    return max(0, min(round(LOOP_FADE_S * rate_hz), frames // 2))


class MemorySource:
    """A whole file in memory: ``data`` float32 (frames, channels), C-contiguous."""

    streamed = False

    def __init__(self, data: np.ndarray, rate_hz: float) -> None:
        self._data = data
        self.frames = len(data)
        self.channels = int(data.shape[1])
        self.rate_hz = float(rate_hz)
        self.loop = False
        self.pos = 0
        self.past_end = False
        self.error = ""
        self._fade = loop_fade_frames(self.frames, self.rate_hz)
        self._wrapped = False  # the pass being read was reached by a wrap: its start fades in

    def request(self, frame: int) -> None:
        """Jump to ``frame``."""
        self.pos = frame
        self.past_end = False
        self._wrapped = False

    def ready(self) -> bool:
        return True

    def read(self, dst: np.ndarray, n: int, loop: bool) -> bool:
        """The next ``n`` frames into ``dst``; never falls behind."""
        if self.past_end:
            kernels.fill_zero(dst, 0, n)
            self.pos += n
            return True
        start = self.pos
        pos = kernels.read_block(self._data, start, n, loop, dst)
        if loop:
            frames, fade = self.frames, self._fade
            if start + n > frames - fade or (self._wrapped and start < fade):
                kernels.loop_fade(dst, n, start, frames, fade, self._wrapped)
            if start + n >= frames:
                self._wrapped = True
        if pos >= self.frames:  # only without loop (or empty): looping wraps the position
            self.past_end = True
        self.pos = pos
        return True

    def excerpt(self, start: int, frames: int) -> np.ndarray:
        return self._data[start : start + frames]

    def peak(self) -> float:
        """The highest sample magnitude of the file (linear)."""
        return float(np.abs(self._data).max(initial=0.0))

    def close(self) -> None:
        """Nothing to release."""


class StreamedFile:
    """A file read from disk by a reader thread into a ring of ``ring_s`` seconds."""

    streamed = True

    def __init__(self, path: str | os.PathLike[str], ring_s: float = RING_S) -> None:
        self.path = Path(path)
        self._file = open_input(self.path)
        self.frames = int(self._file.frames)
        self.channels = int(self._file.channels)
        self.rate_hz = float(self._file.samplerate)
        self._chunk = max(256, round(READ_CHUNK_S * self.rate_hz))
        self._cap = max(round(ring_s * self.rate_hz), 4 * self._chunk)
        self._ring = np.zeros((self._cap, self.channels), np.float32)
        self._prefill = min(round(PREFILL_S * self.rate_hz), self._cap // 2)
        self._fade = loop_fade_frames(self.frames, self.rate_hz)
        self.loop = False  # the player's flag; the reader reads it at the end of the file
        # Written by the callback (or by the player while no stream runs).
        self._r = 0  # ring counter of the next frame to read
        self.pos = 0
        self.past_end = False
        self._wrapped = False  # the pass being read was reached by a wrap: its start fades in
        self._req_frame = 0
        self._req_serial = 0
        # Written by the reader.
        self._w = 0  # ring counter one past the last frame written
        self._boundary = -1  # ring counter where the file ended (and, looping, starts again)
        self._ack_start = 0  # ring counter where the audio of the last jump starts
        self._ack_serial = 0  # the jump request ``_ack_start`` answers
        self.error = ""
        self._closed = False
        self._paused = False  # pause(): the reader reads nothing until resume()
        self._parked = False  # the reader read to the end and waits (no loop, no jump)
        self._thread = threading.Thread(target=self._run, name="grutui-reader", daemon=True)
        self._thread.start()

    # -- the callback's side -------------------------------------------------------------------
    def request(self, frame: int) -> None:
        """Jump to ``frame``: the reader refills the ring from there."""
        self.pos = frame
        self.past_end = False
        self._wrapped = False
        self._req_frame = frame
        self._req_serial += 1  # after the frame: the reader reads the serial first

    def ready(self) -> bool:
        """True once the reader has answered the last jump and filled the ring a little."""
        if self._ack_serial != self._req_serial:
            return False
        start = self._ack_start
        self._r = start  # drop whatever was read ahead for the old position
        w = self._w
        return w - start >= self._prefill or self._boundary >= start

    def read(self, dst: np.ndarray, n: int, loop: bool) -> bool:
        """The next ``n`` frames into ``dst``; False (nothing read) if the reader fell behind."""
        if self.past_end:
            kernels.fill_zero(dst, 0, n)
            self.pos += n
            return True
        r = self._r
        w = self._w  # before the boundary: the reader sets a boundary before writing past it
        boundary = self._boundary
        if r <= boundary < r + n:  # the file ends in this block
            head = boundary - r
            if not loop:
                kernels.ring_read(self._ring, r, head, dst, 0)
                kernels.fill_zero(dst, head, n - head)
                self._r = boundary
                self.pos += n
                self.past_end = True
                return True
            if w - r < n:
                return False
            kernels.ring_read(self._ring, r, n, dst, 0)
            # The file ends where the reader found its end (``pos + head`` for an exact header).
            kernels.loop_fade(dst, n, self.pos, self.pos + head, self._fade, self._wrapped)
            self._wrapped = True
            self._r = r + n
            self.pos = r + n - boundary  # the frames after the boundary start the file again
            return True
        if w - r < n:
            return False
        kernels.ring_read(self._ring, r, n, dst, 0)
        start = self.pos
        if loop:
            fade = self._fade
            if start + n > self.frames - fade or (self._wrapped and start < fade):
                kernels.loop_fade(dst, n, start, self.frames, fade, self._wrapped)
        self._r = r + n
        self.pos = start + n
        return True

    # -- any thread ----------------------------------------------------------------------------
    @property
    def buffered_frames(self) -> int:
        """Frames read ahead into the ring and not played yet."""
        return self._w - self._r

    def wait_filled(self, timeout_s: float) -> bool:
        """Wait until the reader has read as far ahead as it can (the ring is full, or the file
        is read to its end); False if not within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while not self._filled():
            if time.monotonic() > deadline or self.error:
                return False
            time.sleep(POLL_S)
        return True

    def _filled(self) -> bool:
        if self._cap - self.buffered_frames < self._chunk:
            return True
        return self._parked and self._ack_serial == self._req_serial

    def pause(self) -> None:
        """Stop reading ahead (as a stalled disk would): the callback plays what the ring
        holds, then silence counted as underruns, until ``resume``."""
        self._paused = True

    def resume(self) -> None:
        """Read ahead again after ``pause``."""
        self._paused = False

    def excerpt(self, start: int, frames: int) -> np.ndarray:
        """``frames`` frames from ``start``, read through a handle of its own."""
        with open_input(self.path) as f:
            f.seek(start)
            return np.ascontiguousarray(f.read(frames, dtype="float32", always_2d=True))

    def peak(self) -> float:
        """The highest sample magnitude of the file (linear), read through a handle of its own
        (a long file takes a while: not on the callback's thread)."""
        peak = 0.0
        with open_input(self.path) as f:
            for block in f.blocks(blocksize=1 << 16, dtype="float32", always_2d=True):
                peak = max(peak, float(np.abs(block).max(initial=0.0)))
        return peak

    def close(self) -> None:
        """Stop the reader and close the file."""
        self._closed = True
        self._thread.join(timeout=2.0)
        if not self._thread.is_alive():
            self._file.close()

    # -- the reader thread ---------------------------------------------------------------------
    def _run(self) -> None:
        at_eof = False  # the file is read to its end
        marked = False  # ... and that end is marked in the ring
        try:
            while not self._closed:
                if self._paused:
                    time.sleep(POLL_S)
                    continue
                serial = self._req_serial
                if serial != self._ack_serial:  # a jump: new audio starts at the write counter
                    frame = self._req_frame
                    self._boundary = -1
                    self._file.seek(min(max(frame, 0), self.frames))
                    at_eof = marked = False
                    self._ack_start = self._w
                    self._ack_serial = serial  # last: the callback reads it first
                    self._parked = False
                    continue
                if at_eof:
                    if not marked:
                        previous = self._boundary
                        if previous >= 0 and self._r <= previous:
                            time.sleep(POLL_S)  # one end at a time: the callback has not passed it
                            continue
                        self._boundary = self._w
                        marked = True
                    if not self.loop:
                        self._parked = True
                        time.sleep(POLL_S)  # until a jump, or looping is switched on
                        continue
                    self._parked = False
                    self._file.seek(0)
                    at_eof = marked = False
                    continue
                w = self._w
                if self._cap - (w - self._r) < self._chunk:
                    time.sleep(POLL_S)
                    continue
                start = w % self._cap
                want = min(self._chunk, self._cap - start)
                got = len(
                    self._file.read(
                        want, dtype="float32", always_2d=True, out=self._ring[start : start + want]
                    )
                )
                if got:
                    self._w = w + got  # after the data: publishes it
                if got < want:
                    at_eof = True
        except Exception as exc:  # a file that went away or broke mid-play
            self.error = f"{self.path}: cannot read ({' '.join(str(exc).split()) or exc!r})"
