"""Planning a render: every input and output checked before anything is written.

``plan`` opens each input (a regular file that holds audio), picks each output's format and
sample format, and checks that the output can be written (folder, name, what the format holds).
Every problem of the whole batch is collected, so one run names every offending file and writes
nothing; only what shows while processing (a file corrupt midway, a full disk) is left to the
render itself.
"""

from __future__ import annotations

import contextlib
import math
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

from grutui.audiofile import (
    EXTENSION_FORMATS,
    LINEAR_SUBTYPES,
    check_writable,
    open_input,
    output_formats,
)
from grutui.errors import GrutuiError, printable
from grutui.fileio import name_max, reason
from grutui.limits import NORMALIZE_RANGE_DBFS

RF64_LIMIT_BYTES = 4 * 1024**3 - 1024  # a RIFF size field is 32 bits; keep room for headers
PATH_MAX_BYTES = 4096
_BYTES_PER_SAMPLE = {
    "PCM_S8": 1,
    "PCM_U8": 1,
    "PCM_16": 2,
    "PCM_24": 3,
    "PCM_32": 4,
    "FLOAT": 4,
    "DOUBLE": 8,
}


class RenderError(GrutuiError):
    """A render that cannot be done; the message names the file."""


class PlanError(RenderError):
    """Problems found before rendering, one line each; nothing was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Job:
    """One input, its output and what the plan found out about them."""

    source: Path
    target: Path
    format: str = ""
    subtype: str = ""
    frames: int = 0
    channels: int = 0
    rate_hz: int = 0


def output_format(
    target: Path, in_subtype: str, subtype: str | None, frames: int, channels: int
) -> tuple[str, str]:
    """(format, subtype) for ``target``: format from the extension; subtype as asked, else the
    input's sample format where the output format holds it, else the format's default (an MP3
    input to WAV: PCM_16). A WAV that would pass 4 GiB becomes RF64."""
    ext = target.suffix.lower()
    formats = output_formats()
    if ext not in formats:
        known = " ".join(sorted(formats))
        shown_ext = printable(ext) if ext else "(no extension)"
        raise RenderError(
            f"{printable(target)}: unknown output format {shown_ext!r} (use one of {known})"
        )
    fmt = EXTENSION_FORMATS[ext]
    if subtype:
        if subtype not in formats[ext]:
            raise RenderError(
                f"{printable(target)}: format {fmt} cannot hold {subtype} "
                f"(it holds {', '.join(formats[ext])})"
            )
        chosen = subtype
    elif in_subtype in LINEAR_SUBTYPES and sf.check_format(fmt, in_subtype):
        chosen = in_subtype
    else:
        chosen = sf.default_subtype(fmt)
    if fmt == "WAV" and frames * channels * _BYTES_PER_SAMPLE.get(chosen, 4) > RF64_LIMIT_BYTES:
        fmt = "RF64"
    return fmt, chosen


def check_normalize(normalize_dbfs: float | None) -> None:
    """A ``RenderError`` naming the range if ``normalize_dbfs`` is outside it (or not finite)."""
    if normalize_dbfs is None:
        return
    low, high = NORMALIZE_RANGE_DBFS
    if not (math.isfinite(normalize_dbfs) and low <= normalize_dbfs <= high):
        raise RenderError(
            f"--normalize {normalize_dbfs:g} is out of range {low:g} to {high:g} dBFS"
        )


def plan(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str] | None = None,
    folder: str | os.PathLike[str] | None = None,
    force: bool = False,
    subtype: str | None = None,
) -> list[Job]:
    """Check every input and output before anything is written.

    Returns the jobs in input order; raises ``PlanError`` listing every problem (one line each,
    naming the file) if there is any. Creates nothing: a missing ``folder`` is only checked to
    be creatable.
    """
    if output is not None and len(inputs) != 1:
        raise RenderError(f"-o takes one input, got {len(inputs)}: use -d DIR for several")
    if output is not None and os.fspath(output).endswith(os.sep):
        raise RenderError(f"{printable(output)}: names a folder; -o takes a file (-d a folder)")
    problems: list[str] = []
    if folder is not None:
        problem = _folder_problem(Path(folder))
        if problem:
            raise PlanError([problem])
    jobs = []
    claimed: dict[Path, Path] = {}
    for name in inputs:
        source = Path(name)
        target = Path(output) if output is not None else Path(folder or ".") / source.name
        try:
            job = _check_job(source, target, subtype, force, folder is None)
        except GrutuiError as exc:  # the input (AudioFileError) or its output (RenderError)
            problems.append(str(exc))
            continue
        key = Path(os.path.abspath(target))
        if key in claimed:
            problems.append(
                f"{printable(target)}: both {printable(claimed[key])} and {printable(source)} "
                "would render to it"
            )
            continue
        claimed[key] = source
        jobs.append(job)
    if problems:
        raise PlanError(problems)
    return jobs


def _check_job(
    source: Path, target: Path, subtype: str | None, force: bool, check_folder: bool
) -> Job:
    with open_input(source) as f:
        in_subtype, frames, channels, rate = f.subtype, f.frames, f.channels, f.samplerate
    target = _through_link(target)
    shown = printable(target)
    if check_folder:
        problem = _folder_problem(target.parent, must_exist=True)
        if problem:
            raise RenderError(problem)
    try:
        st = os.stat(target)
    except OSError:
        st = None
    if st is not None:
        if os.path.samefile(source, target):
            raise RenderError(f"{shown}: output is the input file; choose another name")
        if stat.S_ISDIR(st.st_mode):
            raise RenderError(f"{shown}: is a folder")
        if not stat.S_ISREG(st.st_mode):
            raise RenderError(f"{shown}: is not a regular file; renders write regular files only")
        if not force:
            raise RenderError(f"{shown}: already exists (use --force to overwrite)")
    limit = name_max(target.parent)
    if len(os.fsencode(target.name)) > limit:
        raise RenderError(
            f"{shown}: file name too long ({len(os.fsencode(target.name))} bytes; "
            f"the file system takes {limit})"
        )
    if len(os.fsencode(os.path.abspath(target))) >= PATH_MAX_BYTES:
        raise RenderError(f"{shown}: path too long (over {PATH_MAX_BYTES} bytes)")
    fmt, chosen = output_format(target, in_subtype, subtype, frames, channels)
    why = check_writable(fmt, chosen, channels, rate)
    if why:
        raise RenderError(
            f"{shown}: {fmt} cannot hold {channels} channels at {rate} Hz as {chosen} ({why}); "
            "choose another format"
        )
    return Job(source, target, fmt, chosen, frames, channels, rate)


def _through_link(target: Path) -> Path:
    """The file a symbolic link ``target`` points to: a render writes through the link (as a
    shell's ``>`` does) and keeps it. A broken link or a loop is refused."""
    if not os.path.islink(target):
        return target
    try:
        return Path(os.path.realpath(target, strict=True))
    except FileNotFoundError:
        raise RenderError(
            f"{printable(target)}: is a broken symbolic link (to "
            f"{printable(os.readlink(target))}); remove it or choose another name"
        ) from None
    except OSError as exc:
        raise RenderError(f"{printable(target)}: cannot follow the link ({reason(exc)})") from None


def _folder_problem(folder: Path, must_exist: bool = False) -> str | None:
    """Why files cannot be created in ``folder`` (or in the folder that would be created)."""
    shown = printable(folder)
    existing = folder
    while not os.path.exists(existing):
        if os.path.lexists(existing):
            return f"{printable(existing)}: is a symbolic link that leads nowhere, not a folder"
        if must_exist:
            return f"{shown}: no such folder"
        if existing.parent == existing:
            break
        existing = existing.parent
    limit = name_max(existing)
    for part in folder.parts:
        if len(os.fsencode(part)) > limit:
            return f"{shown}: folder name too long (the file system takes {limit} bytes)"
    if len(os.fsencode(os.path.abspath(folder))) >= PATH_MAX_BYTES:
        return f"{shown}: path too long (over {PATH_MAX_BYTES} bytes)"
    if not os.path.isdir(existing):
        if existing == folder:
            return f"{shown}: is a file, not a folder"
        return f"{shown}: cannot be created ({printable(existing)} is a file, not a folder)"
    if not os.access(existing, os.W_OK | os.X_OK):
        why = "permission denied"
        with contextlib.suppress(OSError):
            if os.statvfs(existing).f_flag & os.ST_RDONLY:
                why = "read-only file system"
        return f"{printable(existing)}: cannot write files in this folder ({why})"
    return None
