"""Cost of the audio callbacks, as a share of the block period.

Run: ``python tests/benchmarks/bench_callback.py`` (not collected by pytest). Calls the real
``Monitor`` and ``Player`` callbacks through ``process_block`` (the player with a file in
memory, and ``stream``: one streamed from disk) with PortAudio-shaped arrays, no device needed,
at 48 kHz, 128-frame blocks, stereo, for each oversampling factor; the issue's target is 4x:
mean < 10 % and p99 < 30 % of the block period. Also runs 4x with a thread building plots in
pure Python (the workstation's UI), where what counts is the GIL wait.
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from grutui.audio.monitor import Monitor
from grutui.audio.player import Player
from grutui.params import Params

RATE_HZ = 48000
BLOCK = 128
TARGET_MEAN, TARGET_P99 = 10.0, 30.0


def _ui_load(stop: threading.Event) -> None:
    x = [i / 500 - 1 for i in range(1000)]
    while not stop.is_set():
        lines = []
        for row in range(20):  # a text plot built by hand: pure Python, ~10-20 ms
            lines.append("".join("*" if abs(v**3 - row / 10 + 1) < 0.05 else " " for v in x))
        "\n".join(lines)


def measure(kind: str, oversample: int, blocks: int, ui: bool) -> tuple[float, float, float]:
    """(mean %, p99 %, max %) of the block period spent in one callback."""
    params = Params(Wh=3.0, oversample=oversample)
    rng = np.random.default_rng(0)
    indata = rng.normal(0, 0.3, (BLOCK, 2)).astype(np.float32)
    outdata = np.zeros((BLOCK, 2), np.float32)
    if kind == "monitor":
        monitor = stream = Monitor(params, blocksize=BLOCK)
        monitor.prepare_offline(RATE_HZ)

        def call() -> None:
            monitor.process_block(indata, outdata)
    elif kind == "stream":
        # A file longer than the run, read ahead into a ring that holds all of it: the reader
        # runs alongside (as it would), but an unpaced run never waits for the disk.
        seconds = blocks * BLOCK / RATE_HZ + 5
        folder = tempfile.mkdtemp(prefix="grutui-bench-")
        atexit.register(shutil.rmtree, folder, True)  # the player reads it to the end of the run
        path = Path(folder) / "bench.wav"
        data = rng.normal(0, 0.3, (int(RATE_HZ * seconds), 2)).astype(np.float32)
        sf.write(path, data, RATE_HZ, subtype="FLOAT")
        player = stream = Player.from_file(
            path, params, blocksize=BLOCK, stream=True, ring_s=seconds
        )
    else:
        data = rng.normal(0, 0.3, (RATE_HZ * 5, 2)).astype(np.float32)
        player = stream = Player(data, RATE_HZ, params, blocksize=BLOCK)
    if kind != "monitor":
        player.loop = True
        player.prepare_offline()
        if player.streamed:
            player.source.wait_filled(30)

        def call() -> None:
            player.process_block(outdata)

    for _ in range(200):
        call()
    stop = threading.Event()
    loader = threading.Thread(target=_ui_load, args=(stop,), daemon=True)
    if ui:
        loader.start()
    period_s = BLOCK / RATE_HZ
    costs = np.empty(blocks)
    for i in range(blocks):
        t0 = time.perf_counter()
        call()
        costs[i] = time.perf_counter() - t0
        # Pace like a device would, so the UI thread gets the GIL between blocks.
        time.sleep(max(0.0, period_s - costs[i]) if ui else 0.0)
    stop.set()
    stream.close()
    if kind == "stream":
        path.unlink()
    if stream.meters.error:
        raise SystemExit(stream.meters.error)
    if stream.meters.underruns:
        raise SystemExit(f"{stream.meters.underruns} underruns: the reader fell behind")
    share = costs / period_s * 100.0
    return float(share.mean()), float(np.percentile(share, 99)), float(share.max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=20000, help="callbacks per row (20000)")
    args = parser.parse_args()
    import sys

    sys.setswitchinterval(0.001)  # as tune_interpreter_for_audio() sets it
    print(
        f"callback cost at {RATE_HZ} Hz, {BLOCK}-frame blocks "
        f"({BLOCK / RATE_HZ * 1000:.2f} ms), stereo; % of the block period"
    )
    print(
        f"{'callback':<9}{'oversample':>11}{'UI load':>9}{'mean %':>9}{'p99 %':>9}"
        f"{'max %':>9}  target"
    )
    verdicts = []
    rows = [(k, f, False) for k in ("monitor", "player") for f in (1, 2, 4, 8)]
    rows += [("stream", 4, False), ("monitor", 4, True), ("player", 4, True), ("stream", 4, True)]
    for kind, factor, ui in rows:
        mean, p99, peak = measure(kind, factor, args.blocks if not ui else args.blocks // 4, ui)
        target = ""
        if factor == 4 and not ui:
            ok = mean < TARGET_MEAN and p99 < TARGET_P99
            verdicts.append(ok)
            target = f"mean<{TARGET_MEAN:g} p99<{TARGET_P99:g}: {'PASS' if ok else 'FAIL'}"
        print(
            f"{kind:<9}{factor:>10}x{('yes' if ui else 'no'):>9}{mean:9.2f}{p99:9.2f}"
            f"{peak:9.1f}  {target}",
            flush=True,
        )
    raise SystemExit(0 if all(verdicts) else 1)


if __name__ == "__main__":
    main()
