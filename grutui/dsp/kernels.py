"""The numba kernels of the chain: input and output stages, the oversampling FIRs; the GRU
itself is in ``gru_kernel.py`` (re-exported here).

numba's cache checks only the stamp of the file that holds a jitted function, so each kernel
module calls no jitted helper of another file: a change anywhere in one invalidates its cache.
Each kernel has an explicit signature (a new argument type would recompile silently, a dropout in
an audio callback) and ``nogil=True`` so render and analysis threads do not hold the GIL.
No ``fastmath`` outside the FIR dot products: it would delete the NaN checks.

Buffers are channel-major ``(channels, frames)`` float32 work arrays preallocated by the chain;
``n`` says how many frames of them are in use, so a call slices nothing and allocates nothing.
Parameter smoothers are float64 arrays ``cur`` (smoothed) and ``tgt`` (targets): a one-pole step
per sample with coefficient ``coef``, the same smoothing time at any rate.
"""

from __future__ import annotations

import threading
from types import FunctionType, SimpleNamespace
from typing import Any

import numba as nb
import numpy as np

from grutui.dsp.gru_kernel import gru as gru  # re-exported: the chain calls kernels.gru
from grutui.jit import njit

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}
# The FIR dot products may be reordered (and so vectorised); no-NaN/no-inf flags stay off.
_FIR_OPTS = {**_OPTS, "fastmath": {"reassoc", "contract", "nsz", "arcp"}}

# Indices of the base-rate smoothers (input/output stage).
DRIVE, OUTPUT, MIX, DC = 0, 1, 2, 3


@nb.njit(inline="always")
def _input_channel(x, c, n, dry, wet, drive, target, coef, moving):  # pragma: no cover
    """Channel ``c`` of the input stage; ``moving`` (a constant after inlining) keeps the drive's
    smoothing in the loop, without it the loop vectorises."""
    bad = 0
    for i in range(n):
        if moving:
            drive += (target - drive) * coef
        v = x[i, c]
        ok = v - v == np.float32(0.0)
        bad += 0 if ok else 1
        v = v if ok else np.float32(0.0)
        dry[c, i] = v
        wet[c, i] = np.float32(v * drive)
    return bad, drive


@njit(
    "int64(float32[:, ::1], int64, float32[:, ::1], float32[:, ::1], "
    "float64[::1], float64[::1], float64)",
    **_OPTS,
)
def input_stage(x, n, dry, wet, cur, tgt, coef):  # pragma: no cover - compiled
    """Transpose ``x`` (frames, channels) into ``dry``; ``wet`` = dry times the smoothed drive.

    Non-finite samples become 0 so they cannot poison the recurrent state; returns their count.
    """
    bad = 0
    drive = cur[DRIVE]
    moving = drive + (tgt[DRIVE] - drive) * coef != drive
    for c in range(x.shape[1]):
        if moving:
            count, end = _input_channel(x, c, n, dry, wet, cur[DRIVE], tgt[DRIVE], coef, True)
        else:
            count, end = _input_channel(x, c, n, dry, wet, cur[DRIVE], tgt[DRIVE], coef, False)
        bad += count
        drive = end
    cur[DRIVE] = drive
    return bad


