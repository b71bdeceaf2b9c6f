"""Browse factory and user presets; highlighting previews, enter loads, escape restores."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from grutui import preset_store as presets
from grutui.params import SPECS, Params
from grutui.preset_store import Preset
from grutui.ui.text import heading


def _summary(params: Params) -> str:
    return "  ".join(f"{s.name} {s.format(getattr(params, s.name))}" for s in SPECS)


class PresetBrowser(ModalScreen[Preset | None]):
    """Dismisses with the chosen preset, or None (the caller restores what it had)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back to what you had", id="presets-cancel"),
    ]

    def __init__(self, preview: Callable[[Params], None], current: str | None = None) -> None:
        super().__init__()
        self._preview = preview
        self._current = (current or "").lower()
        found, broken = presets.scan()
        self.presets: list[Preset] = found  # as listed, in order
        # A file that does not load is named, not hidden: the user may have made it.
        self._broken = "\n".join(f"not listed: {error}" for error in broken)

    def compose(self) -> ComposeResult:
        options = []
        for i, preset in enumerate(self.presets):
            origin = Text("factory", "dim") if preset.factory else Text("user", "bold green")
            options.append(
                Option(Text.assemble((f"{preset.name:<22}", "bold"), " ", origin), id=str(i))
            )
        with Vertical(classes="dialog presets"):
            yield Label(heading("Presets", "↑/↓ preview · enter load · escape back"))
            yield OptionList(*options, id="preset-list")
            yield Static(id="preset-description")
            broken = Static(Text(self._broken, "red"), id="preset-broken")
            broken.display = bool(self._broken)
            yield broken

    def on_mount(self) -> None:
        option_list = self.query_one("#preset-list", OptionList)
        option_list.focus()
        start = next(
            (i for i, p in enumerate(self.presets) if p.name.lower() == self._current), None
        )
        if start is not None:
            option_list.highlighted = start

    def _preset(self, option_id: str | None) -> Preset | None:
        if option_id is None:
            return None
        return self.presets[int(option_id)]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        preset = self._preset(event.option_id)
        if preset is None:
            return
        self._preview(preset.params)
        origin = "factory preset (read-only)" if preset.factory else f"user preset: {preset.path}"
        self.query_one("#preset-description", Static).update(
            Text.assemble(
                (preset.description or "(no description)", "italic"),
                "\n",
                (origin, "dim"),
                "\n",
                (_summary(preset.params), "dim"),
            )
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._preset(event.option_id))

    def action_cancel(self) -> None:
        self.dismiss(None)
