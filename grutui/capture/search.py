"""The search: the best static tanh, a quasi-random scan, local polish by L-BFGS-B.

The search runs over ``phi = (log drive, Wf, Uf, Uh, bf)`` with ``Wh = 1``: the sound depends
on drive, Wh and Wf only through ``Wh * drive`` and ``Wf * drive``, so one of the three is
redundant. Stages, each on more material or closer to the written preset than the last:

1. the best static tanh ``A tanh(g x)`` (a scan of ``g`` and a Brent polish): the GRU holds it
   as a special case (gate closed: ``bf`` at its floor), so it is one of the starts;
2. a scrambled Sobol scan of the box around it on an excerpt at 2x oversampling (aliasing is
   already 55 dB down there, at half the cost of 4x); the best few, and the tanh, polished
   there by successive halving (all a little, the best three more);
3. the best (and a close runner-up) polished on all the material at the oversampling the
   preset is written with.

Deterministic for a given seed. ``Tracker`` keeps the best point of each stage, so Ctrl-C (or a
``stop`` event) ends the search with the best result so far.
"""

from __future__ import annotations

import functools
import math
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.signal import lfilter
from scipy.stats import qmc

from grutui.capture.model import ChainModel, Loss, Material, Term
from grutui.dsp.chain import SEED_RATE_HZ

T = TypeVar("T")
R = TypeVar("R")

# log drive, Wf, Uf, Uh, bf: the preset's ranges (Wh = 1), drive from -40 to +60 dB
BOUNDS = (
    (math.log(0.01), math.log(1000.0)),
    (-10.0, 20.0),
    (-10.0, 10.0),
    (-5.0, 5.0),
    (-5.0, 10.0),
)
BF_CLOSED = BOUNDS[4][0]
MAX_POLE = 0.98  # the gate as closed as the range allows: nearly a static tanh
SCAN_POINTS = 64
SCAN_KEEP = 6
EXCERPT_EVERY = 6  # the scan's excerpt: every sixth fitted window
OVERSAMPLE = 4  # the written preset's factor unless the take fits 1x better: clean of aliasing
SEARCH_FACTOR = 2  # oversampling of the scan: aliasing 55 dB down already, half the cost of 4x
ROUNDS = ((8, 3), (25, 2))  # (L-BFGS-B iterations, starts kept) on the excerpt
FINALIST_RATIO = 1.2  # the runner-up is polished on all the material only if this close
POLISH_ITERATIONS = 25
LATENCY_ITERATIONS = 8
LATENCY_MARGIN = 0.98  # another latency must fit clearly better than the one found
FINAL_ITERATIONS = 10


class Stopped(Exception):  # noqa: N818 - a request, not an error
    """The user asked the search to stop (Ctrl-C or the stop event)."""


def to_theta(phi: np.ndarray) -> np.ndarray:
    """(Wf, Wh, Uf, Uh, bf) of the GRU with the drive folded in, from ``phi``."""
    g = math.exp(phi[0])
    return np.array([phi[1] * g, g, phi[2], phi[3], phi[4]])


