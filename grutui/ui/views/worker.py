"""The analysis thread: the newest request wins, results come back as Textual messages.

One long-lived thread takes only the newest pending request, so holding a key down never builds
a queue of stale work. Each result is a ``ViewReady`` message posted to the widget that asked;
a result not yet handled is replaced by a newer one (``Message.can_replace``), and each carries
a sequence number so the UI can drop one older than what it shows.

Between requests the thread draws what the UI says may come next (the neighbouring values of
the selected parameter): a key press that asks for one of those is answered at once, without
the analysis and the plot building.

A view is drawn by a ``Drawer`` (one per kind of view, made in this thread so it may keep
caches); a heavy drawer checks ``stale()`` between its steps and gives up (returns None) when a
newer request is waiting, so switching away from a slow view is never held up by it. A drawer
may show a preview on the way (``lab.preview(drawing)``: the level sweep's coarse levels),
posted as a ``ViewReady`` with ``preview`` set.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from textual.message import Message
from textual.message_pump import MessagePump
from textual.strip import Strip

from grutui.params import Params

if TYPE_CHECKING:
    from grutui.analysis import Analysis
    from grutui.ui.source import Source

PREFETCH_KEEP = 12  # drawings kept for requests that may come (held keys go back and forth)
ANALYSES_KEEP = 16  # analyses kept, shared by the views that show the same test sine


@dataclass(frozen=True)
class ViewRequest:
    """What to draw: which view, at what size in cells, of which settings and material."""

    view: str
    params: Params
    size: tuple[int, int]
    level_dbfs: float = 0.0  # the analytic views' test sine level
    rate_hz: float = 48000.0  # the loaded sound's rate
    source_id: int = 0  # which loaded sound (``source`` is compared by this number)
    position_s: float = 0.0  # the material views' window starts here, seconds
    window_s: float = 0.0  # and is this long
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Drawing:
    """A view's lines, and a few words for its title (the figures it shows)."""

    lines: list[Strip]
    caption: str = ""


def no_preview(drawing: Drawing) -> None:
    """Where a drawer's previews go when nobody waits for them."""


class Lab:
    """What drawers share in the thread: analyses of the test sine, kept for reuse, and
    ``preview``, which shows a rough drawing of the request being drawn while it is."""

    def __init__(self) -> None:
        self.preview: Callable[[Drawing], None] = no_preview
        # Imported here, in the thread: loading (or, on a first run, compiling) the DSP kernels
        # takes seconds, and the screen must not wait for it.
        from grutui.analysis import analyze

        self._analyze = analyze
        self._analyses: OrderedDict[tuple[Params, float], Analysis] = OrderedDict()

    def analysis(self, params: Params, level_dbfs: float) -> Analysis:
        """The steady-state analysis of a 100 Hz sine at ``level_dbfs`` (0 dBFS: amplitude 1)."""
        key = (params, level_dbfs)
        found = self._analyses.get(key)
        if found is None:
            found = self._analyze(params, level_dbfs=level_dbfs)
            self._analyses[key] = found
            while len(self._analyses) > ANALYSES_KEEP:
                self._analyses.popitem(last=False)
        return found


class Drawer(Protocol):
    """Draws one kind of view; made once in the thread."""

    def draw(self, request: ViewRequest, lab: Lab, stale: Callable[[], bool]) -> Drawing | None:
        """The view for ``request``; None if it gave up because ``stale()`` became true. A
        drawer that takes long may show rough drawings on the way (``lab.preview``)."""
        ...


class ViewReady(Message, bubble=False):
    """A drawing for request number ``seq`` (a rough one on the way when ``preview``); a newer
    result replaces it in the queue."""

    def __init__(
        self,
        seq: int,
        request: ViewRequest,
        drawing: Drawing,
        elapsed_s: float,
        preview: bool = False,
    ) -> None:
        super().__init__()
        self.seq = seq
        self.request = request
        self.drawing = drawing
        self.elapsed_s = elapsed_s  # thread time: analysis and plot lines
        self.preview = preview

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ViewReady | ViewFailed)


class ViewFailed(Message, bubble=False):
    """The drawing of request ``seq`` raised; ``text`` says why."""

    def __init__(self, seq: int, request: ViewRequest, text: str) -> None:
        super().__init__()
        self.seq = seq
        self.request = request
        self.text = text

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ViewReady | ViewFailed)


