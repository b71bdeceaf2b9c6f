"""Pick an audio file: a directory tree showing audio files only, and a path field."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label

from grutui.ui.source import audio_extensions
from grutui.ui.text import heading


class AudioTree(DirectoryTree):
    """Folders and audio files; hidden entries left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        extensions = audio_extensions()
        for path in paths:
            if path.name.startswith("."):
                continue
            try:
                if path.is_dir() or path.suffix.lower() in extensions:
                    yield path
            except OSError:  # a broken link or a folder we may not read
                continue


class OpenDialog(ModalScreen[Path | None]):
    """Dismisses with the chosen path (not yet read), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="open-cancel"),
    ]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self._start = start if start.is_dir() else start.parent

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog open"):
            yield Label(heading("Open an audio file", "(enter on a file, or type a path)"))
            yield AudioTree(self._start, id="open-tree")
            yield Input(str(self._start) + "/", placeholder="path of an audio file", id="open-path")
            with Horizontal(classes="buttons"):
                yield Button("Open", variant="primary", id="open")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#open-tree", AudioTree).focus()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(event.path)

    def on_tree_node_highlighted(self, event: DirectoryTree.NodeHighlighted) -> None:
        entry = event.node.data
        path = getattr(entry, "path", None)
        if path is not None:
            self.query_one("#open-path", Input).value = str(path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "open":
            self._choose(self.query_one("#open-path", Input).value)
        else:
            self.dismiss(None)

    def _choose(self, text: str) -> None:
        path = Path(text.strip()).expanduser()
        if path.is_dir():
            self.query_one("#open-tree", AudioTree).path = path
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
