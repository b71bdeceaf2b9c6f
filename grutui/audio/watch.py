"""Reload a preset file when it changes on disk (polling: no extra dependency, works on any
filesystem, an SSH-mounted editor's atomic rename included)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from grutui import preset_store as presets
from grutui.errors import GrutuiError
from grutui.params import Params

POLL_S = 0.1  # a change is seen within this, and loaded one poll later once the file is stable


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class PresetWatcher:
    """Polls ``path``; on a change calls ``on_change(params)`` or ``on_error(message)``.

    ``transform`` maps the loaded preset's params (e.g. re-applies ``--set`` overrides). A file
    that fails to load is reported once per change; the caller keeps its last good params.
    The callbacks run on the watcher's thread.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        on_change: Callable[[Params], None],
        on_error: Callable[[str], None],
        transform: Callable[[Params], Params] = lambda p: p,
        poll_s: float = POLL_S,
    ) -> None:
        self.path = Path(path)
        self._on_change = on_change
        self._on_error = on_error
        self._transform = transform
        self._poll_s = poll_s
        self._stop = threading.Event()
        self._seen = _signature(self.path)
        self._thread: threading.Thread | None = None
        self.reloads = 0
        self.errors = 0

    def start(self) -> PresetWatcher:
        self._thread = threading.Thread(target=self._run, name="grutui-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def poll(self) -> bool:
        """Check once; returns True if the file changed and was handled."""
        current = _signature(self.path)
        if current == self._seen:
            return False
        # Wait for the writer to finish: load only once two polls agree.
        if self._stop.wait(min(self._poll_s, 0.05)):
            return False
        if _signature(self.path) != current:
            return False
        self._seen = current
        if current is None:
            self.errors += 1
            self._on_error(f"{self.path}: preset file is gone; keeping the last good settings")
            return True
        try:
            params = self._transform(presets.load(self.path).params)
        except GrutuiError as exc:
            self.errors += 1
            self._on_error(f"{exc}; keeping the last good settings")
            return True
        self.reloads += 1
        self._on_change(params)
        return True

    def _run(self) -> None:
        while not self._stop.wait(self._poll_s):
            try:
                self.poll()
            except Exception as exc:  # a watcher must not die silently mid-session
                self._on_error(f"{self.path}: watch failed: {exc}")
