"""Save the current settings as a user preset: name and description; asks before overwriting."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from grutui import preset_store as presets
from grutui.params import Params
from grutui.preset_store import Preset
from grutui.ui.confirm import ConfirmDialog
from grutui.ui.text import failure, heading


class SavePresetDialog(ModalScreen[Preset | None]):
    """Dismisses with the saved preset, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="save-cancel"),
    ]

    def __init__(
        self,
        params: Params,
        name: str,
        description: str,
        path: Path | None = None,
        factory: bool = False,
    ) -> None:
        super().__init__()
        self.params = params
        self._preset_name = name
        self._description = description
        # A preset file opened for editing is saved in place; a factory one never is.
        self._edit_path = None if factory else path
        self._factory = factory

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog save"):
            yield Label(heading("Save preset"))
            yield Label("Name")
            yield Input(self._preset_name, id="save-name")
            yield Label("Description")
            yield Input(self._description, id="save-description")
            note = (
                "factory presets are read-only: this saves a user preset of that name"
                if self._factory
                else "enter saves · escape cancels"
            )
            yield Label(note, id="save-message", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#save-name", Input).focus()

    def target(self, name: str) -> Path:
        """Where ``name`` is saved: the edited file if the name is unchanged, else user presets."""
        if self._edit_path is not None and name.strip() == self._preset_name:
            return self._edit_path
        return presets.user_dir() / f"{presets.slug(name)}.toml"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "save-name":
            self.query_one("#save-description", Input).focus()
        else:
            self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.save()
        else:
            self.dismiss(None)

    def save(self, overwrite: bool = False) -> None:
        name = self.query_one("#save-name", Input).value.strip()
        description = self.query_one("#save-description", Input).value.strip()
        if not name:
            self._fail("a preset needs a name")
            return
        target = self.target(name)
        if target.exists() and not overwrite:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.save(overwrite=True)

            self.app.push_screen(
                ConfirmDialog(f"User preset {target.name} exists. Overwrite it?", yes="Overwrite"),
                answered,
            )
            return
        try:
            path = presets.save(name, description, self.params, path=target, overwrite=overwrite)
        except presets.PresetError as exc:
            self._fail(str(exc))
            return
        self.app.notify(f"Saved preset {name!r}", title="Preset saved")
        self.dismiss(Preset(name, description, self.params, path, factory=False))

    def _fail(self, message: str) -> None:
        self.query_one("#save-message", Label).update(failure(message))
        self.app.notify(message, title="Not saved", severity="error")

    def action_cancel(self) -> None:
        self.dismiss(None)
