"""The errors a user can fix, and how their text is shown.

The CLI prints a ``GrutuiError`` as one line (exit status 1; ``UsageError`` 2), the UI as a
notice. Names of files and other text from outside go through ``printable`` so that a file name
with a newline or an escape sequence still makes one readable line.
"""

from __future__ import annotations

import os


class GrutuiError(Exception):
    """An error with a one-line message that says what and where (exit status 1)."""


class UsageError(GrutuiError):
    """A command line that asks for something impossible (exit status 2)."""


def printable(text: str | os.PathLike[str]) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x1b``...), so it shows on one line
    and cannot drive the terminal."""
    text = os.fspath(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    if "\udc80" <= ch <= "\udcff":  # a byte of a name that is not UTF-8 (surrogateescape)
        return f"\\x{ord(ch) - 0xDC00:02x}"
    escaped = repr(ch)[1:-1]  # '\n', '\t', '\x1b', '\u2028'
    return escaped if escaped != ch else f"\\x{ord(ch):02x}"
