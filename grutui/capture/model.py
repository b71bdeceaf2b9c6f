"""The chain as a differentiable function of the GRU's parameters, for fitting.

``ChainModel`` runs the chain's own stages on a fixed DRY signal: the oversampling filters (the
chain's taps), the chain's GRU kernel, the DC blocker, all with mix at 100 %. The input gain is
folded into the GRU's input weights (``Wf * drive`` and ``Wh * drive`` are what the sound depends
on) and the output gain is solved in closed form for every evaluation, so the search runs over
five numbers. The loss is the literature's: the error-to-signal ratio after a first-order
pre-emphasis ``1 - 0.85 z^-1``, plus a DC term, over the samples marked for fitting.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from grutui.capture import kernels
from grutui.dsp import filters
from grutui.dsp import kernels as chain_kernels
from grutui.dsp.chain import DC_CUTOFF_HZ, SEED_RATE_HZ
from grutui.params import SPEC_BY_NAME

Term = Callable[[np.ndarray], tuple[float, np.ndarray]]  # output -> (value, d value / d output)
PREEMPH = 0.85
SPLIT_WARMUP_S = 0.1
OUTPUT_MIN = 10.0 ** (SPEC_BY_NAME["output_db"].minimum / 20.0)
OUTPUT_MAX = 10.0 ** (SPEC_BY_NAME["output_db"].maximum / 20.0)


def preemph(x: np.ndarray) -> np.ndarray:
    """``x[n] - 0.85 x[n-1]`` (float64)."""
    return lfilter([1.0, -PREEMPH], [1.0], np.asarray(x, np.float64))


def esr(target: np.ndarray, estimate: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Error-to-signal ratio ``sum((target - estimate)^2) / sum(target^2)`` over ``mask``."""
    err = np.asarray(target, np.float64) - estimate
    ref = np.asarray(target, np.float64)
    if mask is not None:
        err, ref = err[mask], ref[mask]
    energy = float(np.dot(ref, ref))
    return float(np.dot(err, err)) / energy if energy > 0 else math.inf


def esr_preemph(target: np.ndarray, estimate: np.ndarray, mask: np.ndarray | None = None) -> float:
    """The ESR of the pre-emphasised signals."""
    return esr(preemph(target), preemph(estimate), mask)


@dataclass(frozen=True)
class Material:
    """Aligned mono DRY and WET (WET polarity-corrected), and which samples fit or test."""

    dry: np.ndarray  # float32 (n,)
    wet: np.ndarray  # float64 (n,)
    fit_mask: np.ndarray  # bool (n,): samples the loss is computed on
    hold_mask: np.ndarray  # bool (n,): held-out samples (reported, never fitted)
    rate_hz: float


class Loss:
    """Pre-emphasised ESR plus DC term against a target, with the output gain solved."""

    def __init__(self, wet: np.ndarray, mask: np.ndarray) -> None:
        self.mask = mask.astype(np.float64)
        self.count = float(self.mask.sum())
        if self.count == 0:
            raise ValueError("no samples to fit")
        self.wet = wet
        self.target = preemph(wet)
        self.energy_p = float(np.dot(self.mask * self.target, self.target))
        self.mean_w = float(np.dot(self.mask, wet)) / self.count
        self.power_w = float(np.dot(self.mask * wet, wet)) / self.count

    def __call__(self, v: np.ndarray, want_grad: bool = True) -> tuple[float, np.ndarray, float]:
        """(loss, dLoss/dv or empty, output gain) for the model's output ``v`` before gain."""
        v = np.ascontiguousarray(v, dtype=np.float64)
        s_tu, s_uu, s_v = kernels.loss_sums(v, self.target, self.mask, PREEMPH)
        mean_v = s_v / self.count
        num = s_tu / self.energy_p + self.mean_w * mean_v / self.power_w
        den = s_uu / self.energy_p + mean_v * mean_v / self.power_w
        gain = min(max(num / den if den > 0 else OUTPUT_MIN, OUTPUT_MIN), OUTPUT_MAX)
        dc = self.mean_w - gain * mean_v
        dv = np.empty(len(v))
        scale = -2.0 * gain / self.energy_p
        slope = -2.0 * gain * dc / (self.power_w * self.count)
        residual = kernels.loss_residual(v, self.target, self.mask, PREEMPH, gain, scale, slope, dv)
        loss = residual / self.energy_p + dc * dc / self.power_w
        return loss, (dv if want_grad else np.empty(0)), gain


