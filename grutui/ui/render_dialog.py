"""Render the loaded sound to a file: path, format, subtype, oversampling, normalising,
progress, cancel, and what was written (its peak and clipped samples)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import soundfile as sf
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select

from grutui.errors import GrutuiError
from grutui.params import SPEC_BY_NAME, Params
from grutui.ui.confirm import ConfirmDialog
from grutui.ui.source import Source
from grutui.ui.text import failure, heading

if TYPE_CHECKING:  # the render module loads the DSP kernels: imported when rendering
    from grutui.render import RenderResult


NORMALIZE_CHOICES = ("off", "-0.1", "-1", "-3", "-6")  # dBFS peaks offered
NORMALIZE_AFTER_CLIP = "-1"  # what the dialog proposes when a render clipped


def formats() -> dict[str, list[str]]:
    """Output extension (with the dot) -> subtypes grutui writes."""
    from grutui.audiofile import output_formats

    return output_formats()


def default_output(source: Source) -> Path:
    """``NAME-grutui.wav`` beside the input (in the current folder for the demo)."""
    folder = source.path.parent if source.path is not None else Path.cwd()
    stem = source.path.stem if source.path is not None else source.name
    suffix = source.path.suffix.lower() if source.path is not None else ".wav"
    if suffix not in formats():
        suffix = ".wav"
    return folder / f"{stem}-grutui{suffix}"


def shown_path(path: Path) -> str:
    """A path relative to the current folder when it is inside it (shorter, and stable)."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


