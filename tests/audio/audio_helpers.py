"""Helpers of the audio tests: the private PulseAudio server, recording and comparing, and
driving a player through its callback without a device.

The server runs in its own runtime folder (XDG_RUNTIME_DIR in tmp) with two null sinks at
48 kHz float32: ``out`` (the default sink: what grutui plays) and ``feed`` (its monitor is the
default source: what grutui hears). PortAudio reaches it through ALSA's pulse plugin.
In CI (CI=true) a missing server or PortAudio fails the tests instead of skipping them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

if TYPE_CHECKING:
    from grutui.audio import Player

RATE_HZ = 48000
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip outside CI, fail in CI: CI installs everything these tests need."""
    if not condition:
        if IN_CI:
            pytest.fail(f"audio test cannot run in CI: {reason}")
        pytest.skip(reason)


class PulseServer:
    """A PulseAudio daemon private to the test session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runtime = root / "run"
        self.runtime.mkdir(mode=0o700, exist_ok=True)
        (root / "home").mkdir(exist_ok=True)
        client_conf = root / "client.conf"
        client_conf.write_text("autospawn = no\n")
        self.socket = self.runtime / "pulse" / "native"
        # What every client (this process, PortAudio, parec, the grutui CLI) needs.
        self.client_env = {
            "XDG_RUNTIME_DIR": str(self.runtime),
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_CLIENTCONFIG": str(client_conf),
        }
        self.server_env = {
            **os.environ,
            **self.client_env,
            "HOME": str(root / "home"),
            "XDG_CONFIG_HOME": str(root / "config"),
        }
        self.server_env.pop("PULSE_SERVER")

    def start(self) -> None:
        sinks = [
            f"module-null-sink sink_name={name} rate={RATE_HZ} format=float32le"
            for name in ("out", "feed")
        ]
        cmd = [
            "pulseaudio",
            "-D",
            "-n",
            "--exit-idle-time=-1",
            "--log-target=stderr",
            *[f"--load={s}" for s in sinks],
            "--load=module-native-protocol-unix auth-anonymous=1",
            "--load=module-always-sink",
        ]
        subprocess.run(cmd, env=self.server_env, check=True, capture_output=True, timeout=20)
        deadline = time.monotonic() + 10
        while self.pactl("info").returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("private PulseAudio did not answer within 10 s")
            time.sleep(0.1)
        self.pactl("set-default-sink", "out")
        self.pactl("set-default-source", "feed.monitor")

    def kill(self) -> None:
        subprocess.run(["pulseaudio", "-k"], env=self.server_env, capture_output=True, timeout=20)
        deadline = time.monotonic() + 10
        while self.pactl("info").returncode == 0 and time.monotonic() < deadline:
            time.sleep(0.05)

    def pactl(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["pactl", *args], env=self.server_env, capture_output=True, timeout=20
        )

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a client subprocess (the grutui CLI)."""
        return {**os.environ, **self.client_env, **extra}

    @contextlib.contextmanager
    def record(self, path: Path) -> Iterator[Recording]:
        """Record the ``out`` sink's monitor (float32 stereo) while the block runs."""
        with open(path, "wb") as sink:
            proc = subprocess.Popen(
                [
                    "parec",
                    "--device=out.monitor",
                    "--format=float32le",
                    f"--rate={RATE_HZ}",
                    "--channels=2",
                    "--raw",
                    "--latency-msec=20",
                ],
                stdout=sink,
                env=self.server_env,
            )
        recording = Recording(path)
        try:
            # The first client to connect can take about a second: wait for data.
            deadline = time.monotonic() + 10
            while path.stat().st_size == 0:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("parec recorded nothing within 10 s")
                time.sleep(0.02)
            yield recording
            time.sleep(0.3)  # let the server's buffers reach the monitor
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    def feed(self, wav: Path) -> subprocess.Popen[bytes]:
        """Play ``wav`` into the ``feed`` sink (grutui's input)."""
        return subprocess.Popen(["paplay", "--device=feed", str(wav)], env=self.server_env)


class Recording:
    def __init__(self, path: Path) -> None:
        self.path = path

    def samples(self) -> np.ndarray:
        """The recording so far, (frames, 2) float32."""
        raw = np.fromfile(self.path, dtype=np.float32)
        return raw[: len(raw) // 2 * 2].reshape(-1, 2)


# -- comparing signals ---------------------------------------------------------------------
def align(recorded: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """The stretch of ``recorded`` that lines up with ``reference`` (cross-correlation)."""
    from scipy.signal import correlate

    assert len(recorded) >= len(reference), "recording shorter than the reference"
    score = correlate(
        recorded[:, 0].astype(np.float64),
        reference[:, 0].astype(np.float64),
        mode="valid",
        method="fft",
    )
    lag = int(np.argmax(score))
    return recorded[lag : lag + len(reference)]


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel().astype(np.float64), b.ravel().astype(np.float64))[0, 1])


