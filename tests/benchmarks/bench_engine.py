"""Engine benchmarks: kernel speed against C, render speed, analysis time, memory, start-up.

Run with ``python tests/benchmarks/bench_engine.py`` (``--quick`` for a short run). The machine
is shared and noisy: every figure is a median of several runs, and speeds are compared as ratios
measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from grutui.analysis import analyze
from grutui.dsp import kernels
from grutui.params import Params
from grutui.render import render_file

HERE = Path(__file__).resolve().parent
RATE_HZ = 48000


def median_time(action, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def kernel_frames_per_s(frames: int, repeats: int) -> float:
    """The GRU kernel alone, stereo, at 1x and 48 kHz (the gate's rate correction active)."""
    rng = np.random.default_rng(0)
    source = rng.uniform(-2, 2, (2, frames)).astype(np.float32)
    target = np.array([5.0, 2.0, 2.0, 0.5, 0.0])
    buffer = np.empty_like(source)
    k = 44100 / RATE_HZ
    update = kernels.update_table(k)

    def once() -> None:
        buffer[:] = source
        kernels.gru(buffer, frames, np.zeros(2), target.copy(), target, 0.01, k, update)

    once()
    return frames / median_time(once, repeats)


def c_reference_frames_per_s(frames: int, repeats: int) -> float | None:
    """The same equations in C, compiled here with the system compiler; None without one."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    source = HERE / "c_reference.c"
    if not compiler or not source.exists():
        return None
    with tempfile.TemporaryDirectory() as folder:
        binary = Path(folder) / "c_reference"
        subprocess.run(
            [compiler, "-O3", "-march=native", str(source), "-o", str(binary), "-lm"], check=True
        )
        speeds = []
        for _ in range(repeats):
            out = subprocess.run(
                [str(binary), str(frames)], capture_output=True, text=True, check=True
            ).stdout.split()
            speeds.append(float(next(w for w in reversed(out) if _is_number(w))))
        return statistics.median(speeds)


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def write_noise(path: Path, seconds: float, subtype: str = "FLOAT") -> None:
    """A stereo test file written in blocks (so a 30-minute file needs no 30-minute array)."""
    rng = np.random.default_rng(1)
    with sf.SoundFile(path, "w", RATE_HZ, 2, subtype=subtype) as f:
        left = int(seconds * RATE_HZ)
        while left:
            frames = min(left, RATE_HZ * 10)
            f.write((0.5 * rng.standard_normal((frames, 2))).clip(-1, 1).astype(np.float32))
            left -= frames


def render_speed(folder: Path, seconds: float, repeats: int) -> dict[int, float]:
    """Multiples of real time for rendering 48 kHz stereo at each oversampling factor."""
    source = folder / "speed.wav"
    write_noise(source, seconds)
    speeds = {}
    for factor in (1, 2, 4, 8):
        params = Params(Wf=5, Wh=3, Uf=2, Uh=0.5, bf=0, oversample=factor)
        target = folder / f"speed-{factor}x.wav"
        render_file(source, target, params, force=True)  # compile and warm the caches
        took = median_time(
            lambda p=params, t=target: render_file(source, t, p, force=True), repeats
        )
        speeds[factor] = seconds / took
    return speeds


def render_peak_rss_mb(source: Path, target: Path) -> float:
    """Peak resident memory of a fresh process rendering ``source`` (4x oversampling)."""
    code = (
        "import resource, sys; from grutui.render import render_file; from grutui.params import"
        " Params; render_file(sys.argv[1], sys.argv[2], Params(oversample=4), force=True);"
        " print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(source), str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split()[-1]) / 1024


def startup_seconds(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "grutui", *args], check=True, capture_output=True, env=env
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter files, fewer repeats")
    parser.add_argument(
        "--long-minutes",
        type=float,
        default=30.0,
        help="length of the long file of the memory benchmark",
    )
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    frames = 500_000 if args.quick else 2_000_000

    rows: list[tuple[str, str]] = []
    ours = kernel_frames_per_s(frames, repeats)
    rows.append(("kernel, 1x stereo 48 kHz", f"{ours / 1e6:.2f} M frames/s"))
    reference = c_reference_frames_per_s(frames, repeats)
    if reference:
        rows.append(("C reference (cc -O3 -march=native)", f"{reference / 1e6:.2f} M frames/s"))
        rows.append(("kernel / C reference", f"{ours / reference:.2f}  (target >= 1.0)"))

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        speeds = render_speed(folder, 10.0 if args.quick else 60.0, repeats)
        for factor, speed in speeds.items():
            target = "  (target >= 60)" if factor == 4 else ""
            rows.append((f"render 48 kHz stereo, {factor}x", f"{speed:.0f}x real time{target}"))

        for factor in (1, 4, 8):
            params = Params(oversample=factor)
            analyze(params)
            took = median_time(lambda p=params: analyze(p), 50)
            rows.append(
                (f"analysis (curve + harmonics), {factor}x", f"{took * 1e3:.2f} ms  (target < 5)")
            )

        short, long_ = folder / "one-minute.wav", folder / "long.wav"
        write_noise(short, 60, "PCM_16")
        write_noise(long_, args.long_minutes * 60, "PCM_16")
        rss_short = render_peak_rss_mb(short, folder / "out-short.wav")
        rss_long = render_peak_rss_mb(long_, folder / "out-long.wav")
        rows.append(("peak memory, render 1 minute", f"{rss_short:.0f} MB"))
        rows.append(
            (
                f"peak memory, render {args.long_minutes:g} minutes",
                f"{rss_long:.0f} MB  ({(rss_long / rss_short - 1) * 100:+.1f} %, target "
                "within 10 %)",
            )
        )

        cold_env = {
            **os.environ,
            "NUMBA_CACHE_DIR": str(folder / "numba-cold"),
            "GRUTUI_CACHE_DIR": str(folder / "grutui-cold"),
        }
        for label, command in (
            ("grutui --version", ["--version"]),
            ("first analysis (grutui analyze)", ["analyze"]),
        ):
            cold = startup_seconds(command, cold_env)
            warm = statistics.median(startup_seconds(command, cold_env) for _ in range(repeats))
            rows.append((f"{label}, cold", f"{cold:.2f} s"))
            rows.append((f"{label}, warm", f"{warm:.2f} s"))

    width = max(len(label) for label, _ in rows)
    print(f"{'measure':<{width}}  value")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
