"""Render throughput as whole processes, against spotify/pedalboard in the same run (issue 12).

``python tests/benchmarks/bench_render.py`` renders a 10-minute 48 kHz stereo 24-bit file with
``grutui render`` at 1x, 2x and 4x oversampling and with pedalboard's ``Distortion`` read and
written by its own ``AudioFile`` (``pip install -e '.[bench]'``), each a fresh process after one
warm-up run (numba's cache warm). The runs of one round follow each other, rounds repeat, and
figures are medians; the ratio to pedalboard is the median of the per-round ratios, so a busy
moment on a shared machine hits both sides. ``--stages`` adds where the time of a render goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

RATE_HZ = 48000
FACTORS = (1, 2, 4)
PRESET = "Odd and Even"

PEDALBOARD = """
import sys
from pedalboard import Distortion, Pedalboard
from pedalboard.io import AudioFile

board = Pedalboard([Distortion()])
with AudioFile(sys.argv[1]) as f, AudioFile(
    sys.argv[2], "w", f.samplerate, f.num_channels, bit_depth=24
) as out:
    while f.tell() < f.frames:
        out.write(board(f.read(f.samplerate), f.samplerate, reset=False))
"""


def write_music(path: Path, seconds: float) -> None:
    """A stereo 24-bit file with a bass line, chords and noise, written in 10 s blocks."""
    rng = np.random.default_rng(7)
    with sf.SoundFile(path, "w", RATE_HZ, 2, subtype="PCM_24") as f:
        done = 0
        total = int(seconds * RATE_HZ)
        while done < total:
            n = min(total - done, 10 * RATE_HZ)
            t = (done + np.arange(n)) / RATE_HZ
            bass = 0.4 * np.sin(2 * np.pi * 55 * t * (1 + (t // 2 % 4) / 4))
            chord = sum(0.1 * np.sin(2 * np.pi * f0 * t) for f0 in (220, 277.2, 329.6))
            noise = 0.05 * rng.standard_normal((n, 2))
            f.write((bass + chord)[:, None] + noise)
            done += n


def timed_process(command: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MB) of one process run to its end."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - start
    stderr = child.stderr.read().decode() if child.stderr else ""
    child.stderr and child.stderr.close()
    if status:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    return took, usage.ru_maxrss / 1024


def commands(source: Path, folder: Path) -> dict[str, list[str]]:
    runs = {"pedalboard": [sys.executable, "-c", PEDALBOARD, str(source), str(folder / "pb.wav")]}
    for factor in FACTORS:
        runs[f"grutui {factor}x"] = [
            *(sys.executable, "-m", "grutui", "render", str(source)),
            *("-o", str(folder / f"{factor}x.wav"), "--force", "--preset", PRESET),
            *("--oversample", str(factor)),
        ]
    return runs


def profile(source: str, factor: int) -> None:
    """Where the time of one render goes: CPU seconds of each part in the thread that runs it
    (``time.thread_time`` around every call), in this process; printed as a table."""
    started = time.perf_counter()
    import grutui.render as render
    from grutui import pcm, render_io
    from grutui.dsp import kernels

    spent: dict[str, float] = {}

    def timed(name: str, func):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            t = time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.thread_time() - t

        return call

    for name in kernels.CHAIN_KERNELS:
        setattr(kernels, name, timed(f"kernel {name}", getattr(kernels, name)))

    class RawCalls:  # libsndfile's raw reads and writes, timed
        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return timed(f"libsndfile {name}", getattr(snd, name))

    snd = pcm._SND
    pcm._SND = RawCalls()
    for table, label in ((pcm._DECODERS, "decode"), (pcm._ENCODERS, "encode")):
        for subtype, func in table.items():
            table[subtype] = timed(f"{label} {subtype}", func)
    pcm.scale_and_measure = timed("gain, peak, clip count", pcm.scale_and_measure)
    pcm.quantise_pcm16 = timed("dither 16 bit", pcm.quantise_pcm16)
    render_io.Writer.write = timed("writer (all of it)", render_io.Writer.write)  # type: ignore
    from grutui.preset_store import find

    params = find(PRESET).params.replace(oversample=factor)
    ready = time.perf_counter()
    out = Path(source).with_name(f"profile-{factor}x.wav")
    cpu = time.process_time()
    render.render_file(source, out, params, force=True)
    wall = time.perf_counter() - ready
    cpu = time.process_time() - cpu
    print(f"  import and kernel loading  {ready - started:6.2f} s")
    print(f"  render (wall)              {wall:6.2f} s, CPU {cpu:.2f} s in all threads")
    for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"    {name:<28} {seconds:6.2f} s  {seconds / cpu * 100:5.1f} % of the CPU")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a 2-minute file, 3 rounds")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the test file")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of runs (median)")
    parser.add_argument("--stages", action="store_true", help="also show where the time goes")
    parser.add_argument("--profile", nargs=2, metavar=("FILE", "FACTOR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile:
        profile(args.profile[0], int(args.profile[1]))
        return 0
    minutes, rounds = (2.0, 3) if args.quick else (args.minutes, args.rounds)
    seconds = minutes * 60
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source = folder / "music.wav"
        write_music(source, seconds)
        runs = commands(source, folder)
        for command in runs.values():
            timed_process(command)  # warm numba's cache, the page cache and the filters
        times: dict[str, list[float]] = {label: [] for label in runs}
        memory: dict[str, list[float]] = {label: [] for label in runs}
        for _ in range(rounds):
            for label, command in runs.items():
                took, rss = timed_process(command)
                times[label].append(took)
                memory[label].append(rss)
        pb = times["pedalboard"]
        print(
            f"{minutes:g}-minute 48 kHz stereo 24-bit file, whole processes, median of {rounds}"
            f" rounds (shared machine: ratios hold better than times)"
        )
        header = ("run", "seconds", "x real time", "vs pedalboard", "peak MB")
        print("{:<12} {:>8} {:>12} {:>14} {:>8}".format(*header))
        for label in runs:
            took = statistics.median(times[label])
            ratio = statistics.median(p / t for p, t in zip(pb, times[label], strict=True))
            target = {"grutui 1x": "  (target >= 1.0)", "grutui 4x": "  (target 120x rt)"}
            print(
                f"{label:<12} {took:8.2f} {seconds / took:11.0f}x {ratio:13.2f}x"
                f" {statistics.median(memory[label]):8.0f}{target.get(label, '')}"
            )
        if args.stages:
            for factor in (1, 4):
                print(f"\nwhere the time goes at {factor}x (CPU seconds per part, its own thread):")
                out = subprocess.run(
                    [sys.executable, __file__, "--profile", str(source), str(factor)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                print(out.stdout, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
