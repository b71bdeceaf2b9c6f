"""Audition: a file played through the chain on an output stream, held in memory or streamed
from disk (see ``sources``), with click-free seeks and loop points (the source fades the input
round the wrap, ``sources.LOOP_FADE_S``) and a bypass at matched loudness."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from grutui.audio import backend, kernels
from grutui.audio.backend import AudioError
from grutui.audio.meters import IN, OUT
from grutui.audio.sources import RING_S, MemorySource, StreamedFile
from grutui.audio.stream import StreamBase, _one_line
from grutui.audiofile import open_input, too_large_to_hold
from grutui.dsp import Chain, filters
from grutui.dsp.loudness import integrated_loudness_lufs
from grutui.params import Params

PLAY_BLOCK = 256  # frames per callback: 5.3 ms at 48 kHz
PLAY_LATENCY_S = 0.06  # output buffering: audition needs no low latency, it needs no dropouts
CROSSFADE_S = 0.010  # bypass switch: long enough not to click, short enough to compare
SEEK_FADE_S = 0.005  # a seek fades out, jumps, and fades in over this much each
# The wet loudness is measured (BS.1770) on up to this many excerpts spread over the file, each
# rendered after a short pre-roll that lets the chain settle; a short file is measured whole.
MATCH_EXCERPTS = 6
MATCH_EXCERPT_S = 2.0
MATCH_PREROLL_S = 0.25
MATCH_LIMIT_DB = 24.0
# A streamed file needs at least a few blocks of audio per pass round the loop.
MIN_STREAMED_FRAMES = 8192

# The callback's seek states.
_PLAY, _FADE_OUT, _WAIT, _SILENT = 0, 1, 2, 3
_MAX_LATENCY_FRAMES = sum(filters.stage_latency(s) for s in range(1, filters.MAX_STAGES + 1))


class Player(StreamBase):
    """Plays ``data`` (frames, channels) float32 at ``rate_hz`` through the chain.

    ``Player.from_file`` plays a file, streaming it from disk when it is too large to hold.
    """

    _running_state = "playing"

    def __init__(
        self,
        data: np.ndarray | StreamedFile,
        rate_hz: float,
        params: Params,
        device: str | int | None = None,
        blocksize: int = PLAY_BLOCK,
        latency: float | str | None = None,
    ) -> None:
        super().__init__(params)
        source: MemorySource | StreamedFile
        if isinstance(data, StreamedFile):
            source = data
        else:
            data = np.asarray(data, dtype=np.float32)
            if data.ndim == 1:
                data = data[:, None]
            if data.ndim != 2 or data.shape[1] < 1:
                raise AudioError("player needs (frames, channels) audio and a positive rate")
            source = MemorySource(np.ascontiguousarray(data), rate_hz)
        if rate_hz <= 0:
            source.close()
            raise AudioError("player needs (frames, channels) audio and a positive rate")
        self._source = source
        self._rate_hz = float(rate_hz)
        self._device_arg = backend.parse_device(device)
        self._block = int(blocksize)
        self._latency_arg = PLAY_LATENCY_S if latency is None else latency
        channels = source.channels
        self._in = np.zeros((self._block, channels), np.float32)
        self._dry = np.zeros((self._block, channels), np.float32)
        self._wet = np.zeros((self._block, channels), np.float32)
        # The dry signal for bypass: the input delayed by the chain's latency.
        self._delay_ring = np.zeros((_MAX_LATENCY_FRAMES + 1, channels), np.float32)
        self._delay_state = np.zeros(1, np.int64)
        # [crossfade x, its target, dry gain, its target]: see kernels.bypass_mix
        self._xfade = np.zeros(4, np.float64)
        self._xfade_step = 1.0 / max(1.0, CROSSFADE_S * self._rate_hz)
        # Seek fades, [phase, target] for kernels.fade: the output fades out before a jump, the
        # input fades in after it (so the reset chain starts from silence, not from a step).
        self._out_fade = np.array([1.0, 0.0])
        self._in_fade = np.array([1.0, 1.0])
        self._fade_step = 1.0 / max(1.0, SEEK_FADE_S * self._rate_hz)
        # A seek: the UI writes the frame, then the serial; the callback acts when the serial
        # differs from the one it saw, and marks it done once the jump is made.
        self._seek_frame = 0
        self._seek_serial = 0
        self._seek_seen = 0  # callback
        self._seek_done = 0  # callback
        self._phase = _WAIT  # callback: the first block starts at the source's position
        self._stop_asked = False  # stop(): the callback fades out, then plays silence
        self._jump_frame = 0  # callback
        self._loop = False
        self._bypass = False
        self._match_gain = 1.0
        self._match_for: Params | None = None
        self._match_dry: list[tuple[int, np.ndarray]] | None = None
        self._match_wanted = threading.Event()
        self._match_thread: threading.Thread | None = None
        self._closed = False
        self._tail_frames = 0
        self._preroll_frames = 0
        self._callback_stop: type[BaseException] = _NeverRaisedError
        source.request(0)
        self._request_match()

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        params: Params,
        device: str | int | None = None,
        blocksize: int = PLAY_BLOCK,
        latency: float | str | None = None,
        *,
        stream: bool | None = None,
        ring_s: float = RING_S,
    ) -> Player:
        """A player for the file at ``path``: held in memory, or streamed from disk when it
        decodes to more than ``audiofile.STREAM_ABOVE_BYTES`` (``stream`` forces either)."""
        with open_input(path) as f:
            if stream is None:
                stream = too_large_to_hold(f)
            if not stream or f.frames < MIN_STREAMED_FRAMES:
                data = np.ascontiguousarray(f.read(dtype="float32", always_2d=True))
                return cls(data, float(f.samplerate), params, device, blocksize, latency)
        source = StreamedFile(path, ring_s=ring_s)
        return cls(source, source.rate_hz, params, device, blocksize, latency)

    # -- transport ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start (or resume) playing; from the start again if the end was reached."""
        if self._stream is not None and self.playing:
            return
        sd = backend.sounddevice()
        self._close_stream()  # an ended stream's callback must not run while we set up
        source = self._source
        channels = source.channels
        pending = self._seek_serial != self._seek_done
        target = self._seek_frame if pending else source.pos
        if self._ended or target >= source.frames or (source.past_end and not pending):
            target = 0
        self._check_rate(sd, channels)
        self._callback_stop = sd.CallbackStop
        if self._bypass and self._match_for is not self._params:
            self._match_gain = self._render_match(self._params)  # heard at once: be right
        self._xfade[2] = self._xfade[3] = self._match_gain  # no gain ramp at the start
        self._prepare_chain(self._rate_hz, channels, self._block)
        self._delay_ring.fill(0.0)
        self._delay_state[0] = 0
        self._seek_seen = self._seek_done = self._seek_serial
        if target != source.pos or source.past_end:
            source.request(target)
        self._jump_frame = target
        self._phase = _WAIT
        self._stop_asked = False
        self.meters.prepare(self._rate_hz, self._block)
        # Silence before the file and after its end, one output buffer long each: a sound server
        # drops the first fragment of a new stream and PortAudio drops the buffered tail when a
        # stream completes (both measured with PulseAudio); the preroll is skipped by the callback.
        self._latency_s = self._requested_latency_s()
        pad = int(self._latency_s * self._rate_hz) + self._block
        self._preroll_frames = pad
        self._tail_frames = 2 * pad
        self._open(
            sd.OutputStream,
            f"output device at {self._rate_hz:g} Hz",
            samplerate=self._rate_hz,
            blocksize=self._block,
            channels=channels,
            dtype="float32",
            device=self._device_arg,
            latency=self._latency_arg,
        )
        self._device = backend.device_name(self._stream.device, "output")
        self._latency_s = float(self._stream.latency)

    def _check_rate(self, sd: Any, channels: int) -> None:
        """Refuse a rate the device cannot open: playing at another would change the speed."""
        for attempt in (1, 2):
            try:
                sd.check_output_settings(
                    device=self._device_arg,
                    channels=channels,
                    dtype="float32",
                    samplerate=self._rate_hz,
                )
                return
            except Exception as exc:
                error = exc
            if attempt == 1:
                backend.rescan_devices()  # a sound server may have come back since
        try:
            info: Any = sd.query_devices(self._device_arg, "output")
            sd.check_output_settings(
                device=self._device_arg,
                channels=channels,
                dtype="float32",
                samplerate=info["default_samplerate"],
            )
        except Exception as exc:  # the device does not open at all
            raise AudioError(
                f"cannot open the output device: {_one_line(exc)}; " + backend.server_hint()
            ) from None
        raise AudioError(
            f"the output device cannot play {channels} channels at {self._rate_hz:g} Hz, the "
            f"file's rate (playing at another rate would change its speed; it runs at "
            f"{info['default_samplerate']:g} Hz): {_one_line(error)}"
        )

    def _requested_latency_s(self) -> float:
        value = self._latency_arg
        return float(value) if isinstance(value, int | float) else PLAY_LATENCY_S

    @property
    def playing(self) -> bool:
        """True while the stream runs (not paused, not at the end, device alive)."""
        return self.running

    @property
    def streamed(self) -> bool:
        """True when the file is streamed from disk rather than held in memory."""
        return self._source.streamed

    @property
    def channels(self) -> int:
        return self._source.channels

    @property
    def loop(self) -> bool:
        return self._loop

    @loop.setter
    def loop(self, value: bool) -> None:
        self._loop = bool(value)
        self._source.loop = self._loop

    @property
    def bypass(self) -> bool:
        """True: the dry file at the wet signal's loudness (crossfaded over ``CROSSFADE_S``)."""
        return self._bypass

    @bypass.setter
    def bypass(self, value: bool) -> None:
        self._bypass = bool(value)
        self._xfade[1] = 1.0 if value else 0.0
        if self._stream is None:  # not playing: no fade needed, start where we will be
            self._xfade[0] = self._xfade[1]

    @property
    def rate_hz(self) -> float:
        return self._rate_hz

    @property
    def duration_s(self) -> float:
        return self._source.frames / self._rate_hz

    @property
    def position_s(self) -> float:
        """Where playback is in the file (the frame read next), seconds."""
        pending = self._seek_serial != self._seek_done
        frame = self._seek_frame if pending else self._source.pos
        return min(max(frame, 0), self._source.frames) / self._rate_hz

    def seek(self, seconds: float) -> None:
        """Jump to ``seconds`` (clamped to the file): while playing, the sound fades out over
        ``SEEK_FADE_S``, the chain is cleared and the new place fades in."""
        self._seek_frame = round(min(max(seconds, 0.0), self.duration_s) * self._rate_hz)
        self._seek_serial += 1  # after the frame: the callback reads the serial first
        if self._stream is None:
            self._ended = False

    def stop(self) -> None:
        """Fade out over ``SEEK_FADE_S`` and stop (a cut mid-waveform clicks); it can be
        started again from where it stopped."""
        if self._stream is not None and self.playing:
            self._stop_asked = True
            deadline = time.monotonic() + SEEK_FADE_S + 0.2
            while self._phase != _SILENT and self.playing and time.monotonic() < deadline:
                time.sleep(0.002)
            # What is still buffered plays out; PulseAudio held more than the reported latency
            # (measured: waiting one latency still cut the faded blocks off).
            time.sleep(2 * self._latency_s + 0.05)
        super().stop()

    def set_params(self, params: Params) -> None:
        super().set_params(params)
        self._request_match()

    @property
    def match_gain_db(self) -> float:
        """Gain applied to the dry signal in bypass so it is as loud as the wet one, dB."""
        return 20.0 * float(np.log10(max(self._match_gain, 1e-12)))

    def close(self) -> None:
        self._closed = True
        self._match_wanted.set()
        super().close()
        self._source.close()

    def _state(self) -> tuple[str, str]:
        if self._source.error:  # the reader of a streamed file failed
            return "error", self._source.error
        return super()._state()

    # -- the callback (PortAudio's thread) ---------------------------------------------------
    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        try:
            self._last_callback_s = time.monotonic()
            self._count_status(status)
            if frames > self._block:  # PortAudio keeps to the block size; never overrun buffers
                raise ValueError(f"{frames} frames in a callback prepared for {self._block}")
            if self._preroll_frames > 0:
                self._preroll_frames -= frames
                outdata.fill(0.0)
                return
            chain = self._chain
            params = self._params
            if params is not chain.params:  # type: ignore[union-attr]
                chain.params = params  # type: ignore[union-attr]
            source = self._source
            if self._stop_asked and self._phase != _SILENT:
                if self._phase == _PLAY:
                    self._phase = _FADE_OUT
                    self._out_fade[0] = 1.0
                elif self._phase == _WAIT:
                    self._phase = _SILENT
            if self._phase == _SILENT:  # faded out for stop(): silence until the stream ends
                outdata.fill(0.0)
                return
            if self._seek_serial != self._seek_seen:
                if self._phase == _PLAY:
                    self._phase = _FADE_OUT
                    self._out_fade[0] = 1.0
                elif self._phase == _WAIT:  # silent already: jump at once
                    self._post_jump()
            if self._phase == _WAIT:
                if not source.ready():  # a streamed file refilling after a jump
                    outdata.fill(0.0)
                    return
                chain.reset()  # type: ignore[union-attr]
                self._delay_ring.fill(0.0)
                self._in_fade[0] = 0.0 if self._jump_frame > 0 else 1.0
                self._seek_done = self._seek_seen
                self._phase = _PLAY
            loop = self._loop
            if not source.read(self._in, frames, loop):
                self.meters.underruns += 1  # the disk reader fell behind: silence, not a click
                outdata.fill(0.0)
                return
            if self._in_fade[0] < 1.0:
                kernels.fade(self._in, frames, self._in_fade, self._fade_step)
            latency = chain.latency_samples  # type: ignore[union-attr]
            kernels.delay_block(
                self._in, frames, self._delay_ring, self._delay_state, latency, self._dry
            )
            chain.process_into(self._in, self._wet)  # type: ignore[union-attr]
            self._xfade[3] = self._match_gain
            kernels.bypass_mix(self._dry, self._wet, frames, outdata, self._xfade, self._xfade_step)
            if self._phase == _FADE_OUT:
                kernels.fade(outdata, frames, self._out_fade, self._fade_step)
                if self._out_fade[0] <= 0.0:
                    if self._stop_asked:
                        self._phase = _SILENT
                    else:
                        self._post_jump()
            kernels.peak_hold(self._in, frames, self.meters.peaks, IN, self.meters.release)
            kernels.peak_hold(outdata, frames, self.meters.peaks, OUT, self.meters.release)
            # The end: once the delayed output has played too, let PortAudio drain and stop.
            if source.past_end and source.pos >= source.frames + latency + self._tail_frames:
                self._ended = True
                self._message = "end of file"
                raise self._callback_stop  # sounddevice's way to end after this block
        except self._callback_stop:
            raise
        except Exception as exc:
            outdata.fill(0.0)
            if not self.meters.error:
                self.meters.error = f"audio callback failed: {type(exc).__name__}: {exc}"
            self._ended = True

    def _post_jump(self) -> None:
        """Ask the source for the newest seek target (callback thread, output silent)."""
        serial = self._seek_serial
        frame = self._seek_frame  # after the serial: at least as new
        self._seek_seen = serial
        self._jump_frame = frame
        self._source.request(frame)
        self._phase = _WAIT

    # -- loudness match (a worker thread: renders excerpts, latest parameters win) -----------
    def _request_match(self) -> None:
        self._match_wanted.set()
        if self._match_thread is None:
            self._match_thread = threading.Thread(
                target=self._match_worker, name="grutui-loudness", daemon=True
            )
            self._match_thread.start()

    def _match_excerpts(self) -> list[tuple[int, np.ndarray]]:
        """The dry excerpts as (pre-roll frames, excerpt with its pre-roll in front), read once."""
        if self._match_dry is None:
            source = self._source
            preroll = round(MATCH_PREROLL_S * self._rate_hz)
            excerpts = []
            for start, frames in excerpt_spans(source.frames, self._rate_hz):
                lead = min(start, preroll)
                excerpts.append((lead, source.excerpt(start - lead, lead + frames)))
            self._match_dry = excerpts
        return self._match_dry

    def _render_match(self, params: Params) -> float:
        chain = Chain(self._rate_hz, self._source.channels, 4096, params)
        dry_parts, wet_parts = [], []
        for lead, excerpt in self._match_excerpts():
            chain.reset()
            dry_parts.append(excerpt[lead:])
            wet_parts.append(chain.process(excerpt)[lead:])
        gain = loudness_match_gain(dry_parts, wet_parts, self._rate_hz)
        self._match_for = params
        return gain

    def _match_worker(self) -> None:
        while True:
            self._match_wanted.wait()
            if self._closed:
                return
            time.sleep(0.05)  # coalesce a burst of changes (a held key) into one render
            self._match_wanted.clear()
            params = self._params
            if params is self._match_for:
                continue
            try:
                self._match_gain = self._render_match(params)
            except Exception:
                self._match_gain = 1.0


