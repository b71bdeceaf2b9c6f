"""The axes the views share, each named with its unit: amplitude, dB, time, log frequency."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from grutui.ui.views.frame import Axis

# Log-frequency ticks, the decades first: where labels collide, plotext keeps the first.
_FREQ_TICKS_HZ = (100, 1000, 10000, 20, 20000, 50, 200, 500, 2000, 5000)
LOW_HZ = 20.0


def hz_words(hz: float) -> str:
    """``1000`` as "1k", ``20`` as "20"."""
    return f"{hz / 1000:g}k" if hz >= 1000 else f"{hz:g}"


def nice_step(span: float, most: int) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^n that cuts ``span`` into at most ``most`` equal
    steps, ending on ``span`` itself when one does (5 ms: 0 1 2 3 4 5)."""
    base = 10.0 ** math.floor(math.log10(max(span / max(most, 1), 1e-12)))
    candidates = [m * base for m in (1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0)]
    fitting = [step for step in candidates if span / step <= most + 1e-9]
    whole = [step for step in fitting if abs(span / step - round(span / step)) < 1e-6]
    return (whole or fitting)[0]


@lru_cache(maxsize=32)
def amplitude_axis(lim: float, unit: str) -> Axis:
    """-``lim`` to ``lim`` (full scale is 1), ticked at halves, with a grid."""
    ticks = tuple((v, f"{v:g}" if v else "0") for v in (lim, lim / 2, 0.0, -lim / 2, -lim))
    return Axis(-lim, lim, ticks, unit=unit, grid=True)


@lru_cache(maxsize=32)
def db_axis(top: float, floor: float, step: float, unit: str, grid: bool = True) -> Axis:
    """``floor`` to ``top`` dB, ticked at the multiples of ``step`` dB (0 among them)."""
    first = np.floor(top / step) * step
    ticks = tuple(
        (float(db), f"{db:+.0f}" if db else "0") for db in np.arange(first, floor - 1e-9, -step)
    )
    return Axis(floor, top, ticks, unit=unit, grid=grid)


@lru_cache(maxsize=32)
def time_axis(window_s: float) -> Axis:
    """0 to ``window_s``, in ms below a second and in s from there, ticked at round times."""
    span, unit = (window_s, "s") if window_s >= 1 else (window_s * 1000, "ms")
    step = nice_step(span, 5)
    ticks = tuple((float(v), f"{v:g}") for v in np.arange(0.0, span + step / 2, step))
    return Axis(0.0, span, ticks, unit=f"time, {unit}", grid=True)


@lru_cache(maxsize=8)
def log_frequency_axis(rate_hz: float) -> Axis:
    """20 Hz to half the rate, log, ticked at 1-2-5 steps (the decades first)."""
    nyquist = rate_hz / 2
    ticks = tuple((float(f), hz_words(f)) for f in _FREQ_TICKS_HZ if f <= nyquist)
    decades = tuple(f for f in (100.0, 1000.0, 10000.0) if f <= nyquist)
    return Axis(LOW_HZ, nyquist, ticks, log=True, unit="frequency, Hz", grid=decades)