def rms_db(x: np.ndarray) -> float:
    return float(10.0 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-30))


def harmonics_dbfs(x: np.ndarray, freq_hz: float, count: int = 5) -> np.ndarray:
    """Levels of H1..H``count`` of ``x`` (one channel) in dBFS (a full-scale sine is 0 dB)."""
    window = np.hanning(len(x))
    spectrum = np.abs(np.fft.rfft(x * window)) * 2.0 / window.sum()
    bins = np.fft.rfftfreq(len(x), 1.0 / RATE_HZ)
    levels = []
    for h in range(1, count + 1):
        k = int(np.argmin(np.abs(bins - h * freq_hz)))
        levels.append(20.0 * np.log10(spectrum[k - 1 : k + 2].max() + 1e-12))
    return np.array(levels)


def median_harmonics_dbfs(
    x: np.ndarray, freq_hz: float, window_s: float = 0.1, count: int = 5
) -> np.ndarray:
    """H1..H``count`` of ``x`` (one channel): the median over consecutive windows, so one
    glitch of the recording path (parec under a loaded machine) cannot decide the result."""
    n = int(window_s * RATE_HZ)
    windows = [x[i : i + n] for i in range(0, len(x) - n + 1, n)]
    assert len(windows) >= 3, "too little signal for the harmonics"
    return np.median([harmonics_dbfs(w, freq_hz, count) for w in windows], axis=0)


def steady_segment(y: np.ndarray, threshold: float = 0.01, seconds: float = 1.0) -> np.ndarray:
    """``seconds`` of channel 0 from the middle of the part of ``y`` that is not silent."""
    loud = np.flatnonzero(np.abs(y[:, 0]) > threshold)
    assert len(loud), "the recording is silent"
    first, last = int(loud[0]), int(loud[-1])
    n = int(seconds * RATE_HZ)
    assert last - first > n + RATE_HZ // 2, "too little signal recorded"
    start = (first + last - n) // 2
    return y[start : start + n, 0]


