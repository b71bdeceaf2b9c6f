"""Gain staging: the meters, auto gain and the bypass that never goes over full scale; offline
through ``process_block``, then against the private PulseAudio server and from the command
line as a user runs them."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
from audio_helpers import RATE_HZ, PulseServer, align, correlation, play_blocks

import grutui
from grutui.audio import Monitor, Player
from grutui.dsp import Chain
from grutui.dsp.loudness import integrated_loudness_lufs
from grutui.params import Params

# A square-wave fuzz turned up: 7 LU louder than a normalised pluck.
FUZZ = grutui.load_preset("Fuzz Wall").params.replace(output_db=6.0)
GRUTUI = [sys.executable, "-m", "grutui"]


def plucks(seconds: float, peak: float = 1.0) -> np.ndarray:
    """A plucked string every half second (decaying harmonics of 110 Hz), stereo, normalised
    to ``peak``: a loud crest over a quiet body, as a guitar take."""
    t = np.arange(round(0.5 * RATE_HZ)) / RATE_HZ
    note = sum(np.sin(2 * np.pi * 110 * h * t) / h for h in range(1, 8)) * np.exp(-t / 0.12)
    mono = np.tile(note, round(seconds / 0.5))
    x = np.stack([mono, 0.9 * mono], axis=1)
    return (x * (peak / np.abs(x).max())).astype(np.float32)


def lufs(x: np.ndarray) -> float:
    return integrated_loudness_lufs(x, RATE_HZ)


# -- offline ---------------------------------------------------------------------------------
def test_meters_read_peak_rms_hold_and_keep_clips_until_reset() -> None:
    # 0.2 s of a sine at 1.5 (over full scale), then 3 s at 0.25; played dry (mix 0).
    t = np.arange(round(3.2 * RATE_HZ)) / RATE_HZ
    level = np.where(t < 0.2, 1.5, 0.25)
    x = np.stack([level * np.sin(2 * np.pi * 100 * t)] * 2, axis=1).astype(np.float32)
    over = int(np.count_nonzero(np.abs(x) > 1.0))
    player = Player(x, RATE_HZ, Params(mix=0.0), blocksize=128)
    player.prepare_offline()
    play_blocks(player, round(0.5 * RATE_HZ / 128))
    early = player.status()  # 0.3 s into the quiet part
    play_blocks(player, round(2.5 * RATE_HZ / 128))
    late = player.status()  # 2.8 s into it: the hold has let go
    player.reset_clips()
    cleared = player.status()
    player.close()
    print(f"early {early.output}\nlate {late.output}")
    for meter in (early.input, early.output):
        assert meter.clips == over and meter.clipped  # every sample over full scale, counted
        assert meter.max_dbfs == pytest.approx(20 * np.log10(1.5), abs=0.01)
        assert meter.hold_dbfs == pytest.approx(20 * np.log10(1.5), abs=0.01)  # held
        assert meter.peak_dbfs < meter.hold_dbfs - 3.0  # the peak falls (20 dB/s)
    for meter in (late.input, late.output):
        assert meter.clips == over  # still lit seconds later
        assert meter.hold_dbfs == pytest.approx(20 * np.log10(0.25), abs=0.3)
        assert meter.peak_dbfs == pytest.approx(20 * np.log10(0.25), abs=0.3)
        assert meter.rms_dbfs == pytest.approx(20 * np.log10(0.25 / np.sqrt(2)), abs=0.3)
    assert cleared.input.clips == cleared.output.clips == 0 and not cleared.output.clipped
    assert cleared.output.max_dbfs == -np.inf


def test_monitor_auto_gain_brings_the_output_to_the_inputs_loudness() -> None:
    x = plucks(6.0)
    heard = {}
    for auto_gain in (False, True):
        monitor = Monitor(FUZZ.replace(auto_gain=auto_gain), blocksize=128)
        monitor.prepare_offline(RATE_HZ)
        out = np.zeros((128, 2), np.float32)
        played = []
        for start in range(0, len(x) - 127, 128):
            monitor.process_block(x[start : start + 128], out)
            played.append(out.copy())
        status = monitor.status()
        monitor.close()
        y = np.concatenate(played)
        heard[auto_gain] = lufs(y[len(y) // 2 :])  # after it has settled
        print(f"auto gain {auto_gain}: {status.auto_gain_db:+.2f} dB")
    dry = lufs(x[len(x) // 2 :])
    print(f"dry {dry:.2f} LUFS, wet {heard[False]:.2f}, with auto gain {heard[True]:.2f}")
    assert heard[False] - dry > 5.0  # the fuzz is far louder
    assert abs(heard[True] - dry) <= 1.0


def test_render_auto_gain_matches_the_inputs_loudness_and_the_python_api(tmp_path) -> None:
    x = plucks(3.0)
    sf.write(tmp_path / "in.wav", x, RATE_HZ, subtype="FLOAT")
    result = subprocess.run(
        [*GRUTUI, "render", str(tmp_path / "in.wav"), "-o", str(tmp_path / "out.wav"),
         "--preset", "Fuzz Wall", "--set", "output_db=6", "--set", "auto_gain=on"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    y, rate_hz = sf.read(tmp_path / "out.wav", dtype="float32", always_2d=True)
    plain = grutui.process(x, RATE_HZ, FUZZ)
    print(f"dry {lufs(x):.2f} LUFS, wet {lufs(plain):.2f}, rendered with auto gain {lufs(y):.2f}")
    assert rate_hz == RATE_HZ and y.shape == x.shape
    assert lufs(plain) - lufs(x) > 5.0
    assert abs(lufs(y) - lufs(x)) <= 0.1
    assert np.array_equal(y, grutui.process(x, RATE_HZ, FUZZ.replace(auto_gain=True)))


# -- against the server --------------------------------------------------------------------
def record_play(server: PulseServer, tmp_path, player: Player) -> np.ndarray:
    with server.record(tmp_path / "rec.raw") as rec:
        player.start()
        deadline = time.monotonic() + 30
        while player.playing:
            assert time.monotonic() < deadline, "still playing"
            time.sleep(0.02)
    return rec.samples()


@pytest.mark.audio
def test_bypass_of_a_loud_fuzz_on_a_normalised_file_stays_under_full_scale(
    server: PulseServer, tmp_path
) -> None:
    x = plucks(3.0)
    wet_lufs = lufs(Chain(RATE_HZ, 2, 4096, FUZZ).process(x))
    player = Player(x, RATE_HZ, FUZZ)
    player.bypass = True
    recorded = record_play(server, tmp_path, player)
    status = player.status()
    player.close()
    heard = align(recorded, x)
    peak_dbfs = 20 * np.log10(np.abs(recorded).max())
    print(
        f"bypass: wanted {wet_lufs - lufs(x):+.2f} dB to match, played "
        f"{status.bypass_gain_db:+.2f} dB ({status.bypass_cut_db:.2f} dB under); recorded peak "
        f"{peak_dbfs:+.4f} dBFS, {status.output.clips} samples over full scale"
    )
    assert wet_lufs - lufs(x) > 5.0  # matching would take the dry 5 dB over full scale
    assert peak_dbfs <= 0.0 and status.output.clips == 0
    assert status.bypass_cut_db == pytest.approx(wet_lufs - lufs(x), abs=0.5)
    assert correlation(heard, x) >= 0.999  # the dry file, as loud as it may be
    assert abs(peak_dbfs) < 0.1


@pytest.mark.audio
@pytest.mark.parametrize("stream", [False, True], ids=["memory", "streamed"])
def test_auto_gain_plays_the_wet_at_the_dry_loudness(server: PulseServer, tmp_path, stream) -> None:
    x = plucks(3.0)
    sf.write(tmp_path / "in.wav", x, RATE_HZ, subtype="FLOAT")
    player = Player.from_file(tmp_path / "in.wav", FUZZ.replace(auto_gain=True), stream=stream)
    recorded = record_play(server, tmp_path, player)
    status = player.status()
    player.close()
    wet = Chain(RATE_HZ, 2, 4096, FUZZ).process(x)
    heard = align(recorded, wet)
    print(
        f"auto gain {status.auto_gain_db:+.2f} dB: dry {lufs(x):.2f} LUFS, wet {lufs(wet):.2f},"
        f" heard {lufs(heard):.2f}"
    )
    assert correlation(heard, wet) >= 0.999
    assert lufs(wet) - lufs(x) > 5.0
    assert abs(lufs(heard) - lufs(x)) <= 1.0


@pytest.mark.audio
def test_play_prints_the_bypass_cut_auto_gain_and_clips(server: PulseServer, tmp_path) -> None:
    sf.write(tmp_path / "in.wav", plucks(1.0), RATE_HZ, subtype="FLOAT")
    common = [*GRUTUI, "play", str(tmp_path / "in.wav"), "--preset", "Fuzz Wall", "--set"]
    bypass = subprocess.run(
        [*common, "output_db=6", "--bypass"],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    auto = subprocess.run(
        [*common, "output_db=12", "--set", "auto_gain=on"],
        env=server.env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    print(bypass.stdout, auto.stdout)
    assert bypass.returncode == 0 and auto.returncode == 0, bypass.stderr + auto.stderr
    line = next(x for x in bypass.stdout.splitlines() if x.startswith("bypass: dry "))
    assert "under the wet's loudness, to stay under full scale" in line
    assert "samples over full scale: in 0, out 0" in bypass.stdout
    gain = next(x for x in auto.stdout.splitlines() if x.startswith("auto gain: wet "))
    assert float(gain.split()[3]) < -10.0  # turned down to the pluck's loudness
    peaks = next(x for x in auto.stdout.splitlines() if x.startswith("peaks: in "))
    assert float(peaks.split()[2]) == pytest.approx(0.0, abs=0.05)  # the normalised file
