"""Anti-alias filters of the oversampler: a cascade of 2x stages, Kaiser-windowed FIRs.

The designs depend only on the stage (they are normalised to the base rate), so they are made
once and kept in the user cache folder: ``scipy.signal`` costs most of a second to import, so it
is imported only to design a filter that is not cached yet.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from grutui.fileio import atomic_path, cache_dir

PASSBAND_EDGE = 0.44  # of the base rate: 19.4 kHz at 44.1 kHz, 21.1 kHz at 48 kHz
STOPBAND_DB = 90.0
MAX_STAGES = 3  # 8x
DESIGN_VERSION = 2  # bump when design_stage changes, so cached designs are not reused


@functools.cache
def stage_taps(stage: int) -> np.ndarray:
    """Prototype low-pass of the 2x stage at ``2**stage`` times the base rate (cached on disk)."""
    path = cache_dir() / f"fir-v{DESIGN_VERSION}-stage{stage}-{PASSBAND_EDGE}-{STOPBAND_DB}.npy"
    try:
        cached = np.load(path, allow_pickle=False)
        if _plausible(cached):
            return cached
    except Exception:  # empty, truncated or foreign: design it again
        pass
    taps = design_stage(stage)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as temp, open(temp, "wb") as f:
            np.save(f, taps)
    except OSError:
        pass  # a read-only cache only costs the design time again
    return taps


def _plausible(taps: np.ndarray) -> bool:
    """A cached design that can be a low-pass of ours: 1-D float64, finite, unity DC gain."""
    return bool(
        taps.dtype == np.float64
        and taps.ndim == 1
        and len(taps) > 1
        and np.all(np.isfinite(taps))
        and abs(taps.sum() - 1.0) < 1e-6
    )


def design_stage(stage: int) -> np.ndarray:
    """Prototype low-pass of the 2x stage that runs at ``2**stage`` times the base rate.

    Stage 1 stops at the base Nyquist so nothing folds back; later stages only remove the
    images of an already band-limited signal, so they are short. The length makes each stage's
    group delay (up plus down) a whole number of base-rate samples: the chain's latency is exact.
    """
    from scipy import signal  # slow import, see module docstring

    rate = 2.0**stage  # in units of the base rate
    f_pass, f_stop = (PASSBAND_EDGE, 0.5) if stage == 1 else (0.5, rate / 2 - 0.5)
    numtaps, beta = signal.kaiserord(STOPBAND_DB, (f_stop - f_pass) / (rate / 2))
    multiple = 2**stage
    numtaps = math.ceil((numtaps - 1) / multiple) * multiple + 1
    taps = signal.firwin(numtaps, (f_pass + f_stop) / 2, window=("kaiser", beta), fs=rate)
    return np.asarray(taps, dtype=np.float64)


def stage_latency(stage: int) -> int:
    """Base-rate samples of delay that one stage adds, up and down together."""
    return (len(stage_taps(stage)) - 1) // 2**stage


def polyphase(taps: np.ndarray, factor: int) -> np.ndarray:
    """Time-reversed polyphase branches of ``taps`` for interpolating by ``factor`` (gain too)."""
    length = -(-len(taps) // factor) * factor
    padded = np.zeros(length)
    padded[: len(taps)] = taps * factor
    branches = padded.reshape(-1, factor).T  # branch p holds taps p, p+L, p+2L, ...
    return np.ascontiguousarray(branches[:, ::-1], dtype=np.float32)
