"""The workstation screen: sliders, the two views, the status line and every editing key."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Hashable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer

from grutui.errors import GrutuiError
from grutui.params import SPEC_BY_NAME, Params
from grutui.presets import Preset
from grutui.ui.analysis_worker import AnalysisFailed, AnalysisThread, ViewRequest, ViewsReady
from grutui.ui.curve_view import CurveView
from grutui.ui.harmonic_view import HarmonicView
from grutui.ui.open_dialog import OpenDialog
from grutui.ui.param_panel import ParamPanel
from grutui.ui.preset_browser import PresetBrowser
from grutui.ui.render_dialog import RenderDialog
from grutui.ui.save_preset import SavePresetDialog
from grutui.ui.slider import ParamSlider
from grutui.ui.slot_compare import SlotCompare
from grutui.ui.source import Source, load_source
from grutui.ui.status_bar import StatusBar
from grutui.ui.value_dialog import ValueDialog

if TYPE_CHECKING:
    from grutui.ui.app import GrutuiApp

CURVE_GAINS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
BUSY_NOTICE_S = 0.4  # after this the status line says the kernels are loading
COMPILE_NOTICE_S = 4.0  # a warm load takes one or two seconds; longer is a first-run compile
MIN_REPAINT_S = 1 / 60  # views painted at once at most this often; faster ones wait a tick
PANEL_WAIT_S = 0.05  # the longest the panel waits for a change's views (they take ~3 ms)


class MainScreen(Screen[None]):
    """Owns the analysis thread; every change of parameters goes through ``apply``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "select(-1)", "Previous parameter", id="select-previous", show=False),
        Binding("down,j", "select(1)", "Next parameter", id="select-next", show=False),
        Binding("left,h", "step(-1)", "Decrease one step", id="step-down", show=False),
        Binding("right,l", "step(1)", "Increase one step", id="step-up", show=False),
        Binding(
            "shift+left,left_curly_bracket",
            "step(-10)",
            "Decrease 10 steps",
            id="step-down-coarse",
            show=False,
        ),
        Binding(
            "shift+right,right_curly_bracket",
            "step(10)",
            "Increase 10 steps",
            id="step-up-coarse",
            show=False,
        ),
        Binding(
            "ctrl+left,left_square_bracket",
            "step(-0.1)",
            "Decrease 1/10 step",
            id="step-down-fine",
            show=False,
        ),
        Binding(
            "ctrl+right,right_square_bracket",
            "step(0.1)",
            "Increase 1/10 step",
            id="step-up-fine",
            show=False,
        ),
        Binding("enter,equals_sign", "edit_value", "Type a value", id="edit-value", show=False),
        Binding("r", "reset", "Reset parameter", id="reset", show=False),
        Binding("R", "reset_all", "Reset all parameters", id="reset-all", show=False),
        Binding("u,ctrl+z", "undo", "Undo", id="undo", show=False),
        Binding("ctrl+r,ctrl+y", "redo", "Redo", id="redo", show=False),
        Binding("a", "slot('A')", "Slot A", id="slot-a", show=False),
        Binding("b", "slot('B')", "Slot B", id="slot-b", show=False),
        Binding("c", "copy_slot", "Copy A to B (active to other)", id="copy-slot", show=False),
        Binding("space", "play", "Play/stop", id="play"),
        Binding("L", "loop", "Loop on/off", id="loop", show=False),
        Binding("less_than_sign", "seek('-5')", "Back 5 s", id="seek-back", show=False),
        Binding("greater_than_sign", "seek('+5')", "Forward 5 s", id="seek-forward", show=False),
        Binding("home", "seek('0')", "To the start", id="seek-start", show=False),
        Binding("full_stop", "bypass", "Bypass (dry, matched loudness)", id="bypass", show=False),
        Binding("m", "monitor", "Live monitoring on/off", id="monitor", show=False),
        Binding("plus", "curve_gain(1)", "Curve gain up", id="gain-up", show=False),
        Binding("minus", "curve_gain(-1)", "Curve gain down", id="gain-down", show=False),
        Binding("o", "open", "Open", id="open"),
        Binding("e", "render", "Render", id="render"),
        Binding("p", "presets", "Presets", id="presets"),
        Binding("ctrl+s", "save", "Save preset", id="save", key_display="^s"),
    ]

    def __init__(self) -> None:
        super().__init__(id="main")
        self.analysis: AnalysisThread | None = None
        self.curve_gain = 2.0
        self._shown_request: ViewRequest | None = None  # what the views show, once current
        self._first_result = False
        self._browse_from: Params | None = None
        self._painted_at = 0.0  # monotonic time of the last at-once paint of the views
        self._panel_due = 0  # views request after which the panel shows the new values
        self._panel_timer: Timer | None = None

    @property
    def gapp(self) -> GrutuiApp:
        from grutui.ui.app import GrutuiApp

        assert isinstance(self.app, GrutuiApp)
        return self.app

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield ParamPanel(self.gapp.session.params, id="params")
                yield SlotCompare(id="compare")
            with Vertical(id="right"):
                yield CurveView(id="curve")
                yield HarmonicView(id="harmonics")
        yield Footer(compact=True)

    # -- start-up --------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.analysis = AnalysisThread(self.app, self._result)
        # After the first paint: loading the kernels in the thread holds the GIL for most of a
        # second, and the screen should appear first.
        self.call_after_refresh(self.analysis.start)
        self.query_one(ParamPanel).focus()
        self.refresh_titles()
        self.refresh_status()
        self.refresh_compare()
        self.set_timer(BUSY_NOTICE_S, self._busy_notice)
        self.set_timer(COMPILE_NOTICE_S, self._compile_notice)
        self.call_after_refresh(self.request_views)

    def on_unmount(self) -> None:
        if self.analysis is not None:
            self.analysis.stop()

    def _busy_notice(self) -> None:
        if not self._first_result:
            self.query_one(StatusBar).update(busy="loading DSP kernels…")

    def _compile_notice(self) -> None:
        if not self._first_result:
            self.query_one(StatusBar).update(busy="compiling DSP kernels…")
            self.notify(
                "First run: compiling the DSP kernels in the background (up to a "
                "minute); everything else works meanwhile.",
                title="Compiling",
                timeout=6,
            )

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100 or self.size.height < 30, "-compact")
        self.call_after_refresh(self.request_views)

    # -- views -----------------------------------------------------------------------------

    def request_views(self) -> None:
        """Ask the analysis thread for both views of the current settings at their sizes."""
        if self.analysis is None:
            return
        curve = self.query_one(CurveView).plot_size
        harmonics = self.query_one(HarmonicView).plot_size
        if curve[0] <= 0 or harmonics[0] <= 0:
            self.call_after_refresh(self.request_views)  # not laid out yet
            return
        self.analysis.request(
            ViewRequest(self.gapp.session.params, self.curve_gain, curve, harmonics)
        )

    def _result(self, result: ViewsReady | AnalysisFailed) -> None:
        if isinstance(result, ViewsReady):
            self.show_views(result)
        else:
            self.analysis_failed(result)

    def show_views(self, message: ViewsReady) -> None:
        curve, harmonics = self.query_one(CurveView), self.query_one(HarmonicView)
        if message.seq < curve.shown_seq:
            return  # older than what is shown
        curve.show(message.curve, message.seq)
        harmonics.show(message.harmonics, message.seq)
        # At once, but never more than 60 times a second: a slider dragged with the mouse can
        # bring a result every 3 ms, more than a terminal (or an SSH link) needs to show.
        now = time.monotonic()
        at_once = now - self._painted_at >= MIN_REPAINT_S
        if at_once:
            self._painted_at = now
            self._paint_now(curve, harmonics)
        if self._panel_due and message.seq >= self._panel_due:
            panel = self.show_params()
            if at_once:
                # Now rather than at the next tick, where it would hold the GIL while the
                # analysis thread works on the next of a held key's repeats.
                self._paint_now(*panel)
        if not self._first_result:
            self._first_result = True
            self.query_one(StatusBar).update(busy="")
            # Kernels loaded (imported here, not at start-up, for that reason): freeze what lives
            # as long as the app out of the collector's sight. A full collection of it held the
            # GIL for 50-150 ms: the views' worst latencies.
            from grutui.audio.stream import prepare_interpreter

            prepare_interpreter()
        if message.request.curve_size != self.query_one(CurveView).plot_size:
            self.request_views()  # resized while it was drawing
        elif self.analysis is not None and message.seq == self.analysis.latest:
            self._shown_request = message.request
            self.prefetch_next()

    def prefetch_next(self) -> None:
        """Have the analysis thread draw, while idle, what the next key is likely to ask for:
        the selected parameter one step either way (a held key repeats it; a comparison goes
        back and forth)."""
        shown = self._shown_request
        params = self.gapp.session.params
        if self.analysis is None or shown is None or shown.params != params:
            return
        spec = SPEC_BY_NAME[self.selected]
        current = getattr(params, spec.name)
        requests = []
        for steps in (1, -1):
            value = spec.clamp_step(current, steps)
            if value != current:
                with contextlib.suppress(GrutuiError):
                    requests.append(replace(shown, params=params.replace(**{spec.name: value})))
        self.analysis.prefetch(requests)

    def _paint_now(self, *widgets: Widget) -> None:
        """Paint ``widgets`` now instead of at the screen's next 60 Hz tick.

        The new views are what the user waits for after a key: the tick alone added 0-16.7 ms
        (the latency benchmark's p50 went from 26 to 17 ms). This reaches into Textual's screen
        update; should that change, the views still paint at the next tick.
        """
        try:
            self._dirty_widgets.update(widgets)
            self._on_timer_update()
        except AttributeError:
            pass

    def analysis_failed(self, message: AnalysisFailed) -> None:
        self.show_params()
        self._first_result = True
        self.query_one(StatusBar).update(busy="")
        self.notify(message.text, severity="error", title="Analysis")

    def refresh_titles(self) -> None:
        session = self.gapp.session
        self.query_one("#left").border_title = f"Parameters · slot {session.active}"
        self.query_one("#left").border_subtitle = "a/b slots · c copy"
        self.query_one(CurveView).border_title = f"Transfer curve · gain {self.curve_gain:g} (+/-)"
        self.query_one(HarmonicView).border_title = "Harmonics · dBFS"

    def refresh_compare(self) -> None:
        session = self.gapp.session
        self.query_one(SlotCompare).show(session.slots["A"], session.slots["B"], session.active)

    def refresh_status(self) -> None:
        app = self.gapp
        session, source = app.session, app.source
        self.query_one(StatusBar).update(
            preset=session.preset_name,
            modified=session.modified,
            slot=session.active,
            file=source.name,
            rate_hz=source.rate_hz,
            channels=source.channels,
            length_s=source.duration_s,
        )

    # -- the one path for every change -----------------------------------------------------

    def apply(self, changed: bool = True) -> None:
        """Show the session's current parameters everywhere they matter.

        The sound and the views' request go first. The sliders, the status line and the A/B
        table follow the views (or ``PANEL_WAIT_S``, whichever is sooner): painted together
        they cost the compositor several milliseconds of the GIL that the analysis thread
        needs, and the views are what a change is judged by. Not while the kernels load or
        when a dialog is on top: then the panel shows at once.
        """
        if not changed:
            return
        self.gapp.params_changed(self.gapp.session.params)
        self.request_views()
        if not self._first_result or not self.is_current or self.analysis is None:
            self.show_params()
            return
        self._panel_due = self.analysis.latest
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
        panel.show(self.gapp.session.params)
        self.refresh_status()
        self.refresh_compare()
        return [*panel.sliders(), self.query_one(StatusBar), self.query_one(SlotCompare)]

    @property
    def selected(self) -> str:
        return self.query_one(ParamPanel).selected_name

    def set_value(self, name: str, value: float | int | bool, key: Hashable = None) -> None:
        session = self.gapp.session
        try:
            params = session.params.replace(**{name: value})
        except GrutuiError as exc:
            self.notify(str(exc), severity="error")
            return
        self.apply(session.set(params, key=key))

    # -- actions ---------------------------------------------------------------------------

    def action_select(self, delta: int) -> None:
        panel = self.query_one(ParamPanel)
        panel.select(panel.selected + delta)
        self.prefetch_next()

    def action_step(self, steps: float) -> None:
        name = self.selected
        spec = SPEC_BY_NAME[name]
        current = getattr(self.gapp.session.params, name)
        # Choices and switches move one place whatever the size of the step.
        self.set_value(name, spec.clamp_step(current, steps), key=("step", name))

    def action_edit_value(self) -> None:
        name = self.selected
        spec = SPEC_BY_NAME[name]

        def done(value: float | int | bool | None) -> None:
            if value is not None:
                self.set_value(name, value)

        self.app.push_screen(ValueDialog(spec, getattr(self.gapp.session.params, name)), done)

    def action_reset(self) -> None:
        self.apply(self.gapp.session.reset(self.selected))

    def action_reset_all(self) -> None:
        changed = self.gapp.session.reset(None)
        self.apply(changed)
        if changed:
            self.notify("All parameters at their defaults (u undoes)", timeout=2)

    def action_undo(self) -> None:
        if not self.gapp.session.undo():
            self.notify("Nothing to undo", timeout=1.5)
        self.apply()

    def action_redo(self) -> None:
        if not self.gapp.session.redo():
            self.notify("Nothing to redo", timeout=1.5)
        self.apply()

    def action_slot(self, slot: str) -> None:
        if self.gapp.session.switch(slot):
            self.refresh_titles()
            self.apply()

    def action_copy_slot(self) -> None:
        session = self.gapp.session
        source, target = session.active, session.other
        session.copy_to_other()
        self.refresh_compare()
        self.notify(f"Copied slot {source} to slot {target}", timeout=2)

    def action_curve_gain(self, direction: int) -> None:
        index = min(range(len(CURVE_GAINS)), key=lambda i: abs(CURVE_GAINS[i] - self.curve_gain))
        index = min(max(index + direction, 0), len(CURVE_GAINS) - 1)
        self.curve_gain = CURVE_GAINS[index]
        self.refresh_titles()
        self.request_views()

    def action_play(self) -> None:
        if not self.gapp.audio.playing and not self.gapp.audio.reason:
            self.query_one(StatusBar).update(state="starting…")  # opening a device takes a while
        self.gapp.audio_toggle("play")

    def action_loop(self) -> None:
        self.gapp.toggle_loop()

    def action_seek(self, where: str) -> None:
        self.gapp.seek(where)

    def action_bypass(self) -> None:
        self.gapp.toggle_bypass()

    def action_monitor(self) -> None:
        if not self.gapp.audio.monitoring and not self.gapp.audio.reason:
            self.query_one(StatusBar).update(state="starting…")
        self.gapp.audio_toggle("monitor")

    def action_open(self) -> None:
        source = self.gapp.source
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
        except GrutuiError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Cannot open", severity="error")
            return
        except Exception as exc:
            self.app.call_from_thread(
                self.notify, f"{path}: {exc}", title="Cannot open", severity="error"
            )
            return
        self.app.call_from_thread(self._opened, source)

    def _opened(self, source: Source) -> None:
        self.gapp.set_source(source)
        self.refresh_status()
        self.notify(f"Opened {source.name}", timeout=2)

    def action_render(self) -> None:
        self.app.push_screen(RenderDialog(self.gapp.source, self.gapp.session.params))

    def action_presets(self) -> None:
        session = self.gapp.session
        self._browse_from = session.params

        def preview(params: Params) -> None:
            session.preview(params)
            self.apply()

        def chosen(preset: Preset | None) -> None:
            before, self._browse_from = self._browse_from, None
            if before is None:
                return
            session.preview(before)  # so the load below is one undo step from the old state
            if preset is not None:
                session.load(preset)
                self.notify(f"Loaded preset {preset.name!r}", timeout=2)
            self.apply()

        self.app.push_screen(PresetBrowser(preview, current=session.preset_name), chosen)

    def action_save(self) -> None:
        session = self.gapp.session

        def saved(preset: Preset | None) -> None:
            if preset is not None:
                session.mark_saved(preset)
                self.refresh_status()

        self.app.push_screen(
            SavePresetDialog(
                session.params,
                session.preset_name,
                session.preset_description,
                session.preset_path,
                session.preset_factory,
            ),
            saved,
        )

    # -- mouse -----------------------------------------------------------------------------

    @on(ParamSlider.Selected)
    def slider_selected(self, message: ParamSlider.Selected) -> None:
        self.query_one(ParamPanel).select_name(message.slider.spec.name)
        self.prefetch_next()

    @on(ParamSlider.Changed)
    def slider_changed(self, message: ParamSlider.Changed) -> None:
        name = message.slider.spec.name
        self.set_value(name, message.value, key=("drag", name))
