"""The views on the right of the main screen, and everything that keeps them current.

``ViewDeck`` owns the views (one shown at a time, cycled with ``cycle``), the analysis thread
that draws them and the settings they are drawn with: the test level (``change_level``), the
loaded sound and the play position (``show_source``, ``show_position``) and each material
view's window (``zoom``). The screen tells it what changed; it asks the thread for the shown
view and paints what comes back, posting ``Drawn`` when a request is on screen and ``Ready``
once, when the first drawing arrives (the DSP kernels have loaded). A view that takes longer
than ``COMPUTING_S`` says "computing…" in its title until its drawing arrives.
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher

from grutui.params import Params
from grutui.ui.source import Source
from grutui.ui.textual_internals import paint_now
from grutui.ui.views.ahead import clamp_level, steps_from
from grutui.ui.views.aliasing import AliasingView
from grutui.ui.views.base import PlotView, ViewState
from grutui.ui.views.curve import CurveView
from grutui.ui.views.harmonics import HarmonicView
from grutui.ui.views.scope import ScopeView
from grutui.ui.views.spectrum import SpectrumView
from grutui.ui.views.sweep import SweepView
from grutui.ui.views.worker import AnalysisThread, ViewFailed, ViewReady, ViewRequest

VIEWS: tuple[type[PlotView], ...] = (
    CurveView,
    HarmonicView,
    SweepView,
    ScopeView,
    SpectrumView,
    AliasingView,
)
MIN_REPAINT_S = 1 / 60  # views painted at once at most this often; faster ones wait a tick
COMPUTING_S = 0.15  # a drawing not back by then is said to be computing
# While playing, a material view follows the play position, drawn again at most once per
# this time or five times its last drawing's time (so it takes at most a fifth of a core).
FOLLOW_S = 0.1
FOLLOW_IDLE_S = 1.0  # a material view draws nothing ahead this soon after the position moved
AHEAD_IDLE_S = 0.25  # idle this long after a drawing, the views either side are drawn ahead


class ViewDeck(Widget):
    """One view at a time; ``v`` / ``V`` (through the screen) cycle them."""

    DEFAULT_CSS = """
    ViewDeck { height: 1fr; width: 1fr; }
    ViewDeck > ContentSwitcher { height: 1fr; }
    """

    class Drawn(Message):
        """Request ``seq`` is on screen (painted at once when ``painted_now``)."""

        def __init__(self, seq: int, painted_now: bool) -> None:
            super().__init__()
            self.seq = seq
            self.painted_now = painted_now

    class Ready(Message):
        """The first drawing has arrived: the DSP kernels have loaded."""

    class PeakMeasured(Message):
        """The peak of the sound with ``source_id``, measured in a thread."""

        def __init__(self, source_id: int, peak_dbfs: float) -> None:
            super().__init__()
            self.source_id = source_id
            self.peak_dbfs = peak_dbfs

    def __init__(self, params: Params, source: Source, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.params = params
        self.selected = ""  # the parameter whose neighbouring values are drawn ahead
        self.source = source
        self._source_id = 1
        self._peak_dbfs = source.peak_dbfs  # measured in a thread when the sound is a file
        self.position_s = 0.0  # the play position (or where playing will start)
        self._index = 0
        self.level_offset_db = 0.0  # what +/- added to the level the sound suggests
        self._windows = {view.NAME: view.WINDOW_S for view in VIEWS if view.WINDOWS}
        self.analysis: AnalysisThread | None = None
        self.ready = False
        self._shown: ViewRequest | None = None  # the newest request on screen, once current
        self._painted_at = 0.0  # monotonic time of the last at-once paint
        self._captions: dict[str, str] = {}
        self._asked: dict[str, tuple[int, float]] = {}  # view -> newest request, when asked
        self._followed_at = 0.0  # when a material view last followed the play position
        self._moved_at = 0.0  # when the play position last moved
        self._ahead: Timer | None = None  # draws the views either side once idle

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial=VIEWS[0].NAME):
            for view in VIEWS:
                yield view(id=view.NAME)

    def on_mount(self) -> None:
        self._views = {view.NAME: view for view in self.query(PlotView)}
        self.analysis = AnalysisThread(self, {view.NAME: view.drawer for view in VIEWS})
        # After the first paint: loading the kernels in the thread holds the GIL for most of a
        # second, and the screen should appear first.
        self.call_after_refresh(self.analysis.start)
        self.refresh_titles()
        self._measure_peak()

    def on_unmount(self) -> None:
        if self.analysis is not None:
            self.analysis.stop()

    def on_resize(self) -> None:
        # A view with no room is not asked for at all (it is when it has room again), so a
        # tiny terminal costs nothing.
        self.request()

    # -- what is shown ---------------------------------------------------------------------

    @property
    def view(self) -> PlotView:
        """The view shown."""
        return self._views[VIEWS[self._index].NAME]

    @property
    def _suggested_dbfs(self) -> float:
        """The level the sound suggests: its peak (0 dBFS while unknown or silent)."""
        peak = self._peak_dbfs
        return round(peak, 1) if peak is not None and math.isfinite(peak) else 0.0

    @property
    def level_dbfs(self) -> float:
        """The analytic views' test level: the sound's peak plus what +/- added."""
        return clamp_level(self._suggested_dbfs + self.level_offset_db)

    def window_s(self, view: PlotView) -> float:
        return self._windows.get(view.NAME, 0.0)

    def state(self, view: PlotView) -> ViewState:
        return ViewState(
            self.level_dbfs,
            self.level_offset_db == 0.0,
            self.position_s,
            self.window_s(view),
            self.source.rate_hz,
        )

    def computing(self, view: PlotView) -> bool:
        """True while ``view``'s newest request has taken longer than ``COMPUTING_S``."""
        seq, asked_at = self._asked.get(view.NAME, (0, 0.0))
        return seq > view.shown_seq and time.monotonic() - asked_at >= COMPUTING_S

    def refresh_titles(self) -> None:
        for name, view in self._views.items():
            parts = [view.heading(self.state(view)), self._captions.get(name, "")]
            if self.computing(view):
                parts.append("computing…")
            title = " · ".join(filter(None, parts))
            if view.border_title != title:
                view.border_title = title
            after = VIEWS[(VIEWS.index(type(view)) + 1) % len(VIEWS)]
            view.border_subtitle = " · ".join(filter(None, (view.KEYS, f"v: {after.TITLE}")))

    def cycle(self, delta: int) -> None:
        """Show the next (``delta`` 1) or previous (-1) view."""
        self._index = (self._index + delta) % len(VIEWS)
        self.query_one(ContentSwitcher).current = VIEWS[self._index].NAME
        self.refresh_titles()
        self.request()

    def change_level(self, delta_db: float) -> None:
        """Move the analytic views' test level by ``delta_db`` within its range."""
        level = clamp_level(self.level_dbfs + delta_db)
        self.level_offset_db = level - self._suggested_dbfs
        self.refresh_titles()
        self.request()

    def zoom(self, steps: int) -> bool:
        """Narrow (``steps`` < 0) or widen the shown view's window; False if it has none."""
        view = self.view
        if not view.WINDOWS:
            return False
        ladder = view.WINDOWS
        index = min(range(len(ladder)), key=lambda i: abs(ladder[i] - self.window_s(view)))
        self._windows[view.NAME] = ladder[min(max(index + steps, 0), len(ladder) - 1)]
        self.refresh_titles()
        self.request()
        return True

    # -- what changed ----------------------------------------------------------------------

    def show_params(self, params: Params) -> int:
        """Draw the shown view for ``params``; returns the request number (0: not drawn)."""
        self.params = params
        return self.request()

    def show_source(self, source: Source) -> None:
        self.source = source
        self._source_id += 1
        self._peak_dbfs = source.peak_dbfs
        self.position_s = 0.0
        self.refresh_titles()
        self.request()
        self._measure_peak()

    def show_position(self, position_s: float) -> None:
        """The play position moved: a material view follows it, as often as it can afford."""
        if position_s == self.position_s:
            return
        self.position_s = position_s
        self._moved_at = time.monotonic()
        view = self.view
        if not view.MATERIAL:
            return
        self.refresh_titles()
        busy = self._asked.get(view.NAME, (0, 0.0))[0] > view.shown_seq
        wait_s = max(FOLLOW_S, 5 * (self.analysis.last_elapsed_s if self.analysis else 0.0))
        if not busy and time.monotonic() - self._followed_at >= wait_s:
            self._followed_at = time.monotonic()
            self.request()

    def select(self, name: str) -> None:
        """``name`` is the selected parameter: draw its neighbouring values ahead."""
        self.selected = name
        self.prefetch_next()

    @work(thread=True, exclusive=True, group="peak", exit_on_error=False)
    def _measure_peak(self) -> None:
        """The peak of a sound too large to hold, read through once (the level follows it)."""
        source, source_id = self.source, self._source_id
        if self._peak_dbfs is not None or source.path is None:
            return
        from grutui.material import peak_dbfs

        with contextlib.suppress(Exception):  # unreadable now: the level stays at 0 dBFS
            peak = peak_dbfs(source.path, stale=lambda: source_id != self._source_id)
            if peak is not None:
                self.post_message(self.PeakMeasured(source_id, peak))

    @on(PeakMeasured)
    def _peak_measured(self, message: PeakMeasured) -> None:
        if message.source_id == self._source_id:
            self._peak_dbfs = message.peak_dbfs
            self.refresh_titles()
            self.request()

    # -- requests and results --------------------------------------------------------------

    def size_of(self, view: PlotView) -> tuple[int, int]:
        """``view``'s size in cells inside its border: known before it is first laid out
        (every view fills the deck), so a view is asked for as soon as it is chosen."""
        gutter = view.styles.gutter
        return self.size.width - gutter.width, self.size.height - gutter.height

    def request(self) -> int:
        """Ask the thread for the shown view at its size; 0 if it has no room or no thread."""
        if self.analysis is None:  # not mounted yet
            return 0
        view = self.view
        width, height = self.size_of(view)
        if width <= 0 or height <= 0:
            return 0
        if self._ahead is not None:  # a change: nothing heavy ahead until idle again
            self._ahead.stop()
            self._ahead = None
        seq = self.analysis.request(self.request_for(view, self.params))
        if not view.CHEAP:
            self._asked[view.NAME] = (seq, time.monotonic())
            self.set_timer(COMPUTING_S, self.refresh_titles)
        return seq

    def request_for(self, view: PlotView, params: Params) -> ViewRequest:
        """What ``view`` is drawn from: only the settings it uses, so a drawing made ahead
        still answers when others (the play position, say) have moved."""
        fields: dict[str, Any] = {"rate_hz": self.source.rate_hz}
        if view.MATERIAL:
            window_s = self.window_s(view)
            latest_s = max(self.source.duration_s - window_s, 0.0)
            fields.update(
                source_id=self._source_id,
                source=self.source,
                window_s=window_s,
                position_s=min(max(self.position_s - window_s / 2, 0.0), latest_s),
            )
        else:
            fields["level_dbfs"] = self.level_dbfs
        return ViewRequest(view.NAME, params, self.size_of(view), **fields)

    def on_view_ready(self, message: ViewReady) -> None:
        request = message.request
        view = self._views[request.view]
        if message.seq < view.shown_seq or (message.preview and message.seq == view.shown_seq):
            return  # older than what is shown
        view.show(message.drawing.lines, message.seq, message.preview)
        self._captions[request.view] = message.drawing.caption
        if not view.CHEAP or message.drawing.caption:
            self.refresh_titles()
        # At once, but never more than 60 times a second: a slider dragged with the mouse can
        # bring a result every 3 ms, more than a terminal (or an SSH link) needs to show.
        now = time.monotonic()
        at_once = now - self._painted_at >= MIN_REPAINT_S
        if at_once:
            self._painted_at = now
            paint_now(self.screen, [view])
        self._drawn(message.seq, at_once)
        if view is not self.view or message.preview:
            return
        if request.size != self.size_of(view):
            self.request()  # resized while it was drawing
        elif self.analysis is not None and message.seq == self.analysis.latest:
            self._shown = request
            self.prefetch_next()

    def on_view_failed(self, message: ViewFailed) -> None:
        self._views[message.request.view].shown_seq = message.seq  # no longer computing
        self.refresh_titles()
        self._drawn(message.seq, False)
        self.app.notify(message.text, severity="error", title="Analysis", markup=False)

    def _drawn(self, seq: int, painted_now: bool) -> None:
        self.post_message(self.Drawn(seq, painted_now))
        if not self.ready:
            self.ready = True
            self.post_message(self.Ready())

    def prefetch_next(self) -> None:
        """Have the thread draw, while idle, what the next key is likely to ask for.

        At once, for a cheap view: the selected parameter one step either way (a held key
        repeats it; a comparison goes back and forth) and the level 1 dB either way (+/-).
        After ``AHEAD_IDLE_S`` without a change, also the next and previous views (v, V) and,
        for a heavy view, its own steps: heavy drawing made ahead while keys come would take
        the GIL from the UI thread for nothing.
        """
        if self._ahead is not None:
            self._ahead.stop()
            self._ahead = None
        ahead = self._ahead_requests()
        if ahead is None:
            return
        steps, _ = ahead
        if self.view.CHEAP and self.analysis is not None:
            self.analysis.prefetch(steps)
        self._ahead = self.set_timer(AHEAD_IDLE_S, self._draw_ahead)

    def _draw_ahead(self) -> None:
        self._ahead = None
        ahead = self._ahead_requests()
        if ahead is not None and self.analysis is not None:
            steps, others = ahead
            self.analysis.prefetch(steps + others if self.view.CHEAP else others + steps)

    def _ahead_requests(self) -> tuple[list[ViewRequest], list[ViewRequest]] | None:
        """(the shown view a step away: the selected parameter, the level; the views either
        side), or None when the shown drawing is not current or a material view follows the
        play position (it asks again soon anyway)."""
        shown, params, view = self._shown, self.params, self.view
        if (
            self.analysis is None
            or shown is None
            or shown.params != params
            or shown.view != view.NAME
            or (view.MATERIAL and time.monotonic() - self._moved_at < FOLLOW_IDLE_S)
        ):
            return None
        steps = steps_from(shown, self.selected, view.ANALYTIC)
        index = VIEWS.index(type(view))
        others = [
            self.request_for(self._views[VIEWS[(index + delta) % len(VIEWS)].NAME], params)
            for delta in (1, -1)
        ]
        return steps, others
