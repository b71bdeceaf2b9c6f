"""What the screen shows: main screen at 80x24 and 120x40, help, presets and render dialog.

Deterministic: audio probing is off, the views are awaited, notifications cleared, the current
folder is a temporary one (so paths shown are relative) and input cursors do not blink.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from grutui import preset_store as presets
from grutui.ui.app import GrutuiApp
from grutui.ui.meters import MeterReading
from grutui.ui.views.deck import VIEWS
from tests.ui.helpers import views_current

PLAYING = {
    "state": "playing",
    "reason": "",
    "position_s": 1.25,
    "bypass": True,
    "bypass_cut_db": 4.2,
    "clips_out": 7,
    "xruns": 0,
    "auto_gain_db": -3.5,
}


def _app() -> GrutuiApp:
    return GrutuiApp(check_audio=False)


async def _settle(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, GrutuiApp)
    await views_current(pilot, app)
    for field in app.screen.query(Input):
        field.cursor_blink = False
    app.clear_notifications()
    await pilot.pause()


def test_main_screen_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_settle)


def test_main_screen_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await pilot.press("j", "shift+right", "b")
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("view", [view.NAME for view in VIEWS[1:]])
def test_view(snap_compare, view: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Each view after the first (the main screen tests show it), on the Fuzz Wall preset."""

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, GrutuiApp)
        app.session.load(presets.find("Fuzz Wall"))
        app.main.apply()
        await pilot.press(*["v"] * [v.NAME for v in VIEWS].index(view))
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


def test_help_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=(120, 40), run_before=run_before)


def test_preset_browser(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await pilot.press("p", "down", "down")
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=(120, 40), run_before=run_before)


def test_render_dialog(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await pilot.press("e")
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_main_screen_playing_with_meters(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """What a playing stream shows (fed fixed readings: the test has no sound device)."""

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, GrutuiApp)
        await _settle(pilot)
        app.main.show_audio(**PLAYING)
        app.main.show_meters(
            MeterReading(-9.5, -16.0, -6.0), MeterReading(-0.5, -8.0, 0.0, 7), available=True
        )
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


def test_too_small(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(), terminal_size=(40, 12))
