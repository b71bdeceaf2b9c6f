"""Kernel benchmarks: the GRU and the oversampling FIRs alone, in frames per second.

Run with ``python tests/benchmarks/bench_kernels.py`` (``--quick`` for a short run). The machine
is shared and noisy: each figure is the median of several runs, timed in CPU time of the
calling thread (``time.thread_time``) so that other processes do not count.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable

import numpy as np

from grutui.dsp import filters, kernels

RATE_HZ = 48000


def median_rate(action: Callable[[], object], items: int, repeats: int) -> float:
    """Items per second of ``action``, median of ``repeats`` runs after one warm-up run."""
    action()
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        action()
        times.append(time.thread_time() - start)
    return items / statistics.median(times)


def gru_rates(frames: int, repeats: int) -> dict[str, float]:
    """Stereo GRU in frames/s at the gate's rate correction of several internal rates."""
    rng = np.random.default_rng(0)
    source = rng.uniform(-2, 2, (2, frames)).astype(np.float32)
    target = np.array([5.0, 2.0, 2.0, 0.5, 0.0])
    buffer = np.empty_like(source)
    rates = {}
    for label, k in [
        ("k=1 (44.1 kHz 1x)", 1.0),
        ("k=0.919 (48 kHz 1x)", 44100 / 48000),
        ("k=0.25 (44.1 kHz 4x)", 0.25),
        ("k=0.230 (48 kHz 4x)", 44100 / (4 * 48000)),
    ]:
        update = kernels.update_table(k)

        def once(k: float = k, update: np.ndarray = update) -> None:
            buffer[:] = source
            kernels.gru(buffer, frames, np.zeros(2), target.copy(), target, 0.01, k, update)

        rates[label] = median_rate(once, frames, repeats)
    return rates


def fir_rates(block: int, repeats: int) -> dict[str, float]:
    """Stereo up/downsampling in input frames/s (up) and output frames/s (down) per stage.

    Stage ``s`` runs at ``2**s`` times the base rate; blocks as the chain gives them with a
    base block of ``block`` frames.
    """
    rng = np.random.default_rng(1)
    rates = {}
    for stage in (1, 2, 3):
        n = block * 2 ** (stage - 1)
        taps = filters.stage_taps(stage)
        phases = filters.polyphase(taps, 2)
        h_rev = np.ascontiguousarray(taps[::-1], dtype=np.float32)
        x = rng.standard_normal((2, n)).astype(np.float32)
        up_work = np.zeros((2, phases.shape[1] - 1 + n), np.float32)
        up = np.zeros((2, 2 * n), np.float32)
        down_work = np.zeros((2, len(taps) - 1 + 2 * n), np.float32)
        down = np.zeros((2, n), np.float32)
        upsample = functools.partial(kernels.upsample, x, n, up_work, phases, up)
        downsample = functools.partial(kernels.downsample, up, n, 2, down_work, h_rev, down)
        rates[f"upsample stage {stage} ({len(taps)} taps)"] = median_rate(upsample, n, repeats)
        rates[f"downsample stage {stage} ({len(taps)} taps)"] = median_rate(downsample, n, repeats)
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer frames and runs")
    args = parser.parse_args()
    frames, repeats = (96000, 3) if args.quick else (480000, 9)
    print(f"GRU, stereo, {frames} frames, median of {repeats} runs:")
    for label, rate in gru_rates(frames, repeats).items():
        print(f"  {label:24s} {rate / 1e6:7.2f} M frames/s")
    print(f"FIR, stereo, base block 4096 frames, median of {3 * repeats} runs:")
    for label, rate in fir_rates(4096, 3 * repeats).items():
        print(f"  {label:32s} {rate / 1e6:7.2f} M frames/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
