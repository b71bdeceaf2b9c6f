"""The dialogs: open, render, presets, save, quit, help and the command palette."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from grutui import preset_store as presets
from grutui.params import Params
from grutui.render import RenderResult
from grutui.ui.app import GrutuiApp
from grutui.ui.render_dialog import RenderDialog
from grutui.ui.source import load_source
from tests.ui.helpers import notices, until, until_pressable, views_current, write_sound


def _screen(app: GrutuiApp) -> str:
    return type(app.screen).__name__


# -- open ------------------------------------------------------------------------------------


async def test_open_reads_the_typed_audio_file(
    tmp_path: Path, app: GrutuiApp, pilot: Pilot
) -> None:
    write_sound(tmp_path / "chord.wav", seconds=0.5, rate_hz=44100, channels=1)

    await pilot.press("o")
    assert _screen(app) == "OpenDialog"
    app.screen.query_one("#open-path").value = str(tmp_path / "chord.wav")
    await pilot.click("#open")
    await until(pilot, lambda: app.source.name == "chord.wav", what="the file to load")
    status = app.main.query_one("#status").info  # type: ignore[attr-defined]
    assert (status.rate_hz, status.channels, status.length_s) == (44100, 1, 0.5)


async def test_the_open_dialog_lists_audio_files_only(
    tmp_path: Path, app: GrutuiApp, pilot: Pilot
) -> None:
    write_sound(tmp_path / "a.wav")
    (tmp_path / "notes.txt").write_text("not audio")

    await pilot.press("o")
    tree = app.screen.query_one("#open-tree")
    await until(pilot, lambda: len(tree.root.children) > 0, what="the tree")  # type: ignore[attr-defined]
    names = {str(node.label) for node in tree.root.children}  # type: ignore[attr-defined]
    assert "a.wav" in names
    assert "notes.txt" not in names
    await pilot.press("escape")
    assert _screen(app) == "MainScreen"


@pytest.mark.parametrize("name", ["bad.wav", "missing.wav", "empty.flac"])
async def test_opening_a_bad_file_explains_and_keeps_the_sound(tmp_path: Path, name: str) -> None:
    if name == "bad.wav":
        (tmp_path / name).write_text("this is not a wave file")
    elif name == "empty.flac":
        (tmp_path / name).write_bytes(b"")

    app = GrutuiApp(check_audio=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        app.screen.query_one("#open-path").value = str(tmp_path / name)
        await pilot.click("#open")
        await until(
            pilot, lambda: any(name in n for n in notices(app)), what="an error notification"
        )
        assert app.source.name == "demo"
        assert _screen(app) == "MainScreen"


# -- render ----------------------------------------------------------------------------------


async def _rendered(pilot: Pilot, app: GrutuiApp, *keys: str) -> RenderResult:
    """Press ``keys`` (or click Render) in the render dialog and wait for it to write a file
    (it stays open, showing what it wrote); returns what it wrote."""
    dialog = next(s for s in app.screen_stack if isinstance(s, RenderDialog))
    before = dialog.result
    if keys:
        await until_pressable(pilot, dialog.query_one("#render"))
        await pilot.press(*keys)
    else:
        await pilot.click("#render")
    # generous: the first render after a kernel change compiles it (a minute on a busy machine)
    await until(pilot, lambda: dialog.result is not before, timeout_s=180, what="the render")
    assert dialog.result is not None
    return dialog.result


def _render_app(tmp_path: Path, seconds: float) -> GrutuiApp:
    write_sound(tmp_path / "in.wav", seconds=seconds)
    return GrutuiApp(source=load_source(tmp_path / "in.wav"), check_audio=False)


async def test_render_writes_the_file_with_progress(tmp_path: Path) -> None:
    app = _render_app(tmp_path, 1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        assert _screen(app) == "RenderDialog"
        assert app.screen.query_one("#render-path").value == "in-grutui.wav"
        dialog = app.screen
        result = await _rendered(pilot, app)
        assert dialog.fraction == 1.0  # type: ignore[attr-defined]
        data, rate = sf.read(tmp_path / "in-grutui.wav", always_2d=True)
        assert (rate, data.shape) == (48000, (48000, 2))
        peak = 20 * np.log10(np.max(np.abs(data)))
        assert result.peak_dbfs == pytest.approx(peak, abs=0.01)
        line = f"in-grutui.wav: peak {peak:+.1f} dBFS"  # as grutui render prints it
        assert line in str(dialog.query_one("#render-message").render())
        assert line in notices(app)
        await pilot.press("escape")
        assert _screen(app) == "MainScreen"


async def test_cancel_keeps_no_partial_file(tmp_path: Path) -> None:
    write_sound(tmp_path / "in.wav", seconds=120.0, channels=1)  # long enough to catch

    app = GrutuiApp(source=load_source(tmp_path / "in.wav"), check_audio=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        dialog = app.screen
        dialog.query_one("#render-oversample").value = 8
        await pilot.click("#render")
        assert dialog.rendering  # type: ignore[attr-defined]
        assert str(dialog.query_one("#close").label) == "Cancel"
        await until(pilot, lambda: dialog.fraction > 0, what="some progress")  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: not dialog.rendering, what="the cancel")  # type: ignore[attr-defined]
        assert any("cancelled" in n for n in notices(app))
        assert dialog.fraction < 1.0  # type: ignore[attr-defined]
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["in.wav"]
        await pilot.press("escape")
        assert _screen(app) == "MainScreen"


async def test_render_asks_before_overwriting_another_file(tmp_path: Path) -> None:
    app = _render_app(tmp_path, 0.5)
    (tmp_path / "in-grutui.wav").write_bytes(b"keep me")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await pilot.click("#render")
        assert _screen(app) == "ConfirmDialog"
        await pilot.press("n")
        assert (tmp_path / "in-grutui.wav").read_bytes() == b"keep me"
        await until_pressable(pilot, app.screen.query_one("#render"))
        await pilot.click("#render")
        await _rendered(pilot, app, "y")
        assert sf.info(str(tmp_path / "in-grutui.wav")).frames == 24000


async def test_render_never_overwrites_the_input(tmp_path: Path) -> None:
    app = _render_app(tmp_path, 0.5)
    before = (tmp_path / "in.wav").read_bytes()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        app.screen.query_one("#render-path").value = "in.wav"
        await pilot.click("#render")
        assert _screen(app) == "RenderDialog"
        assert "input file" in str(app.screen.query_one("#render-message").render())
        assert (tmp_path / "in.wav").read_bytes() == before


async def test_render_of_the_demo_and_format_choice(
    tmp_path: Path, app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press("e")
    app.screen.query_one("#render-format").value = ".flac"
    await pilot.pause()
    assert app.screen.query_one("#render-path").value == "demo-grutui.flac"
    await _rendered(pilot, app)
    info = sf.info(str(tmp_path / "demo-grutui.flac"))
    assert (info.samplerate, info.channels, info.subtype) == (48000, 2, "PCM_24")


async def test_a_clipped_render_says_so_and_renders_again_normalised(tmp_path: Path) -> None:
    write_sound(tmp_path / "in.wav", seconds=0.5)
    hot = Params(Wh=8.0, output_db=12.0)  # a square wave 12 dB over full scale
    app = GrutuiApp(
        source=load_source(tmp_path / "in.wav"),
        preset=presets.Preset("hot", "", hot, None),
        check_audio=False,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        dialog = app.screen
        dialog.query_one("#render-subtype").value = "PCM_16"
        clipped = await _rendered(pilot, app)
        data = sf.read(tmp_path / "in-grutui.wav")[0]
        assert clipped.clipped == np.count_nonzero(np.abs(data) >= 32767 / 32768) > 1000
        message = str(dialog.query_one("#render-message").render())
        assert f"{clipped.clipped} samples clipped" in message and "normalise" in message.lower()
        assert dialog.query_one("#render-normalize").value == "-1"  # offered
        # the render button has the focus: enter renders again, without asking
        again = await _rendered(pilot, app, "enter")
        assert _screen(app) == "RenderDialog"
        data = sf.read(tmp_path / "in-grutui.wav")[0]
        assert again.clipped == 0 and again.peak_dbfs == pytest.approx(-1.0, abs=0.01)
        assert 20 * np.log10(np.max(np.abs(data))) == pytest.approx(-1.0, abs=0.01)


# -- presets ---------------------------------------------------------------------------------


async def test_preset_browser_previews_and_escape_restores(app: GrutuiApp, pilot: Pilot) -> None:
    await pilot.press("shift+right")
    mine = app.session.params
    await pilot.press("p")
    assert _screen(app) == "PresetBrowser"
    await pilot.press("down")
    previewed = app.session.params
    assert previewed != mine
    await views_current(pilot, app)
    assert app.main.query_one("#curve").shown_seq > 0
    await pilot.press("escape")
    assert app.session.params == mine


async def test_preset_browser_enter_loads_and_undo_returns(app: GrutuiApp, pilot: Pilot) -> None:
    fuzz = presets.find("Fuzz Wall")

    await pilot.press("p")
    names = [p.name for p in app.screen.presets]  # type: ignore[attr-defined]
    await pilot.press("home")
    for _ in range(names.index("Fuzz Wall")):
        await pilot.press("down")
    await pilot.press("enter")
    assert app.session.params == fuzz.params
    assert app.session.preset_name == "Fuzz Wall"
    assert not app.session.modified
    await pilot.press("u")
    assert app.session.params == Params()


async def test_save_preset_writes_a_user_file_and_asks_before_overwriting(
    isolated_ui_dirs: Path, app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press("shift+right", "ctrl+s")
    assert _screen(app) == "SavePresetDialog"
    await pilot.press("end", "ctrl+u", *"My Grit", "enter", *"rough", "enter")
    target = isolated_ui_dirs / "presets" / "my-grit.toml"
    saved = tomllib.loads(target.read_text())
    assert saved["name"] == "My Grit" and saved["params"]["Wf"] == 1.5
    assert not app.session.modified
    assert app.session.preset_name == "My Grit"
    await pilot.press("right", "ctrl+s", "enter", "enter")
    assert _screen(app) == "ConfirmDialog"
    await pilot.press("n")
    assert tomllib.loads(target.read_text())["params"]["Wf"] == 1.5
    await pilot.click("#save")
    await pilot.press("y")
    assert tomllib.loads(target.read_text())["params"]["Wf"] == pytest.approx(1.6)
    assert [p.name for p in presets.list_presets() if not p.factory] == ["My Grit"]


async def test_factory_presets_are_never_written(isolated_ui_dirs: Path) -> None:
    factory = presets.find("Fuzz Wall")
    assert factory.path is not None
    before = factory.path.read_bytes()

    app = GrutuiApp(preset=factory, check_audio=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "ctrl+s", "enter", "enter")
        await until(pilot, lambda: _screen(app) == "MainScreen", what="the save")
        assert factory.path.read_bytes() == before
        assert (isolated_ui_dirs / "presets" / "fuzz-wall.toml").exists()


# -- quit, help, palette, live ---------------------------------------------------------------


async def test_quit_asks_only_when_settings_changed() -> None:
    app = GrutuiApp(check_audio=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "ctrl+q")
        assert _screen(app) == "ConfirmDialog"
        await pilot.press("n")
        assert _screen(app) == "MainScreen"
        await pilot.press("left", "ctrl+q")  # back to the saved state: no question
        await pilot.pause()
    assert app.return_code == 0


async def test_quit_prompt_yes_quits() -> None:
    app = GrutuiApp(check_audio=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("R", "right", "ctrl+q", "y")
        await pilot.pause()
    assert app.return_code == 0


@pytest.mark.parametrize("key", ["question_mark", "f1"])
async def test_help_lists_every_key_and_parameter(key: str, app: GrutuiApp, pilot: Pilot) -> None:
    await pilot.press(key)
    assert _screen(app) == "HelpScreen"
    console = Console(width=200, record=True, file=io.StringIO())
    for static in app.screen.query(Static):
        console.print(static.content)
    text = console.export_text()
    for binding in app.main.BINDINGS:
        assert binding.description in text  # type: ignore[union-attr]
    assert "Feedback weight of the gate" in text and "Oversampling" in text
    await pilot.press("escape")
    assert _screen(app) == "MainScreen"


async def test_command_palette_runs_actions_by_name(app: GrutuiApp, pilot: Pilot) -> None:
    await pilot.press("shift+right", "ctrl+p")
    await pilot.press(*"Reset all")
    await pilot.pause(0.5)
    await pilot.press("enter")
    await until(pilot, lambda: app.session.params == Params(), what="reset all")


async def test_live_preset_file_follows_every_change(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    presets.save("Mine", "live edit", Params(), path=path)

    app = GrutuiApp(preset=presets.load(path), live=True, check_audio=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("shift+right", "j", "right")
        await until(
            pilot,
            lambda: tomllib.loads(path.read_text())["params"]["Wh"] == 1.05,
            what="the debounced write",
        )
        saved = presets.load(path)
        assert (saved.name, saved.description, saved.params.Wf) == ("Mine", "live edit", 1.5)
        assert app.live is not None and app.live.writes <= 2
        await until(pilot, lambda: not app.session.modified, what="the saved mark")
