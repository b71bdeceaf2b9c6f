"""Fitting a recording: DRY and WET in, a preset and an honest report out.

``fit_recording`` reads and checks the pair, aligns it (cross-correlation, then the latency
refined to the sample by the fit itself: a device with memory moves the correlation peak),
takes ``seconds`` of material in windows spread over the take (every fifth held out), runs the
search and measures the result with the real chain at the written oversampling.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from grutui.capture import search
from grutui.capture.align import (
    Pair,
    align,
    assemble,
    choose_windows,
    noise_warning,
    overlap,
    read_pair,
)
from grutui.capture.model import Loss, Material, esr, esr_preemph
from grutui.params import Params

DEFAULT_SECONDS = 10.0
# The correlation peaks late by a device's group delay (a tone filter: several samples), so the
# latency is looked for mostly before it; a static tanh is fitted only near it.
EARLY_SAMPLES = 12
LATE_SAMPLES = 3
SHIFTS = tuple(range(LATE_SAMPLES, -EARLY_SAMPLES - 1, -1))
COARSE_STEP = 3
SETTLE = (-2, -1, 1, 2)  # and then by the GRU itself, this far either way
QUALITY_BANDS = (
    (0.01, "great"),
    (0.035, "good"),
    (0.1, "fair"),
)
POOR = "poor: the device has more than one nonlinearity, or filters the GRU cannot model"
DRIVE_DB = (-24.0, 36.0)  # the drive_db range; Wh takes what it cannot
DIGITS = 4


def quality(value: float) -> str:
    """The word Neural Amp Modeler users know for an ESR."""
    for limit, word in QUALITY_BANDS:
        if value < limit:
            return word
    return POOR


@dataclass(frozen=True)
class Scores:
    """ESR of a model's output on the fitted and held-out samples."""

    esr: float
    esr_preemph: float
    esr_holdout: float
    esr_preemph_holdout: float

    @classmethod
    def of(cls, material: Material, estimate: np.ndarray) -> Scores:
        w, fit, hold = material.wet, material.fit_mask, material.hold_mask
        return cls(
            esr(w, estimate, fit),
            esr_preemph(w, estimate, fit),
            esr(w, estimate, hold) if hold.any() else math.nan,
            esr_preemph(w, estimate, hold) if hold.any() else math.nan,
        )


