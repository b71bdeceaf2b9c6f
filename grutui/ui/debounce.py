"""Run the newest of a burst of jobs once the burst pauses, in one thread of its own.

A held key changes the parameters thirty times a second; the files that follow them (a
``--live`` preset, the crash-recovery session) are written a few times a second instead, off
the UI thread. One long-lived thread rather than a timer thread per key press.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Debouncer:
    """``schedule(job)`` runs ``job`` ``delay_s`` after the last call; a newer job replaces a
    waiting one. Jobs run one at a time, in the order they were scheduled."""

    def __init__(self, delay_s: float, name: str) -> None:
        self.delay_s = delay_s
        self._name = name
        self._cond = threading.Condition()
        self._job: Callable[[], None] | None = None
        self._due = 0.0
        self._run = threading.Lock()  # held while a job runs: taking one and running it is one step
        self._thread: threading.Thread | None = None
        self._closed = False

    def schedule(self, job: Callable[[], None]) -> None:
        with self._cond:
            if self._closed:
                return
            self._job = job
            self._due = time.monotonic() + self.delay_s
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify()

    def flush(self) -> None:
        """Run the waiting job now, in the caller's thread (at exit)."""
        with self._run:
            job = self._take()
            if job is not None:
                job()

    def close(self) -> None:
        """Run the waiting job, then stop the thread; later jobs are ignored."""
        self.flush()
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _take(self) -> Callable[[], None] | None:
        with self._cond:
            job, self._job = self._job, None
            return job

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (self._job is None or time.monotonic() < self._due):
                    timeout = None if self._job is None else self._due - time.monotonic()
                    self._cond.wait(timeout)
                if self._closed:
                    return
            with self._run:
                with self._cond:
                    if self._job is None or time.monotonic() < self._due:
                        continue  # flushed, or replaced by a newer one, meanwhile
                job = self._take()
                if job is not None:
                    job()
