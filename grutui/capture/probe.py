"""The reamping probe: what to play through a pedal or amp so that a fit can learn it.

In order: an alignment marker (a short chirp, then silence), exponential sine sweeps at levels
from -40 to 0 dBFS, sine bursts at four pitches and five levels (steady tones: their harmonics
are what a sound designer hears as the device's character), noise bursts, and synthetic plucked
notes and chords at several strengths (what a distortion is used on). Levels are peaks in dBFS.
Deterministic; sections scale with the length asked for.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

NOMINAL_S = 12.0  # the default length; sections shrink or grow in proportion
MIN_SECONDS = 3.0
MAX_SECONDS = 600.0
MIN_RATE_HZ = 8000
MAX_RATE_HZ = 384000
MARKER_S = 0.05
MARKER_GAP_S = 0.35
RAMP_S = 0.005
GAP_S = 0.05
MIN_BURST_S = 0.08  # with its gap: room for a 43 ms analysis frame of steady tone
SWEEP_LEVELS_DB = (-40.0, -24.0, -12.0, -6.0, 0.0)
BURST_HZ = (110.0, 220.0, 440.0, 880.0)
BURST_LEVELS_DB = (-36.0, -24.0, -12.0, -6.0, 0.0)
NOISE_LEVELS_DB = (-24.0, -12.0, 0.0)
PLUCK_NOTES = (40, 45, 50, 55, 59, 64, 69, 76)  # MIDI, guitar range
PLUCK_LEVELS_DB = (-30.0, -20.0, -12.0, -6.0, -3.0, 0.0, -9.0, -18.0)
CHORDS = ((40, 47, 52, 56, 59, 64), (45, 52, 57, 61, 64), (43, 47, 50, 55, 59, 67), (40, 47, 52))
CHORD_LEVELS_DB = (-18.0, -6.0, 0.0, -12.0)
# nominal seconds of each section at NOMINAL_S (the marker is extra and fixed)
_SECTIONS = {"sweeps": 3.0, "bursts": 3.0, "noise": 1.2, "plucks": 2.4, "chords": 2.0}


def _db(level_db: float) -> float:
    return 10.0 ** (level_db / 20.0)


def _at_peak(x: np.ndarray, level_db: float) -> np.ndarray:
    peak = float(np.max(np.abs(x)))
    return x * (_db(level_db) / peak) if peak > 0 else x


def _ramped(x: np.ndarray, rate_hz: float) -> np.ndarray:
    n = min(int(RAMP_S * rate_hz), len(x) // 2)
    if n:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
        x = x.copy()
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def _gap(rate_hz: float, seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * rate_hz))


def _sweep(rate_hz: float, seconds: float, f0: float, f1: float) -> np.ndarray:
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    ratio = math.log(f1 / f0)
    phase = 2.0 * np.pi * f0 * seconds / ratio * (np.exp(t * ratio / seconds) - 1.0)
    return np.sin(phase)


def _pluck(rate_hz: float, note: int, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A Karplus-Strong string: a noise burst circulating in a damped delay line."""
    from scipy.signal import lfilter

    period = max(2, round(rate_hz / (440.0 * 2.0 ** ((note - 69) / 12.0))))
    excitation = np.zeros(int(seconds * rate_hz))
    excitation[:period] = rng.uniform(-1.0, 1.0, min(period, len(excitation)))
    feedback = np.zeros(period + 2)
    feedback[0] = 1.0
    feedback[period] = feedback[period + 1] = -0.5 * 0.996
    return lfilter([1.0], feedback, excitation)


def make_probe(rate_hz: float = 48000.0, seconds: float = NOMINAL_S) -> np.ndarray:
    """The probe signal, mono float32 of ``round(seconds * rate_hz)`` samples.

    Parameters
    ----------
    rate_hz : float
        Sample rate in Hz, 8000 to 384000.
    seconds : float
        Length in seconds, 3 to 600.
    """
    if not (math.isfinite(rate_hz) and MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ):
        raise ValueError(f"rate {rate_hz:g} Hz is out of range {MIN_RATE_HZ} to {MAX_RATE_HZ}")
    if not (math.isfinite(seconds) and MIN_SECONDS <= seconds <= MAX_SECONDS):
        raise ValueError(f"length {seconds:g} s is out of range {MIN_SECONDS:g} to {MAX_SECONDS:g}")
    from scipy.signal import lfilter

    rng = np.random.default_rng(9)
    # the bursts keep a length a harmonic can be measured in; the other sections share the rest
    body = seconds - MARKER_S - MARKER_GAP_S
    count = len(BURST_HZ) * len(BURST_LEVELS_DB)
    scale = body / sum(_SECTIONS.values())
    burst_each = max(_SECTIONS["bursts"] * scale / count, MIN_BURST_S)
    others = sum(v for k, v in _SECTIONS.items() if k != "bursts")
    scale = (body - burst_each * count) / others
    gap = GAP_S * min(1.0, scale)
    top_hz = min(10000.0, 0.2 * rate_hz)
    parts = [_ramped(_sweep(rate_hz, MARKER_S, 200.0, top_hz), rate_hz) * _db(-6.0)]
    parts.append(np.zeros(int(MARKER_GAP_S * rate_hz)))

    each = _SECTIONS["sweeps"] * scale / len(SWEEP_LEVELS_DB)
    for level in SWEEP_LEVELS_DB:
        sweep = _sweep(rate_hz, each - gap, 40.0, top_hz)
        parts += [_ramped(sweep, rate_hz) * _db(level), _gap(rate_hz, gap)]
    for freq in BURST_HZ:
        t = np.arange(int((burst_each - gap) * rate_hz)) / rate_hz
        for level in BURST_LEVELS_DB:
            tone = _ramped(np.sin(2 * np.pi * freq * t), rate_hz) * _db(level)
            parts += [tone, _gap(rate_hz, gap)]
    each = _SECTIONS["noise"] * scale / len(NOISE_LEVELS_DB)
    for level in NOISE_LEVELS_DB:
        noise = lfilter([1.0], [1.0, -0.9], rng.standard_normal(int((each - gap) * rate_hz)))
        parts += [_ramped(_at_peak(noise, level), rate_hz), _gap(rate_hz, gap)]
    each = _SECTIONS["plucks"] * scale / len(PLUCK_NOTES)
    for note, level in zip(PLUCK_NOTES, PLUCK_LEVELS_DB, strict=True):
        parts.append(_ramped(_at_peak(_pluck(rate_hz, note, each, rng), level), rate_hz))
    each = _SECTIONS["chords"] * scale / len(CHORDS)
    for chord, level in zip(CHORDS, CHORD_LEVELS_DB, strict=True):
        strum = [
            np.concatenate([np.zeros(int(i * 0.012 * rate_hz)), _pluck(rate_hz, note, each, rng)])
            for i, note in enumerate(chord)
        ]
        mixed = np.sum([s[: int(each * rate_hz)] for s in strum], axis=0)
        parts.append(_ramped(_at_peak(mixed, level), rate_hz))
    probe = np.concatenate(parts)
    total = round(seconds * rate_hz)
    probe = np.concatenate([probe, np.zeros(max(0, total - len(probe)))])[:total]
    return probe.astype(np.float32)


def write_probe(
    path: str | os.PathLike[str],
    rate_hz: float = 48000.0,
    seconds: float = NOMINAL_S,
    force: bool = False,
) -> Path:
    """Write the probe to ``path`` (format from the extension, 24-bit where it can), atomically."""
    from grutui.capture.files import write_audio

    return write_audio(path, make_probe(rate_hz, seconds)[:, None], int(rate_hz), force=force)
