"""The analysis thread: the newest request wins, the newest result is delivered.

Between requests it draws what the UI says may come next (the neighbouring values of the
selected parameter): a key press that asks for one of those is answered at once, without the
3-4 ms of analysis and plot building.

One long-lived thread takes only the newest pending request, so holding a key down never builds
a queue of stale work. Results go straight onto the UI's event loop (``call_soon_threadsafe``),
not through Textual's message queue: that hop cost about a millisecond of the key-to-view
latency. A result not yet delivered is replaced by a newer one, and each carries a sequence
number so the UI can drop one older than what it shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import App
from textual.strip import Strip

from grutui.params import Params
from grutui.ui.plots import CurvePlotter, harmonic_lines

if TYPE_CHECKING:
    from grutui.analysis import Analysis


PREFETCH_KEEP = 8  # drawings kept for requests that may come (held keys go back and forth)


@dataclass(frozen=True)
class ViewRequest:
    """What to draw: the parameters, the curve gain and the two views' sizes in cells."""

    params: Params
    gain: float
    curve_size: tuple[int, int]
    harmonic_size: tuple[int, int]


@dataclass(frozen=True)
class ViewsReady:
    """Both views' text for one request."""

    seq: int
    request: ViewRequest
    analysis: Analysis
    curve: list[Strip]
    harmonics: list[Strip]
    elapsed_s: float


@dataclass(frozen=True)
class AnalysisFailed:
    """The analysis raised; ``text`` says why."""

    seq: int
    text: str


Result = ViewsReady | AnalysisFailed


class AnalysisThread:
    """Runs ``analyze`` and builds the plot text for the newest request, off the UI thread."""

    def __init__(self, app: App[object], deliver: Callable[[Result], None]) -> None:
        """Results are handed to ``deliver`` on the thread of ``app``'s event loop."""
        self._app = app
        self._deliver = deliver
        self._loop = asyncio.get_running_loop()
        self._context = contextvars.copy_context()  # Textual's, so ``deliver`` runs as usual
        self._undelivered: Result | None = None
        self._result_lock = threading.Lock()
        self._wake = threading.Condition()
        self._pending: tuple[int, ViewRequest] | None = None
        self._seq = 0
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._prefetch: list[ViewRequest] = []  # drawn when idle, first first
        self._drawn: OrderedDict[ViewRequest, tuple[Analysis, list[Strip], list[Strip]]] = (
            OrderedDict()
        )  # the newest drawings, the thread's own
        self.completed = 0  # results delivered (the first one may have compiled the kernels)
        self.prefetch_hits = 0  # requests answered from a drawing already made
        self.keep = PREFETCH_KEEP  # drawings kept (0: none, every request drawn when asked)
        self.last_elapsed_s = 0.0  # thread time of the newest result: analysis and plot lines

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="grutui-analysis", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()

    def request(self, request: ViewRequest) -> int:
        """Ask for new views; replaces any request not yet started. Returns its number."""
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
        return self._seq

    def _run(self) -> None:
        # Imported here, in the thread: loading (or, on a first run, compiling) the DSP kernels
        # takes seconds, and the screen must not wait for it.
        from grutui.analysis import analyze

        plotter = CurvePlotter()
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
            started = time.perf_counter()
            drawn = self._drawn.get(request)
            if drawn is not None:
                if seq:
                    self.prefetch_hits += 1
            else:
                try:
                    drawn = self._draw(request, plotter, analyze, speculative=seq == 0)
                except Exception as exc:  # reported in the UI; the thread must survive
                    if seq:
                        self._post(AnalysisFailed(seq, f"analysis failed: {exc}"))
                    continue
                if drawn is None:
                    continue  # a request came in: the guess was dropped for it
                self._drawn[request] = drawn
                while len(self._drawn) > self.keep:
                    self._drawn.popitem(last=False)
            if seq:
                elapsed_s = time.perf_counter() - started
                self.completed += 1
                self.last_elapsed_s = elapsed_s
                self._post(ViewsReady(seq, request, *drawn, elapsed_s))

    def _draw(
        self,
        request: ViewRequest,
        plotter: CurvePlotter,
        analyze: Callable[..., Analysis],
        speculative: bool,
    ) -> tuple[Analysis, list[Strip], list[Strip]] | None:
        """Analysis and both views' lines; None if ``speculative`` and a request came in
        (checked between the steps, so a key press waits at most one step for a guess)."""
        analysis = analyze(request.params, gain=request.gain)
        if speculative and self._pending is not None:
            return None
        curve = plotter.build(analysis, *request.curve_size)
        if speculative and self._pending is not None:
            return None
        return analysis, curve, harmonic_lines(analysis, *request.harmonic_size)

    def _post(self, result: Result) -> None:
        with self._result_lock:
            pending, self._undelivered = self._undelivered, result
        if pending is None:  # else the delivery already scheduled takes this newer result
            with contextlib.suppress(RuntimeError):  # the loop has closed: the app is gone
                self._loop.call_soon_threadsafe(self._hand_over, context=self._context)

    def _hand_over(self) -> None:
        """On the UI thread: deliver the newest result."""
        with self._result_lock:
            result, self._undelivered = self._undelivered, None
        if result is None:
            return
        try:
            self._deliver(result)
        except Exception as exc:
            # Outside Textual's message handling an error would only be logged; re-raise it
            # where Textual reports it like any other.
            self._app.call_next(_reraise, exc)


def _reraise(exc: Exception) -> None:
    raise exc
