"""Messages C libraries write straight to file descriptor 2 while a command runs.

libmpg123 (inside libsndfile) prints "Note: Trying to resync..." and "a one-frame stream?
Duh..." on a damaged MP3, ALSA and PortAudio print their own lines: text that is not grutui's,
several lines around what should be one. While a command runs, fd 2 is a pipe that a thread
drains; grutui's own messages go to the real stderr through ``sys.stderr``. What the libraries
said is summed up in one warning line when the command succeeds (the output may hold a glitch
the decoder skipped), and dropped when it fails (its one error line says what went wrong).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

KEEP_LINES = 20  # the first lines are kept for the summary; the rest are only counted


@dataclass
class Collected:
    """What the libraries wrote: the first ``KEEP_LINES`` lines and how many there were."""

    lines: list[str] = field(default_factory=list)
    count: int = 0

    def summary(self) -> str | None:
        """One line about them, or None if there were none."""
        if not self.count:
            return None
        first = self.lines[0].strip()
        first = first if len(first) <= 160 else first[:157] + "..."
        more = f" (and {self.count - 1} more)" if self.count > 1 else ""
        return f"warning: an audio library reported: {first}{more}"


@contextlib.contextmanager
def collected() -> Iterator[Collected]:
    """Collect what is written to fd 2 (by C code) during the block; ``sys.stderr`` keeps
    writing to the real stderr. Does nothing if fd 2 is not open."""
    result = Collected()
    try:
        saved = os.dup(2)
    except OSError:
        yield result
        return
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    reader = threading.Thread(target=_drain, args=(read_fd, result), daemon=True)
    reader.start()
    python_stderr = sys.stderr
    if _writes_to_fd2(python_stderr):  # not when a test captures sys.stderr itself
        sys.stderr = io.TextIOWrapper(
            io.FileIO(saved, "w", closefd=False),
            encoding=getattr(python_stderr, "encoding", None) or "utf-8",
            errors="backslashreplace",
            line_buffering=True,
        )
    try:
        yield result
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        sys.stderr = python_stderr
        os.dup2(saved, 2)  # closes the pipe's last write end this process holds
        os.close(saved)
        reader.join(timeout=1.0)  # a worker process that still holds it: do not wait on it


def _writes_to_fd2(stream: object) -> bool:
    try:
        return stream.fileno() == 2  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def _drain(read_fd: int, result: Collected) -> None:
    with open(read_fd, "rb", closefd=True) as pipe:
        for raw in pipe:
            line = raw.decode("utf-8", "replace").rstrip()
            if not line:
                continue
            result.count += 1
            if len(result.lines) < KEEP_LINES:
                result.lines.append(line)
