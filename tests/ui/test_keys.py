"""Every editing key of the main screen, driven through Pilot as a user would press them."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from grutui.analysis import analyze
from grutui.params import Params
from grutui.ui.app import GrutuiApp
from grutui.ui.curve_view import CurveView
from grutui.ui.harmonic_view import HarmonicView
from grutui.ui.param_panel import ParamPanel
from grutui.ui.plots import CurvePlotter, harmonic_lines
from grutui.ui.source import load_source
from grutui.ui.status_bar import StatusBar
from tests.ui.helpers import notices, run, until, views_current, write_sound


def _app() -> GrutuiApp:
    return GrutuiApp(check_audio=False)


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
def test_step_keys_move_the_selected_parameter(keys: list[str], expected: float) -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press(*keys)
            assert app.session.params.Wf == pytest.approx(expected)

    run(scenario)


def test_selection_keys_wrap_and_choose_what_steps() -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            panel = app.main.query_one(ParamPanel)
            await pilot.press("down", "j")
            assert panel.selected_name == "Uf"
            await pilot.press("up", "k", "k")
            assert panel.selected_name == "dc_block"  # wraps round
            await pilot.press("right")
            assert app.session.params.dc_block is False
            await pilot.press("k", "right")
            assert app.session.params.oversample == 8
            await pilot.press("left", "left")
            assert app.session.params.oversample == 2

    run(scenario)


def test_views_follow_every_change() -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            await views_current(pilot, app)
            first = app.main.query_one("#curve").plain  # type: ignore[attr-defined]
            await pilot.press("j", "shift+right", "shift+right")
            await views_current(pilot, app)
            assert app.main.query_one("#curve").plain != first  # type: ignore[attr-defined]
            assert "THD" in app.main.query_one("#harmonics").plain  # type: ignore[attr-defined]

    run(scenario)


def test_holding_a_key_never_queues_stale_work() -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            await views_current(pilot, app)
            thread = app.main.analysis
            assert thread is not None
            done_before = thread.completed
            for _ in range(40):  # a held key: all 40 events queued before any is handled
                app.post_message(events.Key("right", None))
            await until(
                pilot,
                lambda: app.session.params.Wf == pytest.approx(4.5),
                what="the 40 key presses",
            )
            await views_current(pilot, app)
            assert thread.completed - done_before < 40

    run(scenario)


def test_enter_and_equals_type_an_exact_value() -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("enter")
            await pilot.press("end", "ctrl+u", *"2.5", "enter")
            assert app.session.params.Wf == 2.5
            await pilot.press("j", "equals_sign", "end", "ctrl+u", *"7", "enter")
            assert app.session.params.Wh == 7.0

    run(scenario)


@pytest.mark.parametrize("typed", ["abc", "99", "nan", ""])
def test_a_bad_value_is_refused_and_the_old_value_kept(typed: str) -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("enter", "end", "ctrl+u", *typed, "enter")
            assert type(app.screen).__name__ == "ValueDialog"  # still asking
            assert any("Wf" in n for n in notices(app))
            await pilot.press("escape")
            assert type(app.screen).__name__ == "MainScreen"
            assert app.session.params.Wf == 0.5

    run(scenario)


def test_r_resets_the_selected_parameter_and_shift_r_all() -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("shift+right", "j", "shift+right")
            assert app.session.params.Wh == 1.5
            await pilot.press("r")
            assert app.session.params.Wh == 1.0
            assert app.session.params.Wf == 1.5
            await pilot.press("j", "right", "R")
            assert app.session.params == Params()

    run(scenario)


def test_undo_and_redo_keys() -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
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

    run(scenario)


def test_a_held_key_is_one_undo_step() -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(12):  # a held key repeats at about 30 Hz
                app.post_message(events.Key("right", None))
                await pilot.pause(0.03)
            await until(
                pilot, lambda: app.session.params.Wf == pytest.approx(1.7), what="the held key"
            )
            await pilot.press("u")
            assert app.session.params.Wf == 0.5
            await pilot.press("ctrl+r")
            assert app.session.params.Wf == pytest.approx(1.7)

    run(scenario)


def test_slots_a_and_b_hold_separate_settings_and_c_copies() -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
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

    run(scenario)


def test_curve_gain_keys_change_the_test_amplitude() -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("plus", "plus")
            assert app.main.curve_gain == 4.0
            await pilot.press("minus", "minus", "minus")
            assert app.main.curve_gain == 1.5
            await views_current(pilot, app)
            assert "gain 1.5" in str(app.main.query_one("#curve").border_title)

    run(scenario)


def test_audio_keys_without_a_device_say_why_and_nothing_breaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As over SSH: no session runtime folder, and no reachable sound server.
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-server")

    async def scenario() -> None:
        app = GrutuiApp()  # probes for a device
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

    run(scenario)


def test_mouse_click_selects_and_sets_a_slider() -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            slider = app.main.query_one("#slider-Wh")
            start = 14  # the bar starts after the label
            await pilot.click(slider, offset=(start, 0))
            assert app.main.query_one(ParamPanel).selected_name == "Wh"
            assert app.session.params.Wh == 0.0
            await pilot.click("#slider-dc_block", offset=(start + 8, 0))
            assert app.session.params.dc_block is False

    run(scenario)


def test_views_repaint_exactly_the_lines_that_changed() -> None:
    """After many changes (each repainting only the lines that differ), what the screen holds
    for each view is what a fresh drawing of the final settings gives."""

    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            await views_current(pilot, app)
            await pilot.press("shift+right", "j", "shift+right", "right", "k", "left", "plus")
            await pilot.press("j", "j", "shift+left", "shift+left", "minus", "minus")
            await views_current(pilot, app)
            screen = app.main
            analysis = analyze(app.session.params, gain=screen.curve_gain)
            for view, build in (
                (screen.query_one(CurveView), CurvePlotter().build),
                (screen.query_one(HarmonicView), harmonic_lines),
            ):
                width, height = view.plot_size
                expected = [strip.text for strip in build(analysis, width, height)][:height]
                # render_lines gives the view as the compositor takes it, border included: the
                # lines cached from earlier paints and the lines repainted since
                left, top = view.styles.gutter.left, view.styles.gutter.top
                outer = view.render_lines(view.outer_size.region)[top : top + height]
                shown = [strip.text[left : left + width] for strip in outer]
                assert shown == [line.ljust(width) for line in expected]
            # The sliders, which follow the views, show the final values too.
            for slider in screen.query_one(ParamPanel).sliders():
                assert slider.value == getattr(app.session.params, slider.spec.name)

    run(scenario)


def test_seek_keys_move_the_play_position_without_a_device(tmp_path: Path) -> None:
    """< and > move 5 s, home goes to the start, clamped to the sound; the status line shows it
    (with no device the position is where playing will start)."""

    async def scenario() -> None:
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

    run(scenario)


def test_the_next_step_is_drawn_ahead_and_shown_at_once() -> None:
    """While idle the analysis thread draws the selected parameter one step either way; the
    key that asks for one is answered from that drawing, which is the right one."""

    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)) as pilot:
            await views_current(pilot, app)
            thread = app.main.analysis
            assert thread is not None
            for keys in (["right"], ["right"], ["left"], ["j"], ["shift+left"], ["left"]):
                hits, done = thread.prefetch_hits, thread.completed
                await pilot.pause(0.3)  # idle: time to draw ahead
                await pilot.press(*keys)
                await views_current(pilot, app)
                stepped = keys != ["j"] and keys != ["shift+left"]  # j selects; shift: 10 steps
                assert thread.prefetch_hits - hits == (1 if stepped else 0), keys
                assert thread.completed - done == (0 if keys == ["j"] else 1)
            screen = app.main
            analysis = analyze(app.session.params, gain=screen.curve_gain)
            curve = screen.query_one(CurveView)
            width, height = curve.plot_size
            expected = [s.text for s in CurvePlotter().build(analysis, width, height)][:height]
            assert curve.plain.splitlines()[:height] == expected

    run(scenario)
