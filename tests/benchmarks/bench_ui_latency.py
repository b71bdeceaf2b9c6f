"""Latency from a key press to the view on screen, for every view and for switching views.

A plain script (not collected by pytest): ``python tests/benchmarks/bench_ui_latency.py``.
The app runs headless at 120x40 (or --size WxH). For each view (--views, default all), each of
--changes key presses steps a parameter (alternating up and down so values stay in range,
cycling through the five GRU parameters), 30 ms apart like a fast key repeat. Time runs from
posting the key event to the end of the first screen update (Textual's ``post_display_hook``)
in which the view shows the result of that change ("shown": the level sweep's coarse preview
counts; "whole": the finished drawing); "key" is the time to the update in which the slider
shows the new value (the UI thread was free for the key). Then --switches presses of ``v``,
--dwell seconds apart (a quick flick through the views by default; a user who looks at each
view for a second lets the deck draw the next one ahead), each timed to the new view showing
its drawing.
Target: p95 <= 16 ms for the cheap views (curve, harmonics); the others must show that they
are computing and never hold up a key.

Headless, Textual builds the frame but does not encode it for a terminal. ``--terminal`` runs
the app on the real terminal instead (run it in a 120x40 terminal, e.g.
``tmux new -x 120 -y 40``), so the encoding and the write are counted too; the report is
printed after the app exits.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from textual import events

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, not an install
from grutui.params import Params
from grutui.ui.app import GrutuiApp
from grutui.ui.param_panel import ParamPanel
from grutui.ui.views.deck import VIEWS, ViewDeck

KEY_REPEAT_S = 0.030  # a fast key repeat (X11's default is 40 ms)
TARGET_MS = 16.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Figures:
    """Milliseconds per change of one view (or per switch)."""

    shown: list[float] = field(default_factory=list)  # key -> the view's result on screen
    whole: list[float] = field(default_factory=list)  # key -> its finished drawing on screen
    key: list[float] = field(default_factory=list)  # key -> handled (the view requested)
    thread: list[float] = field(default_factory=list)  # the drawing's time in the thread
    prefetched: list[bool] = field(default_factory=list)  # answered from an earlier drawing


class _Clock:
    """Notes when each painted request first reaches the screen, and when whole."""

    def __init__(self, app: GrutuiApp, deck: ViewDeck) -> None:
        self.deck = deck
        self.painted = 0  # newest request painted by the shown view (a preview counts)
        self.at = 0.0
        self.whole = 0  # newest request whose finished drawing is painted
        self.whole_at = 0.0
        self.asked_at = 0.0  # when the deck was last told of new parameters (a key handled)
        app.post_display_hook = self.displayed  # type: ignore[method-assign]
        show_params = deck.show_params

        def noted(params: Params) -> int:
            self.asked_at = time.perf_counter()
            return show_params(params)

        deck.show_params = noted  # type: ignore[method-assign]

    def displayed(self) -> None:
        view, now = self.deck.view, time.perf_counter()
        if view.preview_painted_seq > self.painted:
            self.painted, self.at = view.preview_painted_seq, now
        if view.painted_seq > self.whole:
            self.whole, self.whole_at = view.painted_seq, now

    async def shown(self, seq: int, timeout_s: float = 60.0) -> None:
        """Until request ``seq``'s finished drawing is on screen."""
        deadline = time.perf_counter() + timeout_s
        while self.whole < seq:
            if time.perf_counter() > deadline:
                raise TimeoutError("the view did not update")
            await asyncio.sleep(0.001)


