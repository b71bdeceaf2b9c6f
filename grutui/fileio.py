"""Files in and out: only regular files are read, and writes leave the old file or nothing.

Inputs go through ``check_input``: a FIFO, a device, a folder or an unreadable file is named for
what it is instead of hanging, eating memory or being called "not audio". Outputs are written
beside their target under a hidden temporary name (``.NAME.XXXXXXXX.grutui-part.EXT``) and
published only when complete; the temporary file is locked while written, so the next write
into the same folder can tell a killed run's leftover (removed) from a live one (kept).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from grutui.errors import GrutuiError, printable

PART_MARK = ".grutui-part"
FRESH_PART_S = 5.0  # an unlocked, empty temporary file younger than this may be a live one
MAX_TEXT_BYTES = 1 << 20  # presets and other text inputs: far more than any real one


class InputError(GrutuiError):
    """An input path that is missing, not a regular file, or unreadable."""


class OutputExistsError(GrutuiError):
    """An output that appeared while it was being written (and no overwrite was asked for)."""


def cache_dir() -> Path:
    """grutui's cache folder (``GRUTUI_CACHE_DIR`` or the platform's user cache folder)."""
    root = os.environ.get("GRUTUI_CACHE_DIR")
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("grutui")
    return Path(root)


def reason(exc: BaseException) -> str:
    """The short why of an OS error ("permission denied"), lower case, without the path."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return lower_first(text)


def lower_first(text: str) -> str:
    """``text`` with a capital first letter in lower case, unless it starts an acronym
    ("MPEG-1/2 only supports" stays)."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def check_input(path: str | os.PathLike[str], what: str = "a file") -> Path:
    """``path`` if it is a regular file this process can open for reading, else an
    ``InputError`` that says what it is ("is a folder", "is a named pipe (FIFO)",
    "permission denied"...). ``what`` names the expected thing, e.g. "an audio file"."""
    path = Path(path)
    shown = printable(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        broken = " (a broken link)" if os.path.islink(path) else ""
        raise InputError(f"{shown}: no such file{broken}") from None
    except NotADirectoryError:
        raise InputError(f"{shown}: no such file (a part of the path is not a folder)") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise InputError(f"{shown}: cannot read ({reason(exc)})") from None
    kind = _kind(st.st_mode)
    if kind:
        raise InputError(f"{shown}: is {kind}, not {what}")
    try:  # O_NONBLOCK: even a FIFO swapped in since the stat cannot block the open
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY))
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({reason(exc)})") from None
    return path


def read_text_input(path: str | os.PathLike[str], what: str = "a text file") -> str:
    """The UTF-8 text of a regular file of at most ``MAX_TEXT_BYTES`` (``InputError`` if not)."""
    path = check_input(path, what)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_TEXT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{printable(path)}: cannot read ({reason(exc)})") from None
    if len(data) > MAX_TEXT_BYTES:
        raise InputError(f"{printable(path)}: too large for {what} (over {MAX_TEXT_BYTES} bytes)")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # the BOM some editors write
    except UnicodeDecodeError as exc:
        raise InputError(f"{printable(path)}: not UTF-8 text (byte {exc.start})") from None


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    """What a non-regular file is ("a folder"...), or "" for a regular file."""
    if stat.S_ISREG(mode):
        return ""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def name_max(folder: Path) -> int:
    """The longest file name (bytes) the file system of ``folder`` (or its nearest existing
    ancestor) takes."""
    for candidate in (folder, *folder.absolute().parents):
        with contextlib.suppress(OSError, ValueError):
            return int(os.pathconf(candidate, "PC_NAME_MAX"))
    return 255


def temp_name(target: Path) -> str:
    """A hidden temporary name beside ``target`` that fits the file system's name limit."""
    tail = f".{secrets.token_hex(4)}{PART_MARK}{target.suffix}"
    room = max(name_max(target.parent) - len(tail.encode()) - 1, 1)
    stem = os.fsencode(target.name)[:room].decode(errors="ignore") or "x"
    return f".{stem}{tail}"


def sweep_leftovers(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files that killed runs left in ``folder``; returns them.

    A live writer holds a lock on its temporary file; a leftover's lock died with its process.
    """
    removed: list[Path] = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(".") and PART_MARK in n]
    except OSError:
        return removed
    for name in names:
        path = Path(folder, name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            st = os.fstat(fd)
            fresh = st.st_size == 0 and _age_s(st) < FRESH_PART_S  # created, not yet locked
            if stat.S_ISREG(st.st_mode) and not fresh:
                path.unlink()
                removed.append(path)
        except OSError:
            pass  # locked: a live writer
        finally:
            os.close(fd)
    return removed


def _age_s(st: os.stat_result) -> float:
    return time.time() - st.st_mtime


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, replace: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; publish it as ``target`` only if the body
    succeeds.

    On any exception, Ctrl-C included, the temporary file is removed and ``target`` is untouched.
    With ``replace=False`` publishing refuses (``OutputExistsError``) when ``target`` exists by
    then, so of two writers to a new name one wins and the other says so. The suffix is kept so
    libraries that pick a format from the extension still can; the file gets the mode a plain
    ``open()`` would give it (or the replaced file's).
    """
    target = Path(target)
    sweep_leftovers(target.parent)
    temp = target.parent / temp_name(target)
    fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_NOFOLLOW, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when this process ends, however it ends
        yield temp
        _publish(temp, target, replace)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    finally:
        os.close(fd)


def _publish(temp: Path, target: Path, replace: bool) -> None:
    if replace:
        with contextlib.suppress(OSError):
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temp, target)
        return
    try:
        os.link(temp, target)  # fails if target exists: no window in which both can win
    except FileExistsError:
        raise OutputExistsError(
            f"{printable(target)}: already exists (it appeared while this was being written; "
            "use --force to overwrite)"
        ) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if target.exists():  # a file system without hard links: check, then rename
            raise OutputExistsError(f"{printable(target)}: already exists") from None
        os.replace(temp, target)
        return
    temp.unlink()


def atomic_write_text(target: str | os.PathLike[str], text: str, *, replace: bool = True) -> None:
    """Write ``text`` to ``target`` atomically (UTF-8)."""
    with atomic_path(target, replace=replace) as temp:
        temp.write_text(text, encoding="utf-8")