def _dc_coefs(rate_hz: float) -> tuple[list[float], list[float]]:
    pole = math.exp(-2.0 * math.pi * DC_CUTOFF_HZ / rate_hz)
    return [1.0, -1.0], [1.0, -pole]


def _upsample(x: np.ndarray, phases: np.ndarray) -> np.ndarray:
    """Interpolate by 2 with the chain's kernel (state starting at zero)."""
    x = np.ascontiguousarray(x, dtype=np.float32)[None, :]
    work = np.zeros((1, phases.shape[1] - 1 + x.shape[1]), np.float32)
    out = np.zeros((1, 2 * x.shape[1]), np.float32)
    chain_kernels.upsample(x, x.shape[1], work, phases, out)
    return out[0]


def _downsample(x: np.ndarray, h_rev: np.ndarray) -> np.ndarray:
    """Filter and decimate by 2 with the chain's kernel (state starting at zero)."""
    x = np.ascontiguousarray(x, dtype=np.float32)[None, :]
    work = np.zeros((1, len(h_rev) - 1 + x.shape[1]), np.float32)
    out = np.zeros((1, x.shape[1] // 2), np.float32)
    chain_kernels.downsample(x, x.shape[1] // 2, 2, work, h_rev, out)
    return out[0]


class ChainModel:
    """The chain at oversampling ``factor`` on ``dry``: output and gradient for GRU settings.

    ``theta`` is (Wf_e, Wh_e, Uf, Uh, bf) with the input gain folded into the first two. The
    output equals ``Chain`` with the same settings (mix 100 %, DC blocker on), latency removed,
    up to float32 rounding.
    """

    def __init__(self, dry: np.ndarray, rate_hz: float, factor: int = 1) -> None:
        self.n = len(dry)
        self.rate_hz = float(rate_hz)
        self.factor = int(factor)
        self.stages = int(math.log2(self.factor))
        self.taps = [filters.stage_taps(s) for s in range(1, self.stages + 1)]
        self.latency = sum(filters.stage_latency(s) for s in range(1, self.stages + 1))
        self.k = SEED_RATE_HZ / (self.rate_hz * self.factor)
        self.dc_b, self.dc_a = _dc_coefs(self.rate_hz)
        signal = np.concatenate([np.asarray(dry, np.float32), np.zeros(self.latency, np.float32)])
        for taps in self.taps:  # stage 1 first, as the chain does
            signal = _upsample(signal, filters.polyphase(taps, 2))
        self.x = np.ascontiguousarray(signal, dtype=np.float32)
        # The chain's kernel runs a pair of channels in the time of one, so the signal runs as two
        # halves side by side, the second starting a warm-up early (its output there dropped).
        m = len(self.x)
        warm = int(SPLIT_WARMUP_S * self.rate_hz * self.factor)
        half = m // 2
        self._rows = [(0, half, 0), (half - warm, m, warm)] if m >= 4 * warm else [(0, m, 0)]
        self._h = np.zeros((len(self._rows), max(b - a for a, b, _ in self._rows)), np.float32)
        self._h_rev = [np.ascontiguousarray(t[::-1], dtype=np.float32) for t in self.taps]
        # the adjoint of filter-and-decimate is interpolation by the same (symmetric) taps
        self._adjoint_phases = [filters.polyphase(t / 2.0, 2) for t in self.taps]
        self._work: np.ndarray | None = None  # the backward pass's buffers, made on first use
        self.evaluations = 0

    def gru(self, theta: np.ndarray) -> np.ndarray:
        """The GRU's output at the internal rate (the chain's own kernel)."""
        rows, width = self._h.shape
        for row, (a, b, _) in enumerate(self._rows):
            self._h[row, : b - a] = self.x[a:b]
            self._h[row, b - a :] = 0.0
        params = np.ascontiguousarray(theta, dtype=np.float64)
        y1, update = np.zeros(rows), chain_kernels.update_table(self.k)
        chain_kernels.gru(self._h, width, y1, params.copy(), params, 0.0, self.k, update)
        return np.concatenate([self._h[r, d : b - a] for r, (a, b, d) in enumerate(self._rows)])

    def output(self, theta: np.ndarray) -> np.ndarray:
        """The chain's aligned output (before the output gain), float64 (n,)."""
        return self._after_gru(self.gru(theta))

    def _after_gru(self, h: np.ndarray) -> np.ndarray:
        signal = h
        for h_rev in reversed(self._h_rev):
            signal = _downsample(signal, h_rev)
        signal = lfilter(self.dc_b, self.dc_a, signal.astype(np.float64))
        return signal[self.latency : self.latency + self.n]

    def _after_gru_adjoint(self, dv: np.ndarray) -> np.ndarray:
        signal = np.zeros(self.n + self.latency)
        signal[self.latency :] = dv
        signal = lfilter(self.dc_b, self.dc_a, signal[::-1])[::-1]
        for taps, phases in zip(self.taps, self._adjoint_phases, strict=True):
            lead = len(taps) - 1
            padded = np.concatenate([signal, np.zeros(lead // 2 + 1)]).astype(np.float32)
            signal = _upsample(padded, phases)[lead : lead + 2 * len(signal)]
        return np.ascontiguousarray(signal, dtype=np.float64)

    def value(self, theta: np.ndarray, loss: Loss, extra: Term | None = None) -> float:
        """The loss alone: a forward pass, no gradient."""
        self.evaluations += 1
        v = self._after_gru(self.gru(theta))
        value = loss(v, want_grad=False)[0]
        return value + extra(v)[0] if extra is not None else value

    def evaluate(
        self, theta: np.ndarray, loss: Loss, extra: Term | None = None
    ) -> tuple[float, np.ndarray, float]:
        """(loss, gradient over theta, output gain); ``extra`` adds a term of the output."""
        self.evaluations += 1
        h = self.gru(theta)
        v = self._after_gru(h)
        value, dv, gain = loss(v)
        if extra is not None:
            more, more_dv = extra(v)
            value, dv = value + more, dv + more_dv
        return value, self._backward(theta, self._after_gru_adjoint(dv)), gain

    def _backward(self, theta: np.ndarray, q: np.ndarray) -> np.ndarray:
        """dLoss/dtheta from ``q = dLoss/dh`` (see ``kernels``), row by row of the last run."""
        if self._work is None:
            self._work = np.zeros((6, self._h.shape[1]))
        grad = np.zeros(5)
        for row, (a, b, drop) in enumerate(self._rows):
            n = b - a
            own_q = np.concatenate([np.zeros(drop), q[a + drop : b]])
            work = self._work[:, :n]
            self._backward_row(theta, self.x[a:b], self._h[row, :n], own_q, work, grad)
        return grad

    def _backward_row(
        self,
        theta: np.ndarray,
        x: np.ndarray,
        h: np.ndarray,
        q: np.ndarray,
        work: np.ndarray,
        grad: np.ndarray,
    ) -> None:
        z, e, log1p_e, f, k_log_f, a = work
        wf, wh, uf, uh, bf = (float(v) for v in theta)
        kernels.gate_input(x, h, wf, uf, bf, z)
        np.abs(z, out=e)
        np.negative(e, out=e)
        np.exp(e, out=e)
        np.log1p(e, out=log1p_e)
        kernels.branch(x, h, z, e, log1p_e, wh, uh, self.k, f, k_log_f, a)
        fe, one_fe, th = z, e, log1p_e  # (their old contents are spent)
        np.exp(k_log_f, out=fe)
        np.expm1(k_log_f, out=one_fe)
        np.negative(one_fe, out=one_fe)
        np.tanh(a, out=th)
        params = np.asarray(theta, np.float64)
        kernels.adjoint(x, h, q, f, fe, one_fe, th, a, params, self.k, grad)
