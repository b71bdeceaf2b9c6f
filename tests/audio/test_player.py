"""Audition against a real PulseAudio server: what is heard is what the render writes."""

from __future__ import annotations

import time

import numpy as np
import pytest
from audio_helpers import RATE_HZ, PulseServer, align, correlation, make_signal, rms_db

from grutui.audio import AudioError, Player
from grutui.dsp import Chain
from grutui.params import Params

pytestmark = pytest.mark.audio

HOT = Params(Wf=2.0, Wh=3.0, Uf=1.0, Uh=0.5, bf=0.0, drive_db=3.0, oversample=4)


def play_to_end(player: Player, timeout_s: float = 15.0) -> None:
    player.start()
    deadline = time.monotonic() + timeout_s
    while player.playing:
        assert time.monotonic() < deadline, f"still playing after {timeout_s} s"
        time.sleep(0.02)


def test_played_file_matches_offline_render(server: PulseServer, tmp_path) -> None:
    dry = make_signal(2.0)
    rendered = Chain(RATE_HZ, 2, 4096, HOT).process(dry)
    player = Player(dry, RATE_HZ, HOT)
    with server.record(tmp_path / "rec.raw") as rec:
        play_to_end(player)
    status = player.status()
    player.close()
    heard = align(rec.samples(), rendered)
    assert status.state == "stopped" and status.message == "end of file", status
    assert status.xruns == 0
    assert correlation(heard, rendered) >= 0.999
    assert abs(rms_db(heard) - rms_db(rendered)) <= 0.5
    print(
        f"render vs heard: correlation {correlation(heard, rendered):.6f}, "
        f"level {rms_db(heard) - rms_db(rendered):+.3f} dB"
    )


def test_bypass_plays_the_dry_file_at_the_wet_loudness(server: PulseServer, tmp_path) -> None:
    dry = make_signal(2.0)
    wet_db = rms_db(Chain(RATE_HZ, 2, 4096, HOT).process(dry))
    player = Player(dry, RATE_HZ, HOT)
    player.bypass = True
    with server.record(tmp_path / "rec.raw") as rec:
        play_to_end(player)
    player.close()
    heard = align(rec.samples(), dry)
    assert abs(rms_db(dry) - wet_db) > 3.0, "test settings should change the loudness"
    assert correlation(heard, dry) >= 0.999  # the dry file, not the distorted one
    assert abs(rms_db(heard) - wet_db) <= 0.5  # as loud as the wet signal
    print(
        f"bypass: correlation {correlation(heard, dry):.6f}, "
        f"level vs wet {rms_db(heard) - wet_db:+.3f} dB"
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


def test_position_seek_and_loop(server: PulseServer) -> None:
    dry = make_signal(1.0)
    player = Player(dry, RATE_HZ, Params())
    assert player.duration_s == pytest.approx(1.0)
    player.loop = True
    player.seek(0.5)
    assert player.position_s == pytest.approx(0.5)
    player.start()
    time.sleep(1.5)  # past the end: looping keeps it playing
    assert player.playing
    assert 0.0 <= player.position_s <= 1.0
    player.stop()
    assert not player.playing and player.status().state == "stopped"
    player.close()


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
