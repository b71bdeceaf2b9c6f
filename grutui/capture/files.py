"""Checking output paths before any work starts, and writing audio atomically."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import soundfile as sf

from grutui.errors import GrutuiError, printable
from grutui.fileio import OutputExistsError, atomic_path, reason


class OutputError(GrutuiError):
    """An output path that cannot be written; the message names it."""


def check_output(
    path: str | os.PathLike[str],
    force: bool = False,
    inputs: tuple[str | os.PathLike[str], ...] = (),
    suffixes: tuple[str, ...] = (),
) -> Path:
    """Refuse, before any work, an output that would fail or destroy something."""
    target = Path(path)
    shown = printable(target)
    if suffixes and target.suffix.lower() not in suffixes:
        raise OutputError(f"{shown}: the output must end with {' or '.join(suffixes)}")
    try:
        st = os.stat(target)
    except OSError:
        st = None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{shown}: is a folder")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{shown}: is not a regular file")
        for source in inputs:
            if os.path.exists(source) and os.path.samefile(source, target):
                raise OutputError(f"{shown}: output is an input file; choose another name")
        if not force:
            raise OutputError(f"{shown}: already exists (use --force to replace it)")
    parent = target.parent
    if not parent.is_dir():
        raise OutputError(f"{printable(parent)}: no such folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{printable(parent)}: cannot write files in this folder")
    return target


def audio_format(target: Path) -> tuple[str, str]:
    """(format, subtype) for an audio output: the render's format table, 24-bit if it can."""
    from grutui.render_plan import RenderError, output_format

    try:
        return output_format(target, "PCM_24", None, 0, 1)
    except RenderError as exc:
        raise OutputError(str(exc)) from None


def write_audio(
    path: str | os.PathLike[str], data: np.ndarray, rate_hz: int, force: bool = False
) -> Path:
    """Write ``data`` (frames, channels) to ``path`` atomically; nothing is left on failure."""
    target = check_output(path, force)
    fmt, subtype = audio_format(target)
    try:
        with atomic_path(target, replace=force) as temp:
            sf.write(temp, data, int(rate_hz), format=fmt, subtype=subtype)
    except OutputExistsError as exc:
        raise OutputError(str(exc)) from None
    except (OSError, sf.LibsndfileError) as exc:
        raise OutputError(f"{printable(target)}: cannot write ({reason(exc)})") from None
    return target