class RenderDialog(ModalScreen[Path | None]):
    """Dismisses with the written path, or None if closed without rendering."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel / close", id="render-cancel"),
    ]

    def __init__(self, source: Source, params: Params) -> None:
        super().__init__()
        self.source = source
        self.params = params
        self._formats = formats()
        self._cancel: threading.Event | None = None
        self.fraction = 0.0  # of the render done, 0..1
        self.rendering = False
        self.result: RenderResult | None = None  # the last file written here

    def compose(self) -> ComposeResult:
        output = default_output(self.source)
        suffix = output.suffix if output.suffix in self._formats else ".wav"
        oversample = SPEC_BY_NAME["oversample"]
        with Vertical(classes="dialog render"):
            title = heading("Render", f"{self.source.name} through the chain")
            yield Label(title, id="render-title")
            yield Label("Output file")
            yield Input(shown_path(output), id="render-path")
            with Horizontal(classes="fields"):
                with Vertical():
                    yield Label("Format")
                    yield Select(
                        [(ext.lstrip("."), ext) for ext in self._formats],
                        value=suffix,
                        allow_blank=False,
                        id="render-format",
                    )
                with Vertical():
                    yield Label("Sample format")
                    yield Select(
                        self._subtype_options(suffix),
                        allow_blank=False,
                        value=self._default_subtype(suffix),
                        id="render-subtype",
                    )
                with Vertical():
                    yield Label("Oversampling")
                    yield Select(
                        [(f"{c:g}x", int(c)) for c in oversample.choices],
                        value=self.params.oversample,
                        allow_blank=False,
                        id="render-oversample",
                    )
                with Vertical():
                    yield Label("Normalise peak")
                    yield Select(
                        [(c if c == "off" else f"{c} dBFS", c) for c in NORMALIZE_CHOICES],
                        value="off",
                        allow_blank=False,
                        id="render-normalize",
                    )
            yield ProgressBar(total=1.0, show_eta=False, id="render-progress")
            yield Label("", id="render-message", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Render", variant="primary", id="render")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#render-path", Input).focus()

    def _subtype_options(self, suffix: str) -> list[tuple[str, str]]:
        return [(s, s) for s in self._formats.get(suffix, [])]

    def _default_subtype(self, suffix: str) -> str:
        subtypes = self._formats.get(suffix, ["PCM_24"])
        for wanted in ("PCM_24", "FLOAT", "PCM_16"):
            if wanted in subtypes:
                return wanted
        return subtypes[0]

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "render-format" or not isinstance(event.value, str):
            return
        suffix = event.value
        subtype = self.query_one("#render-subtype", Select)
        subtype.set_options(self._subtype_options(suffix))
        subtype.value = self._default_subtype(suffix)
        path_input = self.query_one("#render-path", Input)
        path_input.value = str(Path(path_input.value).with_suffix(suffix))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "render":
            self.start()
        else:
            self.action_cancel()

    def _say(self, text: str | Content) -> None:
        self.query_one("#render-message", Label).update(
            Content(text) if isinstance(text, str) else text
        )

    def start(self, force: bool = False) -> None:
        """Check the output path, ask before overwriting, then render in a thread."""
        if self.rendering:
            return
        text = self.query_one("#render-path", Input).value.strip()
        if not text:
            self._say(failure("give an output file name"))
            return
        target = Path(text).expanduser()
        if not target.is_absolute():
            target = Path.cwd() / target
        if target.suffix.lower() not in self._formats:
            self._say(
                failure(
                    f"unknown extension {target.suffix or '(none)'}; "
                    f"use one of {', '.join(self._formats)}"
                )
            )
            return
        if self.source.path is not None and target.resolve() == self.source.path.resolve():
            self._say(failure("that is the input file; never overwritten: choose another name"))
            return
        if self.result is not None and target == self.result.target:
            force = True  # written by this dialog a moment ago: rendering again replaces it
        if target.exists() and not force:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.start(force=True)

            self.app.push_screen(
                ConfirmDialog(f"{shown_path(target)} exists. Overwrite it?", yes="Overwrite"),
                answered,
            )
            return
        subtype = self.query_one("#render-subtype", Select).value
        oversample = self.query_one("#render-oversample", Select).value
        params = self.params.replace(oversample=oversample)
        chosen = self.query_one("#render-normalize", Select).value
        normalize_dbfs = None if chosen == "off" else float(str(chosen))
        self._cancel = threading.Event()
        self.fraction = 0.0  # of the render done, 0..1
        self.rendering = True
        self.query_one("#render", Button).disabled = True
        self.query_one("#close", Button).label = "Cancel"
        self._say(f"rendering to {shown_path(target)} …")
        self._progress_timer = self.set_interval(0.1, self._show_progress)
        self._run_render(target, params, str(subtype), normalize_dbfs, force, self._cancel)

    def _show_progress(self) -> None:
        self.query_one("#render-progress", ProgressBar).update(progress=self.fraction)

    def _progress(self, fraction: float) -> None:
        # Called from the rendering thread for every block: store only, the timer paints.
        self.fraction = fraction

    @work(thread=True, exclusive=True, exit_on_error=False, group="render")
    def _run_render(
        self,
        target: Path,
        params: Params,
        subtype: str,
        normalize_dbfs: float | None,
        force: bool,
        cancel: threading.Event,
    ) -> None:
        from grutui import render

        temp: str | None = None
        try:
            source_path = self.source.path
            if source_path is None:  # the demo has no file: write it out to render from
                fd, temp = tempfile.mkstemp(prefix="grutui-demo-", suffix=".wav")
                os.close(fd)
                sf.write(temp, self.source.data, int(self.source.rate_hz), subtype="FLOAT")
                source_path = Path(temp)
            written = render.render_file(
                source_path,
                target,
                params,
                subtype=subtype,
                normalize_dbfs=normalize_dbfs,
                force=force,
                progress=self._progress,
                cancel=cancel,
            )
            self.app.call_from_thread(self._finished, written, None)
        except render.RenderCancelled:
            self.app.call_from_thread(self._finished, None, None)
        except GrutuiError as exc:
            self.app.call_from_thread(self._finished, None, str(exc))
        except Exception as exc:  # an unexpected failure is still a message, not a crash
            self.app.call_from_thread(self._finished, None, f"render failed: {exc}")
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)

    def _finished(self, written: RenderResult | None, error: str | None) -> None:
        self.rendering = False
        self._progress_timer.stop()
        self.query_one("#render", Button).disabled = False
        self.query_one("#close", Button).label = "Close"
        if written is not None:
            self.result = written
            self.query_one("#render-progress", ProgressBar).update(progress=1.0)
            self._show_result(written)
        elif error is not None:
            self._say(failure(error))
            self.app.notify(error, title="Render failed", severity="error")
        else:
            self.query_one("#render-progress", ProgressBar).update(progress=0.0)
            self._say("cancelled: no file was written")
            self.app.notify("Render cancelled; no file was written", title="Render")

    def _show_result(self, result: RenderResult) -> None:
        """What was written, as ``grutui render`` prints it; after a clip, the way out."""
        line = result.summary(shown_path(result.target))
        if not result.clipped:
            self._say(Content.assemble(("✓ ", "bold green"), line))
            self.app.notify(line, title="Render done")
            return
        self.query_one("#render-normalize", Select).value = NORMALIZE_AFTER_CLIP
        self.query_one("#render", Button).focus()
        self._say(
            Content.assemble(
                failure(line),
                f" to full scale in {result.subtype}. Normalise is now "
                f"{NORMALIZE_AFTER_CLIP} dBFS: render again (enter) to keep the peaks.",
            )
        )
        self.app.notify(
            f"{line} to full scale; normalising keeps the peaks",
            title="Render clipped",
            severity="warning",
        )

    def action_cancel(self) -> None:
        if self.rendering and self._cancel is not None:
            self._cancel.set()
            self._say("cancelling …")
        else:
            self.dismiss(None)
