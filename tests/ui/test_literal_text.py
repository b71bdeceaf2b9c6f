"""Text that looks like Textual markup is shown as typed, in every place the app shows text.

Each test puts ``[/x]`` (a closing tag with no opening one: a ``MarkupError`` if parsed),
``[bold]`` (would vanish and embolden) and ``[@click=app.quit]`` (would become a link that
quits) into what a user types or names, and reads the terminal's text back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Tree

from grutui import preset_store
from grutui.ui.app import GrutuiApp
from grutui.ui.source import load_source
from tests.ui.helpers import notices, screen_text, until, write_sound

NASTY = ("[/x]", "[bold]", "[@click=app.quit]")

pytestmark = pytest.mark.toasts


def _on_screen(app: GrutuiApp, text: str) -> bool:
    return text in screen_text(app)


@pytest.mark.parametrize("text", NASTY)
async def test_a_typed_value_is_refused_and_shown_as_typed(
    text: str, app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press("enter", "end", "ctrl+u", *text, "enter")
    await until(pilot, lambda: _on_screen(app, f"expected a number, got '{text}'"), what="it")
    assert type(app.screen).__name__ == "ValueDialog"  # still there, still asking
    assert f"got '{text}'" in str(app.screen.query_one("#value-error").render())
    assert any(f"got '{text}'" in n for n in notices(app))
    await pilot.press("escape")
    assert app.is_running and app.session.params.Wf == 0.5


@pytest.mark.parametrize("text", NASTY)
async def test_a_preset_name_and_description_show_as_typed(
    text: str, app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press("right", "ctrl+s", "end", "ctrl+u", *text, "enter", *text, "enter")
    await until(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="the save")
    saved = {p.name: p for p in preset_store.list_presets()}
    assert saved[text].description == text
    status = screen_text(app).splitlines()[0]
    assert status.startswith(f" {text} ")  # the preset's name in the status line
    assert _on_screen(app, f"Saved preset '{text}'")  # the toast
    await pilot.press("p")
    await until(pilot, lambda: _on_screen(app, text + " "), what="the browser to list it")
    browser = app.screen
    listed = [p.name for p in browser.presets]  # type: ignore[attr-defined]
    await pilot.press("home", *["down"] * listed.index(text))
    await until(pilot, lambda: screen_text(app).count(text) >= 2, what="its description")
    await pilot.press("escape")
    assert app.is_running


async def test_a_preset_file_that_does_not_load_is_named_as_it_is(
    isolated_ui_dirs: Path, app: GrutuiApp, pilot: Pilot
) -> None:
    folder = preset_store.user_dir()
    folder.mkdir(parents=True)
    (folder / "broken [bold].toml").write_text("[params\n")
    (folder / "mine.toml").write_text('name = "[/x]"\n[params]\nWf = "[@click=app.quit]"\n')
    await pilot.press("p")
    await until(pilot, lambda: _on_screen(app, "not listed:"), what="the broken files")
    listed = str(app.screen.query_one("#preset-broken").render())  # unwrapped
    assert "broken [bold].toml: TOML error" in listed
    assert "mine.toml: [params] Wf: expected a number, got '[@click=app.quit]'" in listed
    assert "[bold].toml: TOML error" in screen_text(app)
    await pilot.press("escape")
    assert app.is_running


async def test_file_names_show_as_they_are_in_the_open_dialog_and_the_status(
    tmp_path: Path, app: GrutuiApp, pilot: Pilot
) -> None:
    for name in ("[bold].wav", "[@click=app.quit].wav"):
        write_sound(tmp_path / name, seconds=0.2)
    (tmp_path / "[").mkdir()
    write_sound(tmp_path / "[" / "x].wav", seconds=0.3)  # its path holds "[/x]"
    await pilot.press("o")
    await until(pilot, lambda: _on_screen(app, "[bold].wav"), what="the folder's files")
    tree = app.screen.query_one("#open-tree", Tree)
    labels = {str(node.label) for node in tree.root.children}
    assert {"[", "[bold].wav", "[@click=app.quit].wav"} <= labels
    assert _on_screen(app, "[@click=app.quit].wav")
    await pilot.press("tab", "end", "ctrl+u", *"[/x].wav", "enter")
    await until(pilot, lambda: app.source.name == "x].wav", what="the file to open")
    await until(pilot, lambda: _on_screen(app, "│ x].wav │"), what="the status line")
    await pilot.press("o", "tab", "end", "ctrl+u", *"[bold].wav", "enter")
    await until(pilot, lambda: app.source.name == "[bold].wav", what="the second file")
    await until(pilot, lambda: _on_screen(app, "Opened [bold].wav"), what="the toast")
    assert app.is_running


async def test_an_error_naming_a_file_shows_its_name(
    tmp_path: Path, app: GrutuiApp, pilot: Pilot
) -> None:
    (tmp_path / "[bold] not audio.wav").write_text("[/x] [@click=app.quit]")
    await pilot.press("o", "tab", "end", "ctrl+u", *"[bold] not audio.wav", "enter")
    await until(pilot, lambda: _on_screen(app, "[bold] not audio.wav"), what="the error")
    assert any("[bold] not audio.wav" in n for n in notices(app))
    assert app.source.name == "demo" and app.is_running


async def test_the_render_dialog_shows_names_and_results_as_they_are(tmp_path: Path) -> None:
    write_sound(tmp_path / "[@click=app.quit].wav", seconds=0.3)
    (tmp_path / "[bold].wav").write_bytes(b"already here")
    (tmp_path / "[").mkdir()
    app = GrutuiApp(source=load_source(tmp_path / "[@click=app.quit].wav"), check_audio=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("e")
        await until(pilot, lambda: _on_screen(app, "Render  [@click=app.quit].wav"), what="it")
        dialog = app.screen
        await pilot.press("ctrl+u", *"[/x].nope", "enter")
        await until(pilot, lambda: _on_screen(app, "unknown extension .nope"), what="refusal")
        await pilot.press("ctrl+u", *"[bold].wav", "enter")  # exists: asks first
        await until(pilot, lambda: _on_screen(app, "[bold].wav exists. Overwrite"), what="ask")
        await pilot.press("n", "ctrl+u", *"[/x]-out.wav", "enter")
        await until(pilot, lambda: dialog.result is not None, what="the render")  # type: ignore[attr-defined]
        await until(pilot, lambda: _on_screen(app, "✓ [/x]-out.wav: peak"), what="the summary")
        assert (tmp_path / "[bold].wav").read_bytes() == b"already here"
        assert (tmp_path / "[" / "x]-out.wav").is_file()
        assert app.is_running