@njit(
    "void(float32[:, ::1], int64, float32[:, ::1], float32[:, ::1], float32[:, ::1])",
    **_FIR_OPTS,
)
def upsample(x, n, work, phases, out):  # pragma: no cover - compiled
    """Polyphase interpolation by ``L = len(phases)``: ``out[:, :n*L]`` from ``x[:, :n]``.

    ``work`` holds per channel the last ``taps-1`` inputs then room for ``n`` more; ``phases``
    are the time-reversed polyphase branches of the prototype filter, scaled by ``L``.
    For ``L == 2`` several inputs are done at once so that each loaded tap and sample serves
    several (vectorised) dot products; every input goes through the same code, so a sample
    does not depend on where the block boundaries fall.
    """
    factor, taps = phases.shape
    hist = taps - 1
    for c in range(x.shape[0]):
        w = work[c]
        for i in range(n):
            w[hist + i] = x[c, i]
        o = out[c]
        last = n - 1
        if factor == 2:  # four inputs at a time
            p0 = phases[0]
            p1 = phases[1]
            for i in range(0, n, 4):
                s0 = w[i:]
                s1 = w[min(i + 1, last) :]
                s2 = w[min(i + 2, last) :]
                s3 = w[min(i + 3, last) :]
                a0 = a1 = b0 = b1 = c0 = c1 = d0 = d1 = np.float32(0.0)
                for j in range(taps):
                    q0 = p0[j]
                    q1 = p1[j]
                    a0 += q0 * s0[j]
                    a1 += q1 * s0[j]
                    b0 += q0 * s1[j]
                    b1 += q1 * s1[j]
                    c0 += q0 * s2[j]
                    c1 += q1 * s2[j]
                    d0 += q0 * s3[j]
                    d1 += q1 * s3[j]
                t = (a0, a1, b0, b1, c0, c1, d0, d1)
                oo = o[2 * i :]
                if i + 4 <= n:
                    for q in range(8):
                        oo[q] = t[q]
                else:  # lanes past the block's end repeat the last input and are dropped
                    for q in range(2 * (n - i)):
                        oo[q] = t[q]
        else:
            for i in range(n):
                for p in range(factor):
                    ph = phases[p]
                    acc = np.float32(0.0)
                    for j in range(taps):
                        acc += ph[j] * w[i + j]
                    o[i * factor + p] = acc
        for j in range(hist):
            w[j] = w[n + j]


@njit(
    "void(float32[:, ::1], int64, int64, float32[:, ::1], float32[::1], float32[:, ::1])",
    **_FIR_OPTS,
)
def downsample(x, n_out, factor, work, h_rev, out):  # pragma: no cover - compiled
    """Filter and decimate by ``factor``: ``out[:, :n_out]`` from ``x[:, :n_out*factor]``.

    ``work`` holds per channel the last ``taps-1`` inputs then room for the block; ``h_rev``
    is the time-reversed prototype filter. Eight outputs are done at once, each from a slice
    (an index ``m * factor + j`` would be checked for wrap-around on every tap, which stops
    the vectoriser). Every output goes through the same code, so a sample does not depend on
    where the block boundaries fall.
    """
    taps = h_rev.shape[0]
    hist = taps - 1
    n_in = n_out * factor
    for c in range(x.shape[0]):
        w = work[c]
        for i in range(n_in):
            w[hist + i] = x[c, i]
        o = out[c]
        last = n_out - 1
        for m in range(0, n_out, 8):
            s0 = w[m * factor :]
            s1 = w[min(m + 1, last) * factor :]
            s2 = w[min(m + 2, last) * factor :]
            s3 = w[min(m + 3, last) * factor :]
            s4 = w[min(m + 4, last) * factor :]
            s5 = w[min(m + 5, last) * factor :]
            s6 = w[min(m + 6, last) * factor :]
            s7 = w[min(m + 7, last) * factor :]
            a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = np.float32(0.0)
            for j in range(taps):
                h = h_rev[j]
                a0 += h * s0[j]
                a1 += h * s1[j]
                a2 += h * s2[j]
                a3 += h * s3[j]
                a4 += h * s4[j]
                a5 += h * s5[j]
                a6 += h * s6[j]
                a7 += h * s7[j]
            if m + 8 <= n_out:
                o[m] = a0
                o[m + 1] = a1
                o[m + 2] = a2
                o[m + 3] = a3
                o[m + 4] = a4
                o[m + 5] = a5
                o[m + 6] = a6
                o[m + 7] = a7
            else:  # the block's end: lanes past it repeat the last output and are dropped
                t = (a0, a1, a2, a3, a4, a5, a6, a7)
                for q in range(n_out - m):
                    o[m + q] = t[q]
        for j in range(hist):
            w[j] = w[n_in + j]


@njit("void(float32[:, ::1], float64[:, ::1], float64)", **_OPTS)
def dc_settle(wet, state, pole):  # pragma: no cover - compiled
    """Set the DC blocker's state to the periodic steady state for a period ``wet`` (analysis)."""
    period = wet.shape[1]
    for c in range(wet.shape[0]):
        prev = np.float64(wet[c, period - 1])
        y = 0.0
        for i in range(period):
            v = np.float64(wet[c, i])
            y = v - prev + pole * y
            prev = v
        state[c, 0] = wet[c, period - 1]
        state[c, 1] = y / (1.0 - pole**period)


