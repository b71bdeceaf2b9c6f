"""SIGTERM and SIGHUP (a dropped SSH connection, a closed terminal window, ``kill``) end the
workstation as a crash must not: through ``App.exit``, so the crash-recovery session and a
live preset are written (``GrutuiApp.on_unmount``) and Textual gives the terminal back sane.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal

from textual.app import App

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def exit_on_stop_signals(app: App[int]) -> None:
    """Make SIGTERM and SIGHUP exit ``app`` with status 128 + the signal's number (the shell's
    convention); call from the running app (its loop removes the handlers when it closes)."""
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not Unix
            loop.add_signal_handler(signum, functools.partial(app.exit, return_code=128 + signum))
