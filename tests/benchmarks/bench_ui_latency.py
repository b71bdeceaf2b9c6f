"""Latency from a key press that changes a parameter to both views painting the new result.

A plain script (not collected by pytest): ``python tests/benchmarks/bench_ui_latency.py``.
The app runs headless at 120x40 (or --size WxH); each of --changes key presses steps a
parameter (alternating up and down so values stay in range, cycling through the five GRU
parameters), 30 ms apart like a fast key repeat. Time runs from posting the key event to the
end of the first screen update (Textual's ``post_display_hook``) in which both views show the
result of that change.
Target: p95 <= 16 ms.

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
from pathlib import Path

from textual import events

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, not an install
from grutui.ui.app import GrutuiApp
from grutui.ui.curve_view import CurveView
from grutui.ui.harmonic_view import HarmonicView
from grutui.ui.param_panel import ParamPanel

KEY_REPEAT_S = 0.030  # a fast key repeat (X11's default is 40 ms)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def _measure(
    changes: int, size: tuple[int, int] | None, prefetch: bool = True
) -> tuple[list[float], list[float], list[bool]]:
    app = GrutuiApp(check_audio=False)
    latencies: list[float] = []
    worker: list[float] = []
    prefetched: list[bool] = []  # answered from a drawing the thread made while idle
    async with app.run_test(size=size, headless=size is not None) as pilot:
        screen = app.main
        curve, harmonics = screen.query_one(CurveView), screen.query_one(HarmonicView)
        panel = screen.query_one(ParamPanel)
        shown = {"seq": 0, "at": 0.0}  # the newest change on screen, and when it got there

        def displayed() -> None:
            seq = min(curve.painted_seq, harmonics.painted_seq)
            if seq > shown["seq"]:
                shown["seq"], shown["at"] = seq, time.perf_counter()

        app.post_display_hook = displayed  # type: ignore[method-assign]

        async def settled(seq: int, timeout_s: float = 30.0) -> None:
            deadline = time.perf_counter() + timeout_s
            while shown["seq"] < seq:
                if time.perf_counter() > deadline:
                    raise TimeoutError("views did not update")
                await asyncio.sleep(0.002)

        while screen.analysis is None or screen.analysis.latest == 0:
            await pilot.pause(0.01)
        await settled(screen.analysis.latest)  # first result (compiles on a cold cache)
        thread = screen.analysis
        if not prefetch:  # every change drawn after its key: the cold path
            thread.keep = 0
        for i in range(changes):
            if i % 10 == 0:  # another of the five GRU parameters every ten changes, by key
                delta = (i // 10) % 5 - panel.selected
                for _ in range(abs(delta)):
                    app.post_message(events.Key("down" if delta > 0 else "up", None))
                await pilot.pause(0.05)
            before, hits = thread.latest, thread.prefetch_hits
            key = "right" if i % 2 == 0 else "left"
            started = time.perf_counter()
            app.post_message(events.Key(key, None))
            deadline = started + 5.0
            while thread.latest == before:
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"key {key} changed nothing")
                await asyncio.sleep(0.005)
            await settled(thread.latest)
            latencies.append(shown["at"] - started)
            worker.append(thread.last_elapsed_s)
            prefetched.append(thread.prefetch_hits > hits)
            # The next key KEY_REPEAT_S after this one, as a held key repeats (and the views
            # paint at once at most 60 times a second).
            await asyncio.sleep(max(0.001, started + KEY_REPEAT_S - time.perf_counter()))
    return latencies, worker, prefetched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--size", default="120x40", help="terminal size WxH (120x40)")
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
    os.environ.setdefault("GRUTUI_CONFIG_DIR", tempfile.mkdtemp(prefix="grutui-bench-"))
    size = None if args.terminal else (width, height)
    latencies, worker, prefetched = asyncio.run(
        _measure(args.changes, size, prefetch=not args.cold)
    )
    ms = [v * 1000 for v in latencies]
    thread_ms = [v * 1000 for v in worker]
    p95 = _percentile(ms, 0.95)
    where = "on the terminal" if args.terminal else "headless"
    report = [
        f"key press -> both views on screen, {len(ms)} changes at {width}x{height}, {where}",
        f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus)",
        f"{'statistic':<12}{'key->shown ms':>14}{'thread ms':>11}",
    ]
    for name, fn in (
        ("min", min),
        ("p50", lambda v: _percentile(v, 0.5)),
        ("mean", statistics.fmean),
        ("p95", lambda v: _percentile(v, 0.95)),
        ("max", max),
    ):
        report.append(f"{name:<12}{fn(ms):14.1f}{fn(thread_ms):11.1f}")
    drawn = [v for v, hit in zip(ms, prefetched, strict=True) if not hit]
    report.append(
        f"{sum(prefetched)} of {len(ms)} changes were drawn ahead (the thread draws the selected "
        "parameter's neighbours while idle and keeps the last 8)"
    )
    if drawn:
        report.append(
            f"the {len(drawn)} drawn after the key: p50 {_percentile(drawn, 0.5):.1f} ms, "
            f"p95 {_percentile(drawn, 0.95):.1f} ms"
        )
    report += [
        "thread ms: analysis and plot lines in the worker; the rest is the key's handling,",
        "the hop back to the UI thread and the screen update.",
        f"target p95 <= 16 ms: {'met' if p95 <= 16.0 else 'MISSED'}",
    ]
    print("\n".join(report))
    if args.out:
        Path(args.out).write_text("\n".join(report) + "\n")


if __name__ == "__main__":
    main()