def write_sine(path: Path, freq_hz: float, amplitude: float, seconds: float) -> Path:
    import soundfile as sf

    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    tone = (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    sf.write(path, np.stack([tone, tone], axis=1), RATE_HZ, subtype="FLOAT")
    return path


def crest_sine(freq_hz: float, amplitude: float, seconds: float) -> np.ndarray:
    """About ``seconds`` of a stereo sine (frames, 2) float32 that starts at 0 rising and ends on
    its crest (+``amplitude``): looped, its end jumps by ``amplitude`` to its start."""
    periods = max(1, round(seconds * freq_hz)) - 0.75  # ends a quarter period past a zero
    frames = round(periods / freq_hz * RATE_HZ) + 1
    t = np.arange(frames) / RATE_HZ
    tone = (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    assert tone[0] == 0.0 and tone[-1] > 0.99 * amplitude
    return np.stack([tone, tone], axis=1)


def make_signal(seconds: float = 2.0, seed: int = 7) -> np.ndarray:
    """A stereo test signal with tones, a chord, noise bursts and silence-free edges."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    left = 0.4 * np.sin(2 * np.pi * 110 * t) + 0.2 * np.sin(2 * np.pi * 443 * t)
    right = 0.3 * np.sin(2 * np.pi * 165 * t + 1.0) + 0.25 * np.sin(2 * np.pi * 1201 * t)
    bursts = (np.sin(2 * np.pi * 3 * t) > 0.6) * rng.normal(0.0, 0.1, len(t))
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)  # no click at the edges
    x = np.stack([left + bursts, right - bursts], axis=1) * fade[:, None]
    return x.astype(np.float32)


@contextlib.contextmanager
def private_server(folder: Path) -> Iterator[PulseServer]:
    """A running private server, with os.environ pointing this process (and PortAudio) at it
    until the block ends."""
    for tool in ("pulseaudio", "pactl", "parec", "paplay"):
        require(
            shutil.which(tool) is not None,
            f"{tool} not installed (apt-get install pulseaudio pulseaudio-utils)",
        )
    from grutui.audio import backend

    try:
        backend.probe()  # a hung backend (a stale JACK lock) fails the session, not each test
        backend.sounddevice()
    except backend.AudioError as exc:
        require(False, str(exc))
    server = PulseServer(folder)
    saved = {key: os.environ.get(key) for key in server.client_env}
    os.environ.update(server.client_env)
    server.start()
    try:
        found = backend.availability(refresh=True)  # PortAudio may have listed devices before
        require(
            found.ok,
            f"PortAudio does not see the private server: {found.reason} "
            "(apt-get install libasound2-plugins)",
        )
        yield server
    finally:
        server.kill()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        backend.availability(refresh=True)  # forget the server for whatever runs next


# -- JACK's state in /dev/shm --------------------------------------------------------------
JACK_DB = Path(f"/dev/shm/jack_db-{os.getuid()}")


def jackd_running() -> bool:
    """True if any jackd process runs on the machine (read from /proc: no procps needed)."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() == "jackd":
                return True
    return False


def clear_jack_leftovers(server_name: str) -> None:
    """After a JACK server named ``server_name`` was stopped: remove the files a killed one
    leaves in /dev/shm, and, when no jackd runs, libjack's metadata database (``JACK_DB``) if
    it hangs PortAudio's start (every PortAudio client of this user opens it, through ALSA's
    JACK plugin, and waits forever on a lock that a killed server or client held)."""
    from grutui.audio import backend

    for leftover in Path("/dev/shm").glob(f"jack*_{server_name}_*"):
        leftover.unlink(missing_ok=True)
    try:
        backend.probe()
    except backend.AudioError:
        if jackd_running():
            raise
        shutil.rmtree(JACK_DB, ignore_errors=True)
        backend.probe()


# -- driving a player or monitor without a device --------------------------------------------
def play_blocks(
    player: Player,
    blocks: int,
    each: Callable[[int], None] | None = None,
) -> np.ndarray:
    """``player.process_block`` called ``blocks`` times as a device would, after
    ``prepare_offline``; the output, joined (shorter if the file ends). A block played as
    silence because a streamed file's reader had not caught up (a refill after a seek, or an
    underrun, which is then not counted) is played again once it has: a test's machine may be
    slower than a device's pace, never faster."""
    out = np.zeros((player.blocksize, player.channels), np.float32)
    played = []
    for i in range(blocks):
        if each is not None:
            each(i)
        deadline = time.monotonic() + 5.0
        while True:
            underruns, waiting = player.meters.underruns, player.buffering
            if not player.process_block(out):
                played.append(out.copy())
                return np.concatenate(played)
            if player.meters.underruns == underruns and not (waiting and player.buffering):
                break
            player.meters.underruns = underruns
            assert time.monotonic() < deadline, "the reader never caught up"
            time.sleep(0.002)
        played.append(out.copy())
    return np.concatenate(played)


def allocated_bytes(run: Callable[[], object]) -> tuple[int, int]:
    """Bytes allocated by every thread while ``run()`` runs: (at the peak, still held after)."""
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        run()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base, current - base


# -- the workstation's load ------------------------------------------------------------------
@dataclass
class UiLoad:
    """What ``under_ui_load`` did: parameter changes, plot builds, the RSS every second (kB)."""

    changes: int = 0
    builds: int = 0
    rss_kb: list[int] = field(default_factory=list)


def under_ui_load(stream: Any, seconds: float) -> UiLoad:
    """For ``seconds``, do to a running ``stream`` what the workstation does: a thread builds
    text plots in pure Python (~20 ms each, holding the GIL as the plot library the
    workstation once used did), and every 50 ms the parameters change (Wh, drive, and the
    oversampling factor now and then), as a held key does."""
    load = UiLoad()
    stop = threading.Event()

    def plots() -> None:
        x = [i / 500 - 1 for i in range(1000)]
        while not stop.is_set():
            rows = [
                "".join("*" if abs(v**3 - row / 10 + 1) < 0.05 else " " for v in x)
                for row in range(20)
            ]
            "\n".join(rows)
            load.builds += 1

    ui = threading.Thread(target=plots)
    ui.start()
    try:
        t0 = time.monotonic()
        params = stream.params
        while time.monotonic() - t0 < seconds:
            load.changes += 1
            step = load.changes
            params = params.replace(Wh=1.0 + (step % 40) / 10.0, drive_db=float(step % 12))
            if step % 50 == 0:
                params = params.replace(oversample=2 if params.oversample == 4 else 4)
            stream.set_params(params)
            if step % 20 == 0:
                load.rss_kb.append(_rss_kb())
            time.sleep(0.05)
    finally:
        stop.set()
        ui.join()
    return load


def _rss_kb() -> int:
    with open(f"/proc/{os.getpid()}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
