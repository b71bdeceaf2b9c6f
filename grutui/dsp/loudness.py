"""Programme loudness after ITU-R BS.1770 (K-weighting, 400 ms blocks, gating).

The two K-weighting biquads (a +4 dB high shelf for the head, the RLB high-pass) are derived for
any sample rate from their analog prototypes' corner frequencies, gains and Q values, the way
libebur128 does it; at 48 kHz they reproduce the standard's coefficient table. scipy is imported
only when a signal is measured, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

BLOCK_S = 0.4  # gating block length
BLOCK_STEP_S = 0.1  # 75 % overlap
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
OFFSET_DB = -0.691  # cancels the K-weighting's gain at 997 Hz

# The prototypes behind the 48 kHz table of BS.1770-4 (as used by libebur128).
_SHELF_HZ = 1681.974450955533
_SHELF_GAIN_DB = 3.999843853973347
_SHELF_Q = 0.7071752369554196
_SHELF_VB_EXP = 0.4996667741545416
_HIGHPASS_HZ = 38.13547087602444
_HIGHPASS_Q = 0.5003270373238773

# Channel weights of BS.1770 for a 5.1 file (L, R, C, LFE, Ls, Rs); every other layout weighs
# each channel 1.
_WEIGHTS_51 = (1.0, 1.0, 1.0, 0.0, 1.41, 1.41)


def k_weighting_sos(rate_hz: float) -> np.ndarray:
    """The K-weighting filter at ``rate_hz`` as second-order sections, shape (2, 6)."""
    k = math.tan(math.pi * _SHELF_HZ / rate_hz)
    vh = 10.0 ** (_SHELF_GAIN_DB / 20.0)
    vb = vh**_SHELF_VB_EXP
    a0 = 1.0 + k / _SHELF_Q + k * k
    shelf = [
        (vh + vb * k / _SHELF_Q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / _SHELF_Q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / _SHELF_Q + k * k) / a0,
    ]
    k = math.tan(math.pi * _HIGHPASS_HZ / rate_hz)
    a0 = 1.0 + k / _HIGHPASS_Q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / _HIGHPASS_Q + k * k) / a0]
    return np.array([shelf, highpass], np.float64)


def channel_weights(channels: int) -> np.ndarray:
    """BS.1770 channel weights: the 5.1 ones for six channels, else 1 for every channel."""
    if channels == len(_WEIGHTS_51):
        return np.array(_WEIGHTS_51)
    return np.ones(channels)


def block_powers(x: np.ndarray, rate_hz: float) -> np.ndarray:
    """Weighted mean square of the K-weighted ``x`` (frames, channels) per gating block.

    Blocks are 400 ms with 75 % overlap; a signal shorter than one block is one block.
    """
    from scipy.signal import sosfilt

    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if len(x) == 0:
        return np.zeros(0)
    z = sosfilt(k_weighting_sos(rate_hz), x, axis=0)
    weighted = np.square(z) @ channel_weights(x.shape[1])  # per frame, channels summed
    block = round(BLOCK_S * rate_hz)
    step = round(BLOCK_STEP_S * rate_hz)
    if len(weighted) < block:
        return np.array([weighted.mean()])
    sums = np.concatenate(([0.0], np.cumsum(weighted)))
    starts = np.arange(0, len(weighted) - block + 1, step)
    return (sums[starts + block] - sums[starts]) / block


def gated_loudness_lufs(powers: np.ndarray) -> float:
    """Integrated loudness of gating-block powers (from ``block_powers``), LUFS; -inf if every
    block is below the absolute gate."""
    powers = np.asarray(powers, dtype=np.float64)
    with np.errstate(divide="ignore"):
        levels = OFFSET_DB + 10.0 * np.log10(powers)
    kept = powers[levels > ABSOLUTE_GATE_LUFS]
    if len(kept) == 0:
        return -math.inf
    relative = OFFSET_DB + 10.0 * math.log10(float(kept.mean())) + RELATIVE_GATE_LU
    kept = powers[levels > relative]
    kept = kept[OFFSET_DB + 10.0 * np.log10(kept) > ABSOLUTE_GATE_LUFS]
    return OFFSET_DB + 10.0 * math.log10(float(kept.mean()))


def integrated_loudness_lufs(x: np.ndarray | Iterable[np.ndarray], rate_hz: float) -> float:
    """Integrated loudness of ``x`` (frames, channels), LUFS (= LKFS), gated after BS.1770.

    ``x`` may also be several excerpts of one signal: their gating blocks are pooled, so a few
    excerpts spread over a long file stand for the whole of it.
    """
    parts = [x] if isinstance(x, np.ndarray) else list(x)
    powers = [block_powers(part, rate_hz) for part in parts]
    if not powers:
        return -math.inf
    return gated_loudness_lufs(np.concatenate(powers))
