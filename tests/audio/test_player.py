"""Audition against a real PulseAudio server: what is heard is what the render writes."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
from audio_helpers import (
    RATE_HZ,
    PulseServer,
    align,
    correlation,
    crest_sine,
    make_signal,
    rms_db,
    write_sine,
)

from grutui import audiofile
from grutui.audio import AudioError, Player
from grutui.audio.sources import LOOP_FADE_S
from grutui.dsp import Chain
from grutui.dsp.loudness import integrated_loudness_lufs
from grutui.params import Params

pytestmark = pytest.mark.audio

HOT = Params(Wf=2.0, Wh=3.0, Uf=1.0, Uh=0.5, bf=0.0, drive_db=3.0, oversample=4)
HOW = pytest.mark.parametrize("stream", [False, True], ids=["memory", "streamed"])


def play_to_end(player: Player, timeout_s: float = 15.0) -> None:
    player.start()
    deadline = time.monotonic() + timeout_s
    while player.playing:
        assert time.monotonic() < deadline, f"still playing after {timeout_s} s"
        time.sleep(0.02)


def player_for(dry: np.ndarray, params: Params, stream: bool, tmp_path) -> Player:
    """A player of ``dry`` written to a file; streamed through a small ring (0.5 s) that wraps
    several times, or held in memory."""
    path = tmp_path / "in.wav"
    sf.write(path, dry, RATE_HZ, subtype="FLOAT")
    player = Player.from_file(path, params, stream=stream, ring_s=0.5)
    assert player.streamed == stream
    return player


@HOW
def test_played_file_matches_offline_render(server: PulseServer, tmp_path, stream) -> None:
    dry = make_signal(2.0)
    rendered = Chain(RATE_HZ, 2, 4096, HOT).process(dry)
    player = player_for(dry, HOT, stream, tmp_path)
    with server.record(tmp_path / "rec.raw") as rec:
        play_to_end(player)
    status = player.status()
    player.close()
    heard = align(rec.samples(), rendered)
    assert status.state == "stopped" and status.message == "end of file", status
    assert status.xruns == 0 and status.underruns == 0
    assert correlation(heard, rendered) >= 0.999
    assert abs(rms_db(heard) - rms_db(rendered)) <= 0.5
    print(
        f"render vs heard: correlation {correlation(heard, rendered):.6f}, "
        f"level {rms_db(heard) - rms_db(rendered):+.3f} dB"
    )


@HOW
def test_bypass_plays_the_dry_file_at_the_wet_loudness(
    server: PulseServer, tmp_path, stream
) -> None:
    dry = make_signal(2.0) * np.float32(0.1)  # quiet: matched, it stays under full scale
    wet_lufs = integrated_loudness_lufs(Chain(RATE_HZ, 2, 4096, HOT).process(dry), RATE_HZ)
    dry_lufs = integrated_loudness_lufs(dry, RATE_HZ)
    player = player_for(dry, HOT, stream, tmp_path)
    player.bypass = True
    with server.record(tmp_path / "rec.raw") as rec:
        play_to_end(player)
    player.close()
    heard = align(rec.samples(), dry)
    heard_lufs = integrated_loudness_lufs(heard, RATE_HZ)
    assert abs(dry_lufs - wet_lufs) > 3.0, "test settings should change the loudness"
    assert player.status().bypass_cut_db == 0.0
    assert correlation(heard, dry) >= 0.999  # the dry file, not the distorted one
    assert abs(heard_lufs - wet_lufs) <= 0.5  # as loud as the wet signal (BS.1770)
    print(
        f"bypass: correlation {correlation(heard, dry):.6f}, "
        f"loudness vs wet {heard_lufs - wet_lufs:+.3f} LU (dry was {dry_lufs - wet_lufs:+.2f})"
    )


def test_bypass_switch_mid_play_does_not_click(server: PulseServer, tmp_path) -> None:
    t = np.arange(3 * RATE_HZ) / RATE_HZ
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    dry = np.stack([tone, tone], axis=1)
    params = Params(Wh=1.0, Wf=0.0, Uf=0.0, Uh=0.0, bf=5.0)
    player = Player(dry, RATE_HZ, params)
    with server.record(tmp_path / "rec.raw") as rec:
        player.start()
        time.sleep(0.8)
        player.bypass = True
        time.sleep(0.8)
        player.bypass = False
        while player.playing:
            time.sleep(0.02)
    player.close()
    y = rec.samples()[:, 0].astype(np.float64)
    loud = np.flatnonzero(np.abs(y) > 0.01)
    steps = np.abs(np.diff(y[loud[0] : loud[-1]]))
    # A click is a step between two samples far above the tone's own steepest slope.
    assert steps.max() < 1.5 * np.percentile(steps, 99.5)


@HOW
def test_position_seek_and_loop(server: PulseServer, tmp_path, stream) -> None:
    dry = make_signal(1.0)
    player = player_for(dry, Params(), stream, tmp_path)
    assert player.duration_s == pytest.approx(1.0)
    player.loop = True
    player.seek(0.5)
    assert player.position_s == pytest.approx(0.5)
    player.start()
    time.sleep(1.5)  # past the end: looping keeps it playing
    assert player.playing
    assert 0.0 <= player.position_s <= 1.0
    assert player.status().underruns == 0
    player.stop()
    assert not player.playing and player.status().state == "stopped"
    player.close()


@HOW
def test_seek_on_a_steady_sine_does_not_click(server: PulseServer, tmp_path, stream) -> None:
    freq_hz = 220.0
    write_sine(tmp_path / "sine.wav", freq_hz, 0.5, 5.0)
    # mix 0: the chain passes the (delayed) sine, so any step of the seek would stand out.
    player = Player.from_file(tmp_path / "sine.wav", Params(mix=0.0), stream=stream)
    target_s = 3.0 + 0.25 / freq_hz  # a quarter period off whatever phase it leaves
    with server.record(tmp_path / "rec.raw") as rec:
        player.start()
        assert player.wait_started()
        time.sleep(1.0)
        before_s = player.position_s
        player.seek(target_s)
        assert player.position_s == pytest.approx(target_s, abs=1e-3)
        time.sleep(0.5)
        after_s = player.position_s
        player.stop()
    status = player.status()
    player.close()
    y = rec.samples()[:, 0].astype(np.float64)
    loud = np.flatnonzero(np.abs(y) > 0.01)
    y = y[loud[0] : loud[-1] - RATE_HZ // 10]  # from the first sound to just before the stop
    steps = np.abs(np.diff(y))
    steady = steps[: RATE_HZ // 2].max()  # the sine's own steepest step: 0.5 * 2 pi f / rate
    # The seek's fade: the only stretch where the sine dips to silence.
    envelope = np.convolve(np.abs(y), np.ones(64) / 64, mode="same")
    quiet = np.flatnonzero(envelope[RATE_HZ // 2 :] < 0.02) + RATE_HZ // 2
    print(
        f"seek ({'streamed' if stream else 'in memory'}): max step {steps.max():.5f} over the "
        f"recording, steady sine {steady:.5f}; position {before_s:.3f} -> {after_s:.3f} s"
    )
    assert len(quiet) > 0, "no fade recorded: did the seek happen?"
    assert steps.max() <= steady * 1.01
    assert target_s + 0.3 < after_s < target_s + 0.8  # it moved, and plays on from there
    assert before_s < 1.5
    assert status.xruns == 0 and status.underruns == 0


@HOW
def test_stop_fades_out_and_resumes_where_it_stopped(server: PulseServer, tmp_path, stream) -> None:
    write_sine(tmp_path / "sine.wav", 220.0, 0.5, 5.0)
    player = Player.from_file(tmp_path / "sine.wav", Params(mix=0.0), stream=stream)
    with server.record(tmp_path / "rec.raw") as rec:
        player.start()
        assert player.wait_started()
        time.sleep(1.0)
        player.stop()  # mid-waveform: a cut would step by up to 0.5
        stopped_s = player.position_s
        time.sleep(0.3)
    player.start()
    assert player.wait_started()
    resumed_s = player.position_s
    player.close()
    y = rec.samples()[:, 0].astype(np.float64)
    loud = np.flatnonzero(np.abs(y) > 0.01)
    y = y[loud[0] :]  # from the first sound to the end of the recording, past the stop
    steps = np.abs(np.diff(y))
    steady = steps[: RATE_HZ // 2].max()  # the sine's own steepest step
    print(f"stop: max step {steps.max():.5f}, steady sine {steady:.5f}")
    assert np.abs(y[-RATE_HZ // 10 :]).max() < 1e-4  # it did stop
    assert steps.max() <= steady * 1.01
    assert 0.9 < stopped_s < 1.6 and resumed_s == pytest.approx(stopped_s, abs=0.1)


@HOW
def test_loop_point_does_not_click(server: PulseServer, tmp_path, stream) -> None:
    # A second of 220 Hz sine that starts at 0 and ends on its crest (+0.5): looped, the wrap
    # jumps by 0.5, about 35 times the sine's own steepest step, unless it is faded.
    x = crest_sine(220.0, 0.5, 1.0)
    frames = len(x)
    sf.write(tmp_path / "sine.wav", x, RATE_HZ, subtype="FLOAT")
    # mix 0: the chain passes the (delayed) sine, so any step at the loop point would stand out.
    player = Player.from_file(tmp_path / "sine.wav", Params(mix=0.0), stream=stream)
    assert player.streamed == stream
    player.loop = True
    with server.record(tmp_path / "rec.raw") as rec:
        player.start()
        assert player.wait_started()
        time.sleep(2.7)  # two wraps and a half pass
        assert player.playing
        player.stop()
    status = player.status()
    player.close()
    y = rec.samples()[:, 0].astype(np.float64)
    loud = np.flatnonzero(np.abs(y) > 0.01)
    # From the file's first frame (the one before the first loud one) to just before the stop.
    y = y[loud[0] - 1 : loud[-1] - RATE_HZ // 10]
    steps = np.abs(np.diff(y))
    steady = steps[: RATE_HZ // 2].max()  # the sine's own steepest step: 0.5 * 2 pi f / rate
    # Where the file starts again (within a few frames: the window is 40 ms wide).
    wraps = [k * frames for k in range(1, 4) if k * frames + RATE_HZ // 50 < len(steps)]
    around = [steps[w - RATE_HZ // 50 : w + RATE_HZ // 50].max() for w in wraps]
    envelope = np.convolve(np.abs(y), np.ones(64) / 64, mode="same")
    dips = [envelope[w - RATE_HZ // 50 : w + RATE_HZ // 50].min() for w in wraps]
    print(
        f"loop point ({'streamed' if stream else 'in memory'}, {LOOP_FADE_S * 1000:g} ms fade): "
        f"max step round {len(wraps)} wraps {max(around, default=0.0):.5f} "
        f"(each {', '.join(f'{a:.5f}' for a in around)}), steady sine {steady:.5f}, "
        f"over the recording {steps.max():.5f}"
    )
    assert len(wraps) >= 2, "fewer than two wraps recorded"
    assert max(around) <= steady * 1.01
    assert steps.max() <= steady * 1.01
    if LOOP_FADE_S > 0:
        assert max(dips) < 0.02, "no fade at the loop point: did the loop wrap there?"
    assert status.xruns == 0 and status.underruns == 0


def test_a_streamed_source_plays_from_the_workstations_audio_control(
    server: PulseServer, tmp_path, monkeypatch
) -> None:
    from grutui.ui.audio_control import AudioControl
    from grutui.ui.source import load_source

    sf.write(tmp_path / "big.wav", make_signal(2.0), RATE_HZ, subtype="FLOAT")
    monkeypatch.setattr(audiofile, "STREAM_ABOVE_BYTES", 1000)  # "big": too large to hold
    source = load_source(tmp_path / "big.wav")
    assert source.data is None
    control = AudioControl()
    control.load(source)
    try:
        assert control.toggle_play()
        deadline = time.monotonic() + 5.0  # a new stream can take a second or two to sound
        while control.status().peak_out_dbfs < -30 and time.monotonic() < deadline:
            time.sleep(0.05)
        status = control.status()
        assert status.state == "playing" and status.peak_out_dbfs > -30
        assert control.position()[1] == pytest.approx(2.0)
    finally:
        control.close()


def test_playing_changes_no_process_wide_state(server: PulseServer) -> None:
    code = (
        "import gc, sys, time, numpy as np\n"
        "from grutui.audio import Player\n"
        "from grutui.params import Params\n"
        "before = (sys.getswitchinterval(), gc.get_freeze_count(), gc.isenabled())\n"
        "player = Player(np.zeros((48000, 2), np.float32), 48000, Params())\n"
        "player.start()\n"
        "assert player.wait_started(), player.status()\n"
        "player.close()\n"
        "after = (sys.getswitchinterval(), gc.get_freeze_count(), gc.isenabled())\n"
        "assert before == after, (before, after)\n"
        "from grutui.audio import tune_interpreter_for_audio\n"
        "tune_interpreter_for_audio()\n"
        "assert sys.getswitchinterval() == 0.001 and gc.get_freeze_count() > 0\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=server.env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_a_rate_the_device_cannot_open_is_refused(server: PulseServer) -> None:
    # PulseAudio opens any rate up to 384 kHz (and resamples); far beyond it must be refused
    # rather than played at another speed.
    player = Player(make_signal(0.1), 2_000_000, Params())
    with pytest.raises(AudioError, match=r"2e\+06 Hz|cannot"):
        player.start()
    player.close()


def test_killed_server_is_reported_and_playback_restarts(server: PulseServer) -> None:
    player = Player(make_signal(1.0), RATE_HZ, Params())
    player.loop = True
    player.start()
    time.sleep(0.5)
    assert player.status().state == "playing"
    server.kill()
    deadline = time.monotonic() + 3.0
    while player.status().state == "playing" and time.monotonic() < deadline:
        time.sleep(0.05)
    status = player.status()
    assert status.state == "error"
    assert status.message.startswith("audio device lost"), status.message
    player.stop()  # returns: a dead device does not hang the process
    with pytest.raises(AudioError):
        player.start()  # no server: a readable error, not a crash
    server.start()
    player.start()
    time.sleep(0.5)
    assert player.status().state == "playing", player.status()
    assert player.status().peak_out_dbfs > -20
    player.close()
