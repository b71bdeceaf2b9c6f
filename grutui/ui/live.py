"""``grutui PRESET.toml --live``: write each change back to the preset file, debounced."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from grutui import preset_store as presets
from grutui.fileio import atomic_write_text
from grutui.params import Params

DEBOUNCE_S = 0.25  # a held key writes a few times a second, not thirty


class LiveWriter:
    """Writes the newest parameters to ``path`` atomically once changes pause."""

    def __init__(
        self,
        path: Path,
        on_error: Callable[[str], None],
        on_written: Callable[[Params], None] | None = None,
    ) -> None:
        self.path = path
        self._on_error = on_error
        self._on_written = on_written
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._pending: tuple[str, str, Params] | None = None
        self.writes = 0

    def schedule(self, name: str, description: str, params: Params) -> None:
        with self._lock:
            self._pending = (name, description, params)
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(DEBOUNCE_S, self.flush)
            self._timer.daemon = True
            self._timer.start()

    def flush(self) -> None:
        """Write the pending change now (also called on exit)."""
        with self._lock:
            pending, self._pending = self._pending, None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if pending is None:
            return
        name, description, params = pending
        try:
            atomic_write_text(self.path, presets.dumps(name, description, params))
        except OSError as exc:
            self._on_error(f"{self.path}: cannot write ({exc.strerror or exc})")
            return
        self.writes += 1
        if self._on_written is not None:
            self._on_written(params)