class AnalysisThread:
    """Draws the newest request off the UI thread and posts the result to ``target``."""

    def __init__(self, target: MessagePump, drawers: Mapping[str, Callable[[], Drawer]]) -> None:
        """``drawers``: view name -> a factory of its drawer (called in the thread)."""
        self._target = target
        self._factories = dict(drawers)
        self._wake = threading.Condition()
        self._pending: tuple[int, ViewRequest] | None = None
        self._seq = 0
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._prefetch: list[ViewRequest] = []  # drawn when idle, first first
        self._current: ViewRequest | None = None  # the request being drawn
        self._current_seq = 0  # and its number (0: drawn ahead, not asked for yet)
        self._drawn: OrderedDict[ViewRequest, Drawing] = OrderedDict()  # the thread's own
        self.completed = 0  # results posted (the first one may have compiled the kernels)
        self.prefetch_hits = 0  # requests answered from a drawing already made
        self.keep = PREFETCH_KEEP  # drawings kept (0: none, every request drawn when asked)
        self.last_elapsed_s = 0.0  # thread time of the newest result

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="grutui-analysis", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()

    def request(self, request: ViewRequest) -> int:
        """Ask for a view; replaces any request not yet started. Returns its number."""
        with self._wake:
            self._seq += 1
            self._pending = (self._seq, request)
            self._wake.notify()
            return self._seq

    def prefetch(self, requests: list[ViewRequest]) -> None:
        """Draw ``requests`` when idle, so asking for one of them later is answered at once.
        Replaces the previous list; a request always goes first."""
        with self._wake:
            self._prefetch = list(requests)
            self._wake.notify()

    @property
    def latest(self) -> int:
        """The number of the newest request."""
        return self._seq

    def _adopt(self) -> int:
        """The number to post the drawing being made under: its request's, or, for one drawn
        ahead, that of a request for the same drawing that came in meanwhile (0: none)."""
        with self._wake:
            pending = self._pending
            if not self._current_seq and pending is not None and pending[1] == self._current:
                self._pending = None
                self._current_seq = pending[0]
            return self._current_seq

    def _previewer(self, started: float) -> Callable[[Drawing], None]:
        def preview(drawing: Drawing) -> None:
            seq = self._adopt()
            if seq and self._current is not None:
                elapsed_s = time.perf_counter() - started
                message = ViewReady(seq, self._current, drawing, elapsed_s, preview=True)
                self._target.post_message(message)

        return preview

    def _stale(self) -> bool:
        """True once a request for another drawing waits (one for the drawing being made
        ahead is not: it takes that drawing over)."""
        pending = self._pending
        return self._stopped or (pending is not None and pending[1] != self._current)

    def _run(self) -> None:
        lab = Lab()
        drawers: dict[str, Drawer] = {}
        while True:
            with self._wake:
                while self._pending is None and not self._prefetch and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                if self._pending is not None:
                    (seq, request), self._pending = self._pending, None
                else:
                    seq, request = 0, self._prefetch.pop(0)  # 0: not asked for yet
                self._current, self._current_seq = request, seq
            started = time.perf_counter()
            drawing = self._drawn.get(request)
            if drawing is not None:
                self._drawn.move_to_end(request)
                self.prefetch_hits += 1 if seq else 0
            else:
                try:
                    drawer = drawers.get(request.view)
                    if drawer is None:
                        drawer = drawers[request.view] = self._factories[request.view]()
                    lab.preview = self._previewer(started)
                    drawing = drawer.draw(request, lab, self._stale)
                except Exception as exc:  # reported in the UI; the thread must survive
                    seq = self._adopt()
                    if seq:
                        self._target.post_message(ViewFailed(seq, request, str(exc)))
                    continue
                if drawing is None:
                    continue  # a newer request came in: this one was given up for it
                self._drawn[request] = drawing
                while len(self._drawn) > self.keep:
                    self._drawn.popitem(last=False)
                adopted = self._adopt()
                self.prefetch_hits += 1 if adopted and not seq else 0
                seq = adopted
            if seq:
                elapsed_s = time.perf_counter() - started
                self.completed += 1
                self.last_elapsed_s = elapsed_s
                self._target.post_message(ViewReady(seq, request, drawing, elapsed_s))
