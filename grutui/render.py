"""Rendering files through the chain: streamed in blocks, aligned, atomic.

The output keeps the input's sample rate, channel count and length; the chain's latency is
compensated as ``grutui.dsp.aligned`` does for ``grutui.process``. Memory does not grow with the
file: blocks are read, processed and written in a pipeline of threads (``grutui.dsp.pipeline``,
``grutui.render_io``), a few blocks in flight. Everything is checked first
(``grutui.render_plan``); the output appears only when complete (``fileio.atomic_path``): a
failure, a cancel, Ctrl-C, SIGTERM or SIGHUP leaves no file behind, and the input is never
opened for writing. In a batch, a file that fails while rendering stops
alone; the others finish.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from grutui import render_io
from grutui.audiofile import open_input
from grutui.dsp.chain import Chain
from grutui.dsp.loudness import LoudnessMeter, match_gain
from grutui.dsp.pipeline import pipelined_blocks
from grutui.errors import GrutuiError, printable
from grutui.fileio import atomic_path, reason
from grutui.limits import JOBS_RANGE
from grutui.params import Params
from grutui.render_plan import Job, RenderError, check_normalize, plan

PIECE_FRAMES = 16384  # frames per block in the pipeline's parts (fewer handovers, in L2)
SILENT_PEAK = 1e-10  # -200 dBFS: below this an output counts as silent (cannot be normalised)


class RenderCancelled(GrutuiError):  # noqa: N818 - a cancel is not an error to the user
    """The render was cancelled; no output was left."""


@dataclass(frozen=True)
class RenderOptions:
    """Everything about a render but the files."""

    params: Params
    subtype: str | None = None
    normalize_dbfs: float | None = None
    force: bool = False


@dataclass(frozen=True)
class RenderResult:
    """A written file: its peak in dBFS (``-inf`` if silent) and how many samples were clipped
    to full scale (integer formats only; a float file keeps what is over)."""

    source: Path
    target: Path
    subtype: str
    peak_dbfs: float
    clipped: int

    def summary(self, name: str | None = None) -> str:
        """``NAME: peak -0.3 dBFS, 12 samples clipped``, the line ``grutui render`` prints and
        the workstation's render dialog shows; ``name`` defaults to the target's path."""
        peak = f"{self.peak_dbfs:+.1f} dBFS" if math.isfinite(self.peak_dbfs) else "silent"
        line = f"{printable(self.target) if name is None else name}: peak {peak}"
        return line + (f", {self.clipped} samples clipped" if self.clipped else "")


@dataclass
class BatchResult:
    """What a batch wrote, and each failed input with its one-line reason."""

    written: list[RenderResult] = field(default_factory=list)
    failed: list[tuple[Job, str]] = field(default_factory=list)


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
) -> RenderResult:
    """Render one file (checked first, see ``render_plan.plan``). See the module docstring for
    the guarantees."""
    (job,) = plan([in_path], output=out_path, force=force, subtype=subtype)
    options = RenderOptions(params, subtype, normalize_dbfs, force)
    return render_job(job, options, progress, cancel)


def render_job(
    job: Job,
    options: RenderOptions,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> RenderResult:
    """Render one planned job; a failure names the file and leaves nothing behind."""
    check_normalize(options.normalize_dbfs)
    try:
        with open_input(job.source) as f:
            return _render(f, job, options, progress, cancel)
    except (OSError, sf.LibsndfileError) as exc:  # writing: a full disk, a vanished folder
        raise RenderError(f"{printable(job.target)}: cannot write ({reason(exc)})") from None


def _render(
    f: sf.SoundFile,
    job: Job,
    options: RenderOptions,
    progress: Callable[[float], None] | None,
    cancel: threading.Event | None,
) -> RenderResult:
    chain = Chain(f.samplerate, f.channels, max_block=PIECE_FRAMES, params=options.params)
    passes = 2 if options.normalize_dbfs is not None or options.params.auto_gain else 1
    total = max(f.frames * passes, 1)
    done = 0

    def step(frames: int) -> None:
        nonlocal done
        if cancel is not None and cancel.is_set():
            raise RenderCancelled(f"{printable(job.target)}: render cancelled")
        done += frames
        if progress is not None:
            progress(min(done / total, 1.0))

    gain = 1.0
    if options.normalize_dbfs is not None:
        peak = 0.0
        for out in pipelined_blocks(chain, render_io.blocks(f, job.source)):
            peak = max(peak, float(np.max(np.abs(out))))
            step(len(out))
        if peak < SILENT_PEAK:
            raise RenderError(f"{printable(job.source)}: output is silent, cannot normalize")
        gain = 10.0 ** (options.normalize_dbfs / 20.0) / peak
        chain.reset()
    elif options.params.auto_gain:  # the wet as loud as the dry: measure both, then render
        dry, wet = LoudnessMeter(f.samplerate, f.channels), LoudnessMeter(f.samplerate, f.channels)
        for out in pipelined_blocks(chain, dry.tap(render_io.blocks(f, job.source))):
            wet.add(out)
            step(len(out))
        gain = match_gain(wet.loudness_lufs(), dry.loudness_lufs())
        chain.reset()
    chosen = job.subtype
    with (
        _reopened(f, job) if passes == 2 else contextlib.nullcontext(f) as f,
        atomic_path(job.target, replace=options.force) as temp,
        sf.SoundFile(
            temp,
            "w",
            samplerate=f.samplerate,
            channels=f.channels,
            format=job.format,
            subtype=chosen,
        ) as out_file,
    ):
        with render_io.Writer(out_file, gain) as writer:
            for out in pipelined_blocks(chain, render_io.blocks(f, job.source)):
                writer.write(out)
                step(len(out))
        _check_parent(job)
    peak_dbfs = 20.0 * math.log10(writer.peak) if writer.peak > 0 else -math.inf
    clipped = writer.over if chosen.startswith("PCM") else 0
    return RenderResult(job.source, job.target, chosen, peak_dbfs, clipped)


def _reopened(f: sf.SoundFile, job: Job) -> sf.SoundFile:
    """The input opened again for the last pass (libsndfile cannot seek back in GSM 6.10); it
    must still be the file the first pass measured."""
    again = open_input(job.source)
    if (again.samplerate, again.channels, again.frames) != (f.samplerate, f.channels, f.frames):
        again.close()
        raise RenderError(f"{printable(job.source)}: changed while rendering; nothing written")
    return again


_interrupted = threading.Event()  # set in a worker process once a stop signal reached it
_parent_pid = 0  # the process that started this worker (0: not a worker)


def _check_parent(job: Job) -> None:
    """In a worker: refuse to publish when the parent is gone (it was killed outright)."""
    if _parent_pid and (os.getppid() != _parent_pid or _interrupted.is_set()):
        raise RenderCancelled(f"{printable(job.target)}: render cancelled")


def _worker_init(parent_pid: int) -> None:
    """Make a render worker stop on Ctrl-C, SIGTERM or SIGHUP and start no queued job after one,
    and (on Linux) receive SIGTERM when its parent dies, however it dies."""
    global _parent_pid
    _parent_pid = parent_pid

    def on_stop(signum: int, frame: object) -> None:
        _interrupted.set()
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_stop)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before the line above
        _interrupted.set()


def _render_job(
    job: Job, options: RenderOptions, progress: Callable[[float], None] | None = None
) -> RenderResult:
    if _interrupted.is_set():
        raise RenderCancelled(f"{printable(job.target)}: render cancelled")
    return render_job(job, options, progress)


def run_jobs(
    jobs: Sequence[Job],
    options: RenderOptions,
    processes: int = 1,
    progress: Callable[[Job, float], None] | None = None,
    on_result: Callable[[Job, RenderResult | None, str | None], None] | None = None,
) -> BatchResult:
    """Render planned ``jobs`` (from ``plan``), in ``processes`` parallel processes when more
    than one. A file that fails stops alone: its reason is in ``failed``.

    ``progress(job, fraction)`` is called in this process for sequential renders only;
    ``on_result(job, result, error)`` as each file ends, in input order.
    """
    low, high = JOBS_RANGE
    if not low <= processes <= high:
        raise RenderError(f"--jobs must be from {low} to {high}")
    for job in jobs:
        try:
            job.target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # the plan found it creatable; something changed since
            raise RenderError(
                f"{printable(job.target.parent)}: cannot create the folder ({reason(exc)})"
            ) from None
    batch = BatchResult()

    def finish(job: Job, outcome: Callable[[], RenderResult]) -> None:
        try:
            result = outcome()
        except RenderCancelled:
            raise
        except GrutuiError as exc:
            batch.failed.append((job, str(exc)))
            if on_result:
                on_result(job, None, str(exc))
            return
        batch.written.append(result)
        if on_result:
            on_result(job, result, None)

    if processes == 1 or len(jobs) == 1:
        for job in jobs:
            report = functools.partial(progress, job) if progress else None
            finish(job, functools.partial(_render_job, job, options, report))
        return batch
    pool = ProcessPoolExecutor(
        max_workers=min(processes, len(jobs)), initializer=_worker_init, initargs=(os.getpid(),)
    )
    try:
        futures = [pool.submit(_render_job, job, options) for job in jobs]
        for job, future in zip(jobs, futures, strict=True):
            finish(job, future.result)
        return batch
    except BaseException:
        # Ctrl-C reaches the whole process group from a terminal, but `kill -INT` (or SIGTERM)
        # reaches only us: pass it on so every worker abandons its file (atomic_path removes it).
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGINT)
        raise
    finally:
        pool.shutdown(wait=True)
