"""Match a recording: fit the chain to a dry file and its wet take, off the UI thread.

The fit runs in a worker thread with a progress line and a cancel (escape or the button: the
fit stops at its next evaluation and nothing is loaded). The result is kept as a new user
preset, and the dialog dismisses with it for the main screen to load into the current slot.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar

from grutui.errors import GrutuiError
from grutui.preset_store import Preset
from grutui.ui.open_dialog import OpenDialog
from grutui.ui.text import failure, heading

if TYPE_CHECKING:  # the fit loads the DSP kernels: imported when matching
    from grutui.capture.search import Progress

DEFAULT_SECONDS = "10"
SECONDS_RANGE = (0.5, 3600.0)


class MatchDialog(ModalScreen[Preset | None]):
    """Dismisses with the capture's preset (already saved), or None."""

    DEFAULT_CSS = """
    MatchDialog .dialog.match { width: 96; }
    MatchDialog .file { height: auto; }
    MatchDialog .file Input { width: 1fr; }
    MatchDialog .file Button { min-width: 5; width: 5; }
    MatchDialog #match-seconds { width: 12; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel / close", id="match-cancel"),
    ]

    class Finished(Message):
        """The fit ended: a preset, or an error (or neither: cancelled)."""

        def __init__(self, preset: Preset | None, error: str | None, warnings: str) -> None:
            super().__init__()
            self.preset, self.error, self.warnings = preset, error, warnings

    def __init__(self, dry: Path | None) -> None:
        super().__init__()
        self._dry = dry
        self._stop: threading.Event | None = None
        self.running = False
        self.latest: Progress | None = None  # written by the fit's threads, read by a timer

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog match"):
            yield Label(heading("Match a recording", "fit the chain to a device's dry and wet"))
            yield Label("Dry: what went into the device (the loaded file, or the probe)")
            with Horizontal(classes="file"):
                yield Input(str(self._dry or ""), placeholder="dry audio file", id="match-dry")
                yield Button("…", id="browse-dry")
            yield Label("Wet: what came out of it (any latency, the same rate)")
            with Horizontal(classes="file"):
                yield Input("", placeholder="wet audio file", id="match-wet")
                yield Button("…", id="browse-wet")
            yield Label("Seconds of the take to fit (a fifth is held out to test)")
            yield Input(DEFAULT_SECONDS, id="match-seconds")
            yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="match-bar")
            yield Label("", id="match-message", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Match", variant="primary", id="match")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#match-wet" if self._dry else "#match-dry", Input).focus()

    def _say(self, text: str | Content) -> None:
        self.query_one("#match-message", Label).update(
            Content(text) if isinstance(text, str) else text
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button == "match":
            self.start()
        elif button.startswith("browse-"):
            self._browse(f"#match-{button.removeprefix('browse-')}")
        else:
            self.action_cancel()

    def _browse(self, field: str) -> None:
        text = self.query_one(field, Input).value.strip()
        start = Path(text).expanduser().parent if text else Path.cwd()

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.query_one(field, Input).value = str(path)

        self.app.push_screen(OpenDialog(start if start.is_dir() else Path.cwd()), chosen)

    def start(self) -> None:
        """Check the fields, then fit in a thread."""
        if self.running:
            return
        dry, wet = (self.query_one(f"#match-{n}", Input).value.strip() for n in ("dry", "wet"))
        if not dry or not wet:
            self._say(failure("give a dry and a wet file"))
            return
        text = self.query_one("#match-seconds", Input).value.strip()
        low, high = SECONDS_RANGE
        try:
            seconds = float(text)
        except ValueError:
            seconds = math.nan
        if not (math.isfinite(seconds) and low <= seconds <= high):
            self._say(failure(f"seconds: {text!r} is not a number from {low:g} to {high:g}"))
            return
        self._stop = threading.Event()
        self.running = True
        self.latest = None
        self.query_one("#match", Button).disabled = True
        self.query_one("#close", Button).label = "Cancel"
        self._say("aligning and fitting … (escape cancels)")
        self._timer = self.set_interval(0.2, self._show_progress)
        self._fit(Path(dry).expanduser(), Path(wet).expanduser(), seconds, self._stop)

    def _progress(self, progress: Progress) -> None:
        self.latest = progress  # from the fit's threads: store only, the timer paints

    def _show_progress(self) -> None:
        p = self.latest
        if p is not None and self.running and not (self._stop and self._stop.is_set()):
            self._say(
                f"{p.stage}: {p.evaluations} evaluations, best error {p.best_error:.4g}, "
                f"{p.elapsed_s:.0f} s"
            )

    @work(thread=True, exclusive=True, exit_on_error=False, group="match")
    def _fit(self, dry: Path, wet: Path, seconds: float, stop: threading.Event) -> None:
        from grutui.capture.fit import fit_recording
        from grutui.capture.store import keep

        try:
            result = fit_recording(dry, wet, seconds=seconds, progress=self._progress, stop=stop)
            if result is None or stop.is_set():
                self.post_message(self.Finished(None, None, ""))
                return
            preset = keep(result)
            self.post_message(self.Finished(preset, None, "; ".join(result.warnings)))
        except (GrutuiError, ValueError) as exc:
            self.post_message(self.Finished(None, str(exc), ""))
        except Exception as exc:  # an unexpected failure is still a message, not a crash
            self.post_message(self.Finished(None, f"match failed: {exc}", ""))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.running = False
        self._timer.stop()
        self.query_one("#match", Button).disabled = False
        self.query_one("#close", Button).label = "Close"
        if message.preset is not None:
            if message.warnings:
                self.app.notify(message.warnings, title="Match", severity="warning", timeout=8)
            self.dismiss(message.preset)
        elif message.error is not None:
            self._say(failure(message.error))
        else:
            self._say("cancelled: nothing loaded")

    def action_cancel(self) -> None:
        if self.running and self._stop is not None:
            self._stop.set()
            self._say("cancelling …")
        else:
            self.dismiss(None)
