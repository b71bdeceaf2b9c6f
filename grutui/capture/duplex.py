"""Reamping through one duplex stream: play the probe, record what comes back, on one clock.

Input and output share the stream's clock, so the recording's latency against the probe is
constant (the fit finds it). The probe is played after ``PRE_ROLL_S`` of silence and the
recording runs ``TAIL_S`` past its end: a round trip of up to ``TAIL_S`` is kept, and the
latency in the file (pre-roll plus round trip) stays within the fit's one second. A recording
that clipped or stayed silent is refused: nothing is written; dropouts are reported (they
shift the recording's timeline after them).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grutui.audio import backend
from grutui.audio.backend import AudioError
from grutui.capture.align import FULL_SCALE, read_audio
from grutui.capture.files import check_output, write_audio
from grutui.errors import GrutuiError

PRE_ROLL_S = 0.25  # silence before the probe: a stream's first buffers can be lost starting up
TAIL_S = 0.75
SILENT_DBFS = -60.0
STALL_S = 10.0  # no audio for this long: the device has gone
START_GRACE_S = 5.0  # a new PulseAudio client can wait this long for its first block
START_ATTEMPTS = 4
EARLY_S = 0.5  # a stream that dies before this much audio is started again
EARLY_STALL_S = 1.0
GRACE_BLOCKS = 4  # status flags while the buffers prime are not dropouts


class CaptureRefused(GrutuiError):  # noqa: N818 - a refusal the user can act on
    """A recording that is not worth keeping (clipped, silent); nothing was written."""


@dataclass(frozen=True)
class CaptureStatus:
    """Progress of a capture, for a progress line."""

    seconds: float
    total_s: float
    peak_dbfs: float


@dataclass(frozen=True)
class CaptureResult:
    path: Path
    seconds: float
    peak_dbfs: float
    dropouts: int
    device: str


def _dbfs(level: float) -> float:
    return 20.0 * math.log10(level) if level > 0 else -math.inf


class _Duplex:
    """The callback's side: plays ``probe`` then silence, records into ``take``."""

    def __init__(self, probe: np.ndarray, frames: int) -> None:
        self.probe = probe
        self.take = np.zeros(frames, np.float32)
        self.position = 0
        self.peak = 0.0
        self.blocks = 0
        self.dropouts = 0
        self.done = threading.Event()
        self.error = ""

    def callback(self, indata: Any, outdata: Any, frames: int, t: Any, status: Any) -> None:
        try:
            self.blocks += 1
            if (
                status
                and self.blocks > GRACE_BLOCKS
                and (status.input_overflow or status.output_underflow)
            ):
                self.dropouts += 1
            start = self.position
            played = self.probe[start : start + frames]
            outdata[: len(played)] = played
            outdata[len(played) :] = 0.0
            kept = min(frames, len(self.take) - start)
            if kept > 0:
                self.take[start : start + kept] = indata[:kept, 0]
                self.peak = max(self.peak, float(np.max(np.abs(indata[:kept, 0]))))
            self.position = start + frames
            if self.position >= len(self.take):
                self.done.set()
        except Exception as exc:  # an exception would end the stream without a word
            self.error = f"{type(exc).__name__}: {exc}"
            self.done.set()


def capture(
    probe_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    input_device: str | int | None = None,
    output_device: str | int | None = None,
    force: bool = False,
    progress: Callable[[CaptureStatus], None] | None = None,
    stop: threading.Event | None = None,
) -> CaptureResult:
    """Play ``probe_path`` and record the return into ``out_path`` (mono, the probe's rate).

    Raises ``CaptureRefused`` when the recording clipped or stayed silent, ``AudioError`` when
    the devices cannot be opened or stop delivering audio; nothing is written then.
    """
    check_output(out_path, force, inputs=(probe_path,))
    probe, rate = read_audio(probe_path)
    lead = np.zeros((int(PRE_ROLL_S * rate), probe.shape[1]), np.float32)
    played = np.ascontiguousarray(np.concatenate([lead, probe]))
    frames = len(played) + int(TAIL_S * rate)
    devices = (backend.parse_device(input_device), backend.parse_device(output_device))
    name = ""
    for attempt in range(1, START_ATTEMPTS + 1):
        duplex = _Duplex(played, frames)
        try:
            name = _run(duplex, rate, devices, probe.shape[1], progress, stop, attempt)
            break
        except _EarlyDeath:
            time.sleep(0.2)  # let the server forget the dead client
    else:
        raise AudioError(f"the duplex stream kept dying as it started ({name or devices})")
    total_s = frames / rate
    if duplex.error:
        raise AudioError(f"capture failed in the audio callback: {duplex.error}")
    peak_dbfs = _dbfs(duplex.peak)
    if progress is not None:
        progress(CaptureStatus(total_s, total_s, peak_dbfs))
    if duplex.peak >= FULL_SCALE:
        raise CaptureRefused(
            f"the recording clipped (input peak {peak_dbfs:+.1f} dBFS): lower the device's "
            "output or the input gain and capture again; nothing written"
        )
    if peak_dbfs < SILENT_DBFS:
        raise CaptureRefused(
            f"the recording stayed silent (input peak {peak_dbfs:.1f} dBFS, {name}): check the "
            "input device and the cables; nothing written"
        )
    path = write_audio(out_path, duplex.take[:, None], int(rate), force=force)
    return CaptureResult(path, total_s, peak_dbfs, duplex.dropouts, name)


class _EarlyDeath(Exception):  # noqa: N818 - a restart, not an error
    """The stream stopped in its first moments: nothing worth keeping was recorded yet."""


def _run(
    duplex: _Duplex,
    rate: float,
    devices: tuple[str | int | None, str | int | None],
    channels_out: int,
    progress: Callable[[CaptureStatus], None] | None,
    stop: threading.Event | None,
    attempt: int,
) -> str:
    """Run one duplex stream until ``duplex`` is full; the input device's name.

    Through ALSA's pulse plugin a duplex stream can die (or stall) in its first blocks while a
    new client waits for the server (as ``grutui monitor`` sees): that raises ``_EarlyDeath``
    so the caller starts a new one, up to ``START_ATTEMPTS`` times.
    """
    sd = backend.sounddevice()
    try:
        stream = sd.Stream(
            samplerate=rate,
            channels=(1, channels_out),
            dtype="float32",
            device=devices,
            latency="high",
            callback=duplex.callback,
        )
    except (sd.PortAudioError, ValueError) as exc:
        raise AudioError(
            f"cannot open the duplex stream at {rate:g} Hz: {_one_line(exc)}"
        ) from None
    backend.stream_opened()
    total_s = len(duplex.take) / rate
    try:
        name = backend.device_name(devices[0], "input")
        stream.start()
        started = last_change = time.monotonic()
        last_position = -1
        while not duplex.done.wait(0.1):
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt
            now = time.monotonic()
            if duplex.position != last_position:
                last_position, last_change = duplex.position, now
            stalled_s = now - last_change
            if duplex.position < EARLY_S * rate and attempt < START_ATTEMPTS:
                waited_s = START_GRACE_S if duplex.position == 0 else EARLY_STALL_S
                if not stream.active or stalled_s > waited_s:
                    raise _EarlyDeath
            if stalled_s > (START_GRACE_S if now - started < START_GRACE_S else STALL_S):
                raise AudioError(f"the audio device stopped delivering audio ({name})")
            if progress is not None:
                progress(CaptureStatus(duplex.position / rate, total_s, _dbfs(duplex.peak)))
    finally:
        stream.abort(ignore_errors=True)
        stream.close(ignore_errors=True)
        backend.stream_closed()
    return name


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