@nb.njit(inline="always")
def _output_channel(
    wet, dry, n, ring, delay, pos, dc_state, pole, p, t, coef, out, c, moving
):  # pragma: no cover - compiled
    """Channel ``c`` of the output stage; ``p``/``t``: output gain, mix and DC blocker amount
    and their targets, smoothed in the loop while ``moving`` (a constant after inlining)."""
    gain, mix, dc = p
    x1 = dc_state[c, 0]
    y1 = dc_state[c, 1]
    for i in range(n):
        if moving:
            gain += (t[0] - gain) * coef
            mix += (t[1] - mix) * coef
            dc += (t[2] - dc) * coef
        v = np.float64(wet[c, i])
        hp = v - x1 + pole * y1
        x1 = v
        y1 = hp
        w = (v + dc * (hp - v)) * gain
        if delay > 0:
            d = np.float64(ring[c, pos])
            ring[c, pos] = dry[c, i]
            pos = pos + 1 if pos + 1 < delay else 0
        else:
            d = np.float64(dry[c, i])
        out[i, c] = np.float32(mix * w + (1.0 - mix) * d)
    dc_state[c, 0] = x1
    dc_state[c, 1] = y1
    return (gain, mix, dc), pos


@njit(
    "void(float32[:, ::1], float32[:, ::1], int64, float32[:, ::1], int64, int64[::1],"
    " float64[:, ::1], float64, float64[::1], float64[::1], float64, float32[:, ::1])",
    **_OPTS,
)
def output_stage(
    wet, dry, n, ring, delay, ring_pos, dc_state, pole, cur, tgt, coef, out
):  # pragma: no cover
    """DC blocker, output gain and dry/wet mix into ``out`` (frames, channels).

    The DC blocker always runs and is cross-faded by its smoothed on/off amount, so switching it
    does not click. The dry path goes through the first ``delay`` columns of ``ring`` (the
    chain's latency) to stay aligned. Channel by channel, each with its own copy of the
    (deterministic) smoothing, which is left out once settled.
    """
    start = (cur[OUTPUT], cur[MIX], cur[DC])
    t = (tgt[OUTPUT], tgt[MIX], tgt[DC])
    moving = False
    for j in range(3):
        moving |= start[j] + (t[j] - start[j]) * coef != start[j]
    pos0 = ring_pos[0] if ring_pos[0] < delay else 0
    p, pos = start, pos0
    for c in range(wet.shape[0]):
        if moving:
            p, pos = _output_channel(
                wet, dry, n, ring, delay, pos0, dc_state, pole, start, t, coef, out, c, True
            )
        else:
            p, pos = _output_channel(
                wet, dry, n, ring, delay, pos0, dc_state, pole, start, t, coef, out, c, False
            )
    cur[OUTPUT], cur[MIX], cur[DC] = p
    ring_pos[0] = pos


CHAIN_KERNELS = ("input_stage", "upsample", "gru", "downsample", "output_stage")
_gil_holding: dict[str, Any] = {}
_gil_lock = threading.Lock()


def gil_holding() -> SimpleNamespace:
    """The chain's kernels compiled without ``nogil``, for an audio callback.

    A callback runs with the GIL; each ``nogil`` kernel drops it and must win it back against the
    UI thread, which can take a whole switch interval (measured: 8-16 dropouts in 20 s with six
    kernel calls per block). These builds keep it. They are cached on disk like the others, under
    their own names (``gru_gil``...): numba's cache index is keyed by the function's name and
    signature, not its options, so under the same name they would overwrite the ``nogil`` builds.
    """
    with _gil_lock:
        if not _gil_holding:
            for name in CHAIN_KERNELS:
                original = globals()[name]  # (gru from gru_kernel: caches beside it)
                options = {**original.targetoptions, "nogil": False, "cache": True}
                options.pop("nopython", None)
                _gil_holding[name] = njit(list(original.signatures), **options)(
                    _renamed(original.py_func, f"{name}_gil")
                )
        return SimpleNamespace(**_gil_holding)


def _renamed(func: Any, name: str) -> Any:
    """``func`` under another name (same code and globals), so numba caches it apart."""
    copy = FunctionType(func.__code__, func.__globals__, name, func.__defaults__)
    copy.__qualname__ = name
    copy.__doc__ = func.__doc__
    return copy
