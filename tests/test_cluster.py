"""``grutui render --scheduler``: a real Dask scheduler and two workers on the loopback
interface, started as processes and stopped by their process ids."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from grutui import cluster
from grutui.fileio import PART_MARK
from grutui.params import Params
from grutui.render import RenderOptions, render_file
from grutui.render_plan import plan
from tests.conftest import grutui_env

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A scheduler and ``workers`` single-threaded workers, each a process of its own."""

    def __init__(self, folder: Path, workers: int = 2) -> None:
        self.folder = folder
        self.address = f"tcp://127.0.0.1:{free_port()}"
        host, port = self.address.removeprefix("tcp://").split(":")
        self.scheduler = self._start("scheduler", "--host", host, "--port", port, "--no-dashboard")
        self.workers = [
            self._start("worker", self.address, "--no-nanny", "--nthreads", "1", "--no-dashboard")
            for _ in range(workers)
        ]
        self.wait_for_workers(workers)

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{args[0]}-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115
        # each in a working folder of its own: the client must send absolute paths
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            cwd=self.folder,
            stdout=log,
            stderr=log,
            env=grutui_env(),  # the workers import this checkout's grutui
        )

    def wait_for_workers(self, count: int, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError, TimeoutError),
                distributed.Client(self.address, timeout=5) as client,
            ):
                if len(client.scheduler_info()["workers"]) >= count:
                    return
            time.sleep(0.5)
        raise AssertionError(f"the cluster did not get {count} workers in {timeout_s} s")

    def busy(self) -> int:
        """Tasks the workers are running now."""
        with distributed.Client(self.address, timeout=5) as client:
            return sum(len(keys) for keys in client.processing().values())

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGTERM)
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[Cluster]:
    home = tmp_path / "cluster"
    home.mkdir()
    started = Cluster(home)
    try:
        yield started
    finally:
        started.stop()


def make_library(folder: Path, files: int, seconds: float) -> list[Path]:
    """A small sample library: stereo 24-bit, mono 16-bit and FLAC takes."""
    folder.mkdir()
    rng = np.random.default_rng(4)
    paths = []
    for i in range(files):
        channels, subtype, ext = [
            (2, "PCM_24", "wav"),
            (1, "PCM_16", "wav"),
            (2, "PCM_24", "flac"),
        ][i % 3]
        t = np.arange(int(seconds * 48000)) / 48000
        tone = 0.5 * np.sin(2 * np.pi * (110 + 40 * i) * t)[:, None]
        x = np.clip(tone + 0.1 * rng.standard_normal((len(t), channels)), -1, 1)
        path = folder / f"take{i}.{ext}"
        sf.write(path, x, 48000, subtype=subtype)
        paths.append(path)
    return paths


def grutui(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "grutui", *args],
        cwd=cwd,
        env=grutui_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def local_render(sources: list[Path], folder: Path, params: Params) -> None:
    folder.mkdir()
    for source in sources:
        render_file(source, folder / source.name, params)


def leftovers(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if PART_MARK in name]


def test_a_cluster_render_writes_the_bytes_of_a_local_render(tmp_path: Path, dask_cluster):
    sources = make_library(tmp_path / "library", 6, 3.0)
    local_render(sources, tmp_path / "local", Params(oversample=4, mix=80))
    run = grutui(
        "render",
        *(f"library/{s.name}" for s in sources),  # relative to the client's folder
        *("-d", "renders", "--set", "mix=80", "--scheduler", dask_cluster.address),
        cwd=tmp_path,
    )
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    for source in sources:
        written = tmp_path / "renders" / source.name
        assert written.read_bytes() == (tmp_path / "local" / source.name).read_bytes()
        assert f"renders/{source.name}: peak" in out
    assert "6/6 files" in err
    assert not leftovers(tmp_path / "renders")


def wait_for(condition, timeout_s: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_worker_killed_midway_leaves_every_file_complete(tmp_path: Path, dask_cluster):
    sources = make_library(tmp_path / "library", 6, 40.0)
    params = Params(oversample=8)
    renders = tmp_path / "renders"
    run = grutui(
        "render",
        *map(str, sources),
        *("-d", str(renders), "--oversample", "8", "--scheduler", dask_cluster.address),
        cwd=tmp_path,
    )
    wait_for(lambda: renders.is_dir() and len(leftovers(renders)) >= 2)  # both at work
    time.sleep(0.3)
    victim = dask_cluster.workers[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    _out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    local_render(sources, tmp_path / "local", params)
    for source in sources:
        assert (renders / source.name).read_bytes() == (
            tmp_path / "local" / source.name
        ).read_bytes()
    assert not leftovers(renders)


def test_ctrl_c_cancels_the_clusters_tasks_and_leaves_nothing(tmp_path: Path, dask_cluster):
    sources = make_library(tmp_path / "library", 6, 40.0)
    renders = tmp_path / "renders"
    run = grutui(
        "render",
        *map(str, sources),
        *("-d", str(renders), "--oversample", "8", "--scheduler", dask_cluster.address),
        cwd=tmp_path,
    )
    wait_for(lambda: renders.is_dir() and len(leftovers(renders)) >= 2)
    run.send_signal(signal.SIGINT)
    _out, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert "interrupted" in err
    assert os.listdir(renders) == [], err
    wait_for(lambda: dask_cluster.busy() == 0, timeout_s=60)  # the workers stopped too
    time.sleep(2)  # and nothing is published afterwards
    assert os.listdir(renders) == []


def test_a_file_a_worker_cannot_see_is_named_and_the_others_finish(tmp_path: Path, dask_cluster):
    sources = make_library(tmp_path / "library", 3, 1.0)
    jobs = plan([str(s) for s in sources], folder=str(tmp_path / "renders"))
    gone = sources[1]
    gone.rename(tmp_path / "elsewhere.wav")  # planned here, then not there for the workers
    batch = cluster.run_jobs(jobs, RenderOptions(Params()), dask_cluster.address)
    assert sorted(r.target.name for r in batch.written) == ["take0.wav", "take2.flac"]
    ((job, reason),) = batch.failed
    assert job.source == gone
    assert str(gone) in reason and "not found on worker" in reason
    assert "storage that every worker sees" in reason


def test_an_unreachable_scheduler_is_one_line_and_writes_nothing(tmp_path: Path):
    sources = make_library(tmp_path / "library", 1, 0.5)
    port = free_port()
    run = grutui(
        "render",
        str(sources[0]),
        "-d",
        "renders",
        "--scheduler",
        f"tcp://127.0.0.1:{port}",
        cwd=tmp_path,
    )
    _out, err = run.communicate(timeout=120)
    assert run.returncode == 1
    assert err.strip().count("\n") == 0 and "cannot reach the Dask scheduler" in err
    assert not (tmp_path / "renders").exists() or not os.listdir(tmp_path / "renders")


def test_jobs_and_scheduler_do_not_mix(tmp_path: Path):
    sources = make_library(tmp_path / "library", 1, 0.5)
    run = grutui(
        "render",
        str(sources[0]),
        "-d",
        "r",
        "--jobs",
        "2",
        "--scheduler",
        "tcp://127.0.0.1:1",
        cwd=tmp_path,
    )
    _, err = run.communicate(timeout=60)
    assert run.returncode == 2 and "--jobs is for one machine" in err
