"""``grutui PRESET.toml --live``: write each change back to the preset file, debounced."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from grutui import preset_store as presets
from grutui.fileio import atomic_write_text
from grutui.params import Params
from grutui.ui.debounce import Debouncer

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
        self._writes = Debouncer(DEBOUNCE_S, "grutui-live-preset")
        self.writes = 0

    def schedule(self, name: str, description: str, params: Params) -> None:
        self._writes.schedule(lambda: self._write(name, description, params))

    def flush(self) -> None:
        """Write the pending change now (also called on exit)."""
        self._writes.close()

    def _write(self, name: str, description: str, params: Params) -> None:
        try:
            atomic_write_text(self.path, presets.dumps(name, description, params))
        except OSError as exc:
            self._on_error(f"{self.path}: cannot write ({exc.strerror or exc})")
            return
        self.writes += 1
        if self._on_written is not None:
            self._on_written(params)
