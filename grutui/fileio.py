"""Writing files so that an interrupted write leaves the old file or nothing, never half a file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only if the body succeeds.

    On any exception, Ctrl-C included, the temporary file is removed and ``target`` is untouched.
    The suffix is kept so libraries that pick a format from the extension still can.
    """
    target = Path(target)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".part{target.suffix}", dir=target.parent
    )
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        # mkstemp makes the file private; give it the mode a plain open() would (or the old one's)
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_UMASK
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``target`` atomically (UTF-8)."""
    with atomic_path(target) as temp:
        temp.write_text(text, encoding="utf-8")
