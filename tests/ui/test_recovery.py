"""Nothing is lost when the workstation dies: the session is offered back at the next start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grutui.params import Params
from grutui.ui.app import GrutuiApp
from grutui.ui.recovery import SessionStore, state_dir
from grutui.ui.source import load_source
from tests.ui.helpers import notices, until, write_sound


def sessions() -> list[Path]:
    return sorted((state_dir() / "sessions").glob("*.json"))


async def _work_then_die(tmp_path: Path) -> tuple[dict[str, Params], Params]:
    """Edit both slots of a file and leave without quitting (as a crash does); returns the
    slots and the value before the last step of slot A."""
    write_sound(tmp_path / "take.wav", seconds=0.5)
    app = GrutuiApp(source=load_source(tmp_path / "take.wav"), check_audio=False)
    async with app.run_test() as pilot:
        await pilot.press("right", "right", "j", "shift+right")  # Wf 0.7, then Wh 1.5
        await pilot.press("b", "k", "left", "a")  # B: Wf 0.4
        before_last = app.session.histories["A"].steps()[0][-1][0]
        slots = dict(app.session.slots)
        await pilot.pause(0.8)  # the save happens half a second after the last change
        assert len(sessions()) == 1
    return slots, before_last


async def test_a_session_left_behind_is_offered_and_restored(tmp_path: Path) -> None:
    slots, before_last = await _work_then_die(tmp_path)
    app = GrutuiApp(check_audio=False)  # started on the demo sound
    async with app.run_test() as pilot:
        await until(pilot, lambda: bool(app.screen.query("#question")), what="the offer")
        question = str(app.screen.query_one("#question").render())
        assert "did not quit cleanly" in question and "take.wav" in question
        await pilot.press("y")
        assert app.session.slots == slots and app.session.active == "A"
        await until(pilot, lambda: app.source.name == "take.wav", what="the file")
        assert app.session.modified  # not saved as a preset, as before the crash
        await pilot.press("u")
        assert app.session.params == before_last  # the undo history came back too
        assert "Restored the session" in notices(app)
        await pilot.pause(0.8)
        assert sessions() == [app.recovery.path]  # the old one gone; the app keeps its own


async def test_declining_the_offer_removes_the_session(tmp_path: Path) -> None:
    await _work_then_die(tmp_path)
    app = GrutuiApp(check_audio=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: bool(app.screen.query("#question")), what="the offer")
        await pilot.press("n")
        assert app.session.params == Params() and app.source.name == "demo"
        await pilot.press("ctrl+q")
    assert sessions() == []
    app = GrutuiApp(check_audio=False)
    async with app.run_test() as pilot:
        await pilot.pause(0.3)
        assert app.screen.id == "main"  # nothing offered


async def test_a_clean_quit_leaves_nothing_to_recover(tmp_path: Path) -> None:
    app = GrutuiApp(check_audio=False)
    async with app.run_test() as pilot:
        await pilot.press("right")
        await pilot.pause(0.8)
        assert len(sessions()) == 1  # kept while it runs
        await pilot.press("ctrl+q", "y")
    assert sessions() == [] and app.return_code == 0


def test_a_running_workstations_session_is_not_offered(tmp_path: Path) -> None:
    running, starting = SessionStore(), SessionStore()
    running.open()
    running.path.write_text("{}")
    starting.open()
    try:
        assert starting.left_behind() == []
        running.close()  # as if it died: its lock is gone, its file stays
        assert starting.left_behind() == [running.path]
    finally:
        starting.close(keep=False)


@pytest.mark.parametrize(
    "content",
    ["not json", json.dumps({"format": 1, "saved_at": 0, "active": "C"}), "[]", "{}"],
)
async def test_a_session_file_that_cannot_be_read_is_named_and_removed(
    content: str, tmp_path: Path
) -> None:
    folder = state_dir() / "sessions"
    folder.mkdir(parents=True)
    (folder / "1-dead.json").write_text(content)
    app = GrutuiApp(check_audio=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: bool(notices(app)), what="the notice")
        assert any("1-dead.json: not a session grutui can restore" in n for n in notices(app))
        assert app.screen.id == "main"
        await pilot.press("right")
        assert app.session.params.Wf == pytest.approx(0.6)
    assert not (folder / "1-dead.json").exists()


async def test_a_state_folder_that_cannot_be_written_is_said_once_and_nothing_breaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("GRUTUI_STATE_DIR", str(tmp_path / "a-file" / "state"))
    app = GrutuiApp(check_audio=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: bool(notices(app)), what="the notice")
        (notice,) = notices(app)
        assert "cannot keep the session for recovery (Not a directory)" in notice
        await pilot.press("right", "right")
        await pilot.pause(0.8)
        assert app.session.params.Wf == pytest.approx(0.7) and len(notices(app)) == 1
        await pilot.press("ctrl+q", "y")
    assert app.return_code == 0
