"""A yes/no question (quit with unsaved changes, overwrite a file)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmDialog(ModalScreen[bool]):
    """Dismisses with True for yes, False for no or escape."""

    AUTO_FOCUS = "#no"  # the answer that loses nothing
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]

    def __init__(
        self,
        question: str,
        yes: str = "Yes",
        no: str = "Cancel",
        *,
        id: str | None = None,
        danger: bool = True,
    ) -> None:
        super().__init__(id=id)
        self._danger = danger  # a "yes" that overwrites or loses something shows in red
        self._question = question
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Label(Content(self._question), id="question")  # names and paths: literal
            with Horizontal(classes="buttons"):
                yes = Button(f"{self._yes} (y)", variant="error", id="yes")
                if not self._danger:
                    yes.variant = "primary"
                yield yes
                yield Button(f"{self._no} (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
