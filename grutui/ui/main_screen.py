"""The workstation screen: sliders, the views, the status line and every editing key.

It edits the ``Session`` it is given and tells the app about it with messages
(``ParamsChanged``, ``SourceOpened``); the audio keys are the app's own actions (``app.play``
and so on, see ``keys.py``). The app shows audio state through ``show_audio``.
"""

from __future__ import annotations

import random
from collections.abc import Hashable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Static

from grutui.errors import GrutuiError
from grutui.params import SPEC_BY_NAME, Params
from grutui.ui.keys import MAIN_KEYS
from grutui.ui.meters import MeterPanel, MeterReading
from grutui.ui.open_dialog import OpenDialog
from grutui.ui.param_panel import ParamPanel
from grutui.ui.preset_keys import PresetKeys
from grutui.ui.render_dialog import RenderDialog
from grutui.ui.session import Session
from grutui.ui.slider import ParamSlider
from grutui.ui.slot_compare import SlotCompare
from grutui.ui.source import Source, load_source
from grutui.ui.status_bar import StatusBar
from grutui.ui.textual_internals import paint_now
from grutui.ui.value_dialog import ValueDialog
from grutui.ui.views.deck import ViewDeck

BUSY_NOTICE_S = 0.4  # after this the status line says the kernels are loading
COMPILE_NOTICE_S = 4.0  # a warm load takes one or two seconds; longer is a first-run compile
MIN_WIDTH, MIN_HEIGHT = 60, 16  # the compact layout's sliders and a view beside them
PANEL_WAIT_S = 0.05  # the longest the panel waits for a change's views (they take ~3 ms)


