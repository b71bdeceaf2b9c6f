"""What the player and the monitor share: opening a PortAudio stream, the status, a lost device.

The thread model (who touches what) is written down in ``grutui.audio``.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from grutui.audio import backend
from grutui.audio.backend import AudioError
from grutui.audio.meters import IN, OUT, Meters
from grutui.audio.status import AudioStatus
from grutui.dsp import Chain
from grutui.params import Params

# No callback for this long while running: report the device as lost (until audio resumes:
# ALSA's pulse plugin can pause a stream ~1.5 s while it recovers from a dropout).
LOST_AFTER_S = 3.0
# A new PulseAudio stream (through ALSA's pulse plugin) fills its buffer, then can wait over a
# second before the server starts taking audio: not a lost device.
START_GRACE_S = 5.0
INACTIVE_AFTER_S = 0.3
XRUN_GRACE_BLOCKS = 4  # flags at stream start (buffers priming) are not dropouts


class StreamBase:
    """A chain behind a PortAudio stream, with meters and a status the UI polls."""

    _running_state = "playing"

    def __init__(self, params: Params) -> None:
        self._params = params  # the newest snapshot; the callback hands it to the chain
        self._chain: Chain | None = None
        self._stream: Any = None
        self.meters = Meters()
        self._device = ""
        self._latency_s = 0.0
        self._rate_hz = 0.0
        self._block = 0
        self._message = ""
        self._stopping = False  # we asked the stream to end: not a lost device
        self._ended = False  # the stream ended on its own (end of file, error)
        self._callbacks = 0
        self._last_callback_s = 0.0
        self._started_s = 0.0
        # The thread's CPU clock and the wall clock when the callback began (callback).
        self._cpu_start_s = self._wall_start_s = 0.0

    # -- the UI's side ---------------------------------------------------------------------
    def set_params(self, params: Params) -> None:
        """Swap the parameter snapshot; the callback picks it up at its next block."""
        self._params = params

    @property
    def params(self) -> Params:
        return self._params

    def status(self) -> AudioStatus:
        """A snapshot of the stream's state, meters and counters."""
        state, message = self._state()
        stream, chain = self._stream, self._chain
        cpu = 0.0
        if stream is not None and state != "error":
            try:
                cpu = float(stream.cpu_load)
            except Exception:
                cpu = 0.0
        return AudioStatus(
            state=state,
            message=message,
            input=self.meters.reading(IN),
            output=self.meters.reading(OUT),
            xruns=self.meters.xruns,
            underruns=self.meters.underruns,
            cpu_load=min(max(cpu, 0.0), 1.0),
            latency_s=self._latency_s,
            chain_latency_s=chain.latency_frames / self._rate_hz if chain is not None else 0.0,
            device=self._device,
            late_blocks=self.meters.late_blocks,
            longest_block_s=self.meters.longest_block_s,
            busiest_block_s=self.meters.busiest_block_s,
            **self._gains(),
        )

    def reset_clips(self) -> None:
        """Clear both meters' clip counts and highest peaks (any thread; done by the callback
        at its next block, at once when no stream runs)."""
        self.meters.reset_clips(now=self._stream is None)

    def _gains(self) -> dict[str, float]:
        """The gain fields of the status (``AudioStatus.auto_gain_db`` ...)."""
        return {}

    def _state(self) -> tuple[str, str]:
        if self.meters.error:
            return "error", self.meters.error
        if self._message.startswith("audio device lost"):
            return "error", self._message
        stream = self._stream
        if stream is None or self._ended or self._stopping:
            return "stopped", self._message
        now = time.monotonic()
        silent_s = now - self._last_callback_s
        # PortAudio's ALSA host API reports a stream inactive for a moment while it recovers
        # from an xrun: only a stream that is inactive *and* silent has really ended.
        if not stream.active and silent_s > INACTIVE_AFTER_S:
            # Neither we nor the end of the file stopped it: PortAudio ended it (device gone).
            self._message = "audio device lost: the stream ended unexpectedly"
            return "error", self._message
        limit = START_GRACE_S if now - self._started_s < START_GRACE_S else LOST_AFTER_S
        if silent_s > limit:
            return "error", (
                f"audio device lost: no audio for {silent_s:.1f} s "
                "(sound server stopped or device unplugged?)"
            )
        return self._running_state, self._message

    @property
    def blocksize(self) -> int:
        """Frames per callback."""
        return self._block

    @property
    def blocks(self) -> int:
        """Callbacks run since the last start (blocks processed)."""
        return self._callbacks

    def wait_started(self, timeout_s: float = START_GRACE_S) -> bool:
        """Wait until audio flows (a new PulseAudio stream can take a second or two before
        its first callback); returns False if it did not within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        first = self._callbacks
        while time.monotonic() < deadline:
            if self._state()[0] != self._running_state:
                return False
            if self._callbacks > first + 2:
                return True
            time.sleep(0.01)
        return False

    @property
    def running(self) -> bool:
        """True while the stream runs and delivers audio."""
        return self._state()[0] == self._running_state

    def stop(self) -> None:
        """Stop the stream (it can be started again)."""
        self._close_stream()
        if not self.meters.error and not self._message.startswith("audio device lost"):
            self._message = "stopped"

    def close(self) -> None:
        """Stop and release the device."""
        self._close_stream()

    def __enter__(self) -> StreamBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- shared plumbing -------------------------------------------------------------------
    def _prepare_chain(self, rate_hz: float, channels: int, block: int) -> Chain:
        chain = self._chain
        if (
            chain is None
            or chain.rate_hz != rate_hz
            or chain.channels != channels
            or chain.max_block < block
        ):
            # Every oversampling stage now, so a change of factor in the callback allocates
            # nothing; kernels that keep the GIL (see kernels.gil_holding).
            chain = Chain(rate_hz, channels, block, self._params, all_stages=True, hold_gil=True)
        chain.params = self._params
        chain.reset()
        self._chain = chain
        return chain

    def _open(self, factory: Any, description: str, **kwargs: Any) -> None:
        """Open and start a stream made by ``factory(**kwargs)``; errors become AudioError."""
        sd = backend.sounddevice()
        self._close_stream()
        self._reset_run_state()
        stream = None
        for attempt in (1, 2):
            try:
                stream = factory(
                    callback=self._callback, finished_callback=self._finished, **kwargs
                )
                backend.stream_opened()
                stream.start()
                break
            except sd.PortAudioError as exc:
                if stream is not None:
                    self._safe_close(stream)
                    stream = None
                if attempt == 1:
                    # The server may have come back since PortAudio listed the devices.
                    try:
                        backend.rescan_devices()
                        continue
                    except Exception:
                        pass
                raise AudioError(f"cannot open {description}: {backend.one_line(exc)}") from None
            except ValueError as exc:  # sounddevice: no such device name / bad settings
                raise AudioError(f"cannot open {description}: {backend.one_line(exc)}") from None
        self._stream = stream

    def _reset_run_state(self) -> None:
        """Counters, meters and flags as a new stream starts them."""
        self.meters.reset()
        self._message = ""
        self._stopping = False
        self._ended = False
        self._callbacks = 0
        self._last_callback_s = self._started_s = time.monotonic()

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        self._stopping = True
        if stream is not None:
            self._safe_close(stream)

    @staticmethod
    def _safe_close(stream: Any) -> None:
        # abort, not stop: stop waits for buffers to drain, which never happens when the
        # device is gone.
        with contextlib.suppress(Exception):
            stream.abort(ignore_errors=True)
        with contextlib.suppress(Exception):
            stream.close(ignore_errors=True)
        backend.stream_closed()

    def _finished(self) -> None:
        """PortAudio's finished callback; ``_state`` tells why from the flags we set."""

    def _begin_block(self, status: Any) -> None:
        """The callback's first step: note the time and count a dropout from PortAudio's
        status flags (callback thread)."""
        self._last_callback_s = time.monotonic()
        self._cpu_start_s = time.thread_time()
        self._wall_start_s = time.perf_counter()
        self._callbacks += 1
        if (
            status
            and self._callbacks > XRUN_GRACE_BLOCKS
            and (
                status.output_underflow
                or status.input_overflow
                or status.input_underflow
                or status.output_overflow
            )
        ):
            self.meters.xruns += 1

    def _time_block(self, frames: int) -> None:
        """Time the callback from its first line to its last (callback thread): later than
        its block lasts is a late block, whatever the cause (its work, the OS running other
        threads); its CPU time is its own work. Waiting for the GIL before the first line is
        not seen here: a device's xruns show it."""
        if self._callbacks <= XRUN_GRACE_BLOCKS:
            return
        meters = self.meters
        took_s = time.perf_counter() - self._wall_start_s
        busy_s = time.thread_time() - self._cpu_start_s
        if took_s > frames / self._rate_hz:
            meters.late_blocks += 1
        if took_s > meters.longest_block_s:
            meters.longest_block_s = took_s
        if busy_s > meters.busiest_block_s:
            meters.busiest_block_s = busy_s

    def _fail(self, exc: Exception) -> None:
        """Report an exception the callback caught (the first one; callback thread)."""
        if not self.meters.error:
            self.meters.error = f"audio callback failed: {type(exc).__name__}: {exc}"

    def _callback(self, *args: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError
