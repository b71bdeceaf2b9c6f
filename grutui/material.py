"""The sound being worked on as the workstation's material views show it, and the aliasing test.

- ``excerpt``: a stretch of a sound (in memory or a file) and the same stretch through the
  chain, aligned sample for sample as ``grutui render`` writes it. The chain runs from
  ``PREROLL_S`` before the stretch, so its state (the gate's memory, the DC blocker) is settled
  as it would be in a render from the start.
- ``spectrum_dbfs``: an averaged spectrum in dBFS (a full-scale sine on a bin reads 0 dBFS).
- ``aliasing``: a high sine through the chain at 1x and at other oversampling factors, and the
  energy that lands away from its harmonics.

Long work takes a ``stale`` callable and gives up (returns None) as soon as it says so, so a
caller that wants only the newest result never waits for an old one. No Textual here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from grutui.params import Params

PREROLL_S = 0.5  # run through the chain before an excerpt: the DC blocker (5 Hz) settles
BLOCK_FRAMES = 8192  # processed between looks at ``stale``
FLOOR_DBFS = -200.0  # reported for silence
ALIAS_TONE_HZ = 5000.0  # the aliasing test's sine (its harmonics pass Nyquist from H5 at 48 kHz)
ALIAS_PERIODS = 40  # at most this many 0.1 s periods to reach a steady state
STEADY_TOLERANCE = 1e-6


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Excerpt:
    """``dry`` and ``wet`` (frames, channels) float32 from ``start_s`` of a sound at
    ``rate_hz``."""

    start_s: float
    rate_hz: float
    dry: np.ndarray
    wet: np.ndarray


def read_span(sound: np.ndarray | Path, start: int, frames: int) -> np.ndarray:
    """Frames ``start`` .. ``start + frames`` of ``sound`` (an array of (frames, channels) or
    an audio file), float32, with silence where the span runs outside the sound."""
    if isinstance(sound, np.ndarray):
        total, channels = sound.shape
        out = np.zeros((frames, channels), np.float32)
        lo, hi = max(start, 0), min(start + frames, total)
        if hi > lo:
            out[lo - start : hi - start] = sound[lo:hi]
        return out
    with sf.SoundFile(sound) as f:
        out = np.zeros((frames, f.channels), np.float32)
        lo, hi = max(start, 0), min(start + frames, f.frames)
        if hi > lo:
            f.seek(lo)
            got = f.read(hi - lo, dtype="float32", always_2d=True)
            out[lo - start : lo - start + len(got)] = got
        return out


def excerpt(
    sound: np.ndarray | Path,
    rate_hz: float,
    params: Params,
    start_s: float,
    length_s: float,
    stale: Callable[[], bool] = _never,
) -> Excerpt | None:
    """``length_s`` of ``sound`` from ``start_s``, dry and through the chain with ``params``.

    None if ``stale()`` turned true on the way.
    """
    from grutui.dsp import Chain
    from grutui.dsp.aligned import aligned_blocks

    start = round(start_s * rate_hz)
    frames = max(1, round(length_s * rate_hz))
    before = min(round(PREROLL_S * rate_hz), max(start, 0))
    channels = read_span(sound, 0, 0).shape[1]
    chain = Chain(rate_hz, channels, max_block=BLOCK_FRAMES, params=params)
    # An output frame depends on the input up to the chain's latency later: read that much
    # more of the sound (silence past its end, as a render has).
    dry = read_span(sound, start - before, before + frames + chain.latency_frames)
    blocks = (dry[at : at + BLOCK_FRAMES] for at in range(0, len(dry), BLOCK_FRAMES))
    wet = []
    for block in aligned_blocks(chain, blocks):  # the alignment render and process use
        if stale():
            return None
        wet.append(block)
    aligned = np.concatenate(wet)
    return Excerpt(
        start / rate_hz, rate_hz, dry[before : before + frames], aligned[before : before + frames]
    )


def spectrum_dbfs(
    x: np.ndarray, rate_hz: float, frame: int = 8192
) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies in Hz, levels in dBFS) of mono ``x``: Hann frames of up to ``frame``
    samples, half overlapping, their power averaged."""
    x = np.asarray(x, dtype=np.float64)
    n = 1 << int(math.log2(max(min(frame, len(x)), 16)))
    window = np.hanning(n)
    if len(x) < n:
        x = np.pad(x, (0, n - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[:: n // 2]
    power = np.mean(np.abs(np.fft.rfft(frames * window, axis=1)) ** 2, axis=0)
    amplitude = 2.0 * np.sqrt(power) / window.sum()
    with np.errstate(divide="ignore"):
        levels = np.maximum(20.0 * np.log10(amplitude), FLOOR_DBFS)
    return np.fft.rfftfreq(n, 1.0 / rate_hz), levels


@dataclass(frozen=True)
class Aliasing:
    """A sine of ``freq_hz`` at ``level_dbfs`` through the chain at each factor of
    ``oversample``: its spectrum (``bin_hz`` apart, dBFS), which bins hold a harmonic, and
    the energy of all other bins but DC relative to the harmonics' (``aliasing_db``)."""

    freq_hz: float
    rate_hz: float
    level_dbfs: float
    bin_hz: float
    oversample: tuple[int, ...]
    spectra_dbfs: tuple[np.ndarray, ...]
    harmonic: np.ndarray
    aliasing_db: tuple[float, ...]


def alias_tone_hz(rate_hz: float) -> float:
    """The aliasing test's sine: ``ALIAS_TONE_HZ``, or a fifth of the rate if that is lower,
    on a 10 Hz grid (the analysis periods are 0.1 s)."""
    return max(10.0, round(min(ALIAS_TONE_HZ, rate_hz / 5) / 10.0) * 10.0)


def aliasing(
    params: Params,
    rate_hz: float,
    level_dbfs: float,
    oversample: Sequence[int] = (1,),
    stale: Callable[[], bool] = _never,
) -> Aliasing | None:
    """The aliasing of a high sine (``alias_tone_hz``) at each factor of ``oversample``.

    The sine is coherent with a 0.1 s period (10 Hz bins, no window needed: every harmonic and
    every alias lands on a bin), run until the output repeats. None if ``stale()`` turned true.
    """
    from grutui.dsp import Chain

    freq_hz = alias_tone_hz(rate_hz)
    samples = round(rate_hz / 10)  # whole cycles of a 10 Hz grid tone, at common rates exact
    cycles = round(freq_hz * samples / rate_hz)
    amplitude = 10.0 ** (level_dbfs / 20.0)
    x = (amplitude * np.sin(2 * np.pi * cycles * np.arange(samples) / samples)).astype(np.float32)
    bins = samples // 2 + 1
    harmonic = np.zeros(bins, bool)
    harmonic[cycles::cycles] = True
    spectra, figures = [], []
    for factor in oversample:
        chain = Chain(rate_hz, 1, max_block=samples, params=params.replace(oversample=factor))
        previous = None
        for _ in range(ALIAS_PERIODS):
            if stale():
                return None
            out = chain.process(x[:, None])[:, 0].astype(np.float64)
            chain.settle_dc_blocker()
            if previous is not None and np.max(np.abs(out - previous)) < STEADY_TOLERANCE:
                break
            previous = out
        magnitude = np.abs(np.fft.rfft(out)) / samples * 2.0
        with np.errstate(divide="ignore"):
            spectra.append(np.maximum(20.0 * np.log10(magnitude), FLOOR_DBFS))
        power = magnitude**2
        power[0] = 0.0
        aliased, wanted = power[~harmonic].sum(), power[harmonic].sum()
        figures.append(
            float(10.0 * np.log10(max(aliased, 1e-30) / max(wanted, 1e-30)))
            if wanted > 0
            else FLOOR_DBFS
        )
    return Aliasing(
        freq_hz=cycles * rate_hz / samples,
        rate_hz=rate_hz,
        level_dbfs=level_dbfs,
        bin_hz=rate_hz / samples,
        oversample=tuple(oversample),
        spectra_dbfs=tuple(spectra),
        harmonic=harmonic,
        aliasing_db=tuple(figures),
    )


def peak_dbfs(sound: np.ndarray | Path, stale: Callable[[], bool] = _never) -> float | None:
    """The largest absolute sample in dBFS (-inf for silence; None if ``stale()`` turned
    true). A file is read in blocks: memory does not grow with its length."""
    if isinstance(sound, np.ndarray):
        peak = float(np.max(np.abs(sound), initial=0.0))
    else:
        peak = 0.0
        with sf.SoundFile(sound) as f:
            for block in f.blocks(blocksize=1 << 18, dtype="float32", always_2d=True):
                if stale():
                    return None
                peak = max(peak, float(np.max(np.abs(block), initial=0.0)))
    return 20.0 * math.log10(peak) if peak > 0 and math.isfinite(peak) else -math.inf
