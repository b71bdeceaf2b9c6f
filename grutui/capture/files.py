"""Checking output paths before work starts, and writing audio the way render does (atomic)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

from grutui.errors import GrutuiError
from grutui.fileio import atomic_path


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
    if suffixes and target.suffix.lower() not in suffixes:
        raise OutputError(f"{target}: the output must end with {' or '.join(suffixes)}")
    if target.is_dir():
        raise OutputError(f"{target}: is a folder")
    for source in inputs:
        if target.exists() and Path(source).exists() and target.samefile(source):
            raise OutputError(f"{target}: output is an input file; choose another name")
    if target.exists() and not force:
        raise OutputError(f"{target}: already exists (use --force to replace it)")
    parent = target.parent
    if not parent.is_dir():
        raise OutputError(f"{parent}: no such folder")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{parent}: folder is not writable")
    return target


def audio_format(target: Path) -> tuple[str, str]:
    """(format, subtype) for an audio output: the render's format table, 24-bit if possible."""
    from grutui.render import RenderError, output_format

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
        with atomic_path(target) as temp:
            sf.write(temp, data, int(rate_hz), format=fmt, subtype=subtype)
    except (OSError, sf.LibsndfileError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise OutputError(f"{target}: cannot write ({why})") from None
    return target
