"""Every numba kernel of the chain, in one module.

numba's cache checks only the hash of the file that holds a jitted function, so all kernels live
here and call no jitted helper elsewhere: a change anywhere in them invalidates the whole cache.
Each kernel has an explicit signature (a new argument type would recompile silently, a dropout in
an audio callback) and ``nogil=True`` so render and analysis threads do not hold the GIL.
No ``fastmath`` outside the FIR dot products: it would delete the NaN checks.

Buffers are channel-major ``(channels, frames)`` float32 work arrays preallocated by the chain;
``n`` says how many frames of them are in use, so a call slices nothing and allocates nothing.
Parameter smoothers are float64 arrays ``cur`` (smoothed) and ``tgt`` (targets): a one-pole step
per sample with coefficient ``coef``, the same smoothing time at any rate.
"""

from __future__ import annotations

import math
import threading
from types import FunctionType, SimpleNamespace
from typing import Any

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}
# The FIR dot products may be reordered (and so vectorised); no-NaN/no-inf flags stay off.
_FIR_OPTS = {**_OPTS, "fastmath": {"reassoc", "contract", "nsz", "arcp"}}

# Indices of the base-rate smoothers (input/output stage).
DRIVE, OUTPUT, MIX, DC = 0, 1, 2, 3


@nb.njit(
    "int64(float32[:, ::1], int64, float32[:, ::1], float32[:, ::1], "
    "float64[::1], float64[::1], float64)",
    **_OPTS,
)
def input_stage(x, n, dry, wet, cur, tgt, coef):  # pragma: no cover - compiled
    """Transpose ``x`` (frames, channels) into ``dry``; ``wet`` = dry times the smoothed drive.

    Non-finite samples become 0 so they cannot poison the recurrent state; returns their count.
    """
    channels = x.shape[1]
    bad = 0
    for i in range(n):
        cur[DRIVE] += (tgt[DRIVE] - cur[DRIVE]) * coef
        gain = cur[DRIVE]
        for c in range(channels):
            v = x[i, c]
            if not math.isfinite(v):
                v = np.float32(0.0)
                bad += 1
            dry[c, i] = v
            wet[c, i] = np.float32(v * gain)
    return bad


@nb.njit(
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


@nb.njit(
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


# -- the GRU's transcendental functions -----------------------------------------------------------
# math.exp/log1p/tanh are library calls with long latencies, and the GRU is one recurrence per
# channel: its speed is the latency of one sample's chain of operations. These inline versions
# (table plus short polynomial, about 1e-16 relative error) keep that chain short; the two channels
# of a stereo pair are written interleaved so that their chains overlap.


@intrinsic
def _bits(typingctx, v):
    """The bits of a float64 as an int64."""
    if v == types.float64:

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], ir.IntType(64))

        return types.int64(types.float64), codegen
    return None


@intrinsic
def _from_bits(typingctx, v):
    """The float64 with these bits."""
    if v == types.int64:

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], ir.DoubleType())

        return types.float64(types.int64), codegen
    return None


@intrinsic
def _fma(typingctx, a, b, c):
    """a * b + c with one rounding (llvm.fma; the CPU's FMA instruction)."""
    if a == b == c == types.float64:

        def codegen(context, builder, sig, args):
            return builder.fma(*args)

        return types.float64(types.float64, types.float64, types.float64), codegen
    return None


_SHIFT = 6755399441055744.0  # 1.5 * 2**52: t + _SHIFT rounds t to an integer, kept in the low bits
# exp(t) = 2**(i/1024) * exp(r), i = round(t * 1024/ln 2), |r| <= ln 2/2048; table of 2**(j/1024)
# with the j bits taken out, so that adding i << 42 to an entry gives 2**(i/1024) directly.
_EXP_BITS = 10
_EXP_N = 1 << _EXP_BITS
_INV_LN2N = _EXP_N / math.log(2.0)
_LN2N = math.log(2.0) / _EXP_N
_EXP_C2 = 0.5000000039547318  # minimax exp(r) - 1 ~ r + c2 r^2 + c3 r^3 on |r| <= ln 2/2048:
_EXP_C3 = 0.16666666762143198  # relative error 9.4e-17
_j = np.arange(_EXP_N, dtype=np.int64)
_EXP_TAB = np.exp2(_j / _EXP_N).view(np.int64) - (_j << (52 - _EXP_BITS))
# log(w) for 1 <= w <= 2: log(1 + j/256) + log1p(w / (1 + j/256) - 1) with j = round(256 (w - 1)).
_LOG_N = 256
_jl = np.arange(_LOG_N + 1, dtype=np.float64)
_LOG_INVC = 1.0 / (1.0 + _jl / _LOG_N)
_LOG_C = np.log1p(_jl / _LOG_N)
_LOG_ROUND = int(np.float64(1.0).view(np.int64)) - (1 << 43)  # bits of 1.0, less half a step
del _j, _jl


