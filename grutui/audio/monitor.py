"""Monitoring: live input -> chain -> output on one duplex stream."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from grutui.audio import backend, kernels
from grutui.audio.backend import AudioError
from grutui.audio.live_gain import LiveAutoGain
from grutui.audio.stream import START_GRACE_S, StreamBase
from grutui.params import Params

MONITOR_BLOCK = 256  # frames per callback: 5.3 ms at 48 kHz
# Requested buffering each way (PortAudio reports more through PulseAudio: ~170 ms round trip).
# With the interpreter tuned (``tune_interpreter_for_audio``) this held 60 s of monitoring under
# a plotting UI thread (tests/audio/test_monitor.py). A dedicated machine can go lower with
# --blocksize 128 and a latency of its own.
MONITOR_LATENCY_S = 0.080  # 50 ms gave 3 xruns in one 60 s run of six on a loaded 2-core machine
PREFERRED_RATE_HZ = 48000.0
VARIABLE_MAX_BLOCK = 4096  # the largest JACK period a monitor taking JACK's own blocks accepts
START_ATTEMPTS = 4


class Monitor(StreamBase):
    """Runs the input device through the chain to the output device."""

    _running_state = "monitoring"

    def __init__(
        self,
        params: Params,
        input_device: str | int | None = None,
        output_device: str | int | None = None,
        blocksize: int | None = None,
        latency: float | str | None = None,
        rate_hz: float | None = None,
        host_api: str | None = None,
    ) -> None:
        super().__init__(params)
        self._in_arg = backend.parse_device(input_device)
        self._out_arg = backend.parse_device(output_device)
        self._host_api = host_api
        self._blocksize_arg = blocksize
        self._block = int(blocksize or MONITOR_BLOCK)
        if self._block < 16 or self._block > 8192:
            raise AudioError(f"block size {self._block} is out of range 16 to 8192 frames")
        self._latency_arg = latency
        self._rate_arg = rate_hz
        self._buf = np.zeros((self._block, 2), np.float32)
        self._views: dict[int, np.ndarray] = {}  # _buf's first n frames, made once per n
        self._auto_gain = LiveAutoGain()
        self._devices: tuple[str | int | None, str | int | None] = (None, None)

    def start(self) -> None:
        """Open the duplex stream and start monitoring."""
        if self._stream is not None and self.running:
            return
        sd = backend.sounddevice()
        in_dev = backend.resolve_device(self._in_arg, "input", self._host_api)
        out_dev = backend.resolve_device(self._out_arg, "output", self._host_api)
        try:
            in_info: Any = sd.query_devices(in_dev, "input")
            out_info: Any = sd.query_devices(out_dev, "output")
        except Exception as exc:
            raise AudioError(f"no such audio device: {exc}; " + backend.server_hint()) from None
        in_ch = min(2, int(in_info["max_input_channels"]))
        out_ch = min(2, int(out_info["max_output_channels"]))
        self._devices = (in_dev, out_dev)
        rate_hz = self._choose_rate(sd, in_ch, out_ch, float(out_info["default_samplerate"]))
        # JACK calls back once per period of its own: take those blocks as they come (no
        # buffering of ours, no latency added) unless a block size was asked for.
        jack = backend.JACK.lower() in sd.query_hostapis(out_info["hostapi"])["name"].lower()
        variable = jack and self._blocksize_arg is None
        self._block = VARIABLE_MAX_BLOCK if variable else int(self._blocksize_arg or MONITOR_BLOCK)
        latency = self._latency_arg
        if latency is None:
            latency = "low" if jack else MONITOR_LATENCY_S
        self._prepare(rate_hz, out_ch, in_ch)
        for attempt in range(1, START_ATTEMPTS + 1):
            self._open(
                sd.Stream,
                f"duplex stream at {rate_hz:g} Hz",
                samplerate=rate_hz,
                blocksize=0 if variable else self._block,
                device=self._devices,
                channels=(in_ch, out_ch),
                dtype="float32",
                latency=latency,
            )
            # Through ALSA's pulse plugin a duplex stream can die before its first block: its
            # input overruns while a new client waits for the server (about 1 start in 6 with
            # the tests' private server, on a loaded machine 1 in 4), and the recovery fails.
            # A new stream, then.
            if attempt == START_ATTEMPTS or not self._died_before_first_block():
                break
            self._close_stream()
            time.sleep(0.2)  # let the server forget the dead client
        stream = self._stream
        self._device = (
            f"in {backend.device_name(stream.device[0], 'input')}, "
            f"out {backend.device_name(stream.device[1], 'output')}"
        )
        in_s, out_s = (float(x) for x in stream.latency)
        if variable:
            # The callback works inside JACK's period, which its ports' latencies count
            # already; PortAudio reports less than those (0 for the input), so take the
            # devices' own figures (capture and playback latency) where they are larger.
            in_s = max(in_s, float(in_info["default_low_input_latency"]))
            out_s = max(out_s, float(out_info["default_low_output_latency"]))
            self._latency_s = in_s + out_s
        else:  # input buffering + one block of ours + output buffering
            self._latency_s = in_s + out_s + self._block / rate_hz

    def _died_before_first_block(self) -> bool:
        deadline = time.monotonic() + START_GRACE_S
        while self._callbacks == 0 and time.monotonic() < deadline:
            if not self._stream.active:
                return True
            time.sleep(0.005)
        return False

    def _choose_rate(self, sd: Any, in_ch: int, out_ch: int, default_hz: float) -> float:
        candidates = [self._rate_arg] if self._rate_arg else [PREFERRED_RATE_HZ, default_hz]
        last: Exception | None = None
        for rate in candidates:
            try:
                sd.check_input_settings(
                    self._devices[0], channels=in_ch, dtype="float32", samplerate=rate
                )
                sd.check_output_settings(
                    self._devices[1], channels=out_ch, dtype="float32", samplerate=rate
                )
                return float(rate)
            except Exception as exc:
                last = exc
        raise AudioError(f"the devices cannot run at {candidates[0]:g} Hz: {last}")

    @property
    def rate_hz(self) -> float:
        return self._rate_hz

    def prepare_offline(self, rate_hz: float = PREFERRED_RATE_HZ, channels: int = 2) -> None:
        """Set up as ``start`` does, without a device, for ``process_block`` (tests,
        benchmarks)."""
        self._close_stream()
        self._prepare(float(rate_hz), channels, channels)
        self._reset_run_state()

    def _prepare(self, rate_hz: float, channels: int, inputs: int) -> None:
        self._rate_hz = rate_hz
        self._buf = np.zeros((self._block, channels), np.float32)
        self._views = {self._block: self._buf}
        self._prepare_chain(rate_hz, channels, self._block)
        self._auto_gain.prepare(rate_hz, channels)
        self.meters.prepare(rate_hz, self._block, max(channels, inputs))

    def _gains(self) -> dict[str, float]:
        return {"auto_gain_db": self._auto_gain.gain_db}

    def process_block(self, indata: np.ndarray, outdata: np.ndarray) -> None:
        """Run the callback's work for one block, ``indata`` (frames, inputs) through the chain
        into ``outdata`` (frames, channels), as PortAudio's thread does, after
        ``prepare_offline``."""
        self._callback(indata, outdata, len(outdata), None, None)

    # -- the callback (PortAudio's thread) ---------------------------------------------------
    def _callback(
        self, indata: Any, outdata: Any, frames: int, time_info: Any, status: Any
    ) -> None:
        try:
            self._begin_block(status)
            if frames > self._block:  # PortAudio keeps to the block size; never overrun buffers
                raise ValueError(f"{frames} frames in a callback prepared for {self._block}")
            chain = self._chain
            params = self._params
            if params is not chain.params:  # type: ignore[union-attr]
                chain.params = params  # type: ignore[union-attr]
                self._auto_gain.restart()
            buf = self._views.get(frames)
            if buf is None:  # a block size not seen before (JACK's, or a last short one)
                buf = self._views[frames] = self._buf[:frames]
            kernels.spread_input(indata, frames, buf)
            chain.process_into(buf, outdata)  # type: ignore[union-attr]
            self._auto_gain.process(buf, outdata, frames, params.auto_gain)
            self.meters.measure(indata, outdata, frames)
        except Exception as exc:
            outdata.fill(0.0)
            self._fail(exc)
        finally:
            self._time_block(frames)
