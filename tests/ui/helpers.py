"""Helpers of the workstation tests: real audio files, waiting for the app and its views."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
from textual.pilot import Pilot
from textual.widget import Widget

from grutui.ui.app import GrutuiApp
from grutui.ui.views.deck import ViewDeck


def write_sound(
    path: Path, seconds: float = 1.0, rate_hz: int = 48000, channels: int = 2
) -> np.ndarray:
    """A real audio file of a decaying chord; returns the samples written."""
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    mono = 0.4 * np.exp(-t) * (np.sin(2 * np.pi * 110 * t) + 0.5 * np.sin(2 * np.pi * 165 * t))
    data = np.stack([mono * (1 - 0.2 * c) for c in range(channels)], axis=1).astype(np.float32)
    sf.write(path, data, rate_hz, subtype="FLOAT")
    return data


async def until(
    pilot: Pilot, condition: Callable[[], bool], timeout_s: float = 20.0, what: str = "condition"
) -> None:
    """Let the app run until ``condition()`` holds (analysis and files run in threads)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def until_pressable(pilot: Pilot, button: Widget) -> None:
    """Wait out a button's press effect: Textual's Button ignores presses for 0.2 s after one
    (a user's next click comes later), and a short render or a message can end within it."""
    await until(pilot, lambda: not button.has_class("-active"), what="the press effect")


def deck(app: GrutuiApp) -> ViewDeck:
    """The main screen's views."""
    return app.main.query_one(ViewDeck)


async def views_current(pilot: Pilot, app: GrutuiApp) -> None:
    """Wait until the view shown has painted the newest request."""
    views = deck(app)

    def done() -> bool:
        thread = views.analysis
        if thread is None or thread.latest == 0:
            return False
        return views.view.shown_seq == views.view.painted_seq == thread.latest

    await until(pilot, done, what="the view to show the newest result")


def notices(app: GrutuiApp) -> list[str]:
    """The text of every notification shown so far."""
    return list(app.notice_log)


def screen_text(app: GrutuiApp) -> str:
    """What the terminal shows now (the top screen over those under it, toasts included), as
    plain text lines. Reads the compositor, which Textual keeps private: a release that changes
    it fails the tests that use this, not the app."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)
