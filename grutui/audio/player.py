"""Audition: a file played through the chain on an output stream.

The pieces, each with one job: the source (``sources``: the file in memory or streamed from
disk, with its loop point), the transport (``transport``: seeks and stops with their fades), the
output stage (``mix``: wet, or the dry file for bypass), the loudness match (``match``: a thread
that measures how loud the file is dry and wet). ``Player`` puts them behind a PortAudio stream.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np

from grutui.audio import backend, transport
from grutui.audio.backend import AudioError
from grutui.audio.match import Gains, Loudness, LoudnessMatch
from grutui.audio.mix import BypassMix
from grutui.audio.sources import RING_S, MemorySource, StreamedFile
from grutui.audio.stream import StreamBase
from grutui.audio.transport import SEEK_FADE_S, Transport
from grutui.audiofile import open_input, too_large_to_hold
from grutui.params import Params

PLAY_BLOCK = 256  # frames per callback: 5.3 ms at 48 kHz
PLAY_LATENCY_S = 0.06  # output buffering: audition needs no low latency, it needs no dropouts
# A streamed file needs at least a few blocks of audio per pass round the loop.
MIN_STREAMED_FRAMES = 8192


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
        host_api: str | None = None,
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
        self.source = source
        self._rate_hz = float(rate_hz)
        self._device_arg = backend.parse_device(device)
        self._host_api = host_api
        self._device_id: str | int | None = None  # what start() opens
        self._block = int(blocksize)
        self._latency_arg = PLAY_LATENCY_S if latency is None else latency
        self._in = np.zeros((self._block, source.channels), np.float32)
        self.transport = Transport(source, self._rate_hz)
        self._mix = BypassMix(self._rate_hz, source.channels, self._block)
        self.loudness = LoudnessMatch(source, self._rate_hz, self._matched)
        self._applied = Gains()  # the newest, for status()
        self._loop = False
        self._tail_frames = 0  # silence played after the end before the stream stops
        self._preroll_frames = 0  # silence played before the file (callback)
        source.request(0)
        self.loudness.request(params)

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
        host_api: str | None = None,
    ) -> Player:
        """A player for the file at ``path``: held in memory, or streamed from disk when it
        decodes to more than ``audiofile.STREAM_ABOVE_BYTES`` (``stream`` forces either)."""
        with open_input(path) as f:
            if stream is None:
                stream = too_large_to_hold(f)
            if not stream or f.frames < MIN_STREAMED_FRAMES:
                data = np.ascontiguousarray(f.read(dtype="float32", always_2d=True))
                return cls(data, f.samplerate, params, device, blocksize, latency, host_api)
        source = StreamedFile(path, ring_s=ring_s)
        return cls(source, source.rate_hz, params, device, blocksize, latency, host_api)

    # -- transport ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start (or resume) playing; from the start again if the end was reached."""
        if self._stream is not None and self.playing:
            return
        sd = backend.sounddevice()
        self._close_stream()  # an ended stream's callback must not run while we set up
        self._device_id = backend.resolve_device(self._device_arg, "output", self._host_api)
        self._check_rate(sd, self.source.channels)
        # Silence before the file and after its end, one output buffer long each: a sound server
        # drops the first fragment of a new stream and PortAudio drops the buffered tail when a
        # stream completes (both measured with PulseAudio); the preroll is skipped by the callback.
        self._latency_s = self._requested_latency_s()
        self._arm(sd.CallbackStop, pad_frames=int(self._latency_s * self._rate_hz) + self._block)
        self._open(
            sd.OutputStream,
            f"output device at {self._rate_hz:g} Hz",
            samplerate=self._rate_hz,
            blocksize=self._block,
            channels=self.source.channels,
            dtype="float32",
            device=self._device_id,
            latency=self._latency_arg,
        )
        self._device = backend.device_name(self._stream.device, "output")
        self._latency_s = float(self._stream.latency)

    def prepare_offline(self) -> None:
        """Set up as ``start`` does, without a device and without the silence a device needs
        around the file, for ``process_block`` (tests, benchmarks)."""
        self._close_stream()
        self._arm(_EndOfFileError, pad_frames=0)
        self._reset_run_state()

    def process_block(self, outdata: np.ndarray) -> bool:
        """Run the callback's work for one block into ``outdata`` (frames, channels) float32,
        as PortAudio's thread does, after ``prepare_offline``; False once the file has ended."""
        try:
            self._callback(outdata, len(outdata), None, None)
        except _EndOfFileError:
            return False
        return True

    def _arm(self, end_of_file: type[BaseException], pad_frames: int) -> None:
        """Everything the callback needs, set up while no stream runs."""
        target = self.transport.start_frame(self._ended)
        self._callback_stop = end_of_file
        if self.bypass or self._params.auto_gain:  # heard at once: be right
            self._matched(self._params, self.loudness.measure(self._params))
        self._mix.prepare()
        self._prepare_chain(self._rate_hz, self.source.channels, self._block)
        self.transport.arm(target)
        self.meters.prepare(self._rate_hz, self._block, self.source.channels)
        self._preroll_frames = pad_frames
        self._tail_frames = 2 * pad_frames

    def _check_rate(self, sd: Any, channels: int) -> None:
        """Refuse a rate the device cannot open: playing at another would change the speed."""
        for attempt in (1, 2):
            try:
                sd.check_output_settings(
                    device=self._device_id,
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
            info: Any = sd.query_devices(self._device_id, "output")
            sd.check_output_settings(
                device=self._device_id,
                channels=channels,
                dtype="float32",
                samplerate=info["default_samplerate"],
            )
        except Exception as exc:  # the device does not open at all
            raise AudioError(
                f"cannot open the output device: {backend.one_line(exc)}; " + backend.server_hint()
            ) from None
        raise AudioError(
            f"the output device cannot play {channels} channels at {self._rate_hz:g} Hz, the "
            f"file's rate (playing at another rate would change its speed; it runs at "
            f"{info['default_samplerate']:g} Hz): {backend.one_line(error)}"
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
        return self.source.streamed

    @property
    def buffering(self) -> bool:
        """True while the player waits for audio after a start or a seek (a streamed file
        refilling): the output is silent meanwhile."""
        return self.transport.refilling

    @property
    def channels(self) -> int:
        return self.source.channels

    @property
    def loop(self) -> bool:
        return self._loop

    @loop.setter
    def loop(self, value: bool) -> None:
        self._loop = bool(value)
        self.source.loop = self._loop

    @property
    def bypass(self) -> bool:
        """True: the dry file at the wet signal's loudness (crossfaded over ``CROSSFADE_S``)."""
        return self._mix.bypass

    @bypass.setter
    def bypass(self, value: bool) -> None:
        self._mix.set_bypass(value, running=self._stream is not None)

    @property
    def rate_hz(self) -> float:
        return self._rate_hz

    @property
    def duration_s(self) -> float:
        return self.source.frames / self._rate_hz

    @property
    def position_s(self) -> float:
        """Where playback is in the file (the frame read next), seconds."""
        return self.transport.position_frame / self._rate_hz

    def seek(self, seconds: float) -> None:
        """Jump to ``seconds`` (clamped to the file): while playing, the sound fades out over
        ``SEEK_FADE_S``, the chain is cleared and the new place fades in."""
        self.transport.seek(round(min(max(seconds, 0.0), self.duration_s) * self._rate_hz))
        if self._stream is None:
            self._ended = False

    def stop(self) -> None:
        """Fade out over ``SEEK_FADE_S`` and stop (a cut mid-waveform clicks); it can be
        started again from where it stopped."""
        if self._stream is not None and self.playing:
            self.transport.ask_stop()
            deadline = time.monotonic() + SEEK_FADE_S + 0.2
            while not self.transport.silent and self.playing and time.monotonic() < deadline:
                time.sleep(0.002)
            # What is still buffered plays out; PulseAudio held more than the reported latency
            # (measured: waiting one latency still cut the faded blocks off).
            time.sleep(2 * self._latency_s + 0.05)
        super().stop()

    def set_params(self, params: Params) -> None:
        super().set_params(params)
        self.loudness.request(params)

    def close(self) -> None:
        self.loudness.close()
        super().close()
        self.source.close()

    def _state(self) -> tuple[str, str]:
        if self.source.error:  # the reader of a streamed file failed
            return "error", self.source.error
        return super()._state()

    def _matched(self, params: Params, loudness: Loudness) -> None:
        """A measurement for ``params`` (loudness thread, or the caller's at start)."""
        if params is self._params or params == self._params:
            gains = loudness.gains(params.auto_gain, self.loudness.dry_peak)
            self._mix.wet_gain = gains.wet
            self._mix.dry_gain = gains.dry
            self._applied = gains

    def _gains(self) -> dict[str, float]:
        gains = self._applied
        return {
            "auto_gain_db": 20.0 * math.log10(gains.wet),
            "bypass_gain_db": 20.0 * math.log10(gains.dry),
            "bypass_cut_db": gains.cut_db,
        }

    # -- the callback (PortAudio's thread) ---------------------------------------------------
    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        try:
            self._begin_block(status)
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
            read = self.transport.next_block(self._in, frames, self._loop)
            if read <= transport.UNDERRUN:
                if read == transport.UNDERRUN:
                    self.meters.underruns += 1  # the disk reader fell behind: silence, no click
                outdata.fill(0.0)
                return
            if read == transport.RESTART:  # a new place: nothing of the old one may sound
                chain.reset()  # type: ignore[union-attr]
                self._mix.reset()
            self._mix.process(chain, self._in, frames, outdata)  # type: ignore[arg-type]
            self.transport.fade_output(outdata, frames)
            self.meters.measure(self._in, outdata, frames)
            # The end: once the delayed output has played too, let PortAudio drain and stop.
            source = self.source
            end = source.frames + chain.latency_samples + self._tail_frames  # type: ignore[union-attr]
            if source.past_end and source.pos >= end:
                self._ended = True
                self._message = "end of file"
                raise self._callback_stop  # sounddevice's way to end after this block
        except self._callback_stop:
            raise
        except Exception as exc:
            outdata.fill(0.0)
            self._fail(exc)
            self._ended = True
        finally:
            self._time_block(frames)


class _EndOfFileError(Exception):
    """Ends ``process_block`` as ``sounddevice.CallbackStop`` ends a stream."""