@nb.njit(inline="always")
def _exp_parts(t, a):  # pragma: no cover - compiled
    """exp(a * t) = s * (1 + p), for |a * t| <= 708 (a a constant folded in)."""
    kd = _fma(t, a * _INV_LN2N, _SHIFT)
    ki = _bits(kd)
    r = _fma(kd - _SHIFT, -_LN2N, a * t)
    s = _from_bits(_EXP_TAB[ki & (_EXP_N - 1)] + (ki << (52 - _EXP_BITS)))
    p = _fma(r * r, _fma(r, _EXP_C3, _EXP_C2), r)
    return s, p


@nb.njit(inline="always")
def _k_log1p(w, q, k, base):  # pragma: no cover - compiled
    """base + k * log(1 + q) for 0 <= q <= 1, given w = 1 + q rounded."""
    j = (_bits(w) - _LOG_ROUND) >> 44
    r = _fma(w, _LOG_INVC[j], -1.0)  # |r| <= 2**-9
    # log(1 + j/256), the rounding error of w (1 + q - w, exact) and base
    lc = _fma(k, _LOG_C[j] + ((1.0 - w) + q) * _LOG_INVC[j], base)
    r2 = r * r
    e = _fma(r, -0.5 * k, k)
    b = _fma(r2, 0.2 * k, _fma(r, -0.25 * k, k / 3.0))
    return _fma(r2 * r, b, _fma(r, e, lc))  # k (r - r^2/2 + r^3/3 - r^4/4 + r^5/5) + lc


@nb.njit(inline="always")
def _gru_step(x, yp, wf, wh, uf, uh, bf, k):  # pragma: no cover - compiled
    """One sample of one channel; ``_gru_step2`` is the same for two, interleaved."""
    z = _fma(uf, yp, wf * x + bf)
    s, p = _exp_parts(min(abs(z), 708.0), -1.0)
    q = _fma(s, p, s)  # e = exp(-z) is q if z >= 0, else 1/q
    w = _fma(s, p, s + 1.0)  # 1 + q
    f = (1.0 if z >= 0.0 else q) / w
    # f**k = exp(-k log1p(e)), log1p(e) = max(-z, 0) + log1p(q)
    s, p = _exp_parts(min(_k_log1p(w, q, k, k * max(-z, 0.0)), 708.0), -1.0)
    fe = _fma(s, p, s)
    m = _fma(-s, p, 1.0 - s)  # 1 - fe
    s, p = _exp_parts(min(max(_fma(uh * yp, f, wh * x), -20.0), 20.0), -2.0)
    th = _fma(-s, p, 1.0 - s) / _fma(s, p, s + 1.0)  # tanh
    return _fma(m, th, fe * yp)


@nb.njit(inline="always")
def _gru_step2(xa, ya, xb, yb, wf, wh, uf, uh, bf, k):  # pragma: no cover - compiled
    za = _fma(uf, ya, wf * xa + bf)
    zb = _fma(uf, yb, wf * xb + bf)
    sa, pa = _exp_parts(min(abs(za), 708.0), -1.0)
    sb, pb = _exp_parts(min(abs(zb), 708.0), -1.0)
    qa = _fma(sa, pa, sa)
    qb = _fma(sb, pb, sb)
    wa = _fma(sa, pa, sa + 1.0)
    wb = _fma(sb, pb, sb + 1.0)
    fa = (1.0 if za >= 0.0 else qa) / wa
    fb = (1.0 if zb >= 0.0 else qb) / wb
    # (each step for both channels before the next: the order the compiler keeps)
    kla = min(_k_log1p(wa, qa, k, k * max(-za, 0.0)), 708.0)
    klb = min(_k_log1p(wb, qb, k, k * max(-zb, 0.0)), 708.0)
    sa, pa = _exp_parts(kla, -1.0)
    sb, pb = _exp_parts(klb, -1.0)
    fea = _fma(sa, pa, sa)
    feb = _fma(sb, pb, sb)
    ma = _fma(-sa, pa, 1.0 - sa)
    mb = _fma(-sb, pb, 1.0 - sb)
    ba = min(max(_fma(uh * ya, fa, wh * xa), -20.0), 20.0)
    bb = min(max(_fma(uh * yb, fb, wh * xb), -20.0), 20.0)
    sa, pa = _exp_parts(ba, -2.0)
    sb, pb = _exp_parts(bb, -2.0)
    tha = _fma(-sa, pa, 1.0 - sa) / _fma(sa, pa, sa + 1.0)
    thb = _fma(-sb, pb, 1.0 - sb) / _fma(sb, pb, sb + 1.0)
    return _fma(ma, tha, fea * ya), _fma(mb, thb, feb * yb)


