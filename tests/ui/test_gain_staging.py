"""Gain staging on screen: meters, the clip count and its reset, auto gain and the bypass cap,
with a real sound server (a private PulseAudio with null sinks) where sound has to play."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from textual.pilot import Pilot

from grutui.params import Params
from grutui.preset_store import Preset
from grutui.ui.app import GrutuiApp
from grutui.ui.meters import MeterPanel
from grutui.ui.source import load_source
from grutui.ui.status_bar import StatusBar
from tests.audio.audio_helpers import PulseServer, private_server
from tests.ui.helpers import screen_text, until

HOT = Params(Wh=8.0, output_db=12.0)  # a square wave 12 dB over full scale: clips at once


async def test_g_toggles_auto_gain_as_one_undo_step(app: GrutuiApp, pilot: Pilot) -> None:
    await pilot.press("g")
    assert app.session.params.auto_gain is True
    app.main.show_params()
    await pilot.pause()
    assert "auto gain" in screen_text(app).splitlines()[0]
    await pilot.press("g", "g")
    assert app.session.params.auto_gain is True
    await pilot.press("u")
    assert app.session.params.auto_gain is False
    await pilot.press("u", "u")
    assert app.session.params == Params()


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    with private_server(tmp_path_factory.mktemp("pulse-gain")) as server:
        yield server


def _normalised_pluck(path: Path, seconds: float = 6.0, rate_hz: int = 48000) -> None:
    """A plucked 110 Hz note repeated every half second, peaking at full scale."""
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    pluck = np.exp(-8.0 * (t % 0.5)) * np.sin(2 * np.pi * 110 * t)
    data = np.stack([pluck, 0.8 * pluck], axis=1)
    sf.write(path, (data / np.max(np.abs(data))).astype(np.float32), rate_hz, subtype="FLOAT")


async def _play(pilot: Pilot, app: GrutuiApp) -> StatusBar:
    status = app.main.query_one(StatusBar)
    await until(pilot, lambda: app.audio.reason is None, what="the audio probe")
    await pilot.press("space")
    await until(pilot, lambda: status.info.state == "playing", timeout_s=90, what="playback")
    return status


async def _stop(pilot: Pilot, status: StatusBar) -> None:
    await pilot.press("space")
    await until(pilot, lambda: status.info.state == "stopped", what="stop")


@pytest.mark.audio
@pytest.mark.slow
async def test_meters_show_levels_and_a_clip_stays_lit_until_x(
    pulse: PulseServer, tmp_path: Path
) -> None:
    _normalised_pluck(tmp_path / "pluck.wav")
    app = GrutuiApp(source=load_source(tmp_path / "pluck.wav"), preset=Preset("hot", "", HOT))
    async with app.run_test(size=(80, 24)) as pilot:
        meters = app.main.query_one(MeterPanel)
        status = await _play(pilot, app)
        assert meters.display  # shown where there is a device
        await until(pilot, lambda: meters.readings[1].clips > 0, what="a clip")
        dry, wet = meters.readings
        assert -20.0 < dry.peak_dbfs <= 0.01 and dry.rms_dbfs < dry.peak_dbfs  # the file
        assert math.isfinite(wet.rms_dbfs)
        assert wet.clips == status.info.clips_out
        await until(pilot, lambda: "CLIP out" in screen_text(app), what="the status line")
        await _stop(pilot, status)
        clipped = meters.readings[1].clips
        await pilot.press("space")  # a new play starts its own count: the clip stays lit
        await until(pilot, lambda: status.info.state == "playing", timeout_s=30, what="play")
        await until(pilot, lambda: meters.readings[1].clips > clipped, what="more clips")
        await _stop(pilot, status)
        await pilot.press("x")
        await until(pilot, lambda: meters.readings[1].clips == 0, what="the reset")
        assert status.info.clips_out == 0
        shown = screen_text(app)
        assert "CLIP" not in shown and "no clip" in shown


@pytest.mark.audio
@pytest.mark.slow
async def test_auto_gain_and_a_capped_bypass_say_their_gains(
    pulse: PulseServer, tmp_path: Path
) -> None:
    _normalised_pluck(tmp_path / "pluck.wav")
    fuzz = Params(Wh=8.0, drive_db=12.0)  # far louder than the dry: bypass must be capped
    app = GrutuiApp(source=load_source(tmp_path / "pluck.wav"), preset=Preset("fuzz", "", fuzz))
    async with app.run_test(size=(120, 40)) as pilot:
        status = await _play(pilot, app)
        await pilot.press("g")
        await until(
            pilot,
            lambda: status.info.auto_gain_db is not None and status.info.auto_gain_db < -3.0,
            timeout_s=30,
            what="auto gain to turn the fuzz down",
        )
        assert f"auto gain {status.info.auto_gain_db:+.1f} dB" in screen_text(app)
        await pilot.press("g", "full_stop")  # auto gain off, bypass on
        await until(pilot, lambda: status.info.bypass_cut_db > 1.0, timeout_s=30, what="cap")
        assert f"BYPASS {status.info.bypass_cut_db:.1f} dB quieter" in screen_text(app)
        meters = app.main.query_one(MeterPanel)
        # Once the wet's last peaks have left the 2 s hold, the capped dry alone plays.
        await until(pilot, lambda: meters.readings[1].hold_dbfs <= 0.0, what="the dry alone")
        await pilot.press("x")
        await pilot.pause(2.5)  # longer than the hold
        assert meters.readings[1].hold_dbfs <= 0.0 and meters.readings[1].clips == 0
        await _stop(pilot, status)
