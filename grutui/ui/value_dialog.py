"""Type an exact value for one parameter; a bad value is refused and the old one kept."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from grutui.params import ParamError, ParamSpec
from grutui.ui.text import failure, heading


class ValueDialog(ModalScreen[float | int | bool | None]):
    """Dismisses with the parsed value, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="value-cancel"),
    ]

    def __init__(self, spec: ParamSpec, value: float | int | bool) -> None:
        super().__init__()
        self.spec = spec
        self._value = value

    def compose(self) -> ComposeResult:
        spec = self.spec
        if spec.kind == "float":
            hint = f"{spec.minimum:g} to {spec.maximum:g} {spec.unit}".rstrip()
        elif spec.kind == "choice":
            hint = "one of " + ", ".join(f"{c:g}" for c in spec.choices)
        else:
            hint = "on or off"
        with Vertical(classes="dialog value"):
            yield Label(heading(spec.label, hint), id="value-title")
            yield Input(
                spec.format_number(self._value),
                id="value-input",
                select_on_focus=True,
            )
            yield Label("enter: set · escape: keep the old value", id="value-error", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            value = self.spec.parse(event.value)
        except ParamError as exc:
            message = str(exc)
            self.query_one("#value-error", Label).update(failure(message))
            self.app.notify(
                f"{message}; kept {self.spec.format(self._value)}",
                title="Value refused",
                severity="error",
            )
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
