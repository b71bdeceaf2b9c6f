"""What the plots show: the transfer curve, the harmonic response and the level sweep of the
full chain.

Each comes from one steady-state period of a test sine run through the same ``Chain`` that plays
and renders. The period holds a whole number of cycles (coherent sampling), so each harmonic sits
on one FFT bin and needs no window. Levels are in dBFS: 0 dBFS is a sine of amplitude 1 (full
scale); the CLI's older ``--gain`` is that amplitude.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from grutui.limits import (
    DEFAULT_FREQ_HZ,
    DEFAULT_LEVEL_DBFS,
    DEFAULT_RATE_HZ,
    FREQ_MIN_HZ,
    LEVEL_RANGE_DBFS,
    RATE_RANGE_HZ,
    real_number,
)
from grutui.params import Params, as_params

if TYPE_CHECKING:
    from grutui.dsp.chain import Chain

N_HARMONICS = 10
FLOOR_DB = -200.0  # reported for a harmonic that is silent or above Nyquist
STEADY_TOLERANCE = 1e-6  # largest change between successive periods that counts as settled
MAX_PERIODS = 400
MAX_FRAMES = 2_000_000  # at most this many frames per analysis, so it ends in about a second
# one period's block: a cycle of the lowest frequency at the highest rate fits (38400 samples);
# a frequency that needs many cycles for a whole period cannot ask for millions of samples
MAX_PERIOD_FRAMES = 1 << 16
SWEEP_LEVELS_DBFS = tuple(float(v) for v in range(-60, 13))  # -60..+12 dBFS in 1 dB steps


def level_to_amplitude(level_dbfs: float) -> float:
    """Peak amplitude of a sine at ``level_dbfs`` (0 dBFS is amplitude 1)."""
    return float(10.0 ** (level_dbfs / 20.0))


def amplitude_to_level(amplitude: float) -> float:
    """The level in dBFS of a sine of peak ``amplitude``."""
    return float(20.0 * math.log10(amplitude))


@dataclass(frozen=True)
class Curve:
    """One steady-state period: ``x`` the input sine, ``y`` the output aligned with it."""

    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class Analysis:
    """Steady-state response of the chain to a sine; fields are ``grutui analyze --json``'s keys.

    Attributes
    ----------
    params : Params
        The settings analysed.
    freq_hz : float
        Frequency of the test sine, Hz (moved to the nearest one that fits a whole period).
    level_dbfs, gain : float
        Level of the test sine in dBFS, and the same as a peak amplitude.
    rate_hz : float
        Sample rate, Hz.
    harmonics_dbfs, harmonics_dbr : ndarray
        H1..H10 in dB relative to a full-scale sine, and relative to H1 (``FLOOR_DB`` if silent
        or above Nyquist).
    thd_percent : float
        Total harmonic distortion H2..H10 over H1, percent.
    even_odd_db : float
        Energy of H2, H4.. over H3, H5.., dB (positive: even harmonics dominate).
    dc : float
        Mean of the output (full scale 1).
    settled : bool
        False if the chain had not reached a steady state within the analysis budget.
    curve : Curve
        One period of input and aligned output (the transfer curve).
    """

    params: Params
    freq_hz: float
    level_dbfs: float
    gain: float
    rate_hz: float
    harmonics_dbr: np.ndarray
    harmonics_dbfs: np.ndarray
    thd_percent: float
    even_odd_db: float
    dc: float
    settled: bool
    curve: Curve

    @property
    def curve_x(self) -> np.ndarray:
        """``curve.x``."""
        return self.curve.x

    @property
    def curve_y(self) -> np.ndarray:
        """``curve.y``."""
        return self.curve.y

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``analyze --json``); every number is finite."""
        return {
            "params": self.params.as_dict(),
            "freq_hz": self.freq_hz,
            "gain": self.gain,
            "level_dbfs": round(self.level_dbfs, 6),
            "rate_hz": self.rate_hz,
            "harmonics_dbr": [round(float(v), 3) for v in self.harmonics_dbr],
            "harmonics_dbfs": [round(float(v), 3) for v in self.harmonics_dbfs],
            "thd_percent": float(self.thd_percent),
            "even_odd_db": float(self.even_odd_db),
            "dc": float(self.dc),
            "settled": self.settled,
            "curve": {"x": self.curve.x.tolist(), "y": self.curve.y.tolist()},
        }


