"""Rendering files through the chain: streamed in blocks, aligned, atomic.

The output keeps the input's sample rate, channel count and length; the chain's latency is
compensated (the first ``latency`` output samples are dropped and the tail is flushed with
zeros). Memory does not grow with the file: blocks of ``BLOCK_FRAMES`` are read, processed and
written. The output appears only when complete (``fileio.atomic_path``); a failure, a cancel or
Ctrl-C leaves no file behind and the input is never opened for writing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from grutui.audiofile import open_input
from grutui.dsp import Chain
from grutui.errors import GrutuiError
from grutui.fileio import atomic_path
from grutui.params import Params

BLOCK_FRAMES = 65536
RF64_LIMIT_BYTES = 4 * 1024**3 - 1024  # a RIFF size field is 32 bits; keep room for headers
_BYTES_PER_SAMPLE = {
    "PCM_S8": 1,
    "PCM_U8": 1,
    "PCM_16": 2,
    "PCM_24": 3,
    "PCM_32": 4,
    "FLOAT": 4,
    "DOUBLE": 8,
}
_EXTENSION_FORMATS = {
    ".wav": "WAV",
    ".flac": "FLAC",
    ".aif": "AIFF",
    ".aiff": "AIFF",
    ".ogg": "OGG",
    ".caf": "CAF",
    ".w64": "W64",
    ".rf64": "RF64",
    ".au": "AU",
    ".mp3": "MP3",
}
_COMMON_SUBTYPES = ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "VORBIS", "MPEG_LAYER_III")


class RenderError(GrutuiError):
    """A render that cannot be done; the message names the file."""


class RenderCancelled(GrutuiError):  # noqa: N818 - a cancel is not an error to the user
    """The render was cancelled; no output was left."""


def _formats() -> dict[str, list[str]]:
    available = sf.available_formats()
    table = {}
    for ext, fmt in _EXTENSION_FORMATS.items():
        if fmt in available:
            subtypes = [s for s in _COMMON_SUBTYPES if sf.check_format(fmt, s)]
            if subtypes:
                table[ext] = subtypes
    return table


FORMATS: dict[str, list[str]] = _formats()  # output extension -> subtypes grutui writes


@dataclass(frozen=True)
class RenderOptions:
    """Everything about a render but the files."""

    params: Params
    subtype: str | None = None
    normalize_dbfs: float | None = None


@dataclass(frozen=True)
class Job:
    source: Path
    target: Path


def output_format(
    target: Path, in_subtype: str, subtype: str | None, frames: int, channels: int
) -> tuple[str, str]:
    """(format, subtype) for ``target``: format from the extension, subtype as asked or the
    input's where the format allows it; WAV that would pass 4 GiB becomes RF64."""
    ext = target.suffix.lower()
    if ext not in _EXTENSION_FORMATS or ext not in FORMATS:
        known = " ".join(sorted(FORMATS))
        raise RenderError(
            f"{target}: unknown output format {ext or '(no extension)'!r} (use one of {known})"
        )
    fmt = _EXTENSION_FORMATS[ext]
    if subtype:
        if not sf.check_format(fmt, subtype):
            raise RenderError(f"{target}: format {fmt} cannot hold {subtype}")
        chosen = subtype
    elif sf.check_format(fmt, in_subtype):
        chosen = in_subtype
    else:
        chosen = sf.default_subtype(fmt)
    if fmt == "WAV" and frames * channels * _BYTES_PER_SAMPLE.get(chosen, 4) > RF64_LIMIT_BYTES:
        fmt = "RF64"
    return fmt, chosen


def plan(
    inputs: Sequence[str], output: str | None = None, folder: str | None = None, force: bool = False
) -> list[Job]:
    """Check every input and output before anything is written; one ``RenderError`` if not."""
    if output is not None and len(inputs) != 1:
        raise RenderError(f"-o takes one input, got {len(inputs)}: use -d DIR for several")
    jobs = []
    targets: dict[Path, Path] = {}
    for name in inputs:
        source = Path(name)
        open_input(source).close()
        target = Path(output) if output is not None else Path(folder or ".") / source.name
        if target.exists() and target.resolve() == source.resolve():
            raise RenderError(f"{target}: output is the input file; choose another name")
        if target.exists() and not force:
            raise RenderError(f"{target}: already exists (use --force to overwrite)")
        if target.exists() and target.is_dir():
            raise RenderError(f"{target}: is a folder")
        if target.resolve() in targets:
            raise RenderError(
                f"{target}: both {targets[target.resolve()]} and {source} would render to it"
            )
        targets[target.resolve()] = source
        if folder is None and not target.parent.is_dir():
            raise RenderError(f"{target.parent}: no such folder")
        output_format(target, "PCM_24", None, 0, 1)
        jobs.append(Job(source, target))
    return jobs