def _grad_phi(phi: np.ndarray, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
    g = theta[1]
    return np.array([grad[0] * theta[0] + grad[1] * g, grad[0] * g, grad[2], grad[3], grad[4]])


@dataclass
class Progress:
    """What the search is doing, for a progress line."""

    stage: str
    evaluations: int
    best_error: float
    elapsed_s: float


class Tracker:
    """Counts evaluations, keeps each stage's best point, reports progress, honours ``stop``."""

    def __init__(
        self,
        progress: Callable[[Progress], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.progress = progress
        self.stop = stop
        self.evaluations = 0
        self.started = time.monotonic()
        self.stage = "static tanh"
        self.best: dict[str, tuple[float, np.ndarray]] = {}
        self.order: list[str] = []
        self.halt = threading.Event()  # set when one worker thread stops: the others follow
        self._lock = threading.Lock()

    def enter(self, stage: str) -> None:
        self.stage = stage
        if stage not in self.order:
            self.order.append(stage)

    def record(self, value: float, phi: np.ndarray) -> None:
        with self._lock:
            self.evaluations += 1
            known = self.best.get(self.stage)
            if math.isfinite(value) and (known is None or value < known[0]):
                self.best[self.stage] = (value, np.array(phi, float))
            if self.progress is not None:  # under the lock: one line at a time, from any thread
                best = self.best.get(self.stage, (math.inf, None))[0]
                elapsed = time.monotonic() - self.started
                self.progress(Progress(self.stage, self.evaluations, best, elapsed))
        if self.halt.is_set() or (self.stop is not None and self.stop.is_set()):
            raise Stopped

    def latest_best(self) -> np.ndarray | None:
        """The best point of the furthest stage that has one."""
        for stage in reversed(self.order):
            if stage in self.best:
                return self.best[stage][1]
        return None


@dataclass(frozen=True)
class StaticTanh:
    """The best ``gain * tanh(drive * x)`` for the material."""

    drive: float
    gain: float
    loss: float


def fit_static_tanh(material: Material, tracker: Tracker) -> StaticTanh:
    """The static tanh waveshaper with input and output gain that minimises the loss."""
    tracker.enter("static tanh")
    loss = Loss(material.wet, material.fit_mask)
    dry = material.dry.astype(np.float64)

    def value(log_g: float) -> float:
        result = loss(np.tanh(math.exp(log_g) * dry), want_grad=False)[0]
        tracker.record(result, np.array([log_g, 0.0, 0.0, 0.0, BF_CLOSED]))
        return result

    grid = np.linspace(*BOUNDS[0], 41)
    values = [value(float(v)) for v in grid]
    i = int(np.argmin(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    found = minimize_scalar(value, bounds=(lo, hi), method="bounded", options={"xatol": 1e-4})
    log_g = float(found.x) if found.fun < values[i] else float(grid[i])
    g = math.exp(log_g)
    best, _, gain = loss(np.tanh(g * dry), want_grad=False)
    return StaticTanh(g, gain, best)


def tanh_start(static: StaticTanh) -> np.ndarray:
    """The GRU setting closest to the static tanh: gate closed, no feedback."""
    return np.array([math.log(static.drive), 0.0, 0.0, 0.0, BF_CLOSED])


@dataclass(frozen=True)
class SmoothedTanh:
    """The best ``tanh(drive * x)`` through a one-pole smoother of ``pole`` (per sample)."""

    drive: float
    pole: float
    loss: float
    rate_hz: float

    def start(self) -> np.ndarray:
        """The GRU setting with this behaviour: a constant gate, ``fe = sigmoid(bf) ** k``."""
        k = SEED_RATE_HZ / self.rate_hz
        gate = self.pole ** (1.0 / k)
        bf = math.log(gate / (1.0 - gate)) if gate > 0 else BF_CLOSED
        bf = min(max(bf, BOUNDS[4][0]), BOUNDS[4][1])
        return np.array([math.log(self.drive), 0.0, 0.0, 0.0, bf])


def fit_smoothed_tanh(
    material: Material, tracker: Tracker, drive: float, pole: float = 0.3, evaluations: int = 80
) -> SmoothedTanh:
    """A tanh followed by a one-pole low-pass: the GRU with a constant gate. Devices with
    memory (an RC filter, a recurrence) are late against their input by a fraction of a sample
    or more; this model is too, so it tells the latency a GRU will fit best. Starts from
    ``drive`` and ``pole``."""
    tracker.enter("static tanh")
    loss = Loss(material.wet, material.fit_mask)
    dry = material.dry.astype(np.float64)
    k = SEED_RATE_HZ / material.rate_hz

    def value(z: np.ndarray) -> float:
        pole = min(max(float(z[1]), 0.0), MAX_POLE)
        shaped = np.tanh(math.exp(z[0]) * dry)
        result = loss(lfilter([1.0 - pole], [1.0, -pole], shaped), want_grad=False)[0]
        gate = pole ** (1.0 / k)
        bf = math.log(gate / (1.0 - gate)) if gate > 0 else BF_CLOSED
        tracker.record(result, np.array([z[0], 0.0, 0.0, 0.0, max(bf, BF_CLOSED)]))
        return result

    found = minimize(
        value,
        np.array([math.log(drive), pole]),
        method="Nelder-Mead",
        options={"xatol": 1e-4, "fatol": 1e-10, "maxfev": evaluations},
    )
    pole = min(max(float(found.x[1]), 0.0), MAX_POLE)
    return SmoothedTanh(math.exp(found.x[0]), pole, float(found.fun), material.rate_hz)


class _Objective:
    def __init__(
        self,
        model: ChainModel,
        loss: Loss,
        tracker: Tracker,
        extra: Term | None = None,
    ) -> None:
        self.model, self.loss, self.tracker, self.extra = model, loss, tracker, extra

    def __call__(self, phi: np.ndarray) -> tuple[float, np.ndarray]:
        theta = to_theta(phi)
        value, grad, _ = self.model.evaluate(theta, self.loss, self.extra)
        if not math.isfinite(value):
            value, grad = 1e6, np.zeros(5)
        self.tracker.record(value, phi)
        return value, _grad_phi(phi, theta, grad)

    def value(self, phi: np.ndarray) -> float:
        """The loss alone (no gradient: a forward pass)."""
        theta = to_theta(phi)
        value = self.model.value(theta, self.loss, self.extra)
        value = value if math.isfinite(value) else 1e6
        self.tracker.record(value, phi)
        return value


def _polish(objective: _Objective, start: np.ndarray, iterations: int) -> tuple[float, np.ndarray]:
    found = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=BOUNDS,
        options={
            "maxiter": iterations,
            "maxfun": iterations * 3 // 2,
            "ftol": 1e-12,
            "gtol": 1e-10,
        },
    )
    return float(found.fun), np.asarray(found.x, float)


class _Workers:
    """Objectives on one material for up to ``count`` threads (the GRU kernel releases the GIL);
    ``map`` runs tasks on them and returns the results in order, so threads change nothing in
    the outcome."""

    def __init__(
        self, material: Material, factor: int, tracker: Tracker, term: Term | None, count: int
    ) -> None:
        loss = Loss(material.wet, material.fit_mask)
        self.tracker = tracker
        self.count = count
        self.free: queue.SimpleQueue[_Objective] = queue.SimpleQueue()
        for _ in range(count):
            model = ChainModel(material.dry, material.rate_hz, factor)
            self.free.put(_Objective(model, loss, tracker, term))

    def map(self, task: Callable[[_Objective, T], R], items: list[T]) -> list[R]:
        if self.count == 1:
            return [self._run(task, item) for item in items]
        with ThreadPoolExecutor(self.count) as pool:
            futures = [pool.submit(self._run, task, item) for item in items]
            try:
                return [future.result() for future in futures]
            except BaseException:
                self.tracker.halt.set()  # the others stop at their next evaluation
                for future in futures:
                    future.cancel()
                raise

    def _run(self, task: Callable[[_Objective, T], R], item: T) -> R:
        objective = self.free.get()
        try:
            return task(objective, item)
        finally:
            self.free.put(objective)


Ranked = list[tuple[float, np.ndarray]]  # (loss, phi), best first
Extra = Callable[[Material], Term | None]


def no_extra(material: Material) -> None:
    """No term besides the ESR."""
    return None


def explore(
    excerpt: Material,
    static: StaticTanh,
    smoothed: SmoothedTanh,
    tracker: Tracker,
    *,
    seed: int = 0,
    extra: Extra = no_extra,
    workers: int = 2,
) -> Ranked:
    """Scan and polish on the excerpt: the best few points, best first."""
    tracker.enter("search")
    scan = _Workers(excerpt, SEARCH_FACTOR, tracker, extra(excerpt), workers)
    start = tanh_start(static)
    sobol = qmc.Sobol(d=5, scramble=True, seed=np.random.default_rng(seed))
    low = np.array([start[0] - math.log(8.0), -6.0, -6.0, -3.0, -3.0])
    high = np.array([start[0] + math.log(8.0), 12.0, 6.0, 3.0, 6.0])
    points = qmc.scale(sobol.random(SCAN_POINTS), low, high)
    points[:, 0] = np.clip(points[:, 0], *BOUNDS[0])
    scores = scan.map(_Objective.value, list(points))
    pool = [start, smoothed.start()] + [points[i] for i in np.argsort(scores)[:SCAN_KEEP]]
    ranked: list[tuple[float, np.ndarray]] = []
    for iterations, keep in ROUNDS:  # successive halving: more work for the better starts
        polished = scan.map(functools.partial(_polish, iterations=iterations), pool)
        ranked = sorted(polished, key=_first)[:keep]
        pool = [p for _, p in ranked]
    return ranked


def settle_latency(
    excerpts: dict[int, Material],
    ranked: Ranked,
    tracker: Tracker,
    *,
    extra: Extra = no_extra,
    workers: int = 2,
) -> tuple[int, Ranked]:
    """The shift of the latency (a key of ``excerpts``, 0 the current one) where the best point,
    briefly polished there, fits best; the points to go on from."""
    tracker.enter("latency")
    shifts = [s for s in sorted(excerpts) if s != 0]
    best_shift, best = 0, ranked[0]
    for shift in shifts:
        work = _Workers(excerpts[shift], SEARCH_FACTOR, tracker, extra(excerpts[shift]), 1)
        found = work.map(functools.partial(_polish, iterations=LATENCY_ITERATIONS), [best[1]])[0]
        if found[0] < best[0] * LATENCY_MARGIN:
            best_shift, best = shift, found
    return (0, ranked) if best_shift == 0 else (best_shift, [best])


def polish(
    material: Material,
    ranked: Ranked,
    tracker: Tracker,
    *,
    extra: Extra = no_extra,
    workers: int = 2,
) -> dict[int, np.ndarray]:
    """The best ``phi`` on all the material for each oversampling factor tried (4x, then 1x
    from there); ``Stopped`` propagates (the tracker holds the best so far)."""
    tracker.enter("polish")
    finalists = [p for value, p in ranked if value <= FINALIST_RATIO * ranked[0][0]]
    full = _Workers(material, SEARCH_FACTOR, tracker, extra(material), min(workers, len(finalists)))
    polished = full.map(functools.partial(_polish, iterations=POLISH_ITERATIONS), finalists)
    best = min(polished, key=_first)[1]

    # The last steps at the written factor (what 2x still aliases, 4x does not), and at 1x: a
    # digital device aliases as a 1x chain does, which no oversampled chain can match. The
    # caller keeps whichever fits the take better. Both run at once.
    tracker.enter(f"polish {OVERSAMPLE}x and 1x")
    last = [_Workers(material, f, tracker, extra(material), 1) for f in (OVERSAMPLE, 1)]
    with ThreadPoolExecutor(min(workers, 2)) as executor:
        jobs = [
            executor.submit(w.map, functools.partial(_polish, iterations=its), [best])
            for w, its in zip(last, (FINAL_ITERATIONS, POLISH_ITERATIONS), strict=True)
        ]
        try:
            results = [job.result()[0][1] for job in jobs]
        except BaseException:
            tracker.halt.set()
            raise
    return {OVERSAMPLE: results[0], 1: results[1]}


def _first(item: tuple[float, np.ndarray]) -> float:
    return item[0]
