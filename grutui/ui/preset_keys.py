"""The preset keys' dialogs and what their answers do to the session.

Browse (each preset heard as it is highlighted), match (a capture fitted from a pair of
recordings) and save. Each load is one undo step; the screen shows the result through its
``apply``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grutui.params import Params
from grutui.preset_store import Preset
from grutui.ui.match_dialog import MatchDialog
from grutui.ui.preset_browser import PresetBrowser
from grutui.ui.save_preset import SavePresetDialog

if TYPE_CHECKING:
    from grutui.ui.main_screen import MainScreen


class PresetKeys:
    """The dialogs behind the screen's ``p``, ``f`` and ``ctrl+s``."""

    def __init__(self, screen: MainScreen) -> None:
        self._screen = screen
        self._browse_from: Params | None = None  # the settings before the browser's previews

    def browse(self) -> None:
        screen = self._screen
        session = screen.session
        self._browse_from = session.params

        def preview(params: Params) -> None:
            session.preview(params)
            screen.apply()

        def chosen(preset: Preset | None) -> None:
            before, self._browse_from = self._browse_from, None
            if before is None:
                return
            session.preview(before)  # so the load below is one undo step from the old state
            if preset is not None:
                session.load(preset)
                screen.app.notify(f"Loaded preset {preset.name!r}", timeout=2)
            screen.apply()

        screen.app.push_screen(PresetBrowser(preview, current=session.preset_name), chosen)

    def match(self) -> None:
        screen = self._screen

        def matched(preset: Preset | None) -> None:
            if preset is not None:
                screen.session.load(preset)  # one undo step
                screen.app.notify(f"{preset.name}: {preset.description} (u undoes)", timeout=6)
            screen.apply()

        screen.app.push_screen(MatchDialog(screen.source.path), matched)

    def save(self) -> None:
        screen = self._screen
        session = screen.session

        def saved(preset: Preset | None) -> None:
            if preset is not None:
                session.mark_saved(preset)
                screen.refresh_status()

        screen.app.push_screen(
            SavePresetDialog(
                session.params,
                session.preset_name,
                session.preset_description,
                session.preset_path,
                session.preset_factory,
            ),
            saved,
        )
