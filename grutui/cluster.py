"""Rendering a batch on a Dask cluster: ``grutui render IN... -d DIR --scheduler ADDRESS``.

Each planned file is one task on an existing ``dask.distributed`` cluster (``pip install
'grutui[cluster]'``); a worker runs the same ``render.render_job`` a local render runs, so the
settings, the atomic writes, the errors and the bytes written are the same. Files are read and
written by path: inputs and the output folder must be on storage every worker sees, at the same
path (a worker that cannot see an input says so, naming the file and the worker).

A failing file is reported by name and the others go on. When a worker dies, the scheduler runs
its files again elsewhere; its half-written temporary files carry a lock that died with it, so
the next write into that folder (and this module, at the end) sweeps them away. Ctrl-C sets a
cluster-wide cancel event that every running task polls, and cancels the queued ones: each
abandons its file (``atomic_path`` removes it), and the client waits for them before it exits.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from grutui.errors import GrutuiError, printable
from grutui.fileio import reason, sweep_leftovers
from grutui.render import BatchResult, RenderCancelled, RenderOptions, RenderResult, render_job
from grutui.render_plan import Job, RenderError

CONNECT_TIMEOUT_S = 10.0
CANCEL_POLL_S = 0.2  # how often a running task asks the scheduler whether to stop
STOP_WAIT_S = 30.0  # how long Ctrl-C waits for the running tasks to abandon their files
SHARED_STORAGE = (
    "the cluster reads and writes files by path: put inputs and outputs on storage that every "
    "worker sees at the same path"
)


def run_jobs(
    jobs: Sequence[Job],
    options: RenderOptions,
    address: str,
    progress: Callable[[int, int], None] | None = None,
    on_result: Callable[[Job, RenderResult | None, str | None], None] | None = None,
) -> BatchResult:
    """Render planned ``jobs`` on the cluster whose scheduler is at ``address``.

    ``progress(done, total)`` after each file; ``on_result(job, result, error)`` as each ends,
    in the order they end. A file that fails stops alone: its reason is in ``failed``.
    """
    distributed = _distributed()
    for job in jobs:
        job.target.parent.mkdir(parents=True, exist_ok=True)
    client = _connect(distributed, address)
    try:
        return _run(distributed, client, list(jobs), options, progress, on_result)
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=5)
        for folder in {job.target.parent for job in jobs}:
            sweep_leftovers(folder)


def _run(
    distributed: Any,
    client: Any,
    jobs: list[Job],
    options: RenderOptions,
    progress: Callable[[int, int], None] | None,
    on_result: Callable[[Job, RenderResult | None, str | None], None] | None,
) -> BatchResult:
    batch = BatchResult()
    run_id = uuid.uuid4().hex[:12]
    cancel_name = f"grutui-cancel-{run_id}"
    cancel = distributed.Event(cancel_name, client=client)
    futures = [
        client.submit(
            _render_on_worker,
            _absolute(job),  # a worker's working folder is its own
            options,
            cancel_name,
            key=f"grutui-render-{run_id}-{i}",
        )
        for i, job in enumerate(jobs)
    ]
    by_key = {future.key: job for future, job in zip(futures, jobs, strict=True)}
    try:
        for done, future in enumerate(distributed.as_completed(futures, loop=client.loop), 1):
            job = by_key[future.key]
            error = _error_of(future)
            result = None if error else future.result()
            if result is not None:  # named as the user named the files
                result = dataclasses.replace(result, source=job.source, target=job.target)
            if result is None:
                batch.failed.append((job, error or ""))
            else:
                batch.written.append(result)
            if on_result:
                on_result(job, result, error)
            if progress:
                progress(done, len(jobs))
        return batch
    except BaseException:
        _stop(client, cancel, futures)
        raise


def _error_of(future: Any) -> str | None:
    """The one-line reason a finished task failed, or None."""
    if future.status == "finished":
        return None
    job_error = future.exception()
    if isinstance(job_error, GrutuiError):
        return str(job_error)
    return f"{type(job_error).__name__}: {printable(str(job_error))}"


def _stop(client: Any, cancel: Any, futures: list[Any]) -> None:
    """Stop every task: the running ones abandon their files, the queued ones never start.

    Returns once the running ones have ended (or after ``STOP_WAIT_S``), so that no file of
    this run is still being written or published when the command exits.
    """
    try:
        cancel.set()
        try:
            running = {key for keys in client.processing().values() for key in keys}
        except Exception:  # the scheduler did not answer: wait for all (queued ones stop at once)
            running = {f.key for f in futures}
        client.cancel([f for f in futures if f.key not in running and not f.done()])
        # (not distributed.wait: it looks for a default client, and ours is not one)
        deadline = time.monotonic() + STOP_WAIT_S
        while time.monotonic() < deadline and not all(
            f.done() for f in futures if f.key in running
        ):
            time.sleep(CANCEL_POLL_S / 4)
    except Exception:  # a lost scheduler or a timeout: cancel what is left
        pass
    finally:
        with contextlib.suppress(Exception):
            client.cancel(futures)


def _render_on_worker(job: Job, options: RenderOptions, cancel_name: str) -> RenderResult:
    """One file on a worker: the local render, stopped by the cluster-wide cancel event."""
    import distributed

    where = f"worker {socket.gethostname()} (pid {os.getpid()})"
    if not job.source.exists():
        raise RenderError(f"{printable(job.source)}: not found on {where}; {SHARED_STORAGE}")
    if not job.target.parent.is_dir():
        raise RenderError(
            f"{printable(job.target.parent)}: no such folder on {where}; {SHARED_STORAGE}"
        )
    cancel_event = distributed.Event(cancel_name)
    stop = threading.Event()
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(CANCEL_POLL_S):
            with contextlib.suppress(Exception):  # a scheduler hiccup: ask again next time
                if cancel_event.is_set():
                    stop.set()
                    return

    if cancel_event.is_set():
        raise RenderCancelled(f"{printable(job.target)}: render cancelled")
    watcher = threading.Thread(target=watch, name="grutui-cancel-watch", daemon=True)
    watcher.start()
    try:
        return render_job(job, options, cancel=stop)
    finally:
        finished.set()
        watcher.join()


def _absolute(job: Job) -> Job:
    return dataclasses.replace(job, source=job.source.absolute(), target=job.target.absolute())


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise RenderError(
            "--scheduler needs dask.distributed: pip install 'grutui[cluster]'"
        ) from None
    return distributed


def _connect(distributed: Any, address: str) -> Any:
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise RenderError(
            f"cannot reach the Dask scheduler at {printable(address)} ({reason(exc)})"
        ) from None


def progress_printer(address: str, tty: bool) -> Callable[[int, int], None]:
    """A progress bar over files for the terminal (a line every 10 % when not one)."""
    shown = [-1]
    started = time.monotonic()

    def report(done: int, total: int) -> None:
        step = done * 100 // total if tty else done * 10 // total * 10
        if step == shown[0]:
            return
        shown[0] = step
        width = 30
        bar = "#" * (done * width // total) + "." * (width - done * width // total)
        line = (
            f"render on {printable(address)}: [{bar}] {done}/{total} files, "
            f"{time.monotonic() - started:.0f} s"
        )
        end = "\n" if done == total or not tty else ""
        print(("\r" if tty else "") + line, end=end, file=sys.stderr, flush=True)

    return report
