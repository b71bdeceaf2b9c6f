"""Every editing key of the main screen, driven through Pilot as a user would press them."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot

from grutui.params import Params
from grutui.ui.app import GrutuiApp
from grutui.ui.param_panel import ParamPanel
from grutui.ui.source import load_source
from grutui.ui.status_bar import StatusBar
from tests.ui.helpers import notices, until, write_sound


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["right"], 0.6),
        (["l"], 0.6),
        (["left"], 0.4),
        (["h"], 0.4),
        (["shift+right"], 1.5),
        (["right_curly_bracket"], 1.5),
        (["shift+left"], -0.5),
        (["left_curly_bracket"], -0.5),
        (["ctrl+right"], 0.51),
        (["right_square_bracket"], 0.51),
        (["ctrl+left"], 0.49),
        (["left_square_bracket"], 0.49),
    ],
)
async def test_step_keys_move_the_selected_parameter(
    keys: list[str], expected: float, app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press(*keys)
    assert app.session.params.Wf == pytest.approx(expected)


async def test_selection_keys_wrap_and_choose_what_steps(app: GrutuiApp, pilot: Pilot) -> None:
    panel = app.main.query_one(ParamPanel)
    await pilot.press("down", "j")
    assert panel.selected_name == "Uf"
    await pilot.press("up", "k", "k")
    assert panel.selected_name == "auto_gain"  # wraps round
    await pilot.press("right")
    assert app.session.params.auto_gain is True
    await pilot.press("k", "right")
    assert app.session.params.dc_block is False
    await pilot.press("k", "right")
    assert app.session.params.oversample == 8
    await pilot.press("left", "left")
    assert app.session.params.oversample == 2


async def test_enter_and_equals_type_an_exact_value(app: GrutuiApp, pilot: Pilot) -> None:
    await pilot.press("enter")
    await pilot.press("end", "ctrl+u", *"2.5", "enter")
    assert app.session.params.Wf == 2.5
    await pilot.press("j", "equals_sign", "end", "ctrl+u", *"7", "enter")
    assert app.session.params.Wh == 7.0


@pytest.mark.parametrize("typed", ["abc", "99", "nan", ""])
async def test_a_bad_value_is_refused_and_the_old_value_kept(
    typed: str, app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press("enter", "end", "ctrl+u", *typed, "enter")
    assert type(app.screen).__name__ == "ValueDialog"  # still asking
    assert any("Wf" in n for n in notices(app))
    await pilot.press("escape")
    assert type(app.screen).__name__ == "MainScreen"
    assert app.session.params.Wf == 0.5


async def test_r_resets_the_selected_parameter_and_shift_r_all(
    app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press("shift+right", "j", "shift+right")
    assert app.session.params.Wh == 1.5
    await pilot.press("r")
    assert app.session.params.Wh == 1.0
    assert app.session.params.Wf == 1.5
    await pilot.press("j", "right", "R")
    assert app.session.params == Params()


async def test_undo_and_redo_keys(app: GrutuiApp, pilot: Pilot) -> None:
    await pilot.press("shift+right")
    await pilot.press("j", "shift+right")  # another parameter: another undo step
    assert (app.session.params.Wf, app.session.params.Wh) == (1.5, 1.5)
    await pilot.press("u")
    assert (app.session.params.Wf, app.session.params.Wh) == (1.5, 1.0)
    await pilot.press("ctrl+z")
    assert app.session.params == Params()
    await pilot.press("ctrl+r")
    assert app.session.params.Wf == 1.5
    await pilot.press("ctrl+y")
    assert app.session.params.Wh == 1.5
    await pilot.press("ctrl+y")
    assert "Nothing to redo" in notices(app)


async def test_a_held_key_is_one_undo_step(app: GrutuiApp, pilot: Pilot) -> None:
    for _ in range(12):  # a held key repeats at about 30 Hz
        app.post_message(events.Key("right", None))
        await pilot.pause(0.03)
    await until(pilot, lambda: app.session.params.Wf == pytest.approx(1.7), what="the held key")
    await pilot.press("u")
    assert app.session.params.Wf == 0.5
    await pilot.press("ctrl+r")
    assert app.session.params.Wf == pytest.approx(1.7)


async def test_slots_a_and_b_hold_separate_settings_and_c_copies(
    app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press("shift+right")  # A: Wf 1.5
    await pilot.press("b")
    assert app.session.active == "B"
    assert app.session.params.Wf == 0.5
    assert "slot B" in str(app.main.query_one("#left").border_title)
    await pilot.press("a")
    assert app.session.params.Wf == 1.5
    await pilot.press("c", "b")
    assert app.session.params.Wf == 1.5  # A copied to B
    await pilot.press("u")  # the copy is undoable in B
    assert app.session.params.Wf == 0.5


@pytest.fixture
def probing_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GrutuiApp:
    # As over SSH: no session runtime folder, and no reachable sound server.
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-server")
    return GrutuiApp()  # probes for a device


async def test_audio_keys_without_a_device_say_why_and_nothing_breaks(
    probing_app: GrutuiApp,
) -> None:
    app = probing_app
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.audio.checked, what="the audio probe")
        assert app.audio.reason is not None
        for key in ("space", "m"):
            await pilot.press(key)
            await until(
                pilot,
                lambda: any(app.audio.reason in n for n in notices(app)),
                what=f"a notification for {key}",
            )
        await pilot.press("L", "full_stop")
        await until(
            pilot, lambda: app.audio.bypass and not app.audio.loop, what="loop and bypass flags"
        )
        status = app.main.query_one("#status")
        assert status.info.state == "no audio device"  # type: ignore[attr-defined]
        await pilot.press("right")
        assert app.session.params.Wf == pytest.approx(0.6)


async def test_mouse_click_selects_and_sets_a_slider(app: GrutuiApp, pilot: Pilot) -> None:
    slider = app.main.query_one("#slider-Wh")
    start = 14  # the bar starts after the label
    await pilot.click(slider, offset=(start, 0))
    assert app.main.query_one(ParamPanel).selected_name == "Wh"
    assert app.session.params.Wh == 0.0
    await pilot.click("#slider-dc_block", offset=(start + 8, 0))
    assert app.session.params.dc_block is False


async def test_seek_keys_move_the_play_position_without_a_device(tmp_path: Path) -> None:
    """< and > move 5 s, home goes to the start, clamped to the sound; the status line shows it
    (with no device the position is where playing will start)."""

    write_sound(tmp_path / "take.wav", seconds=12.0)
    app = GrutuiApp(source=load_source(tmp_path / "take.wav"), check_audio=False)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.main.query_one(StatusBar)
        for key, expected in (
            ("greater_than_sign", 5.0),
            ("greater_than_sign", 10.0),
            ("greater_than_sign", 12.0),
            ("less_than_sign", 7.0),
            ("home", 0.0),
            ("less_than_sign", 0.0),
        ):
            await pilot.press(key)
            await until(
                pilot,
                lambda e=expected: status.info.position_s == pytest.approx(e, abs=1e-3),
                what=f"position {expected} s after {key}",
            )
        # Arriving together (as a terminal delivers fast presses), no press is lost.
        for key, char in (
            (("greater_than_sign", ">"),) * 2 + (("L", "L"),) * 2 + (("full_stop", "."),)
        ):
            app.post_message(events.Key(key, char))
        await until(
            pilot,
            lambda: status.info.position_s == pytest.approx(10.0, abs=1e-3),
            what="10 s after two quick presses",
        )
        assert app.audio.loop and app.audio.bypass
