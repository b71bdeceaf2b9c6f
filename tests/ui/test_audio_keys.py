"""The transport keys with a real sound server: a private PulseAudio with null sinks."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from grutui.ui.app import GrutuiApp
from grutui.ui.meters import MeterPanel
from grutui.ui.source import load_source
from grutui.ui.status_bar import StatusBar
from tests.audio.audio_helpers import PulseServer, private_server
from tests.ui.helpers import deck, until, views_current, write_sound

pytestmark = [pytest.mark.audio, pytest.mark.slow]


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    with private_server(tmp_path_factory.mktemp("pulse-ui")) as server:
        yield server


async def test_space_plays_and_the_status_line_meters_it(pulse: PulseServer) -> None:
    app = GrutuiApp()
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.main.query_one("#status")
        await until(
            pilot,
            lambda: app.audio.reason is None,
            what="the audio probe",
        )
        await pilot.press("space")
        await until(
            pilot,
            lambda: status.info.state == "playing",
            timeout_s=90,  # type: ignore[attr-defined]
            what="playback",
        )
        await until(
            pilot,
            lambda: (
                math.isfinite(app.main.query_one(MeterPanel).readings[1].peak_dbfs)
                and status.info.position_s > 0
            ),
            what="the meter and the position",
        )  # type: ignore[attr-defined]
        await pilot.press("full_stop")
        await until(pilot, lambda: status.info.bypass, what="bypass")  # type: ignore[attr-defined]
        await pilot.press("right")  # parameters follow into the running stream
        await pilot.press("space")
        await until(pilot, lambda: status.info.state == "stopped", what="stop")  # type: ignore[attr-defined]


async def test_m_starts_and_stops_monitoring(pulse: PulseServer) -> None:
    app = GrutuiApp()
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.main.query_one("#status")
        await until(pilot, lambda: app.audio.reason is None, what="the audio probe")
        await pilot.press("m")
        await until(
            pilot,
            lambda: status.info.state == "monitoring",
            timeout_s=90,  # type: ignore[attr-defined]
            what="monitoring",
        )
        await pilot.press("m")
        await until(pilot, lambda: status.info.state == "stopped", what="stop")  # type: ignore[attr-defined]


async def test_greater_than_jumps_the_playing_file_forward(
    pulse: PulseServer, tmp_path: Path
) -> None:
    write_sound(tmp_path / "take.wav", seconds=30.0)
    app = GrutuiApp(source=load_source(tmp_path / "take.wav"))
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.main.query_one(StatusBar)
        await until(pilot, lambda: app.audio.reason is None, what="the audio probe")
        await pilot.press("space")
        await until(pilot, lambda: status.info.state == "playing", timeout_s=90, what="play")
        before = status.info.position_s
        await pilot.press("greater_than_sign", "greater_than_sign")
        await until(
            pilot,
            lambda: status.info.position_s >= before + 10.0,
            what="the position 10 s further",
        )
        assert status.info.state == "playing"
        assert status.info.position_s < before + 12.0  # a jump, not a fast-forward
        await pilot.press("home")
        await until(pilot, lambda: status.info.position_s < 2.0, what="back at the start")
        await pilot.press("space")
        await until(pilot, lambda: status.info.state == "stopped", what="stop")


async def test_the_scope_follows_the_playing_file(pulse: PulseServer, tmp_path: Path) -> None:
    write_sound(tmp_path / "take.wav", seconds=30.0)
    app = GrutuiApp(source=load_source(tmp_path / "take.wav"))
    async with app.run_test(size=(120, 40)) as pilot:
        views = deck(app)
        await until(pilot, lambda: app.audio.reason is None, what="the audio probe")
        await pilot.press("v", "v", "v")
        assert views.view.NAME == "scope"
        await views_current(pilot, app)
        drawn = views.view.shown_seq
        await pilot.press("space")
        status = app.main.query_one(StatusBar)
        await until(pilot, lambda: status.info.state == "playing", timeout_s=90, what="play")
        await until(
            pilot,
            lambda: status.info.position_s > 1.0 and views.view.shown_seq >= drawn + 3,
            what="the scope to redraw as the file plays",
        )
        title = str(views.view.border_title)
        shown_s = float(title.split(" at ")[1].split(" ")[0].split(":")[1])
        assert shown_s > 0.5  # the window moved with the play position
        await pilot.press("space")
        await until(pilot, lambda: status.info.state == "stopped", what="stop")
