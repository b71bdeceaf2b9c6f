"""Crash recovery: the session is saved as the user works and offered back after a crash.

Each running workstation keeps ``sessions/<id>.json`` in the user state folder (written
atomically, half a second after changes pause) and holds a lock on ``<id>.lock`` while it runs.
A clean quit removes both. A session file whose lock nobody holds belongs to a workstation that
died: the next one to start offers it back. Pure Python (no Textual).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from grutui.errors import GrutuiError
from grutui.fileio import atomic_write_text
from grutui.params import Params
from grutui.preset_store import Preset
from grutui.ui.debounce import Debouncer
from grutui.ui.session import SLOTS, SessionState, Steps

try:
    import fcntl
except ImportError:  # not a Unix: every other session file counts as left behind
    fcntl = None  # type: ignore[assignment]

SAVE_DELAY_S = 0.5
FORMAT = 1  # the file's "format"; another is not read back
MAX_BYTES = 8 << 20  # a session file larger than this is not one of ours


class RecoveryError(GrutuiError):
    """A session file that cannot be read back; the message says why, in one line."""


def state_dir() -> Path:
    """The user state folder (``GRUTUI_STATE_DIR`` overrides it)."""
    root = os.environ.get("GRUTUI_STATE_DIR")
    if not root:
        import platformdirs

        root = platformdirs.user_state_dir("grutui")
    return Path(root)


@dataclass(frozen=True)
class Recovered:
    """A session left behind by a workstation that did not quit: when, what, on which file."""

    path: Path
    saved_at: float  # seconds since the epoch
    state: SessionState
    file: Path | None  # the sound worked on; None for the demo


class SessionStore:
    """This workstation's session file, and the ones others left behind."""

    def __init__(
        self, folder: Path | None = None, on_error: Callable[[str], None] | None = None
    ) -> None:
        self.folder = folder if folder is not None else state_dir() / "sessions"
        self._on_error = on_error  # told once per new reason (from the writing thread too)
        self.name = f"{os.getpid()}-{secrets.token_hex(3)}"
        self.path = self.folder / f"{self.name}.json"
        self._lock: IO[bytes] | None = None
        self._writes = Debouncer(SAVE_DELAY_S, "grutui-session")
        self.error = ""  # why the session is not being saved

    def open(self) -> None:
        """Take this workstation's lock; on failure sessions are not saved (``error`` says)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.folder / f"{self.name}.lock", "wb")  # noqa: SIM115
            if fcntl is not None:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._fail(f"{self.folder}: cannot keep the session for recovery ({exc.strerror})")
            self._lock = None

    def schedule(self, state: SessionState, file: Path | None) -> None:
        """Save ``state`` soon (the newest of a burst of changes)."""
        if self._lock is not None:
            self._writes.schedule(lambda: self._write(state, file))

    def _write(self, state: SessionState, file: Path | None) -> None:
        try:
            atomic_write_text(self.path, json.dumps(encode(state, file)))
        except OSError as exc:
            self._fail(f"{self.path}: cannot save the session for recovery ({exc.strerror})")
            return
        self.error = ""

    def _fail(self, message: str) -> None:
        if message != self.error and self._on_error is not None:
            self._on_error(message)
        self.error = message

    def close(self, keep: bool = True) -> None:
        """Stop: write what is pending and keep the file (``keep``), or drop both (a clean
        quit). Releasing the lock is what marks a kept file as left behind."""
        if not keep:
            self._writes.schedule(lambda: None)  # replaces a pending write
        self._writes.close()
        if not keep:
            for path in (self.path, self.folder / f"{self.name}.lock"):
                with contextlib.suppress(OSError):
                    path.unlink()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # -- sessions left behind ----------------------------------------------------------------

    def left_behind(self) -> list[Path]:
        """Session files of workstations that are not running, newest first."""
        found = []
        with contextlib.suppress(OSError):
            for path in self.folder.glob("*.json"):
                if path != self.path and not _running(path.with_suffix(".lock")):
                    found.append(path)
        return sorted(found, key=_mtime, reverse=True)

    def recover(self) -> Recovered | None:
        """The newest session left behind, read back; None if there is none. A
        ``RecoveryError`` if it cannot be read."""
        found = self.left_behind()
        return read(found[0]) if found else None

    def forget_left_behind(self) -> None:
        """Remove every session left behind (after it was restored or declined)."""
        for path in self.left_behind():
            for stale in (path, path.with_suffix(".lock")):
                with contextlib.suppress(OSError):
                    stale.unlink()


def recovery_question(found: Recovered) -> str:
    """What the workstation asks at start when a session was left behind."""
    minutes = max(0.0, time.time() - found.saved_at) / 60
    age = f"{minutes:.0f} min ago" if minutes < 90 else f"{minutes / 60:.0f} h ago"
    age = "a moment ago" if minutes < 1 else age
    what = f"preset {found.state.preset.name!r}"
    if found.file is not None:
        what += f", {found.file.name}"
    return (
        f"grutui did not quit cleanly {age}. Restore that session ({what}, slots A and B "
        "with their undo steps)?"
    )


def _running(lock: Path) -> bool:
    """True if a running workstation holds ``lock``."""
    if fcntl is None or not lock.exists():
        return False
    try:
        with open(lock, "rb") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# -- the file ------------------------------------------------------------------------------


def encode(state: SessionState, file: Path | None) -> dict[str, Any]:
    """``state`` as JSON-ready data."""

    def steps(pairs: Steps) -> list[list[dict[str, Any]]]:
        return [[before.as_dict(), after.as_dict()] for before, after in pairs]

    preset = state.preset
    return {
        "format": FORMAT,
        "saved_at": time.time(),
        "file": str(file) if file is not None else None,
        "active": state.active,
        "slots": {slot: state.slots[slot].as_dict() for slot in SLOTS},
        "history": {
            slot: {"undo": steps(undo), "redo": steps(redo)}
            for slot, (undo, redo) in state.history.items()
        },
        "preset": {
            "name": preset.name,
            "description": preset.description,
            "params": preset.params.as_dict(),
            "path": str(preset.path) if preset.path is not None else None,
            "factory": preset.factory,
        },
    }


def read(path: Path) -> Recovered:
    """Read a session file back; a ``RecoveryError`` naming it if it cannot be."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise RecoveryError(f"{path}: too large for a session file")
        data = json.loads(path.read_text(encoding="utf-8"))
        return Recovered(path, float(data["saved_at"]), _decode(data), _path(data["file"]))
    except RecoveryError:
        raise
    except OSError as exc:
        raise RecoveryError(f"{path}: cannot read ({exc.strerror})") from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # a GrutuiError (a parameter out of range) is a ValueError too
        raise RecoveryError(f"{path}: not a session grutui can restore ({exc})") from None


def _decode(data: dict[str, Any]) -> SessionState:
    if data.get("format") != FORMAT:
        raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
    active = data["active"]
    if active not in SLOTS:
        raise ValueError(f"no slot {active!r}")

    def params(values: Any) -> Params:
        if not isinstance(values, dict):
            raise TypeError("parameters must be a table")
        return Params.from_mapping(values)

    def steps(pairs: Any) -> Steps:
        return [(params(before), params(after)) for before, after in pairs]

    history = {
        slot: (steps(data["history"][slot]["undo"]), steps(data["history"][slot]["redo"]))
        for slot in SLOTS
    }
    p = data["preset"]
    name, description = str(p["name"]), str(p["description"])
    preset = Preset(name, description, params(p["params"]), _path(p["path"]), p["factory"] is True)
    slots = {slot: params(data["slots"][slot]) for slot in SLOTS}
    return SessionState(slots, active, history, preset)


def _path(value: Any) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("a path must be text")
    return Path(value)
