"""What needs no sound server: the callback's allocations, the preset watcher, quiet stderr,
the import contract."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from audio_helpers import allocated_bytes

from grutui.audio import AudioError, Availability, availability, quiet_stderr
from grutui.audio.match import loudness_match_gain
from grutui.audio.monitor import Monitor
from grutui.audio.player import Player
from grutui.audio.watch import PresetWatcher
from grutui.dsp import Chain
from grutui.params import Params


def test_importing_grutui_audio_loads_no_portaudio() -> None:
    code = (
        "import sys, grutui, grutui.audio\n"
        "assert 'sounddevice' not in sys.modules, 'sounddevice imported'\n"
        "assert 'numba' not in sys.modules, 'numba imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_availability_never_raises_and_is_cached() -> None:
    first = availability()
    assert isinstance(first, Availability) and first.reason and "\n" not in first.reason
    t0 = time.perf_counter()
    assert availability() is first
    assert time.perf_counter() - t0 < 0.001


def test_player_callback_allocates_no_arrays_and_never_raises() -> None:
    rate_hz, block = 48000, 128
    data = (np.random.default_rng(1).normal(0, 0.3, (rate_hz, 2))).astype(np.float32)
    player = Player(data, rate_hz, Params(oversample=4), blocksize=block)
    player.loop = True
    player.prepare_offline()
    out = np.zeros((block, 2), np.float32)
    for _ in range(50):  # warm up: first calls may fill caches
        player.process_block(out)
    # Same oversampling factor: a new factor changes the chain's latency, and the chain then
    # reallocates its small dry-delay ring (an engine matter, reported).
    params = [Params(Wh=1.0 + i / 10, drive_db=float(i), auto_gain=i % 2 == 0) for i in range(10)]

    def play() -> None:
        for _ in range(200):
            player.process_block(out)

    peak = held = 0
    for p in params:
        player.set_params(p)  # the callback takes it up at its next block
        player.bypass = not player.bypass
        # tracemalloc sees every thread: let the loudness thread measure first.
        assert player.loudness.wait(30)
        block_peak, block_held = allocated_bytes(play)
        peak, held = max(peak, block_peak), max(held, block_held)
    player.close()
    # One float32 block is 1 kB; any array made per call would show in the peak.
    assert peak < 1024, f"callback allocated {peak} bytes at peak"
    assert held < 1024
    assert player.meters.error == ""
    assert np.all(np.isfinite(out))


def test_monitor_callback_with_meters_and_auto_gain_allocates_nothing() -> None:
    block = 128
    monitor = Monitor(Params(), blocksize=block)
    monitor.prepare_offline(48000)
    indata = np.random.default_rng(2).normal(0, 0.3, (block, 1)).astype(np.float32)  # mono
    out = np.zeros((block, 2), np.float32)
    params = [Params(Wh=2.0 + i / 4, drive_db=float(i), auto_gain=i % 3 > 0) for i in range(8)]

    def run() -> None:
        for i in range(4000):  # long enough for the auto gain to measure and move
            if i % 500 == 0:
                monitor.set_params(params[i // 500])
                monitor.reset_clips()
            monitor.process_block(indata, out)

    run()  # warm up
    peak, held = allocated_bytes(run)
    status = monitor.status()
    monitor.close()
    assert peak < 1024, f"callback allocated {peak} bytes at peak"
    assert held < 1024
    assert status.message == "" and status.auto_gain_db != 0.0
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("oversample", [1, 2, 4, 8])
def test_callback_path_gives_the_chains_samples(oversample: int) -> None:
    x = np.random.default_rng(0).normal(0, 0.5, (12000, 2)).astype(np.float32)
    params = Params(Wh=3.0, Wf=2.0, mix=70.0, oversample=oversample)
    expected = Chain(48000, 2, 256, params).process(x)
    chain = Chain(48000, 2, 256, params, all_stages=True, hold_gil=True)
    got = np.empty_like(x)
    for start in range(0, len(x), 256):
        chain.process_into(x[start : start + 256], got[start : start + 256])
    assert np.array_equal(got, expected)


def test_callback_error_goes_to_the_status_not_the_stream() -> None:
    player = Player(np.zeros((1000, 2), np.float32), 48000, Params(), blocksize=64)
    player.prepare_offline()
    out = np.ones((128, 2), np.float32)  # a block larger than prepared: the chain refuses
    player.process_block(out)
    assert np.all(out == 0.0)
    assert player.status().state == "error"
    assert "audio callback failed" in player.status().message
    player.close()


def test_loudness_match_gain_makes_the_loudness_equal() -> None:
    t = np.arange(48000) / 48000
    dry = np.stack([0.1 * np.sin(2 * np.pi * 440 * t)] * 2, axis=1).astype(np.float32)
    assert loudness_match_gain(dry, dry * 2, 48000) == pytest.approx(2.0, rel=1e-6)
    assert loudness_match_gain([dry, dry], [dry * 0.5, dry * 0.5], 48000) == pytest.approx(0.5)
    assert loudness_match_gain(np.zeros((10, 1), np.float32), dry, 48000) == 1.0  # silent dry
    assert loudness_match_gain(dry, dry * 0, 48000) == pytest.approx(10 ** (-24 / 20))  # limit


def test_player_refuses_bad_audio() -> None:
    with pytest.raises(AudioError):
        Player(np.zeros((10, 2, 2), np.float32), 48000, Params())


GOOD = "[params]\nWh = 3.0\n"


def test_watcher_reloads_within_half_a_second_and_keeps_good_settings(tmp_path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(GOOD)
    changes: list[tuple[float, Params]] = []
    errors: list[str] = []
    seen = threading.Event()

    def changed(params: Params) -> None:
        changes.append((time.monotonic(), params))
        seen.set()

    watcher = PresetWatcher(
        path, changed, errors.append, transform=lambda p: p.replace(mix=50.0)
    ).start()
    try:
        time.sleep(0.3)
        assert changes == []  # the file as it was at start is not a change
        t0 = time.monotonic()
        path.write_text("[params]\nWh = 4.5\n")
        assert seen.wait(2.0)
        assert changes[0][0] - t0 < 0.5
        assert changes[0][1].Wh == 4.5 and changes[0][1].mix == 50.0  # overrides re-applied
        path.write_text("[params]\nWh = \n")  # broken
        time.sleep(0.6)
        assert len(errors) == 1 and "p.toml" in errors[0] and "\n" not in errors[0]
        assert len(changes) == 1  # the last good settings stay
        tmp = tmp_path / "p.toml.new"
        tmp.write_text("[params]\nWh = 5.0\n")
        tmp.replace(path)  # an editor's atomic save
        time.sleep(0.6)
        assert changes[-1][1].Wh == 5.0
    finally:
        watcher.stop()


def test_quiet_stderr_sends_c_level_writes_to_the_log(tmp_path) -> None:
    log = tmp_path / "state" / "audio.log"
    code = (
        "import os, sys\n"
        "from grutui.audio import quiet_stderr\n"
        f"with quiet_stderr({str(log)!r}):\n"
        "    os.write(2, b'ALSA lib pcm.c: noise\\n')\n"
        "    print('python noise', file=sys.stderr)\n"
        "os.write(2, b'after\\n')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stderr == "after\n"
    text = log.read_text()
    assert "ALSA lib pcm.c: noise" in text and "python noise" in text


def test_quiet_stderr_default_log_is_in_the_state_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRUTUI_STATE_DIR", str(tmp_path))
    with quiet_stderr() as path:
        os.write(2, b"hidden\n")
    assert path == tmp_path / "audio-stderr.log" and "hidden" in path.read_text()
