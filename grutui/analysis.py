"""What the plots show: the transfer curve and the harmonic response of the full chain.

Both come from one steady-state period of a test sine run through the same ``Chain`` that plays
and renders. The period holds a whole number of cycles (coherent sampling), so each harmonic sits
on one FFT bin and needs no window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from grutui.dsp import Chain
from grutui.params import Params

N_HARMONICS = 10
FLOOR_DB = -200.0  # reported for a harmonic that is silent or above Nyquist
STEADY_TOLERANCE = 1e-6  # largest change between successive periods that counts as settled
MAX_PERIODS = 400


@dataclass(frozen=True)
class Analysis:
    """Steady-state response of the chain to a sine of ``freq_hz`` and amplitude ``gain``."""

    params: Params
    freq_hz: float
    gain: float
    rate_hz: float
    curve_x: np.ndarray  # one period of the input
    curve_y: np.ndarray  # the output, aligned with the input (latency removed)
    harmonics_dbfs: np.ndarray  # H1..H10, dB relative to a full-scale sine
    harmonics_dbr: np.ndarray  # H1..H10, dB relative to H1
    thd_percent: float
    even_odd_db: float  # energy of H2, H4.. over H3, H5.. (positive: even dominates)
    dc: float  # mean of the output
    settled: bool  # False if the chain had not reached a steady state in MAX_PERIODS

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``analyze --json``)."""
        return {
            "params": self.params.as_dict(),
            "freq_hz": self.freq_hz,
            "gain": self.gain,
            "rate_hz": self.rate_hz,
            "harmonics_dbr": [round(float(v), 3) for v in self.harmonics_dbr],
            "harmonics_dbfs": [round(float(v), 3) for v in self.harmonics_dbfs],
            "thd_percent": float(self.thd_percent),
            "even_odd_db": float(self.even_odd_db),
            "dc": float(self.dc),
            "settled": self.settled,
            "curve": {"x": self.curve_x.tolist(), "y": self.curve_y.tolist()},
        }


def coherent_period(freq_hz: float, rate_hz: float) -> tuple[int, int]:
    """(samples, cycles) of the shortest block holding whole cycles of ``freq_hz`` exactly.

    Falls back to 4096 samples and the nearest whole number of cycles when no short block fits.
    """
    for cycles in range(1, 101):
        samples = cycles * rate_hz / freq_hz
        if abs(samples - round(samples)) < 1e-6 and round(samples) >= 2:
            return round(samples), cycles
    samples = 4096
    return samples, max(1, round(freq_hz * samples / rate_hz))


def steady_period(chain: Chain, period: np.ndarray) -> tuple[np.ndarray, bool]:
    """Run ``period`` (frames, channels) through ``chain`` until its output repeats."""
    chain.reset()
    previous = None
    # until the latency has passed the output is silence, which repeats without being steady
    first_check = 1 + -(-chain.latency_samples // len(period))
    for index in range(MAX_PERIODS):
        out = chain.process(period)
        chain.settle_dc_blocker()  # the only stage that would take seconds to settle
        if index >= first_check and np.max(np.abs(out - previous)) < STEADY_TOLERANCE:
            return out, True
        previous = out
    return out, False


def analyze(
    params: Params, freq_hz: float = 100.0, gain: float = 2.0, rate_hz: float = 44100.0
) -> Analysis:
    """Transfer curve and harmonics of the chain with ``params`` for a sine at ``freq_hz``."""
    if not 0 < freq_hz < rate_hz / 2:
        raise ValueError(f"frequency {freq_hz:g} Hz must be between 0 and {rate_hz / 2:g} Hz")
    samples, cycles = coherent_period(freq_hz, rate_hz)
    freq_hz = cycles * rate_hz / samples
    phase = 2.0 * np.pi * cycles * np.arange(samples) / samples
    x = (gain * np.sin(phase)).astype(np.float32)
    chain = Chain(rate_hz, 1, max_block=samples, params=params)
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
        params=params,
        freq_hz=freq_hz,
        gain=gain,
        rate_hz=rate_hz,
        curve_x=x,
        curve_y=y,
        harmonics_dbfs=dbfs,
        harmonics_dbr=dbr,
        thd_percent=thd,
        even_odd_db=_power_ratio_db(even, odd),
        dc=float(spectrum[0].real),
        settled=settled,
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
    chain = Chain(rate_hz, 1, max_block=8192, params=params)
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