class _NeverRaisedError(Exception):
    """Stands for sounddevice.CallbackStop until sounddevice is loaded."""


def excerpt_spans(frames: int, rate_hz: float) -> list[tuple[int, int]]:
    """(start, frames) of the excerpts the loudness match measures: up to ``MATCH_EXCERPTS``
    of ``MATCH_EXCERPT_S`` centred in equal parts of the file, or the whole of a short file."""
    length = round(MATCH_EXCERPT_S * rate_hz)
    if frames <= MATCH_EXCERPTS * length:
        return [(0, frames)]
    part = frames / MATCH_EXCERPTS
    return [(round((k + 0.5) * part) - length // 2, length) for k in range(MATCH_EXCERPTS)]


def loudness_match_gain(
    dry: np.ndarray | Sequence[np.ndarray], wet: np.ndarray | Sequence[np.ndarray], rate_hz: float
) -> float:
    """Gain that makes ``dry`` as loud as ``wet`` (BS.1770 integrated loudness; either may be
    several excerpts), within ±``MATCH_LIMIT_DB``; 1 for a silent ``dry``."""
    dry_lufs = integrated_loudness_lufs(dry, rate_hz)
    if not math.isfinite(dry_lufs):
        return 1.0
    wet_lufs = integrated_loudness_lufs(wet, rate_hz)
    gain_db = wet_lufs - dry_lufs if math.isfinite(wet_lufs) else -MATCH_LIMIT_DB
    gain_db = min(max(gain_db, -MATCH_LIMIT_DB), MATCH_LIMIT_DB)
    return float(10.0 ** (gain_db / 20.0))