def _blocks(chain: Chain, f: sf.SoundFile) -> Iterator[np.ndarray]:
    """The chain's output for the whole of ``f``, aligned: latency dropped, tail flushed."""
    skip = chain.latency_samples
    f.seek(0)
    for block in f.blocks(blocksize=BLOCK_FRAMES, dtype="float32", always_2d=True):
        out = chain.process(block)
        if skip:
            dropped = min(skip, len(out))
            out, skip = out[dropped:], skip - dropped
        if len(out):
            yield out
    tail = chain.process(np.zeros((chain.latency_samples, f.channels), np.float32))
    yield tail[skip:]


def _tpdf_pcm16(block: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Quantise to 16 bits with triangular dither of +-1 LSB (so no truncation distortion)."""
    noise = rng.random(block.shape) - rng.random(block.shape)
    return np.clip(np.round(block * 32767.0 + noise), -32768, 32767).astype(np.int16)


def render_file(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    params: Params,
    *,
    subtype: str | None = None,
    normalize_dbfs: float | None = None,
    force: bool = False,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Render one file; returns the output path. See the module docstring for guarantees."""
    source, target = Path(in_path), Path(out_path)
    (job,) = plan([str(source)], output=str(target), force=force)
    with open_input(source) as f:
        fmt, chosen = output_format(target, f.subtype, subtype, f.frames, f.channels)
        chain = Chain(f.samplerate, f.channels, max_block=8192, params=params)
        passes = 2 if normalize_dbfs is not None else 1
        total = f.frames * passes
        done = 0

        def step(frames: int) -> None:
            nonlocal done
            if cancel is not None and cancel.is_set():
                raise RenderCancelled(f"{target}: render cancelled")
            done += frames
            if progress is not None:
                progress(min(done / total, 1.0))

        gain = 1.0
        if normalize_dbfs is not None:
            peak = 0.0
            for out in _blocks(chain, f):
                peak = max(peak, float(np.max(np.abs(out))))
                step(len(out))
            if peak == 0.0:
                raise RenderError(f"{source}: output is silent, cannot normalize")
            gain = 10.0 ** (normalize_dbfs / 20.0) / peak
            chain.reset()
        rng = np.random.default_rng(0)
        clip = chosen.startswith("PCM")
        with (
            atomic_path(job.target) as temp,
            sf.SoundFile(
                temp, "w", samplerate=f.samplerate, channels=f.channels, format=fmt, subtype=chosen
            ) as out_file,
        ):
            for out in _blocks(chain, f):
                if gain != 1.0:
                    out *= np.float32(gain)
                if chosen == "PCM_16":
                    out_file.write(_tpdf_pcm16(out, rng))
                else:
                    out_file.write(np.clip(out, -1.0, 1.0) if clip else out)
                step(len(out))
    return job.target


_interrupted = threading.Event()  # set in a worker process once Ctrl-C reached it


def _worker_init() -> None:
    """Make a render worker remember Ctrl-C, so it starts no queued job after one."""

    def on_interrupt(signum: int, frame: object) -> None:
        _interrupted.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_interrupt)


def _render_job(
    job: Job, options: RenderOptions, progress: Callable[[float], None] | None = None
) -> Path:
    if _interrupted.is_set():
        raise RenderCancelled(f"{job.target}: render cancelled")
    # outputs were checked (and --force honoured) by plan() before any job started
    return render_file(
        job.source,
        job.target,
        options.params,
        subtype=options.subtype,
        normalize_dbfs=options.normalize_dbfs,
        force=True,
        progress=progress,
    )


def run_jobs(
    jobs: Sequence[Job],
    options: RenderOptions,
    processes: int = 1,
    progress: Callable[[Job, float], None] | None = None,
) -> list[Path]:
    """Render ``jobs`` (from ``plan``), in ``processes`` parallel processes when more than one.

    ``progress(job, fraction)`` is called in this process for sequential renders only.
    """
    if processes < 1:
        raise RenderError("--jobs must be at least 1")
    for job in jobs:
        job.target.parent.mkdir(parents=True, exist_ok=True)
    if processes == 1 or len(jobs) == 1:
        return [
            _render_job(job, options, functools.partial(progress, job) if progress else None)
            for job in jobs
        ]
    pool = ProcessPoolExecutor(max_workers=min(processes, len(jobs)), initializer=_worker_init)
    try:
        futures = [pool.submit(_render_job, job, options) for job in jobs]
        return [future.result() for future in futures]
    except BaseException:
        # Ctrl-C reaches the whole process group from a terminal, but `kill -INT` reaches only
        # us: pass it on so every worker abandons its file (atomic_path removes the partial one).
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGINT)
        raise
    finally:
        pool.shutdown(wait=True)