@nb.njit(
    "int64(float32[:, ::1], int64, float64[::1], float64[::1], float64[::1], float64, float64)",
    **_OPTS,
)
def gru(x, n, y1, cur, tgt, coef, k):  # pragma: no cover - compiled
    """The seed's gated recurrent unit, in place on ``x[:, :n]``, one state ``y1`` per channel.

    ``cur``/``tgt`` hold Wf, Wh, Uf, Uh, bf. The gate is the pole of a one-pole smoother, so the
    feedback uses ``fe = f ** k`` with ``k = 44100 / rate``: the same time constant at any rate,
    the seed's equation exactly at 44.1 kHz. Non-finite inputs count as 0; returns their count.

    Per sample, with ``f = sigmoid(z)``, ``z = Wf x + Uf y1 + bf``:
    ``y = fe y1 + (1 - fe) tanh(Wh x + Uh f y1)``, ``fe = exp(-k log1p(exp(-z)))`` (not a pow
    of a rounded f), with ``1 - fe`` computed directly. Channels go in pairs, each pair over the
    whole block with its own copy of the (deterministic) parameter smoothing.
    Each output is stored one sample late: a store of the value just computed makes the next
    sample's table loads wait for it on this CPU (AMD Zen 3: 10 cycles per exp); one sample
    later the value is long ready.
    """
    channels = x.shape[0]
    bad = 0
    twf, twh, tuf, tuh, tbf = tgt[0], tgt[1], tgt[2], tgt[3], tgt[4]
    wf, wh, uf, uh, bf = cur[0], cur[1], cur[2], cur[3], cur[4]
    c = 0
    while c + 1 < channels:
        wf, wh, uf, uh, bf = cur[0], cur[1], cur[2], cur[3], cur[4]
        xa = x[c]
        xb = x[c + 1]
        ya = y1[c]
        yb = y1[c + 1]
        for i in range(n):
            wf += (twf - wf) * coef
            wh += (twh - wh) * coef
            uf += (tuf - uf) * coef
            uh += (tuh - uh) * coef
            bf += (tbf - bf) * coef
            va = np.float64(xa[i])
            vb = np.float64(xb[i])
            if not math.isfinite(va):
                va = 0.0
                bad += 1
            if not math.isfinite(vb):
                vb = 0.0
                bad += 1
            na, nb_ = _gru_step2(va, ya, vb, yb, wf, wh, uf, uh, bf, k)
            late = max(i - 1, 0)
            xa[late] = ya
            xb[late] = yb
            ya = na
            yb = nb_
        if n > 0:
            xa[n - 1] = ya
            xb[n - 1] = yb
        y1[c] = ya
        y1[c + 1] = yb
        c += 2
    if c < channels or channels == 0:  # an odd channel (or none: the smoothing still runs)
        wf, wh, uf, uh, bf = cur[0], cur[1], cur[2], cur[3], cur[4]
        ya = y1[c] if c < channels else 0.0
        for i in range(n):
            wf += (twf - wf) * coef
            wh += (twh - wh) * coef
            uf += (tuf - uf) * coef
            uh += (tuh - uh) * coef
            bf += (tbf - bf) * coef
            if c < channels:
                va = np.float64(x[c, i])
                if not math.isfinite(va):
                    va = 0.0
                    bad += 1
                na = _gru_step(va, ya, wf, wh, uf, uh, bf, k)
                x[c, max(i - 1, 0)] = ya
                ya = na
        if c < channels:
            if n > 0:
                x[c, n - 1] = ya
            y1[c] = ya
    cur[0], cur[1], cur[2], cur[3], cur[4] = wf, wh, uf, uh, bf
    return bad


@nb.njit("void(float32[:, ::1], float64[:, ::1], float64)", **_OPTS)
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


@nb.njit(
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
    chain's latency) to stay aligned.
    """
    channels = wet.shape[0]
    pos = ring_pos[0] if ring_pos[0] < delay else 0
    for i in range(n):
        for s in range(1, 4):
            cur[s] += (tgt[s] - cur[s]) * coef
        gain, mix, dc = cur[OUTPUT], cur[MIX], cur[DC]
        for c in range(channels):
            v = np.float64(wet[c, i])
            hp = v - dc_state[c, 0] + pole * dc_state[c, 1]
            dc_state[c, 0] = v
            dc_state[c, 1] = hp
            w = (v + dc * (hp - v)) * gain
            if delay > 0:
                d = np.float64(ring[c, pos])
                ring[c, pos] = dry[c, i]
            else:
                d = np.float64(dry[c, i])
            out[i, c] = np.float32(mix * w + (1.0 - mix) * d)
        if delay > 0:
            pos += 1
            if pos == delay:
                pos = 0
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
                original = globals()[name]
                options = {**original.targetoptions, "nogil": False, "cache": True}
                options.pop("nopython", None)
                _gil_holding[name] = nb.njit(list(original.signatures), **options)(
                    _renamed(original.py_func, f"{name}_gil")
                )
        return SimpleNamespace(**_gil_holding)


def _renamed(func: Any, name: str) -> Any:
    """``func`` under another name (same code and globals), so numba caches it apart."""
    copy = FunctionType(func.__code__, func.__globals__, name, func.__defaults__)
    copy.__qualname__ = name
    copy.__doc__ = func.__doc__
    return copy
