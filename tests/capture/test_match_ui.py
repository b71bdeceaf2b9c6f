"""The workstation's match action (key ``f``, the palette, help): pick a dry and a wet file, fit
off the UI thread with progress and cancel, load the capture into the current slot, undoable."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
import soundfile as sf

from grutui import preset_store
from grutui.api import process
from grutui.capture.model import esr
from grutui.params import Params
from grutui.ui.app import GrutuiApp
from grutui.ui.help import binding_rows
from grutui.ui.keys import MAIN_KEYS
from grutui.ui.match_dialog import MatchDialog
from grutui.ui.source import load_source
from tests.ui.helpers import until_pressable


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch):
    """The session (crash recovery) and the audio log in the test's folder, its current one."""
    monkeypatch.setenv("GRUTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


HIDDEN = Params(Wf=2.0, Wh=3.0, Uf=1.0, Uh=0.5, bf=1.0, drive_db=3.0, output_db=-4.0)


def _wet(probe, folder):
    dry, rate = sf.read(probe, dtype="float32")
    wet = folder / "wet take.wav"
    sf.write(wet, np.concatenate([np.zeros(77, np.float32), process(dry, rate, HIDDEN)]), rate)
    return wet


def _dialog_shown(app) -> bool:
    return isinstance(app.screen, MatchDialog) and bool(app.screen.query("#match-dry"))


async def _until(pilot, condition, timeout_s=240.0, what="condition"):
    deadline = time.monotonic() + timeout_s
    while not condition():
        screen = pilot.app.screen
        shown = screen.query("#match-message")
        state = f"{screen}: {shown.first().render() if shown else ''}"
        assert time.monotonic() < deadline, f"timed out waiting for {what} ({state})"
        await pilot.pause(0.1)


def test_match_is_on_a_key_in_help_and_in_the_palette():
    assert ("f", "Match a recording: fit a capture of a device") in binding_rows(MAIN_KEYS)


def test_match_loads_the_capture_into_the_slot_and_u_undoes_it(probe, tmp_path):
    wet = _wet(probe, tmp_path)
    app = GrutuiApp(source=load_source(probe), check_audio=False)

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            before = app.session.params
            await pilot.press("f")
            await _until(pilot, lambda: _dialog_shown(app), 10, "the dialog")
            dialog = app.screen
            assert dialog.query_one("#match-dry").value == str(probe)  # the loaded file
            dialog.query_one("#match-wet").value = str(wet)
            dialog.query_one("#match-seconds").value = "1.5"
            await pilot.click("#match")
            await _until(pilot, lambda: dialog.running, 10, "the fit to start")
            message = dialog.query_one("#match-message")
            await _until(pilot, lambda: "evaluations" in str(message.render()), 120, "progress")
            await _until(pilot, lambda: not isinstance(app.screen, MatchDialog), what="the fit")
            # the dialog's result reaches the screen just after the dialog is gone
            loaded = lambda: app.session.preset_name == "wet take capture"  # noqa: E731
            await _until(pilot, loaded, 10, "the capture in the slot")
            fitted = app.session.params
            assert fitted != before
            saved = preset_store.load(preset_store.user_dir() / "wet-take-capture.toml")
            assert saved.params == fitted and "wet take.wav" in saved.description
            dry, rate = sf.read(probe, dtype="float32")
            target = sf.read(wet, dtype="float32")[0][77:]
            assert esr(target, process(dry, rate, fitted)) < 1e-3
            await pilot.press("u")
            assert app.session.params == before

    asyncio.run(run())


def test_cancel_stops_the_fit_and_loads_nothing(probe, tmp_path):
    wet = _wet(probe, tmp_path)
    app = GrutuiApp(check_audio=False)  # the demo: no file to take as the dry

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            before = app.session.params
            await pilot.press("ctrl+p", *"Match a recording")  # from the command palette
            await pilot.pause(0.5)
            await pilot.press("enter")
            await _until(pilot, lambda: _dialog_shown(app), 10, "the dialog")
            dialog = app.screen
            assert dialog.query_one("#match-dry").value == ""
            await pilot.click("#match")
            assert "give a dry and a wet file" in str(dialog.query_one("#match-message").render())
            dialog.query_one("#match-dry").value = str(probe)
            dialog.query_one("#match-wet").value = str(wet)
            await until_pressable(pilot, dialog.query_one("#match"))
            await pilot.click("#match")
            message = dialog.query_one("#match-message")
            await _until(pilot, lambda: "evaluations" in str(message.render()), 120, "progress")
            await pilot.press("escape")
            await _until(pilot, lambda: not dialog.running, 120, "the fit to stop")
            assert "cancelled" in str(dialog.query_one("#match-message").render())
            await pilot.press("escape")
            assert not isinstance(app.screen, MatchDialog)
            assert app.session.params == before
            assert not list(preset_store.user_dir().glob("*.toml"))

    asyncio.run(run())


def test_a_bad_pair_is_said_in_the_dialog(probe, tmp_path):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(48000 * 2, np.float32), 48000)
    app = GrutuiApp(source=load_source(probe), check_audio=False)

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f")
            await _until(pilot, lambda: _dialog_shown(app), 10, "the dialog")
            dialog = app.screen
            dialog.query_one("#match-wet").value = str(silent)
            await pilot.press("enter")
            await _until(
                pilot,
                lambda: (
                    not dialog.running
                    and "silent" in str(dialog.query_one("#match-message").render())
                ),
                60,
                "the error",
            )
            assert isinstance(app.screen, MatchDialog)

    asyncio.run(run())