async def _measure(
    changes: int,
    switches: int,
    size: tuple[int, int] | None,
    views: list[str],
    cold: bool,
    dwell_s: float,
) -> tuple[dict[str, Figures], Figures]:
    app = GrutuiApp(check_audio=False)
    per_view: dict[str, Figures] = {}
    switching = Figures()
    async with app.run_test(size=size, headless=size is not None) as pilot:
        deck = app.main.query_one(ViewDeck)
        panel = app.main.query_one(ParamPanel)
        clock = _Clock(app, deck)
        while deck.analysis is None or deck.analysis.latest == 0:
            await pilot.pause(0.01)
        thread = deck.analysis
        await clock.shown(thread.latest)  # first result (compiles on a cold cache)
        if cold:  # every change drawn after its key
            thread.keep = 0
        names = [view.NAME for view in VIEWS]
        for name in views:
            while name != deck.view.NAME:
                app.post_message(events.Key("v", "v"))
                await pilot.pause(0.05)
            await clock.shown(thread.latest)
            figures = per_view[name] = Figures()
            for i in range(changes):
                if i % 10 == 0:  # another of the five GRU parameters every ten changes
                    delta = (i // 10) % 5 - panel.selected
                    for _ in range(abs(delta)):
                        app.post_message(events.Key("down" if delta > 0 else "up", None))
                    await pilot.pause(0.05)
                    await clock.shown(thread.latest)
                before, hits = thread.latest, thread.prefetch_hits
                key = "right" if i % 2 == 0 else "left"
                started = time.perf_counter()
                app.post_message(events.Key(key, None))
                deadline = started + 5.0
                while thread.latest == before:
                    if time.perf_counter() > deadline:
                        raise TimeoutError(f"key {key} changed nothing")
                    await asyncio.sleep(0.001)
                await clock.shown(thread.latest)
                figures.shown.append((clock.at - started) * 1000)
                figures.whole.append((clock.whole_at - started) * 1000)
                figures.key.append((clock.asked_at - started) * 1000)
                figures.thread.append(thread.last_elapsed_s * 1000)
                figures.prefetched.append(thread.prefetch_hits > hits)
                await asyncio.sleep(max(0.001, started + KEY_REPEAT_S - time.perf_counter()))
        for _ in range(switches):
            before, hits = thread.latest, thread.prefetch_hits
            started = time.perf_counter()
            app.post_message(events.Key("v", "v"))
            while thread.latest == before:
                await asyncio.sleep(0.001)
            await clock.shown(thread.latest)
            switching.shown.append((clock.at - started) * 1000)
            switching.whole.append((clock.whole_at - started) * 1000)
            switching.thread.append(thread.last_elapsed_s * 1000)
            switching.prefetched.append(thread.prefetch_hits > hits)
            await asyncio.sleep(dwell_s)
        assert all(name in names for name in views)
    return per_view, switching


def _row(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<26}{'-':>8}"
    return (
        f"{name:<26}{_percentile(values, 0.5):8.1f}{_percentile(values, 0.95):8.1f}"
        f"{max(values):8.1f}{statistics.fmean(values):8.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100, help="key presses per view")
    parser.add_argument("--switches", type=int, default=30, help="presses of v")
    parser.add_argument("--dwell", type=float, default=0.1, help="seconds between presses of v")
    parser.add_argument("--size", default="120x40", help="terminal size WxH (120x40)")
    parser.add_argument("--views", default=",".join(v.NAME for v in VIEWS))
    parser.add_argument("--terminal", action="store_true", help="run on the real terminal")
    parser.add_argument("--out", help="also write the report to this file")
    parser.add_argument(
        "--cold", action="store_true", help="keep no drawings: every change drawn after its key"
    )
    args = parser.parse_args()
    if args.terminal:
        width, height = os.get_terminal_size()
    else:
        width, height = (int(v) for v in args.size.lower().split("x"))
    # Presets and the session file of its own (removed after): no crash-recovery question
    # from another run.
    with tempfile.TemporaryDirectory(prefix="grutui-bench-") as home:
        os.environ.setdefault("GRUTUI_CONFIG_DIR", os.path.join(home, "config"))
        os.environ.setdefault("GRUTUI_STATE_DIR", os.path.join(home, "state"))
        size = None if args.terminal else (width, height)
        views = [v for v in args.views.split(",") if v]
        per_view, switching = asyncio.run(
            _measure(args.changes, args.switches, size, views, args.cold, args.dwell)
        )
    where = "on the terminal" if args.terminal else "headless"
    report = [
        f"key press -> view on screen at {width}x{height}, {where}, {args.changes} changes per "
        f"view{' (cold: nothing drawn ahead)' if args.cold else ''}",
        f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus)",
        f"{'ms':<26}{'p50':>8}{'p95':>8}{'max':>8}{'mean':>8}",
    ]
    missed = []
    for name, figures in per_view.items():
        cheap = next(v for v in VIEWS if name == v.NAME).CHEAP
        report.append(_row(f"{name}: view shown", figures.shown))
        if not cheap:
            report.append(_row(f"{name}: whole", figures.whole))
        report.append(_row(f"{name}: key handled", figures.key))
        report.append(_row(f"{name}: thread", figures.thread))
        drawn = [
            ms for ms, ahead in zip(figures.shown, figures.prefetched, strict=True) if not ahead
        ]
        report.append(_row(f"{name}: drawn after key", drawn))
        report.append(
            f"{'':<26}{len(figures.shown) - len(drawn)} of {len(figures.shown)} answered from a "
            "drawing made earlier"
        )
        if cheap and _percentile(figures.shown, 0.95) > TARGET_MS:
            missed.append(name)
    report.append(_row(f"switch (v) {args.dwell:g} s apart", switching.shown))
    report.append(_row("switch (v): whole", switching.whole))
    report.append(_row("switch (v): thread", switching.thread))
    report.append(
        f"{'':<26}{sum(switching.prefetched)} of {len(switching.prefetched)} answered from a "
        "drawing made earlier"
    )
    report.append(
        f"target p95 <= {TARGET_MS:g} ms for the cheap views: "
        + ("met" if not missed else f"MISSED ({', '.join(missed)})")
    )
    print("\n".join(report))
    if args.out:
        Path(args.out).write_text("\n".join(report) + "\n")


if __name__ == "__main__":
    main()
