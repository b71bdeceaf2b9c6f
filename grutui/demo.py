"""The built-in demo sound: plucked notes, a bass line and a drum hit, synthesised with numpy.

Deterministic (fixed seed), stereo float32 at 48 kHz, a few seconds long; fast enough to make at
start-up (a few milliseconds), so the workstation needs no file, network or package data.
"""

from __future__ import annotations

import numpy as np

RATE_HZ = 48000
SECONDS = 4.0
_BPM = 120.0
_SEED = 20170313  # any fixed number: the same sound on every start

# (beat, midi note) of the plucked line and the bass line; two bars of 4/4 at 120 bpm.
_PLUCKS = (
    (0, 64),
    (0.5, 67),
    (1, 71),
    (1.5, 67),
    (2, 72),
    (2.5, 71),
    (3, 67),
    (3.5, 64),
    (4, 62),
    (4.5, 66),
    (5, 69),
    (5.5, 66),
    (6, 71),
    (6.5, 69),
    (7, 66),
    (7.5, 62),
)
_BASS = ((0, 40), (1.5, 40), (2, 43), (3, 45), (4, 38), (5.5, 38), (6, 42), (7, 45))
_KICKS = (0, 2, 4, 6)
_SNARES = (1, 3, 5, 7)


def _hz(note: int) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def _pluck(freq_hz: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Karplus-Strong string, computed one period at a time so numpy does the inner loop."""
    period = max(2, round(RATE_HZ / freq_hz))
    total = int(seconds * RATE_HZ)
    out = np.zeros(total + period + 1)
    out[: period + 1] = rng.uniform(-1.0, 1.0, period + 1)
    decay = 0.996
    for start in range(period + 1, total + period + 1, period):
        stop = min(start + period, total + period + 1)
        n = stop - start
        out[start:stop] = (
            decay
            * 0.5
            * (
                out[start - period : start - period + n]
                + out[start - period - 1 : start - period - 1 + n]
            )
        )
    return out[period + 1 : period + 1 + total]


def _bass(freq_hz: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    # Two detuned partials and a gentle envelope: a round bass the distortion can grow harmonics on.
    tone = np.sin(2 * np.pi * freq_hz * t) + 0.3 * np.sin(2 * np.pi * 2.003 * freq_hz * t)
    envelope = np.minimum(t / 0.005, 1.0) * np.exp(-t * 2.5)
    return tone * envelope


def _kick(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    sweep_hz = 45.0 + 110.0 * np.exp(-t * 30.0)
    phase = 2 * np.pi * np.cumsum(sweep_hz) / RATE_HZ
    return np.sin(phase) * np.exp(-t * 9.0)


def _snare(seconds: float, rng: np.random.Generator) -> np.ndarray:
    n = int(seconds * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    noise = rng.uniform(-1.0, 1.0, n)
    noise = noise - np.concatenate(([0.0], noise[:-1]))  # a first difference: brighter noise
    body = np.sin(2 * np.pi * 190.0 * t) * np.exp(-t * 25.0)
    return 0.5 * noise * np.exp(-t * 18.0) + 0.6 * body


def _place(track: np.ndarray, sound: np.ndarray, beat: float, pan: float, gain: float) -> None:
    start = int(beat * 60.0 / _BPM * RATE_HZ)
    stop = min(start + len(sound), len(track))
    if stop <= start:
        return
    left, right = np.cos((pan + 1) * np.pi / 4), np.sin((pan + 1) * np.pi / 4)
    track[start:stop, 0] += gain * left * sound[: stop - start]
    track[start:stop, 1] += gain * right * sound[: stop - start]


def demo_sound() -> np.ndarray:
    """Two bars of plucks, bass and drums: (frames, 2) float32 at ``RATE_HZ``, peak -3 dBFS."""
    rng = np.random.default_rng(_SEED)
    track = np.zeros((int(SECONDS * RATE_HZ), 2))
    for i, (beat, note) in enumerate(_PLUCKS):
        _place(track, _pluck(_hz(note), 0.9, rng), beat, pan=-0.4 if i % 2 else 0.4, gain=0.5)
    for beat, note in _BASS:
        _place(track, _bass(_hz(note), 0.7), beat, pan=0.0, gain=0.6)
    kick, snare = _kick(0.5), _snare(0.3, rng)
    for beat in _KICKS:
        _place(track, kick, beat, pan=0.0, gain=0.9)
    for beat in _SNARES:
        _place(track, snare, beat, pan=0.1, gain=0.45)
    peak = float(np.max(np.abs(track)))
    track *= 10 ** (-3 / 20) / peak
    return track.astype(np.float32)
