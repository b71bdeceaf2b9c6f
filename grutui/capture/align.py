"""DRY and WET as one aligned pair: checks, latency, polarity, gain, and the material to fit.

A WET recorded through an interface is never sample-aligned with its DRY: the latency (how many
samples WET lags DRY, positive when WET is late) is found by cross-correlation up to one second
either way, the polarity from the sign of the correlation peak.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from grutui.audiofile import open_input
from grutui.capture.model import Material
from grutui.errors import GrutuiError, printable

MAX_LAG_S = 1.0
ALIGN_SPAN_S = 60.0  # correlate at most this much of DRY: the latency is the same throughout
MIN_OVERLAP_S = 0.5
SILENT_PEAK = 10.0 ** (-80.0 / 20.0)
FULL_SCALE = 0.999  # a sample this close to 0 dBFS counts as clipped when it repeats
NOISE_CORRELATION = 0.1  # a WET that correlates less with DRY does not follow it
WINDOW_S = 0.5  # material is taken (and held out) in windows of at most this length
WARMUP_S = 0.1  # run before each stretch but not fitted: the recurrence and DC blocker settle
HOLD_EVERY = 5  # every fifth window is held out
SUBNORMAL_GUARD = 1e-18


class CaptureError(GrutuiError):
    """DRY and WET that cannot be fitted; the message says why, in one line."""


@dataclass(frozen=True)
class Pair:
    """DRY and WET as mono float32 signals at one rate, with what was noticed reading them."""

    dry: np.ndarray
    wet: np.ndarray
    rate_hz: float
    dry_name: str
    wet_name: str
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Alignment:
    """Where WET sits against DRY."""

    latency_samples: int  # positive: WET is late
    polarity: int  # +1, or -1 when WET is inverted
    gain_db: float  # level of WET over DRY (RMS, over the overlap)
    correlation: float  # normalised correlation at the latency, 0..1


def _mono(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x.mean(axis=1) if x.shape[1] > 1 else x[:, 0], dtype=np.float32)


def _check_signal(x: np.ndarray, label: str, name: str) -> None:
    bad = int(np.count_nonzero(~np.isfinite(x)))
    if bad:
        raise CaptureError(f"{label} {name}: {bad} samples are not finite numbers")
    if not len(x) or float(np.max(np.abs(x))) < SILENT_PEAK:
        raise CaptureError(f"{label} {name} is silent (peak below -80 dBFS): nothing to fit")


def clipped_samples(x: np.ndarray) -> int:
    """Samples at full scale that repeat their neighbour: the flat tops a clipped take has."""
    top = np.abs(x) >= FULL_SCALE
    flat = top[1:] & top[:-1] & (x[1:] == x[:-1])
    return int(np.count_nonzero(flat))


def read_audio(path: str | os.PathLike[str]) -> tuple[np.ndarray, float]:
    """The whole file as float32 (frames, channels) and its rate in Hz (one-line errors)."""
    with open_input(path) as f:
        return f.read(dtype="float32", always_2d=True), float(f.samplerate)


def read_pair(dry_path: str | os.PathLike[str], wet_path: str | os.PathLike[str]) -> Pair:
    """Read, check and reduce DRY and WET to mono; ``CaptureError`` for what cannot be fitted."""
    dry, dry_rate = read_audio(dry_path)
    wet, wet_rate = read_audio(wet_path)
    dry_name = printable(os.path.basename(dry_path))
    wet_name = printable(os.path.basename(wet_path))
    if dry_rate != wet_rate:
        raise CaptureError(
            f"DRY {dry_name} is {dry_rate:g} Hz but WET {wet_name} is {wet_rate:g} Hz: "
            "record WET at DRY's rate (or resample one of them)"
        )
    warnings = []
    if dry.shape[1] != wet.shape[1]:
        which = "WET" if wet.shape[1] > dry.shape[1] else "DRY"
        warnings.append(
            f"DRY has {dry.shape[1]} channel(s) and WET {wet.shape[1]}: fitting the mid of {which}"
        )
    clipped = clipped_samples(wet)
    pair = Pair(_mono(dry), _mono(wet), dry_rate, dry_name, wet_name, warnings)
    _check_signal(pair.dry, "DRY", dry_name)
    _check_signal(pair.wet, "WET", wet_name)
    if clipped:
        warnings.append(
            f"WET {wet_name} clipped ({clipped} samples flat at full scale): the capture "
            "includes the recording's clipping; record it again lower if you can"
        )
    if len(pair.wet) < MIN_OVERLAP_S * dry_rate:
        raise CaptureError(
            f"WET {wet_name} is too short to align: {len(pair.wet) / dry_rate:.2f} s "
            f"(needs at least {MIN_OVERLAP_S:g} s)"
        )
    return pair


def align(pair: Pair) -> Alignment:
    """Latency (to the sample, up to one second either way), polarity and gain of WET."""
    from scipy.signal import correlate, correlation_lags

    rate = pair.rate_hz
    max_lag = int(MAX_LAG_S * rate)
    span = int(ALIGN_SPAN_S * rate)
    dry = pair.dry[:span].astype(np.float64)
    wet = pair.wet[: span + max_lag].astype(np.float64)
    score = correlate(wet, dry, mode="full", method="fft")
    lags = correlation_lags(len(wet), len(dry), mode="full")
    keep = np.abs(lags) <= max_lag
    score, lags = score[keep], lags[keep]
    best = int(np.argmax(np.abs(score)))
    latency = int(lags[best])
    d, w = overlap(pair.dry, pair.wet, latency)
    if len(d) < MIN_OVERLAP_S * rate:
        raise CaptureError(
            f"WET {pair.wet_name} is too short to align: it overlaps DRY by "
            f"{len(d) / rate:.2f} s at the best latency (needs at least {MIN_OVERLAP_S:g} s)"
        )
    d64, w64 = d.astype(np.float64), w.astype(np.float64)
    energy = math.sqrt(float(np.dot(d64, d64)) * float(np.dot(w64, w64)))
    correlation = abs(float(np.dot(d64, w64))) / energy if energy > 0 else 0.0
    rms_d, rms_w = math.sqrt(np.mean(d64 * d64)), math.sqrt(np.mean(w64 * w64))
    gain_db = 20.0 * math.log10(rms_w / rms_d) if rms_w > 0 and rms_d > 0 else -math.inf
    return Alignment(latency, 1 if score[best] >= 0 else -1, gain_db, correlation)


def overlap(dry: np.ndarray, wet: np.ndarray, latency: int) -> tuple[np.ndarray, np.ndarray]:
    """The stretches of DRY and WET that line up when WET lags by ``latency`` samples."""
    start = max(0, -latency)
    stop = min(len(dry), len(wet) - latency)
    if stop <= start:
        return dry[:0], wet[:0]
    return dry[start:stop], wet[start + latency : stop + latency]


def noise_warning(pair: Pair, alignment: Alignment) -> str | None:
    """A warning when WET does not follow DRY (noise, or another take)."""
    if alignment.correlation < NOISE_CORRELATION:
        return (
            f"WET {pair.wet_name} hardly follows DRY (correlation {alignment.correlation:.3f}): "
            "it looks like noise or another take; the fit will be poor"
        )
    return None


@dataclass(frozen=True)
class Windows:
    """Where the fitted windows lie in the overlap, and which are held out."""

    starts: np.ndarray  # sample index of each window in the overlap
    length: int  # samples per window
    held: np.ndarray  # bool per window


def choose_windows(frames: int, rate_hz: float, seconds: float) -> Windows:
    """Windows covering ``seconds`` of the overlap (all of it if shorter), spread evenly."""
    warm = int(WARMUP_S * rate_hz)
    usable = frames - warm
    total = min(usable, int(seconds * rate_hz))
    length = max(1, min(int(WINDOW_S * rate_hz), total // (2 * HOLD_EVERY)))
    if int(seconds * rate_hz) >= usable:  # all of it: contiguous windows
        starts = warm + length * np.arange(usable // length)
    else:
        starts = np.linspace(warm, frames - length, max(1, total // length)).astype(np.int64)
    held = (np.arange(len(starts)) % HOLD_EVERY) == HOLD_EVERY // 2
    return Windows(starts, length, held)


def assemble(
    dry: np.ndarray, wet: np.ndarray, rate_hz: float, windows: Windows, which: np.ndarray
) -> Material:
    """The material of windows ``which`` (indices), each after a warm-up (or the whole gap
    since the previous window, when shorter)."""
    warm = int(WARMUP_S * rate_hz)
    pieces: list[tuple[int, int]] = []
    fit: list[np.ndarray] = []
    hold: list[np.ndarray] = []
    previous_stop = -warm
    for index in which:
        start = int(windows.starts[index])
        stop = start + windows.length
        # a warm-up before each window; a gap shorter than that is kept whole (no seam at all)
        lead = min(warm, start, max(start - previous_stop, 0))
        pieces.append((start - lead, stop))
        role = np.ones(windows.length, bool)
        off = np.zeros(lead, bool)
        fit.append(np.concatenate([off, role & ~windows.held[index]]))
        hold.append(np.concatenate([off, role & windows.held[index]]))
        previous_stop = stop
    # A -360 dBFS offset: in digital silence the recurrence's state would decay into subnormal
    # numbers, which the CPU handles about ten times slower (measured: 240 vs 18 ms a call).
    d = np.concatenate([dry[a:b] for a, b in pieces]).astype(np.float32) + np.float32(
        SUBNORMAL_GUARD
    )
    w = np.concatenate([wet[a:b] for a, b in pieces]).astype(np.float64)
    return Material(d, w, np.concatenate(fit), np.concatenate(hold), rate_hz)
