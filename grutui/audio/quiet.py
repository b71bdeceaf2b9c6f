"""Keep PortAudio's and ALSA's messages (written straight to fd 2) off a full-screen UI."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def stderr_log_path() -> Path:
    """Where fd 2 goes while ``quiet_stderr`` is active (``GRUTUI_STATE_DIR`` or the user's
    state folder)."""
    root = os.environ.get("GRUTUI_STATE_DIR")
    if not root:
        import platformdirs

        root = platformdirs.user_state_dir("grutui")
    return Path(root) / "audio-stderr.log"


@contextlib.contextmanager
def quiet_stderr(log_path: str | os.PathLike[str] | None = None) -> Iterator[Path]:
    """Redirect file descriptor 2 (C libraries included) to a log file for the block's duration.

    Yields the log's path. Python's ``sys.stderr`` follows, since it writes to fd 2. If the log
    cannot be opened, stderr is left alone.
    """
    path = Path(log_path) if log_path is not None else stderr_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        yield path
        return
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    saved_fd = os.dup(2)
    try:
        os.write(
            log_fd, f"--- grutui {time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()}\n".encode()
        )
        os.dup2(log_fd, 2)
        yield path
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        os.close(log_fd)