@dataclass(frozen=True)
class FitResult:
    """A fitted preset's parameters and how well they match the recording."""

    params: Params
    scores: Scores
    static_tanh: Scores  # the best static tanh waveshaper on the same material
    latency_samples: int
    polarity: int
    gain_db: float
    correlation: float
    seconds: float  # wall-clock time of the fit
    evaluations: int
    material_seconds: float
    holdout_seconds: float
    rate_hz: float
    dry_name: str
    wet_name: str
    warnings: tuple[str, ...] = ()
    interrupted: bool = False
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def quality(self) -> str:
        """The quality word, from the worse of the fitted and held-out (plain) ESR."""
        held = self.scores.esr_holdout
        return quality(max(self.scores.esr, held if math.isfinite(held) else 0.0))

    def description(self) -> str:
        """The preset's description: the files, today's date and the ESR."""
        held = self.scores.esr_holdout
        held_text = f"{held:.4g}" if math.isfinite(held) else "n/a"
        return (
            f"Captured from {self.wet_name} (dry {self.dry_name}) on {time.strftime('%Y-%m-%d')}"
            f": ESR {self.scores.esr:.4g}, held out {held_text} ({self.quality.split(':')[0]})"
            + ("; stopped early" if self.interrupted else "")
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON object of ``grutui fit --json``."""
        s, t = self.scores, self.static_tanh
        return {
            "params": self.params.as_dict(),
            "esr": s.esr,
            "esr_preemph": s.esr_preemph,
            "esr_holdout": _finite(s.esr_holdout),
            "esr_preemph_holdout": _finite(s.esr_preemph_holdout),
            "latency_samples": self.latency_samples,
            "polarity": self.polarity,
            "gain_db": round(self.gain_db, 3),
            "seconds": round(self.seconds, 3),
            "evaluations": self.evaluations,
            "quality": self.quality,
            "static_tanh": {
                "esr": t.esr,
                "esr_preemph": t.esr_preemph,
                "esr_holdout": _finite(t.esr_holdout),
            },
            "material_seconds": round(self.material_seconds, 3),
            "holdout_seconds": round(self.holdout_seconds, 3),
            "rate_hz": self.rate_hz,
            "correlation": round(self.correlation, 4),
            "dry": self.dry_name,
            "wet": self.wet_name,
            "warnings": list(self.warnings),
            "interrupted": self.interrupted,
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def preset_params(phi: np.ndarray, factor: int, output_gain: float = 1.0) -> Params:
    """The preset for a search point: drive carries the gain (Wh = 1) while it can."""
    drive = math.exp(phi[0])
    lo, hi = DRIVE_DB
    drive_db = min(max(20.0 * math.log10(drive), lo), hi)
    scale = drive / 10.0 ** (drive_db / 20.0)  # 1 unless the drive range ran out
    values = {
        "Wf": phi[1] * scale,
        "Wh": scale,
        "Uf": phi[2],
        "Uh": phi[3],
        "bf": phi[4],
        "drive_db": drive_db,
        "output_db": 20.0 * math.log10(output_gain),
    }
    from grutui.params import SPEC_BY_NAME

    clamped = {
        k: round(min(max(v, SPEC_BY_NAME[k].minimum), SPEC_BY_NAME[k].maximum), DIGITS)
        for k, v in values.items()
    }
    return Params(mix=100.0, dc_block=True, auto_gain=False, oversample=factor, **clamped)


def render_dry(material: Material, params: Params) -> np.ndarray:
    """The real chain's aligned output for the material's DRY (float64): what a render gives."""
    from grutui.api import process

    return process(material.dry, material.rate_hz, params).astype(np.float64)


def finish(material: Material, phi: np.ndarray, factor: int) -> tuple[Params, np.ndarray]:
    """The preset for ``phi`` with its output gain solved on the real chain, and its output."""
    unity = preset_params(phi, factor)
    out = render_dry(material, unity)
    _, _, gain = Loss(material.wet, material.fit_mask)(out, want_grad=False)
    params = preset_params(phi, factor, gain)
    return params, render_dry(material, params)


class _Prepared:
    """The material at one latency: all of it, and the scan's excerpt."""

    def __init__(self, pair: Pair, latency: int, polarity: int, seconds: float) -> None:
        d, w = overlap(pair.dry, pair.wet, latency)
        self.windows = choose_windows(len(d), pair.rate_hz, seconds)
        every = np.arange(len(self.windows.starts))
        fitted = every[~self.windows.held]
        self.material = assemble(d, polarity * w, pair.rate_hz, self.windows, every)
        self.excerpt = assemble(
            d, polarity * w, pair.rate_hz, self.windows, fitted[:: search.EXCERPT_EVERY]
        )


@dataclass(frozen=True)
class _Refined:
    latency: int  # where a smoothed tanh fits best: the GRU's
    prepared: _Prepared
    smoothed: search.SmoothedTanh
    static_latency: int  # where a static tanh fits best (for its own, fair, score)


def _refine(
    pair: Pair, latency: int, polarity: int, seconds: float, tracker: search.Tracker
) -> _Refined:
    """The latency near the correlation's where a smoothed tanh fits best (a static one would
    prefer the delay a device's memory adds, which the GRU models), and where a static one does.
    """
    prepared = {s: _Prepared(pair, latency + s, polarity, seconds) for s in SHIFTS}
    statics = {
        s: search.fit_static_tanh(prepared[s].excerpt, tracker)
        for s in SHIFTS
        if -LATE_SAMPLES <= s <= LATE_SAMPLES
    }
    static_shift = min(statics, key=lambda s: statics[s].loss)
    start = search.SmoothedTanh(statics[static_shift].drive, 0.3, math.inf, pair.rate_hz)
    fits: dict[int, search.SmoothedTanh] = {}

    def fit(shift: int) -> None:
        if shift in SHIFTS and shift not in fits:
            near = fits[min(fits, key=lambda s: abs(s - shift))] if fits else start
            fits[shift] = search.fit_smoothed_tanh(
                prepared[shift].excerpt, tracker, near.drive, near.pole
            )

    for shift in SHIFTS[::COARSE_STEP]:  # every third shift, then around the best of those
        fit(shift)
    coarse = min(fits, key=lambda s: fits[s].loss)
    for shift in range(coarse - COARSE_STEP + 1, coarse + COARSE_STEP):
        fit(shift)
    best = min(fits, key=lambda s: fits[s].loss)
    return _Refined(latency + best, prepared[best], fits[best], latency + static_shift)


def fit_recording(
    dry_path: str | os.PathLike[str],
    wet_path: str | os.PathLike[str],
    *,
    seconds: float = DEFAULT_SECONDS,
    seed: int = 0,
    harmonics_weight: float = 0.0,
    progress: Callable[[search.Progress], None] | None = None,
    warn: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> FitResult | None:
    """Fit the chain to the recording WET of DRY; ``None`` if stopped before any result.

    Parameters
    ----------
    dry_path, wet_path : path
        What went into the device, and what came out (any rate, both the same).
    seconds : float
        Seconds of material to use, spread over the take; a fifth of it is held out.
    seed : int
        Seed of the search's quasi-random starts: the same seed gives the same preset.
    harmonics_weight : float
        Weight of a term matching the harmonics of the steady tones in DRY (0: ESR only).
    progress, warn : callables
        Called with a ``search.Progress`` after each evaluation, and with each warning.
    stop : threading.Event
        When set, the search ends and the best result so far is returned.
    """
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"--seconds must be a positive number of seconds, got {seconds:g}")
    started = time.monotonic()
    pair = read_pair(dry_path, wet_path)
    alignment = align(pair)
    noise = noise_warning(pair, alignment)
    warnings = [*pair.warnings, *([noise] if noise else [])]
    for text in warnings:
        if warn is not None:
            warn(text)
    tracker = search.Tracker(progress, stop)
    extra = _harmonic_term(harmonics_weight, warn, warnings)
    interrupted = False
    prepared: _Prepared | None = None
    static: search.StaticTanh | None = None
    static_material: Material | None = None
    found: dict[int, np.ndarray] = {}
    latency = alignment.latency_samples
    try:
        refined = _refine(pair, latency, alignment.polarity, seconds, tracker)
        latency, prepared = refined.latency, refined.prepared
        if refined.static_latency != latency:
            static_material = _Prepared(
                pair, refined.static_latency, alignment.polarity, seconds
            ).material
        static = search.fit_static_tanh(static_material or prepared.material, tracker)
        ranked = search.explore(
            prepared.excerpt, static, refined.smoothed, tracker, seed=seed, extra=extra
        )
        nearby = {s: _Prepared(pair, latency + s, alignment.polarity, seconds) for s in SETTLE}
        nearby[0] = prepared
        shift, ranked = search.settle_latency(
            {s: p.excerpt for s, p in nearby.items()}, ranked, tracker, extra=extra
        )
        latency, prepared = latency + shift, nearby[shift]
        found = search.polish(prepared.material, ranked, tracker, extra=extra)
    except (KeyboardInterrupt, search.Stopped):
        interrupted = True
        best = tracker.latest_best()
        if best is not None:
            found = {search.OVERSAMPLE: best}
    if prepared is None or not found:
        return None
    material = prepared.material
    static_material = static_material or material
    if static is None:
        static = search.fit_static_tanh(static_material, search.Tracker())
    # the tanh's own GRU setting is a candidate too: never worse than the static tanh start
    candidates = [*found.items(), (1, search.tanh_start(static))]
    finished = [finish(material, phi, factor) for factor, phi in candidates]
    loss = Loss(material.wet, material.fit_mask)
    term = extra(material)

    def objective(item: tuple[Params, np.ndarray]) -> float:  # what the search minimised
        return loss(item[1], want_grad=False)[0] + (term(item[1])[0] if term is not None else 0.0)

    params, out = min(finished, key=objective)
    static_out = static.gain * np.tanh(static.drive * static_material.dry.astype(np.float64))
    rate = pair.rate_hz
    return FitResult(
        params=params,
        scores=Scores.of(material, out),
        static_tanh=Scores.of(static_material, static_out),
        latency_samples=latency,
        polarity=alignment.polarity,
        gain_db=alignment.gain_db,
        correlation=alignment.correlation,
        seconds=time.monotonic() - started,
        evaluations=tracker.evaluations + len(finished) * 2,
        material_seconds=float(material.fit_mask.sum() + material.hold_mask.sum()) / rate,
        holdout_seconds=float(material.hold_mask.sum()) / rate,
        rate_hz=rate,
        dry_name=pair.dry_name,
        wet_name=pair.wet_name,
        warnings=tuple(warnings),
        interrupted=interrupted,
    )


def _harmonic_term(
    weight: float, warn: Callable[[str], None] | None, warnings: list[str]
) -> search.Extra:
    if not (math.isfinite(weight) and weight >= 0):
        raise ValueError(f"--harmonics-weight must be 0 or more, got {weight:g}")
    if weight == 0:
        return search.no_extra
    from grutui.capture.harmonics import recording_term

    return recording_term(weight, warn, warnings)


__all__ = ["FitResult", "Scores", "fit_recording", "quality"]
