"""Audition: a file held in memory, played through the chain on an output stream."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from grutui.audio import backend, kernels
from grutui.audio.backend import AudioError
from grutui.audio.meters import IN, OUT
from grutui.audio.stream import StreamBase, _one_line
from grutui.dsp import Chain
from grutui.params import Params

PLAY_BLOCK = 256  # frames per callback: 5.3 ms at 48 kHz
PLAY_LATENCY_S = 0.06  # output buffering: audition needs no low latency, it needs no dropouts
CROSSFADE_S = 0.010  # bypass switch: long enough not to click, short enough to compare
MATCH_EXCERPT_S = 10.0  # loudness of the wet signal is measured on this much of the file
MATCH_LIMIT_DB = 24.0


class Player(StreamBase):
    """Plays ``data`` (frames, channels) float32 at ``rate_hz`` through the chain."""

    _running_state = "playing"

    def __init__(
        self,
        data: np.ndarray,
        rate_hz: float,
        params: Params,
        device: str | int | None = None,
        blocksize: int = PLAY_BLOCK,
        latency: float | str | None = None,
    ) -> None:
        super().__init__(params)
        data = np.asarray(data, dtype=np.float32)
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2 or data.shape[1] < 1 or rate_hz <= 0:
            raise AudioError("player needs (frames, channels) audio and a positive rate")
        self._data = np.ascontiguousarray(data)
        self._rate_hz = float(rate_hz)
        self._device_arg = backend.parse_device(device)
        self._block = int(blocksize)
        self._latency_arg = PLAY_LATENCY_S if latency is None else latency
        channels = self._data.shape[1]
        self._in = np.zeros((self._block, channels), np.float32)
        self._dry = np.zeros((self._block, channels), np.float32)
        self._wet = np.zeros((self._block, channels), np.float32)
        # [crossfade x, its target, dry gain, its target]: see kernels.bypass_mix
        self._xfade = np.zeros(4, np.float64)
        self._xfade_step = 1.0 / max(1.0, CROSSFADE_S * self._rate_hz)
        self._pos = 0  # next frame to read (callback-owned)
        self._dry_pos = 0
        self._seek_to = -1  # a pending seek (frames), -1 for none: the callback applies it
        self._loop = False
        self._bypass = False
        self._match_gain = 1.0
        self._match_for: Params | None = None
        self._match_wanted = threading.Event()
        self._match_thread: threading.Thread | None = None
        self._closed = False
        self._tail_frames = 0
        self._preroll_frames = 0
        self._callback_stop: type[BaseException] = _NeverRaisedError
        self._request_match()

    # -- transport ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start (or resume) playing; from the start again if the end was reached."""
        if self._stream is not None and self.playing:
            return
        sd = backend.sounddevice()
        channels = self._data.shape[1]
        self._pos = min(max(self._pos, 0), len(self._data))
        if self._ended or self._pos >= len(self._data):
            self._pos = 0
        self._check_rate(sd, channels)
        self._callback_stop = sd.CallbackStop
        if self._bypass and self._match_for is not self._params:
            self._match_gain = self._render_match(self._params)  # heard at once: be right
        self._xfade[2] = self._xfade[3] = self._match_gain  # no gain ramp at the start
        chain = self._prepare_chain(self._rate_hz, channels, self._block)
        self._dry_pos = self._pos - chain.latency_samples
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
    def loop(self) -> bool:
        return self._loop

    @loop.setter
    def loop(self, value: bool) -> None:
        self._loop = bool(value)

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
        return len(self._data) / self._rate_hz

    @property
    def position_s(self) -> float:
        """Where playback is in the file, seconds."""
        pending = self._seek_to
        frame = pending if pending >= 0 else self._pos
        return min(max(frame, 0), len(self._data)) / self._rate_hz

    def seek(self, seconds: float) -> None:
        """Jump to ``seconds`` (clamped to the file)."""
        frame = round(min(max(seconds, 0.0), self.duration_s) * self._rate_hz)
        if self._stream is None:
            self._pos = frame
            self._ended = False
        else:
            self._seek_to = frame

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
            if self._seek_to >= 0:
                self._pos, self._seek_to = self._seek_to, -1
                self._dry_pos = self._pos - chain.latency_samples  # type: ignore[union-attr]
            loop = self._loop
            self._pos = kernels.read_block(self._data, self._pos, frames, loop, self._in)
            self._dry_pos = kernels.read_block(self._data, self._dry_pos, frames, loop, self._dry)
            chain.process_into(self._in, self._wet)  # type: ignore[union-attr]
            self._xfade[3] = self._match_gain
            kernels.bypass_mix(self._dry, self._wet, frames, outdata, self._xfade, self._xfade_step)
            kernels.peak_hold(self._in, frames, self.meters.peaks, IN, self.meters.release)
            kernels.peak_hold(outdata, frames, self.meters.peaks, OUT, self.meters.release)
            # The end: once the delayed output has played too, let PortAudio drain and stop.
            if not loop and self._dry_pos >= len(self._data) + self._tail_frames:
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

    # -- loudness match (a worker thread: renders an excerpt, latest parameters win) ---------
    def _request_match(self) -> None:
        self._match_wanted.set()
        if self._match_thread is None:
            self._match_thread = threading.Thread(
                target=self._match_worker, name="grutui-loudness", daemon=True
            )
            self._match_thread.start()

    def _render_match(self, params: Params) -> float:
        excerpt = self._data[: int(MATCH_EXCERPT_S * self._rate_hz)]
        chain = Chain(self._rate_hz, excerpt.shape[1], 4096, params)
        gain = loudness_match_gain(excerpt, chain.process(excerpt))
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


def loudness_match_gain(dry: np.ndarray, wet: np.ndarray) -> float:
    """Gain that makes ``dry`` as loud as ``wet`` (RMS over all channels), within ±24 dB."""
    dry_ms = float(np.mean(np.square(dry, dtype=np.float64)))
    wet_ms = float(np.mean(np.square(wet, dtype=np.float64)))
    if dry_ms <= 1e-20:
        return 1.0
    gain = float(np.sqrt(wet_ms / dry_ms))
    limit = 10.0 ** (MATCH_LIMIT_DB / 20.0)
    return min(max(gain, 1.0 / limit), limit)
