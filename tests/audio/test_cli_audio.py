"""The ``devices``, ``play`` and ``monitor`` commands, run as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audio_helpers import (
    RATE_HZ,
    PulseServer,
    align,
    correlation,
    make_signal,
    median_harmonics_dbfs,
    rms_db,
    write_sine,
)

from grutui.analysis import analyze
from grutui.dsp import Chain
from grutui.params import Params

GRUTUI = [sys.executable, "-m", "grutui"]


def grutui(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*GRUTUI, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def run_then_ctrl_c(
    *args: str, env: dict[str, str], seconds: float
) -> tuple[list[str], subprocess.CompletedProcess]:
    """Start ``grutui *args``, read what it prints up to its ``rate:`` line (the stream runs),
    let it run ``seconds``, then press Ctrl-C. Returns those first lines and how it ended."""
    proc = subprocess.Popen(
        [*GRUTUI, *args], env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("rate:"):
            break
    time.sleep(seconds)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    return lines, subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_devices_without_a_server_says_how_to_reach_one(tmp_path) -> None:
    import os

    env = {
        k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "PULSE_SERVER", "CI")
    }
    env["SSH_CONNECTION"] = "10.0.0.1 50000 10.0.0.2 22"
    env["PULSE_CLIENTCONFIG"] = str(tmp_path / "none.conf")
    (tmp_path / "none.conf").write_text("autospawn = no\n")
    result = grutui("devices", env=env)
    assert result.returncode == 0, result.stderr
    assert "XDG_RUNTIME_DIR" in result.stdout and "PULSE_SERVER" in result.stdout
    result = grutui("devices", "--json", env=env)
    report = json.loads(result.stdout)
    assert report["ok"] is False and "XDG_RUNTIME_DIR" in report["reason"]


def test_devices_without_portaudio_says_what_to_install() -> None:
    # sounddevice raises OSError when libportaudio2 is missing; a blocked import stands in for it
    # (uninstalling the system library is not something a test may do).
    code = (
        "import sys; sys.modules['sounddevice'] = None\n"
        "import grutui, grutui.audio\n"
        "print(grutui.audio.availability())\n"
        "from grutui.cli import main; raise SystemExit(main(['devices']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "ok=False" in result.stdout and "sounddevice" in result.stdout


def test_a_hung_audio_backend_is_one_line_not_a_hang(tmp_path) -> None:
    # PortAudio stuck for good in libjack (a stale lock in /dev/shm/jack_db-UID) would hang every
    # audio client on the machine, so a module that never returns from its import stands in.
    (tmp_path / "sounddevice.py").write_text("import time\ntime.sleep(3600)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    sf.write(tmp_path / "in.wav", np.zeros((4800, 2), np.float32), RATE_HZ)
    code = (
        "import sys, grutui.audio.backend as backend\n"
        "backend.PROBE_TIMEOUT_S = 2.0  # 30 s by default\n"
        "from grutui.cli import main; raise SystemExit(main(sys.argv[1:]))\n"
    )
    for args in (["devices"], ["play", str(tmp_path / "in.wav")], ["monitor"]):
        t0 = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=60
        )
        said = (result.stdout + result.stderr).strip()
        assert time.monotonic() - t0 < 30, args
        assert said.splitlines() == [said] and "Traceback" not in said, said
        assert "did not answer within 2 s" in said and "/dev/shm/jack_db-" in said, said
        assert result.returncode == (0 if args == ["devices"] else 1), said


@pytest.mark.audio
def test_devices_lists_the_server(server: PulseServer) -> None:
    result = grutui("devices", env=server.env())
    assert result.returncode == 0, result.stderr
    assert "default" in result.stdout and "> " in result.stdout


@pytest.mark.audio
def test_play_prints_device_latency_and_xruns_and_sounds_right(
    server: PulseServer, tmp_path
) -> None:
    dry = make_signal(1.5)
    wav = tmp_path / "in.wav"
    sf.write(wav, dry, RATE_HZ, subtype="FLOAT")
    with server.record(tmp_path / "rec.raw") as rec:
        result = grutui("play", str(wav), "--set", "Wh=3", "--set", "drive_db=6", env=server.env())
    assert result.returncode == 0, result.stderr
    assert "device: " in result.stdout and "latency: " in result.stdout
    assert "xruns: 0" in result.stdout
    rendered = Chain(RATE_HZ, 2, 4096, Params(Wh=3.0, drive_db=6.0)).process(dry)
    heard = align(rec.samples(), rendered)
    assert correlation(heard, rendered) >= 0.999
    assert abs(rms_db(heard) - rms_db(rendered)) <= 0.5


@pytest.mark.audio
def test_play_streams_a_file_too_large_to_hold(server: PulseServer, tmp_path) -> None:
    from grutui.audiofile import STREAM_ABOVE_BYTES

    # 200 s of 48 kHz stereo: 77 MB as float32 (over the limit), 38 MB as a 16-bit WAV.
    period = make_signal(2.0)
    wav = tmp_path / "long.wav"
    with sf.SoundFile(wav, "w", RATE_HZ, 2, subtype="PCM_16") as f:
        for _ in range(100):
            f.write(period)
    assert 100 * period.nbytes > STREAM_ABOVE_BYTES
    period16 = sf.read(wav, frames=len(period), dtype="float32", always_2d=True)[0]
    with server.record(tmp_path / "rec.raw") as rec:
        lines, done = run_then_ctrl_c(
            "play", str(wav), "--set", "Wh=3", env=server.env(), seconds=2.5
        )
    assert done.returncode == 0, done.stderr
    assert "streamed from disk" in lines[0] and "200.00 s" in lines[0], lines
    assert "xruns: 0" in done.stdout and "disk underruns: 0" in done.stdout, done.stdout
    # The file repeats every 2 s: past the first period, the chain's output does too.
    steady = Chain(RATE_HZ, 2, 4096, Params(Wh=3.0)).process(np.tile(period16, (3, 1)))
    reference = steady[2 * RATE_HZ : 3 * RATE_HZ + RATE_HZ // 2]
    heard = align(rec.samples()[RATE_HZ // 2 :], reference)
    assert correlation(heard, reference) >= 0.999
    assert abs(rms_db(heard) - rms_db(reference)) <= 0.5


@pytest.mark.audio
def test_play_unreadable_file_is_one_line(server: PulseServer, tmp_path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    result = grutui("play", str(bad), env=server.env())
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "bad.wav" in result.stderr


PRESET_ODD = """name = "watched"
[params]
Wf = 0.0
Wh = 2.0
Uf = 0.0
Uh = 0.0
bf = 5.0
"""
PRESET_EVEN = (
    PRESET_ODD.replace("Wf = 0.0", "Wf = 5.0")
    .replace("Uf = 0.0", "Uf = 2.0")
    .replace("bf = 5.0", "bf = 0.0")
)


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)  # as an editor saves: the watcher must see a new inode too


@pytest.mark.audio
def test_monitor_watch_changes_the_recorded_harmonics(server: PulseServer, tmp_path) -> None:
    preset = tmp_path / "watched.toml"
    preset.write_text(PRESET_ODD)
    freq_hz, level = 100.0, 0.5
    wav = write_sine(tmp_path / "sine.wav", freq_hz, level, 12.0)
    with server.record(tmp_path / "rec.raw") as rec:
        proc = subprocess.Popen(
            [*GRUTUI, "monitor", "--preset", str(preset), "--watch", "--duration", "30"],
            env=server.env(),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert proc.stdout is not None
            # Wait until the command is up and watching, then feed the tone.
            for line in proc.stdout:
                if line.startswith("watching"):
                    break
            feeder = server.feed(wav)
            time.sleep(5.0)
            first = rec.samples()
            _write(preset, PRESET_EVEN)
            time.sleep(2.0)
            _write(preset, "[params]\nWh = 'loud'\n")  # broken: reported, settings stay
            time.sleep(2.5)
            second = rec.samples()[len(first) :]
            feeder.wait(timeout=30)
        finally:
            proc.terminate()  # SIGTERM; Ctrl-C is tested below
            _, err = proc.communicate(timeout=30)
    assert "reloaded" in err
    broken = [line for line in err.splitlines() if "Wh" in line]
    assert len(broken) == 1 and "keeping the last good settings" in broken[0], err

    def levels(y: np.ndarray) -> np.ndarray:
        loud = np.flatnonzero(np.abs(y[:, 0]) > 0.01)
        segment = y[loud[-1] - 2 * RATE_HZ - RATE_HZ // 2 : loud[-1] - RATE_HZ // 2, 0]
        return median_harmonics_dbfs(segment, freq_hz)

    odd = analyze(
        Params.from_mapping({"Wf": 0, "Wh": 2, "Uf": 0, "Uh": 0, "bf": 5}),
        freq_hz=freq_hz,
        gain=level,
        rate_hz=RATE_HZ,
    ).harmonics_dbfs[:5]
    even = analyze(
        Params.from_mapping({"Wf": 5, "Wh": 2, "Uf": 2, "Uh": 0, "bf": 0}),
        freq_hz=freq_hz,
        gain=level,
        rate_hz=RATE_HZ,
    ).harmonics_dbfs[:5]
    before, after = levels(first), levels(second)
    print("before", np.round(before, 2), "\nafter ", np.round(after, 2))
    assert before[1] < -90 and after[1] > -40  # H2 appears: the new preset is heard
    # and the broken save left the good settings in force
    assert np.all(np.abs(after[[0, 1, 2]] - even[[0, 1, 2]]) <= 1.0), (after, even)
    assert abs(before[0] - odd[0]) <= 1.0


@pytest.mark.audio
def test_monitor_ctrl_c_exits_cleanly_with_the_xrun_count(server: PulseServer) -> None:
    lines, done = run_then_ctrl_c("monitor", "--blocksize", "512", env=server.env(), seconds=1.0)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert any(line.startswith("device: in ") for line in lines)
    assert "xruns: " in done.stdout