@dataclass(frozen=True)
class LevelSweep:
    """The chain's response against the input level: where gating, sputter and compression
    show (a gate is output falling faster than input).

    Attributes
    ----------
    level_dbfs : list of float
        Input levels, dBFS.
    output_dbfs : list of float
        Output level at each input level: RMS of the output without DC, in dB relative to a
        full-scale sine's RMS (a clean unity chain gives ``output_dbfs == level_dbfs``).
    thd_percent : list of float
        THD at each level, percent.
    harmonics_dbr : list of list of float
        H1..H10 relative to H1, dB, one list per level.
    """

    params: Params
    freq_hz: float
    rate_hz: float
    level_dbfs: list[float]
    output_dbfs: list[float]
    thd_percent: list[float]
    harmonics_dbr: list[list[float]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``sweep`` of ``grutui analyze --sweep level --json``)."""
        return {
            "level_dbfs": self.level_dbfs,
            "output_dbfs": [round(v, 3) for v in self.output_dbfs],
            "thd_percent": self.thd_percent,
            "harmonics_dbr": [[round(v, 3) for v in row] for row in self.harmonics_dbr],
        }


def coherent_period(freq_hz: float, rate_hz: float) -> tuple[int, int]:
    """(samples, cycles) of the shortest block of at most ``MAX_PERIOD_FRAMES`` holding whole
    cycles of ``freq_hz`` exactly.

    When none fits, as many whole cycles as fit in 4096 samples (at least one), in the nearest
    whole number of samples: the frequency moves by at most 0.05 % and stays below half the
    rate.
    """
    for cycles in range(1, 101):
        samples = cycles * rate_hz / freq_hz
        if samples > MAX_PERIOD_FRAMES:
            break
        if abs(samples - round(samples)) < 1e-6 and round(samples) > 2 * cycles:
            return round(samples), cycles
    cycles = max(1, math.floor(4096 * freq_hz / rate_hz))
    samples = min(round(cycles * rate_hz / freq_hz), MAX_PERIOD_FRAMES)
    return samples, min(cycles, (samples - 1) // 2)


def steady_period(chain: Chain, period: np.ndarray) -> tuple[np.ndarray, bool]:
    """Run ``period`` (frames, channels) through ``chain`` until its output repeats (at most
    ``MAX_PERIODS`` periods or ``MAX_FRAMES`` frames)."""
    chain.reset()
    previous = None
    # until the latency has passed the output is silence, which repeats without being steady
    first_check = 1 + -(-chain.latency_samples // len(period))
    periods = max(first_check + 2, min(MAX_PERIODS, MAX_FRAMES // len(period)))
    for index in range(periods):
        out = chain.process(period)
        chain.settle_dc_blocker()  # the only stage that would take seconds to settle
        if index >= first_check and np.max(np.abs(out - previous)) < STEADY_TOLERANCE:
            return out, True
        previous = out
    return out, False


def check_settings(freq_hz: float, rate_hz: float, level_dbfs: float | None = None) -> None:
    """A ``ValueError`` naming the range if a test-sine setting is out of it (or not finite),
    a ``TypeError`` if it is not a number."""
    rate_hz, freq_hz = real_number(rate_hz, "rate_hz"), real_number(freq_hz, "freq_hz")
    if level_dbfs is not None:
        level_dbfs = real_number(level_dbfs, "level_dbfs")
    low_rate, high_rate = RATE_RANGE_HZ
    if not low_rate <= rate_hz <= high_rate:  # False for NaN too
        raise ValueError(f"rate {rate_hz:g} Hz is out of range {low_rate:g} to {high_rate:g} Hz")
    if not FREQ_MIN_HZ <= freq_hz < rate_hz / 2:
        raise ValueError(
            f"frequency {freq_hz:g} Hz must be from {FREQ_MIN_HZ:g} Hz to below "
            f"{rate_hz / 2:g} Hz (half the rate)"
        )
    low, high = LEVEL_RANGE_DBFS
    if level_dbfs is not None and not low <= level_dbfs <= high:
        raise ValueError(f"level {level_dbfs:g} dBFS is out of range {low:g} to {high:+g} dBFS")


def analyze(
    params: Params | None = None,
    *,
    level_dbfs: float | None = None,
    freq_hz: float = DEFAULT_FREQ_HZ,
    rate_hz: float = DEFAULT_RATE_HZ,
    gain: float | None = None,
) -> Analysis:
    """Transfer curve and harmonics of the chain for a steady sine.

    The same numbers ``grutui analyze --json`` prints for the same settings.

    Parameters
    ----------
    params : Params, optional
        The settings (default ``Params()``).
    level_dbfs : float, optional
        Level of the test sine, dBFS, -120 to +40 (default +6.02: amplitude 2).
    freq_hz : float
        Frequency of the test sine, Hz, 10 to below half the rate (default 100).
    rate_hz : float
        Sample rate, Hz, 8000 to 384000 (default 44100).
    gain : float, optional
        The level as a peak amplitude instead of ``level_dbfs`` (the CLI's ``--gain``).

    Returns
    -------
    Analysis

    Raises
    ------
    ValueError
        A setting out of its range (the message names the range).

    Examples
    --------
    >>> round(analyze(Params(Wh=3.0)).thd_percent, 1)  # doctest: +SKIP
    21.7
    """
    if level_dbfs is not None and gain is not None:
        raise ValueError("give level_dbfs or gain, not both")
    if gain is not None:
        if not (math.isfinite(real_number(gain, "gain")) and gain > 0):
            raise ValueError(f"gain {gain:g} must be a positive amplitude")
        level_dbfs = amplitude_to_level(gain)
    elif level_dbfs is None:
        level_dbfs, gain = DEFAULT_LEVEL_DBFS, 2.0
    check_settings(freq_hz, rate_hz, level_dbfs)
    if gain is None:
        gain = level_to_amplitude(level_dbfs)
    params = as_params(params)
    samples, cycles = coherent_period(freq_hz, rate_hz)
    chain = _chain(rate_hz, samples, params)
    return _measure(chain, cycles * rate_hz / samples, level_dbfs, gain, samples, cycles)


def _chain(rate_hz: float, max_block: int, params: Params) -> Chain:
    # numba loads here, when an analysis runs: the CLI reads this module's ranges without it
    from grutui.dsp.chain import Chain

    return Chain(rate_hz, 1, max_block=max_block, params=params)


def _measure(
    chain: Chain, freq_hz: float, level: float, gain: float, samples: int, cycles: int
) -> Analysis:
    phase = 2.0 * np.pi * cycles * np.arange(samples) / samples
    x = (gain * np.sin(phase)).astype(np.float32)
    out, settled = steady_period(chain, x[:, None])
    y = np.roll(out[:, 0], -chain.latency_samples)

    spectrum = np.fft.rfft(y.astype(np.float64)) / samples
    levels = np.zeros(N_HARMONICS)
    for h in range(1, N_HARMONICS + 1):
        if cycles * h < samples / 2:
            levels[h - 1] = 2.0 * abs(spectrum[cycles * h])
    dbfs = _db(levels)
    dbr = (
        np.where(levels > 0, dbfs - dbfs[0], FLOOR_DB)
        if levels[0] > 0
        else np.full(N_HARMONICS, FLOOR_DB)
    )
    power = levels**2
    even, odd = power[1::2].sum(), power[2::2].sum()
    thd = 100.0 * math.sqrt(power[1:].sum()) / levels[0] if levels[0] > 0 else 0.0
    return Analysis(
        params=chain.params,
        freq_hz=freq_hz,
        level_dbfs=level,
        gain=gain,
        rate_hz=chain.rate_hz,
        harmonics_dbr=dbr,
        harmonics_dbfs=dbfs,
        thd_percent=thd,
        even_odd_db=_power_ratio_db(even, odd),
        dc=float(spectrum[0].real),
        settled=settled,
        curve=Curve(x, y),
    )


def level_sweep(
    params: Params | None = None,
    *,
    levels_dbfs: Iterable[float] = SWEEP_LEVELS_DBFS,
    freq_hz: float = DEFAULT_FREQ_HZ,
    rate_hz: float = DEFAULT_RATE_HZ,
) -> LevelSweep:
    """Output level, THD and harmonics against the input level (default -60..+12 dBFS in 1 dB
    steps), each from a steady sine as in ``analyze``.

    Parameters
    ----------
    params : Params, optional
        The settings (default ``Params()``).
    levels_dbfs : iterable of float
        Input levels, dBFS, each -120 to +40.
    freq_hz, rate_hz : float
        The test sine's frequency and the sample rate, Hz (ranges as in ``analyze``).

    Returns
    -------
    LevelSweep
    """
    check_settings(freq_hz, rate_hz)
    levels = [real_number(v, "a level in levels_dbfs") for v in levels_dbfs]
    for level in levels:
        check_settings(freq_hz, rate_hz, level)
    params = as_params(params)
    samples, cycles = coherent_period(freq_hz, rate_hz)
    chain = _chain(rate_hz, samples, params)
    output, thd, harmonics = [], [], []
    for level in levels:
        result = _measure(
            chain, cycles * rate_hz / samples, level, level_to_amplitude(level), samples, cycles
        )
        ac = result.curve.y.astype(np.float64) - result.dc
        rms = math.sqrt(float(np.mean(ac * ac)))
        output.append(float(_db(np.array([rms * math.sqrt(2.0)]))[0]))
        thd.append(float(result.thd_percent))
        harmonics.append([float(v) for v in result.harmonics_dbr])
    return LevelSweep(
        params=params,
        freq_hz=cycles * rate_hz / samples,
        rate_hz=float(rate_hz),
        level_dbfs=levels,
        output_dbfs=output,
        thd_percent=thd,
        harmonics_dbr=harmonics,
    )


def aliasing_db(
    params: Params, freq_hz: float = 1987.0, rate_hz: float = 48000.0, gain: float = 1.0
) -> float:
    """Energy away from the harmonics of a sine, relative to the harmonics, in dB.

    One second of a coherently sampled sine (1987 Hz is prime, so no aliased harmonic lands on
    a harmonic bin); everything that is not DC or a harmonic below Nyquist counts as aliasing.
    """
    samples = int(rate_hz)
    cycles = round(freq_hz)
    x = (gain * np.sin(2.0 * np.pi * cycles * np.arange(samples) / samples)).astype(np.float32)
    chain = _chain(rate_hz, 8192, params)
    chain.reset()
    chain.process(x[:, None])  # settle
    out = chain.process(x[:, None])[:, 0].astype(np.float64)
    power = np.abs(np.fft.rfft(out)) ** 2
    harmonic = np.zeros(len(power), bool)
    harmonic[np.arange(cycles, len(power), cycles)] = True
    power[0] = 0.0
    return float(10.0 * np.log10(power[~harmonic].sum() / power[harmonic].sum()))


def _power_ratio_db(numerator: float, denominator: float) -> float:
    if numerator <= 0 and denominator <= 0:
        return 0.0
    ratio = 10.0 * math.log10(max(numerator, 1e-30) / max(denominator, 1e-30))
    return float(min(max(ratio, FLOOR_DB), -FLOOR_DB))


def _db(amplitudes: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.maximum(20.0 * np.log10(np.abs(amplitudes)), FLOOR_DB)
