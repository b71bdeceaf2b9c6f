"""The heavy views never make the user wait more than needed: the level sweep shows its
coarse levels first, keeps what it measured, and the views next to the shown one are drawn
while the user looks."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest
from textual import events
from textual.message import Message
from textual.pilot import Pilot

from grutui.params import Params
from grutui.ui.app import GrutuiApp
from grutui.ui.views.deck import VIEWS
from grutui.ui.views.sweep import SweepDrawer, levels_every
from grutui.ui.views.worker import AnalysisThread, Drawing, Lab, ViewReady, ViewRequest
from tests.ui.helpers import deck, until, views_current
from tests.ui.test_views import _fresh, _on_screen, _show, _title


async def test_the_sweep_shows_its_coarse_levels_first(app: GrutuiApp, pilot: Pilot) -> None:
    """After a change the sweep appears at every 6 dB first, saying so and that it is still
    computing, then at every dB; what stays on screen is the whole sweep."""
    app.session.set(app.session.params.replace(oversample=8))  # slower: a stage shows longer
    app.main.apply()
    await _show(pilot, app, "sweep")
    view = deck(app).view
    thread = deck(app).analysis
    assert thread is not None
    titles = set()
    before = thread.latest
    app.post_message(events.Key("shift+right", None))  # 10 steps: not drawn ahead
    await until(pilot, lambda: thread.latest > before, what="the new request")
    seq = thread.latest
    while view.painted_seq < seq:
        titles.add(_title(app))
        await asyncio.sleep(0.002)
    assert view.preview_painted_seq == seq  # a preview of this request was on screen
    assert any("every 6 dB" in title for title in titles), titles
    await views_current(pilot, app)
    assert "every" not in _title(app) and "computing" not in _title(app)
    assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]


def _request(level_dbfs: float, params: Params | None = None) -> ViewRequest:
    return ViewRequest("sweep", params or Params(), (80, 30), level_dbfs=level_dbfs)


def test_moving_the_marker_or_coming_back_measures_nothing() -> None:
    """What a setting measured is kept: a stale() that is always true (which stops any
    measuring) does not stop a drawing for another marker level or a setting seen before."""
    drawer = SweepDrawer()
    previews: list[Drawing] = []
    lab = Lab()
    lab.preview = previews.append
    first = drawer.draw(_request(0.0), lab, lambda: False)
    assert first is not None
    assert [d.caption for d in previews] == ["every 6 dB"]
    drawer.draw(_request(0.0, Params(Wf=2.0)), lab, lambda: False)
    assert [d.caption for d in previews] == ["every 6 dB"] * 2  # a new setting: its stage
    always: Callable[[], bool] = lambda: True  # noqa: E731
    moved = drawer.draw(_request(-12.0), lab, always)
    assert moved is not None and moved.lines != first.lines
    assert len(previews) == 2  # nothing measured, so nothing to preview
    assert drawer.draw(_request(0.0, Params(Wf=3.0)), lab, always) is None  # new: measures
    assert len(drawer.measured(Params()).points) == len(levels_every(1))


async def test_the_views_either_side_are_drawn_while_idle(app: GrutuiApp, pilot: Pilot) -> None:
    """Looking at a view, the next (v) and previous (V) ones are drawn in the idle time: the
    key is answered from that drawing, which is the right one."""
    thread = deck(app).analysis
    assert thread is not None
    for key in ("v", "v", "V", "v", "v", "v", "v"):
        await views_current(pilot, app)
        await pilot.pause(1.5 if deck(app).view.CHEAP else 3.0)  # heavy neighbours take longer
        hits = thread.prefetch_hits
        await pilot.press(key)
        await views_current(pilot, app)
        assert thread.prefetch_hits == hits + 1, (key, deck(app).view.NAME)
        assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]
    assert deck(app).view.NAME == VIEWS[5].NAME


class _Target:
    """Stands for the widget the thread posts to: keeps the messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def post_message(self, message: Message) -> bool:
        self.messages.append(message)
        return True


class _SlowDrawer:
    """A drawer that takes 20 steps of 10 ms, looking at stale() between them."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.calls = 0

    def draw(self, request: ViewRequest, lab: Lab, stale: Callable[[], bool]) -> Drawing | None:
        self.calls += 1
        self.started.set()
        for step in range(20):
            if stale():
                return None
            if step == 10:
                lab.preview(Drawing([], caption="halfway"))
            time.sleep(0.01)
        return Drawing([], caption=f"{request.level_dbfs}")


@pytest.mark.parametrize("same", [True, False])
def test_a_request_takes_over_the_drawing_being_made_ahead(same: bool) -> None:
    """Asked for what is being drawn ahead, the thread finishes that drawing for the request
    instead of starting again; asked for something else, it drops it at once."""
    drawer = _SlowDrawer()
    target = _Target()
    thread = AnalysisThread(target, {"sweep": lambda: drawer})  # type: ignore[arg-type]
    thread.start()
    try:
        thread.prefetch([_request(0.0)])
        assert drawer.started.wait(5.0)
        seq = thread.request(_request(0.0 if same else -6.0))
        deadline = time.monotonic() + 5.0
        while len(target.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        thread.stop()
    ready = [m for m in target.messages if isinstance(m, ViewReady) and m.seq == seq]
    assert len(ready) == len(target.messages) == 2
    halfway, whole = ready
    assert halfway.preview and halfway.drawing.caption == "halfway"
    assert not whole.preview and whole.drawing.caption == ("0.0" if same else "-6.0")
    assert drawer.calls == (1 if same else 2)
