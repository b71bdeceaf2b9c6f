"""Programme loudness after ITU-R BS.1770 (K-weighting, 400 ms blocks, gating).

The two K-weighting biquads (a +4 dB high shelf for the head, the RLB high-pass) are derived for
any sample rate from their analog prototypes' corner frequencies, gains and Q values, the way
libebur128 does it; at 48 kHz they reproduce the standard's coefficient table. scipy is imported
only when a signal is measured, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

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


class LoudnessMeter:
    """BS.1770 loudness of a signal fed in blocks of any length, in flat memory (two numbers per
    100 ms): the same result, to the bit, however the signal is cut into blocks.

    Parameters
    ----------
    rate_hz : float
        Sample rate, Hz.
    channels : int
        Channels of the (frames, channels) blocks given to ``add``.
    """

    def __init__(self, rate_hz: float, channels: int) -> None:
        self._sos = k_weighting_sos(rate_hz)
        self._weights = channel_weights(channels)
        self._zi = np.zeros((len(self._sos), 2, channels))
        self._block = round(BLOCK_S * rate_hz)
        self._step = round(BLOCK_STEP_S * rate_hz)
        self._frames = 0
        self._total = 0.0  # the running sum of the weighted mean square, frame by frame
        # The running sum where a gating block starts or ends (at 0 it is 0).
        self._sums: dict[int, float] = {0: 0.0}

    @property
    def frames(self) -> int:
        """Frames measured so far."""
        return self._frames

    def add(self, x: np.ndarray) -> None:
        """Measure the next ``x`` (frames, channels) or (frames,) for one channel."""
        from scipy.signal import sosfilt

        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        if len(x) == 0:
            return
        z, self._zi = sosfilt(self._sos, x, axis=0, zi=self._zi)
        weighted = np.square(z[:, 0]) * self._weights[0]
        for c in range(1, z.shape[1]):  # channel by channel: the same sums for any block length
            weighted += np.square(z[:, c]) * self._weights[c]
        # A running sum carried on from the last block (cumsum adds one frame at a time).
        sums = np.cumsum(np.concatenate(([self._total], weighted)))[1:]
        positions = self._frames + np.arange(1, len(x) + 1)
        starts = positions % self._step == 0
        ends = (positions >= self._block) & ((positions - self._block) % self._step == 0)
        keep = np.flatnonzero(starts | ends)
        self._sums.update(zip(positions[keep].tolist(), sums[keep].tolist(), strict=True))
        self._frames += len(x)
        self._total = float(sums[-1])

    def tap(self, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """``blocks`` passed on unchanged, each measured on its way."""
        for block in blocks:
            self.add(block)
            yield block

    def powers(self) -> np.ndarray:
        """The weighted mean square of each gating block (400 ms, 75 % overlap) so far; a
        signal shorter than one block is one block."""
        if self._frames == 0:
            return np.zeros(0)
        if self._frames < self._block:
            return np.array([self._total / self._frames])
        count = (self._frames - self._block) // self._step + 1
        return np.array(
            [
                (self._sums[k * self._step + self._block] - self._sums[k * self._step])
                / self._block
                for k in range(count)
            ]
        )

    def loudness_lufs(self) -> float:
        """Integrated loudness so far, LUFS; -inf for silence."""
        return gated_loudness_lufs(self.powers())


def block_powers(x: np.ndarray, rate_hz: float) -> np.ndarray:
    """Weighted mean square of the K-weighted ``x`` (frames, channels) per gating block.

    Blocks are 400 ms with 75 % overlap; a signal shorter than one block is one block.
    """
    x = np.asarray(x)
    meter = LoudnessMeter(rate_hz, 1 if x.ndim == 1 else x.shape[1])
    meter.add(x)
    return meter.powers()


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


def match_gain(from_lufs: float, to_lufs: float, limit_db: float = 24.0) -> float:
    """Linear gain that takes a signal at ``from_lufs`` to ``to_lufs``, within ±``limit_db``:
    1 when ``from_lufs`` is silence, the limit's cut when ``to_lufs`` is."""
    if not math.isfinite(from_lufs):
        return 1.0
    gain_db = to_lufs - from_lufs if math.isfinite(to_lufs) else -limit_db
    return float(10.0 ** (min(max(gain_db, -limit_db), limit_db) / 20.0))


def auto_gain(dry: np.ndarray, wet: np.ndarray, rate_hz: float) -> float:
    """Auto gain: the linear gain that makes ``wet`` (the chain's output) as loud as ``dry``
    (its input), both (frames, channels) or (frames,), after BS.1770 (``match_gain``)."""
    loudness = []
    for x in (wet, dry):
        x = np.asarray(x)
        meter = LoudnessMeter(rate_hz, 1 if x.ndim == 1 else x.shape[1])
        meter.add(x)
        loudness.append(meter.loudness_lufs())
    return match_gain(*loudness)