class MainScreen(Screen[None]):
    """Every change of parameters goes through ``apply``."""

    BINDINGS: ClassVar[list[BindingType]] = MAIN_KEYS

    class ParamsChanged(Message):
        """The active slot's parameters changed (the sound follows them)."""

        def __init__(self, params: Params) -> None:
            super().__init__()
            self.params = params

    class SourceOpened(Message):
        """A sound file was read; it is now the one worked on."""

        def __init__(self, source: Source) -> None:
            super().__init__()
            self.source = source

    def __init__(self, session: Session, source: Source) -> None:
        super().__init__(id="main")
        self.session = session
        self.source = source
        self._preset_keys = PresetKeys(self)
        self._panel_due = 0  # views request after which the panel shows the new values
        self._panel_timer: Timer | None = None
        self._rng = random.Random()  # randomise's draws

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield ParamPanel(self.session.params, id="params")
                yield SlotCompare(id="compare")
                yield MeterPanel(id="meters")
            yield ViewDeck(self.session.params, self.source, id="views")
        yield Footer(compact=True)
        yield Static(id="too-small")

    @property
    def deck(self) -> ViewDeck:
        return self.query_one(ViewDeck)

    # -- start-up --------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.query_one(ParamPanel).focus()
        self.deck.select(self.selected)
        self.refresh_titles()
        self.refresh_status()
        self.refresh_compare()
        self.set_timer(BUSY_NOTICE_S, self._busy_notice)
        self.set_timer(COMPILE_NOTICE_S, self._compile_notice)

    def _busy_notice(self) -> None:
        if not self.deck.ready:
            self.query_one(StatusBar).update(busy="loading DSP kernels…")

    def _compile_notice(self) -> None:
        if not self.deck.ready:
            self.query_one(StatusBar).update(busy="compiling DSP kernels…")
            self.app.notify(
                "First run: compiling the DSP kernels in the background (up to a "
                "minute); everything else works meanwhile.",
                title="Compiling",
                timeout=6,
            )

    def on_resize(self) -> None:
        width, height = self.size
        self.set_class(width < 100 or height < 30, "-compact")
        # Below the smallest layout one line, not a garbled screen; the keys still work.
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(too_small, "-too-small")
        needs = f"Too small (needs {MIN_WIDTH}x{MIN_HEIGHT}) · ctrl+q quits"
        self.query_one("#too-small", Static).update(f"{needs} · now {width}x{height}")
        self.refresh_titles()

    # -- what the screen shows -------------------------------------------------------------

    @on(ViewDeck.Ready)
    def _views_ready(self) -> None:
        self.query_one(StatusBar).update(busy="")

    @on(ViewDeck.Drawn)
    def _views_drawn(self, message: ViewDeck.Drawn) -> None:
        if self._panel_due and message.seq >= self._panel_due:
            panel = self.show_params()
            if message.painted_now:
                # Now rather than at the next tick, where it would hold the GIL while the
                # analysis thread works on the next of a held key's repeats.
                paint_now(self, panel)

    def refresh_titles(self) -> None:
        left = self.query_one("#left")
        session = self.session
        morphed = session.morph_fraction
        morph = f" · morph A→B {morphed:.0%}" if morphed is not None else ""
        left.border_title = f"Parameters · slot {session.active}{morph}"
        keys = (
            "a/b · c copy · ( ) morph"
            if self.has_class("-compact")
            else "a/b slots · c copy · ( ) morph · n random"
        )
        left.border_subtitle = keys

    def refresh_compare(self) -> None:
        session = self.session
        self.query_one(SlotCompare).show(session.slots["A"], session.slots["B"], session.active)

    def refresh_status(self) -> None:
        session, source = self.session, self.source
        self.query_one(StatusBar).update(
            preset=session.preset_name,
            modified=session.modified,
            auto_gain=session.params.auto_gain,
            slot=session.active,
            file=source.name,
            rate_hz=source.rate_hz,
            channels=source.channels,
            length_s=source.duration_s,
        )

    def show_meters(self, input: MeterReading, output: MeterReading, available: bool) -> None:
        """The meters' readings; shown only where there is audio to meter."""
        self.set_class(available, "-audio")
        self.query_one(MeterPanel).show(input, output)

    def show_audio(self, **changes: object) -> None:
        """Audio state for the status line (``StatusInfo`` fields); the views follow the play
        position."""
        self.query_one(StatusBar).update(**changes)
        position_s = changes.get("position_s")
        if isinstance(position_s, float):
            self.deck.show_position(position_s)

    # -- the one path for every change -----------------------------------------------------

    def apply(self, changed: bool = True) -> None:
        """Show the session's current parameters everywhere they matter.

        The sound and the views' request go first. The sliders, the status line and the A/B
        table follow the views (or ``PANEL_WAIT_S``, whichever is sooner): painted together
        they cost the compositor several milliseconds of the GIL that the analysis thread
        needs, and the views are what a change is judged by. Not while the kernels load, when
        the view has no room or when a dialog is on top: then the panel shows at once.
        """
        if not changed:
            return
        params = self.session.params
        self.post_message(self.ParamsChanged(params))
        seq = self.deck.show_params(params)
        if not self.deck.ready or not self.is_current or not seq:
            self.show_params()
            return
        self._panel_due = seq
        if self._panel_timer is None:
            self._panel_timer = self.set_timer(PANEL_WAIT_S, self.show_params)

    def show_params(self) -> list[Widget]:
        """Show the current parameters on the sliders, the status line and the A/B table.

        Returns the widgets that may need painting.
        """
        self._panel_due = 0
        if self._panel_timer is not None:
            self._panel_timer.stop()
            self._panel_timer = None
        panel = self.query_one(ParamPanel)
        panel.show(self.session.params)
        self.refresh_titles()
        self.refresh_status()
        self.refresh_compare()
        return [*panel.sliders(), self.query_one(StatusBar), self.query_one(SlotCompare)]

    @property
    def selected(self) -> str:
        return self.query_one(ParamPanel).selected_name

    def set_value(self, name: str, value: float | int | bool, key: Hashable = None) -> None:
        try:
            params = self.session.params.replace(**{name: value})
        except GrutuiError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.apply(self.session.set(params, key=key))

    # -- editing ---------------------------------------------------------------------------

    def action_select(self, delta: int) -> None:
        panel = self.query_one(ParamPanel)
        panel.select(panel.selected + delta)
        self.deck.select(self.selected)

    def action_step(self, steps: float) -> None:
        name = self.selected
        spec = SPEC_BY_NAME[name]
        current = getattr(self.session.params, name)
        # Choices and switches move one place whatever the size of the step.
        self.set_value(name, spec.clamp_step(current, steps), key=("step", name))

    def action_edit_value(self) -> None:
        name = self.selected
        spec = SPEC_BY_NAME[name]

        def done(value: float | int | bool | None) -> None:
            if value is not None:
                self.set_value(name, value)

        self.app.push_screen(ValueDialog(spec, getattr(self.session.params, name)), done)

    def action_reset(self) -> None:
        self.apply(self.session.reset(self.selected))

    def action_reset_all(self) -> None:
        changed = self.session.reset(None)
        self.apply(changed)
        if changed:
            self.app.notify("All parameters at their defaults (u undoes)", timeout=2)

    def action_undo(self) -> None:
        if not self.session.undo():
            self.app.notify("Nothing to undo", timeout=1.5)
        self.apply()

    def action_redo(self) -> None:
        if not self.session.redo():
            self.app.notify("Nothing to redo", timeout=1.5)
        self.apply()

    def action_slot(self, slot: str) -> None:
        if self.session.switch(slot):
            self.refresh_titles()
            self.apply()

    def action_copy_slot(self) -> None:
        session = self.session
        source, target = session.active, session.other
        session.copy_to_other()
        self.refresh_compare()
        self.app.notify(f"Copied slot {source} to slot {target}", timeout=2)

    def action_auto_gain(self) -> None:
        self.set_value("auto_gain", not self.session.params.auto_gain)

    def action_randomize(self) -> None:
        self.apply(self.session.randomize(self._rng))

    def action_morph(self, delta: float) -> None:
        session = self.session
        if session.slots["A"] == session.slots["B"] and session.morph_fraction is None:
            self.app.notify(
                "Slots A and B are the same: make B another sound (b, then edit or load a "
                "preset) to morph between them",
                timeout=4,
            )
            return
        self.apply(session.morph_by(delta))

    # -- views -----------------------------------------------------------------------------

    def action_view(self, delta: int) -> None:
        self.deck.cycle(delta)

    def action_level(self, delta_db: float) -> None:
        self.deck.change_level(delta_db)

    def action_zoom(self, steps: int) -> None:
        if not self.deck.zoom(steps):
            self.app.notify("z and Z set the window of the Scope and Spectrum views", timeout=3)

    # -- files and presets -----------------------------------------------------------------

    def action_open(self) -> None:
        source = self.source
        start = source.path.parent if source.path is not None else Path.cwd()

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.open_file(path)

        self.app.push_screen(OpenDialog(start), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="open")
    def open_file(self, path: Path) -> None:
        """Read ``path`` in a thread; keep the current sound if it cannot be read."""
        try:
            source = load_source(path)
        except Exception as exc:  # a notification is a message: safe from this thread
            why = str(exc) if isinstance(exc, GrutuiError) else f"{path}: {exc}"
            self.app.notify(why, title="Cannot open", severity="error")
            return
        self.post_message(self.SourceOpened(source))

    @on(SourceOpened)
    def _opened(self, message: SourceOpened) -> None:
        self.source = message.source  # and the app, where the message goes on to
        self.deck.show_source(message.source)
        self.refresh_status()
        self.app.notify(f"Opened {message.source.name}", timeout=2)

    def action_render(self) -> None:
        self.app.push_screen(RenderDialog(self.source, self.session.params))

    # The preset keys' dialogs: preset_keys.py.

    def action_presets(self) -> None:
        self._preset_keys.browse()

    def action_match(self) -> None:
        self._preset_keys.match()

    def action_save(self) -> None:
        self._preset_keys.save()

    # -- mouse -----------------------------------------------------------------------------

    @on(ParamSlider.Selected)
    def slider_selected(self, message: ParamSlider.Selected) -> None:
        self.query_one(ParamPanel).select_name(message.slider.spec.name)
        self.deck.select(self.selected)

    @on(ParamSlider.Changed)
    def slider_changed(self, message: ParamSlider.Changed) -> None:
        name = message.slider.spec.name
        self.set_value(name, message.value, key=("drag", name))
