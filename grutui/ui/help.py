"""The help screen, generated from the bindings and the parameter table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from grutui.params import SPECS

_KEY_NAMES = {
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "space": "space",
    "enter": "enter",
    "equals_sign": "=",
    "full_stop": ".",
    "plus": "+",
    "minus": "-",
    "question_mark": "?",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "escape": "esc",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "left_parenthesis": "(",
    "right_parenthesis": ")",
}


def key_label(keys: str) -> str:
    """``"shift+left,{"`` as ``"shift+← / {"``."""
    labels = []
    for key in keys.split(","):
        parts = key.strip().split("+")
        labels.append("+".join(_KEY_NAMES.get(p, p) for p in parts))
    return " / ".join(labels)


def binding_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(keys, description) for every binding that has a description."""
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            rows.append((key_label(binding.key), binding.description))
    return rows


def keys_table(bindings: Iterable[BindingType]) -> Table:
    table = Table(
        title="Keys", title_justify="left", expand=True, show_edge=False, title_style="bold"
    )
    table.add_column("key", style="bold cyan", no_wrap=True, width=22)
    table.add_column("does", ratio=1)
    for keys, description in binding_rows(bindings):
        table.add_row(Text(keys), Text(description))  # "[" is a key, not markup
    return table


def params_table() -> Table:
    table = Table(
        title="Parameters", title_justify="left", expand=True, show_edge=False, title_style="bold"
    )
    table.add_column("name", style="bold cyan", no_wrap=True, width=10)
    table.add_column("range", no_wrap=True, width=14)
    table.add_column("default", no_wrap=True, width=8)
    table.add_column("what it does", ratio=1)
    for spec in SPECS:
        if spec.kind == "float":
            limits = f"{spec.minimum:g} … {spec.maximum:g} {spec.unit}".rstrip()
        elif spec.kind == "choice":
            limits = " ".join(f"{c:g}x" for c in spec.choices)
        else:
            limits = "on / off"
        table.add_row(spec.name, limits, spec.format(spec.default), spec.help)
    return table


class HelpScreen(ModalScreen[None]):
    """Keys and parameters; escape, q, ? or f1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close help", id="help-close"),
    ]

    def __init__(self, bindings: Iterable[BindingType]) -> None:
        super().__init__()
        self._help_bindings = list(bindings)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help", id="help-body"):
            yield Static(
                Text.assemble(
                    ("grutui", "bold"),
                    " · the gated recurrent distortion workstation. Everything "
                    "has a key; the mouse also works (click a slider to select it, click or drag "
                    "its bar to set it). The status line shows the preset (* when changed since "
                    "the last save), the slot, the sound, the transport and the audio state.\n",
                )
            )
            yield Static(keys_table(self._help_bindings))
            yield Static(params_table())
            yield Static(
                Text(
                    "\nescape, q, ? or f1 closes this help; ctrl+p lists every action by name.",
                    style="dim",
                )
            )

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
