"""The analysis thread: the newest request wins, results come back as one message.

One long-lived thread takes only the newest pending request, so holding a key down never builds
a queue of stale work; each result carries a sequence number so the UI can drop one that is
older than what it shows.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message
from textual.message_pump import MessagePump
from textual.strip import Strip

from grutui.params import Params
from grutui.ui.plots import CurvePlotter, harmonic_lines

if TYPE_CHECKING:
    from grutui.analysis import Analysis


@dataclass(frozen=True)
class ViewRequest:
    """What to draw: the parameters, the curve gain and the two views' sizes in cells."""

    params: Params
    gain: float
    curve_size: tuple[int, int]
    harmonic_size: tuple[int, int]


class ViewsReady(Message):
    """Both views' text for one request."""

    def __init__(
        self,
        seq: int,
        request: ViewRequest,
        analysis: Analysis,
        curve: list[Strip],
        harmonics: list[Strip],
        elapsed_s: float,
    ) -> None:
        super().__init__()
        self.seq = seq
        self.request = request
        self.analysis = analysis
        self.curve = curve
        self.harmonics = harmonics
        self.elapsed_s = elapsed_s

    def can_replace(self, message: Message) -> bool:
        # A newer result makes an unhandled older one pointless.
        return isinstance(message, ViewsReady)


class AnalysisFailed(Message):
    """The analysis raised; ``text`` says why."""

    def __init__(self, seq: int, text: str) -> None:
        super().__init__()
        self.seq = seq
        self.text = text


class AnalysisThread:
    """Runs ``analyze`` and builds the plot text for the newest request, off the UI thread."""

    def __init__(self, target: MessagePump) -> None:
        self._target = target
        self._wake = threading.Condition()
        self._pending: tuple[int, ViewRequest] | None = None
        self._seq = 0
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.completed = 0  # results produced (the first one may have compiled the kernels)
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
                while self._pending is None and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                assert self._pending is not None
                seq, request = self._pending
                self._pending = None
            started = time.perf_counter()
            try:
                analysis = analyze(request.params, gain=request.gain)
                curve = plotter.build(analysis, *request.curve_size)
                harmonics = harmonic_lines(analysis, *request.harmonic_size)
            except Exception as exc:  # reported in the UI; the thread must survive a bad setting
                self._target.post_message(AnalysisFailed(seq, f"analysis failed: {exc}"))
                continue
            elapsed_s = time.perf_counter() - started
            self.completed += 1
            self.last_elapsed_s = elapsed_s
            self._target.post_message(
                ViewsReady(seq, request, analysis, curve, harmonics, elapsed_s)
            )
