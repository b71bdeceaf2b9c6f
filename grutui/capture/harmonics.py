"""Harmonic profiles: a target to fit a preset to, and a term that keeps a capture's harmonics.

A target is the JSON ``grutui analyze --json`` prints (another preset's profile, copied at its
test sine's frequency and level) or a short text like ``H2=-20,H3=-12,H5=-30`` in dB relative
to the fundamental (at ``analyze``'s default sine). ``fit_harmonics`` finds the GRU settings
whose analysis at that sine reproduces it: a differential evolution (seeded) with a local polish.
Levels below ``FLOOR_DBR`` count as absent: a target of -200 dBr (an exactly symmetric preset's
even harmonics) asks for "below -80", not for an exact cancellation.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grutui.analysis import N_HARMONICS, analyze
from grutui.capture.align import CaptureError
from grutui.capture.model import Material, Term
from grutui.capture.search import Progress, Stopped, Tracker
from grutui.params import SPEC_BY_NAME, Params

FLOOR_DBR = -80.0
TARGET_RANGE_DBR = (-200.0, 40.0)
DEFAULT_FREQ_HZ = 100.0
DEFAULT_GAIN = 2.0
DEFAULT_RATE_HZ = 44100.0
_ITEM = re.compile(r"^\s*H(\d+)\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:dBr?)?\s*$")
_NAMES = ("Wf", "Wh", "Uf", "Uh", "bf")
BOUNDS = [(SPEC_BY_NAME[n].minimum, SPEC_BY_NAME[n].maximum) for n in _NAMES]
BOUNDS[1] = (0.05, BOUNDS[1][1])  # Wh 0 is silence: nothing to measure against


@dataclass(frozen=True)
class Target:
    """Wanted harmonic levels in dBr (harmonic number -> level) at a test sine."""

    levels_dbr: dict[int, float]
    freq_hz: float = DEFAULT_FREQ_HZ
    gain: float = DEFAULT_GAIN
    rate_hz: float = DEFAULT_RATE_HZ
    h1_dbfs: float | None = None  # the fundamental's level, when the source gave it


def parse_target(text: str) -> Target:
    """A ``Target`` from a JSON file's path or a ``H2=-20,H3=-12`` text; ``CaptureError`` if
    it is neither."""
    items = [item for item in text.split(",") if item.strip()]
    if not items:
        raise CaptureError("--harmonics: empty target (e.g. H2=-20,H3=-12,H5=-30)")
    path = Path(text)
    if text.lower().endswith(".json") or path.exists():
        return _from_json(path)
    levels: dict[int, float] = {}
    for item in items:
        match = _ITEM.match(item)
        if not match:
            raise CaptureError(
                f"--harmonics: {item.strip()!r} is not HN=dBr (e.g. H2=-20,H3=-12,H5=-30), "
                "nor a JSON file"
            )
        number, value = int(match.group(1)), float(match.group(2))
        _check_level(number, value, "--harmonics")
        levels[number] = value
    return Target(levels)


def _check_level(number: int, value: float, where: str) -> None:
    if not 2 <= number <= N_HARMONICS:
        raise CaptureError(f"{where}: H{number} is not a harmonic from H2 to H{N_HARMONICS}")
    low, high = TARGET_RANGE_DBR
    if not (math.isfinite(value) and low <= value <= high):
        raise CaptureError(f"{where}: H{number} = {value:g} dBr is out of range {low:g}..{high:g}")


def _from_json(path: Path) -> Target:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaptureError(f"--harmonics: {path}: no such file") from None
    except IsADirectoryError:
        raise CaptureError(f"--harmonics: {path}: is a folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaptureError(f"--harmonics: {path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise CaptureError(
            f"--harmonics: {path}: not JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    dbr = data.get("harmonics_dbr") if isinstance(data, dict) else None
    if not isinstance(dbr, list) or len(dbr) < 2:
        raise CaptureError(
            f"--harmonics: {path}: no 'harmonics_dbr' list (save 'grutui analyze --json' output)"
        )
    levels = {}
    for number, value in enumerate(dbr[1:N_HARMONICS], 2):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CaptureError(f"--harmonics: {path}: H{number} is not a number")
        _check_level(number, float(value), f"--harmonics: {path}")
        levels[number] = float(value)
    settings = {}
    for key, default, low, high in (
        ("freq_hz", DEFAULT_FREQ_HZ, 1.0, 100000.0),
        ("gain", DEFAULT_GAIN, 1e-6, 1e3),
        ("rate_hz", DEFAULT_RATE_HZ, 8000.0, 384000.0),
    ):
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CaptureError(f"--harmonics: {path}: {key!r} is not a number")
        if not (math.isfinite(value) and low <= value <= high):
            raise CaptureError(f"--harmonics: {path}: {key} {value:g} is out of range")
        settings[key] = float(value)
    if settings["freq_hz"] >= settings["rate_hz"] / 2:
        raise CaptureError(f"--harmonics: {path}: freq_hz must be below half of rate_hz")
    dbfs = data.get("harmonics_dbfs")
    h1 = float(dbfs[0]) if isinstance(dbfs, list) and dbfs and _finite(dbfs[0]) else None
    return Target(levels, h1_dbfs=h1, **settings)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class HarmonicFit:
    """The preset found for a target and what its analysis gives."""

    params: Params
    target: Target
    achieved_dbr: list[float]  # H1..H10 of the preset's analysis at the target's sine
    error_db: float  # RMS difference over the target's harmonics (floored at FLOOR_DBR)
    seconds: float
    evaluations: int
    interrupted: bool = False

    def to_dict(self) -> dict[str, object]:
        t = self.target
        return {
            "params": self.params.as_dict(),
            "target_dbr": {f"H{h}": v for h, v in sorted(t.levels_dbr.items())},
            "harmonics_dbr": [round(v, 3) for v in self.achieved_dbr],
            "error_db": round(self.error_db, 3),
            "freq_hz": t.freq_hz,
            "gain": t.gain,
            "rate_hz": t.rate_hz,
            "seconds": round(self.seconds, 3),
            "evaluations": self.evaluations,
            "interrupted": self.interrupted,
        }


def _mismatch(target: Target, achieved: np.ndarray) -> float:
    diffs = [
        max(achieved[h - 1], FLOOR_DBR) - max(level, FLOOR_DBR)
        for h, level in target.levels_dbr.items()
    ]
    return math.sqrt(float(np.mean(np.square(diffs))))


def fit_harmonics(
    target: Target,
    *,
    seed: int = 0,
    progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
) -> HarmonicFit | None:
    """The preset whose analysis at the target's sine has the target's harmonics; ``None`` if
    stopped before any result."""
    from scipy.optimize import differential_evolution

    started = time.monotonic()
    tracker = Tracker(progress, stop)
    tracker.enter("harmonics")
    base = Params(drive_db=0.0, output_db=0.0, mix=100.0, dc_block=True, auto_gain=False)

    def params_of(x: np.ndarray) -> Params:
        values = {
            n: float(min(max(v, lo), hi)) for n, v, (lo, hi) in zip(_NAMES, x, BOUNDS, strict=True)
        }
        return base.replace(**values)

    def cost(x: np.ndarray) -> float:
        result = analyze(
            params_of(x), freq_hz=target.freq_hz, gain=target.gain, rate_hz=target.rate_hz
        )
        value = _mismatch(target, result.harmonics_dbr)
        tracker.record(value, np.asarray(x, float))
        return value

    interrupted = False
    try:
        found = differential_evolution(
            cost,
            BOUNDS,
            seed=seed,
            popsize=10,
            maxiter=60,
            tol=1e-6,
            init="sobol",
            polish=True,
        )
        x = np.asarray(found.x, float)
    except (KeyboardInterrupt, Stopped):
        interrupted = True
        best = tracker.latest_best()
        if best is None:
            return None
        x = best
    params = params_of(np.round(x, 4))
    result = analyze(params, freq_hz=target.freq_hz, gain=target.gain, rate_hz=target.rate_hz)
    if target.h1_dbfs is not None:  # copy the level too
        output_db = target.h1_dbfs - float(result.harmonics_dbfs[0])
        spec = SPEC_BY_NAME["output_db"]
        params = params.replace(output_db=round(min(max(output_db, spec.minimum), spec.maximum), 2))
    return HarmonicFit(
        params=params,
        target=target,
        achieved_dbr=[float(v) for v in result.harmonics_dbr],
        error_db=_mismatch(target, result.harmonics_dbr),
        seconds=time.monotonic() - started,
        evaluations=tracker.evaluations + 1,
        interrupted=interrupted,
    )


# -- the harmonics term of a recording fit ------------------------------------------------------
TONE_S = 0.04  # a tone frame: 2048 samples at 48 kHz, bins 23 Hz apart (H1 of 110 Hz apart)
TONE_PURITY = 0.99  # share of the frame's energy within a few bins of its peak
TONE_MIN_HZ = 40.0
TONE_MIN_DBFS = -50.0
MAX_TONES = 24
TERM_HARMONICS = 10
TERM_FLOOR_DBR = -60.0  # harmonics this far under the fundamental are not worth matching
_EPS = 10.0 ** (TERM_FLOOR_DBR / 10.0)


@dataclass(frozen=True)
class _Tone:
    start: int
    freq_hz: float
    basis: np.ndarray  # (harmonics, frame) complex: windowed DFT rows at h * f0
    device_dbr: np.ndarray  # levels of H2.. relative to H1 in WET


def _relative_db(x: np.ndarray) -> np.ndarray:
    power = np.abs(x) ** 2
    return 10.0 * np.log10((power[1:] + _EPS * power[0]) / power[0])


def find_tones(material: Material) -> list[_Tone]:
    """Frames of DRY that hold one steady sine (the probe's bursts), inside the fitted part."""
    rate = material.rate_hz
    size = 2 ** round(math.log2(TONE_S * rate))
    window = np.hanning(size)
    tones = []
    # frames overlap by three quarters: a short burst still holds one whole frame
    for start in range(0, len(material.dry) - size + 1, size // 4):
        if not material.fit_mask[start : start + size].all():
            continue
        frame = material.dry[start : start + size].astype(np.float64)
        if np.max(np.abs(frame)) < 10.0 ** (TONE_MIN_DBFS / 20.0):
            continue
        spectrum = np.abs(np.fft.rfft(frame * window)) ** 2
        spectrum[0] = 0.0
        peak = int(np.argmax(spectrum))
        if spectrum[max(peak - 4, 0) : peak + 5].sum() < TONE_PURITY * spectrum.sum():
            continue
        a, b, c = np.log(spectrum[peak - 1 : peak + 2] + 1e-300)
        shift = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c else 0.0
        f0 = (peak + shift) * rate / size
        count = min(TERM_HARMONICS, int(0.45 * rate / f0))
        if f0 < TONE_MIN_HZ or count < 2:
            continue
        n = np.arange(size)
        basis = window * np.exp(-2j * np.pi * np.outer(np.arange(1, count + 1), n) * f0 / rate)
        device = _relative_db(basis @ material.wet[start : start + size])
        tones.append(_Tone(start, f0, basis, device))
    if len(tones) > MAX_TONES:
        tones = [tones[i] for i in np.linspace(0, len(tones) - 1, MAX_TONES).astype(int)]
    return tones


def harmonics_term(tones: list[_Tone], weight: float) -> Term:
    """``weight`` times the mean of ((model - device) dBr / 20)^2 over the tones' harmonics."""
    count = sum(len(t.device_dbr) for t in tones)
    scale = 10.0 / math.log(10.0)

    def term(v: np.ndarray) -> tuple[float, np.ndarray]:
        total = 0.0
        dv = np.zeros(len(v))
        for tone in tones:
            n = tone.basis.shape[1]
            x = tone.basis @ v[tone.start : tone.start + n]
            power = np.abs(x) ** 2
            rel = scale * (np.log(power[1:] + _EPS * power[0]) - np.log(power[0]))
            diff = rel - tone.device_dbr
            total += float(np.dot(diff, diff))
            g = 2.0 * weight * diff / (400.0 * count)
            coef = np.zeros(len(x))
            coef[1:] = g * scale / (power[1:] + _EPS * power[0])
            coef[0] = float(np.sum(g * scale * (_EPS / (power[1:] + _EPS * power[0]))))
            coef[0] -= float(np.sum(g)) * scale / power[0]
            dv[tone.start : tone.start + n] += 2.0 * np.real((coef * np.conj(x)) @ tone.basis)
        return weight * total / (400.0 * count), dv

    return term


def recording_term(
    weight: float, warn: Callable[[str], None] | None, warnings: list[str]
) -> Callable[[Material], Term | None]:
    """For each material, the harmonics term of its tones (a warning if it has none)."""
    told = False

    def make(material: Material) -> Term | None:
        nonlocal told
        tones = find_tones(material)
        if not tones:
            if not told:
                text = "no steady tones in DRY (the probe's bursts): --harmonics-weight ignored"
                warnings.append(text)
                if warn is not None:
                    warn(text)
                told = True
            return None
        return harmonics_term(tones, weight)

    return make
