"""The player's transport: where it is in its source, and how it seeks and stops without a click.

A seek fades the output out over ``SEEK_FADE_S``, asks the source for the new place, waits while
a streamed source refills, clears the chain and fades the input in; a stop fades out and then
plays silence until the stream is closed. The caller's side (``seek``, ``ask_stop``,
``position_frame``) and the callback's side (``next_block``, ``fade_output``) share no lock: the
caller writes the seek frame, then a serial; the callback acts when the serial differs from the
one it saw, reads the frame after it (so at least as new), and marks the serial done once the
jump is made. See ``grutui.audio`` for the whole thread model.
"""

from __future__ import annotations

import numpy as np

from grutui.audio import kernels
from grutui.audio.sources import MemorySource, StreamedFile

SEEK_FADE_S = 0.005  # a seek or stop fades out (and a seek in) over this much

# What ``next_block`` did with the block.
SILENT = 0  # nothing read: stopped, or waiting for a streamed source to refill after a jump
UNDERRUN = 1  # nothing read: a streamed source's reader fell behind
PLAY = 2  # the next frames of the source are in the block
RESTART = 3  # the first frames after a jump: the chain's state belongs to the old place

# The callback's phases.
_PLAY, _FADE_OUT, _WAIT, _SILENT = 0, 1, 2, 3


class Transport:
    """Seek and stop over ``source`` (a ``MemorySource`` or ``StreamedFile``) at ``rate_hz``."""

    def __init__(self, source: MemorySource | StreamedFile, rate_hz: float) -> None:
        self.source = source
        self._fade_step = 1.0 / max(1.0, SEEK_FADE_S * rate_hz)
        # Fades as [phase, target] for kernels.fade: the output fades out before a jump, the
        # input fades in after it (so the cleared chain starts from silence, not from a step).
        self._out_fade = np.array([1.0, 0.0])
        self._in_fade = np.array([1.0, 1.0])
        # Written by the caller.
        self._seek_frame = 0
        self._seek_serial = 0
        self._stop_asked = False
        # Written by the callback (or by ``arm`` while no stream runs).
        self._seek_seen = 0
        self._seek_done = 0
        self._phase = _WAIT  # the first block starts at the source's position
        self._jump_frame = 0
        self._fresh = False  # a jump was made: the next block read returns RESTART

    # -- the caller's side ---------------------------------------------------------------------
    def seek(self, frame: int) -> None:
        """Go to ``frame``: at the next block while playing (faded), else at the next start."""
        self._seek_frame = frame
        self._seek_serial += 1  # after the frame: the callback reads the serial first

    @property
    def seek_pending(self) -> bool:
        """True while a seek waits for the callback (or for the next start)."""
        return self._seek_serial != self._seek_done

    @property
    def position_frame(self) -> int:
        """The frame read next (a pending seek's target), within the source."""
        frame = self._seek_frame if self.seek_pending else self.source.pos
        return min(max(frame, 0), self.source.frames)

    def start_frame(self, ended: bool) -> int:
        """Where a start plays from: a pending seek's target, else where it stopped; the start
        of the source once its end was reached (``ended``)."""
        source = self.source
        pending = self.seek_pending
        target = self._seek_frame if pending else source.pos
        if ended or target >= source.frames or (source.past_end and not pending):
            return 0
        return target

    def arm(self, frame: int) -> None:
        """Set up to play from ``frame`` when the callback next runs (no stream running)."""
        self._seek_seen = self._seek_done = self._seek_serial
        if frame != self.source.pos or self.source.past_end:
            self.source.request(frame)
        self._jump_frame = frame
        self._phase = _WAIT
        self._stop_asked = False

    def ask_stop(self) -> None:
        """Fade out at the next block, then play silence."""
        self._stop_asked = True

    @property
    def silent(self) -> bool:
        """True once a stop's fade has ended."""
        return self._phase == _SILENT

    @property
    def refilling(self) -> bool:
        """True while a jump waits for its audio (a streamed source refilling): the callback
        plays silence meanwhile."""
        return self._phase == _WAIT

    # -- the callback's side -------------------------------------------------------------------
    def next_block(self, dst: np.ndarray, frames: int, loop: bool) -> int:
        """Read the next ``frames`` frames into ``dst``, acting on a stop or seek first;
        returns ``SILENT``, ``UNDERRUN``, ``PLAY`` or ``RESTART`` (``dst`` is only written for
        the last two)."""
        if self._stop_asked and self._phase != _SILENT:
            if self._phase == _PLAY:
                self._begin_fade_out()
            elif self._phase == _WAIT:
                self._phase = _SILENT
        if self._phase == _SILENT:
            return SILENT
        if self._seek_serial != self._seek_seen:
            if self._phase == _PLAY:
                self._begin_fade_out()
            elif self._phase == _WAIT:  # silent already: jump at once
                self._post_jump()
        if self._phase == _WAIT:
            if not self.source.ready():
                return SILENT
            self._in_fade[0] = 0.0 if self._jump_frame > 0 else 1.0
            self._seek_done = self._seek_seen
            self._phase = _PLAY
            self._fresh = True
        if not self.source.read(dst, frames, loop):
            return UNDERRUN
        if self._in_fade[0] < 1.0:
            kernels.fade(dst, frames, self._in_fade, self._fade_step)
        if self._fresh:
            self._fresh = False
            return RESTART
        return PLAY

    def fade_output(self, out: np.ndarray, frames: int) -> None:
        """Apply a seek's or stop's fade out to the processed block; once silent, make the
        jump or hold silence."""
        if self._phase != _FADE_OUT:
            return
        kernels.fade(out, frames, self._out_fade, self._fade_step)
        if self._out_fade[0] <= 0.0:
            if self._stop_asked:
                self._phase = _SILENT
            else:
                self._post_jump()

    def _begin_fade_out(self) -> None:
        self._phase = _FADE_OUT
        self._out_fade[0] = 1.0

    def _post_jump(self) -> None:
        """Ask the source for the newest seek target (the output is silent)."""
        serial = self._seek_serial
        frame = self._seek_frame  # after the serial: at least as new
        self._seek_seen = serial
        self._jump_frame = frame
        self.source.request(frame)
        self._phase = _WAIT
