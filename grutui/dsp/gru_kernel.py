"""The GRU kernel and its transcendental functions (numba, nogil).

The GRU is one recurrence per channel, so its speed is the latency of one sample's chain of
operations: yp -> gate -> tanh -> y. ``math.exp``/``tanh`` are library calls with long latencies
and a division each; here the gate (a sigmoid) and the tanh are read from tables of degree-7
Taylor polynomials, 16 or 32 per unit of the argument, so that each costs a table load and three
levels of fused multiply-adds. Measured against numpy in float64 they are within 4e-16 absolute
(tests/test_kernels.py); the float32 output is the same as with exact functions but for a
rounding flip in about one sample in a million. The feedback gate ``fe = f ** k`` comes from
the same softplus as the gate, ``fe = exp(-k softplus(-z))``, off the critical path.

Like ``kernels.py`` this file calls no jitted function of another file: numba's cache checks
only the stamp of the file holding a kernel.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

from grutui.jit import njit

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}


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
del _j

# -- tables of Taylor polynomials ---------------------------------------------------------------
# Row i holds the 8 coefficients of the function around n / scale, where n = i for i < rows/2
# and n = i - rows above (a signed index wrapped by the mask, so no clamp sits on the critical
# path). Past FLAT the rows are the constant the function has reached in float64. The kernel
# clamps the parts of the arguments that do not depend on the state so that, for parameters in
# their ranges (|Uf| <= 10, |Uh| <= 5; |y| <= 1 always), every argument stays inside the table.
DEGREE = 7
SIG_SCALE, SIG_ROWS, SIG_FLAT = 16.0, 2048, 37.0  # sigmoid and softplus: arguments within +-64
TANH_SCALE, TANH_ROWS, TANH_FLAT = 32.0, 2048, 19.1  # tanh: within +-32
A_LIMIT = 50.0  # |Wf x + bf| clamp: beyond it the gate is flat (50 - |Uf| > 37) and in the table
B_LIMIT = 25.0  # |Wh x| clamp: beyond it the tanh is flat (25 - |Uh| > 19.1) and in the table


def _taylor(kind: str, centres: np.ndarray) -> np.ndarray:
    """Coefficients of the Taylor polynomials of ``kind`` around ``centres`` (rows)."""
    a = np.zeros((len(centres), DEGREE + 1))
    e = np.exp(-np.abs(centres))
    if kind == "tanh":
        a[:, 0] = np.tanh(centres)
        for n in range(DEGREE):  # y' = 1 - y^2
            square = sum(a[:, i] * a[:, n - i] for i in range(n + 1))
            a[:, n + 1] = (float(n == 0) - square) / (n + 1)
        return a
    # sigmoid(-c) for the softplus (its derivative), sigmoid(c) for the gate; y' = +-(y - y^2)
    sign = -1.0 if kind == "softplus" else 1.0
    a[:, 0] = np.where(sign * centres >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    for n in range(DEGREE):
        square = sum(a[:, i] * a[:, n - i] for i in range(n + 1))
        a[:, n + 1] = sign * (a[:, n] - square) / (n + 1)
    if kind == "softplus":  # log1p(exp(-v)): derivative -sigmoid(-v)
        a[:, 1:] = -a[:, :-1] / np.arange(1, DEGREE + 1)
        a[:, 0] = np.log1p(e)
    return a


def _table(kind: str, rows: int, scale: float, flat: float) -> np.ndarray:
    n = np.arange(rows)
    centres = np.where(n < rows // 2, n, n - rows) / scale
    table = _taylor(kind, centres)
    far = np.abs(centres) > flat
    table[far] = 0.0
    if kind != "softplus":
        low = -1.0 if kind == "tanh" else 0.0
        table[far, 0] = np.where(centres[far] > 0, 1.0, low)
    return np.ascontiguousarray(table)


_SIG = _table("sigmoid", SIG_ROWS, SIG_SCALE, SIG_FLAT)
_SOFTPLUS = _table("softplus", SIG_ROWS, SIG_SCALE, SIG_FLAT)  # log1p(exp(-v)), used for v >= 0
_TANH = _table("tanh", TANH_ROWS, TANH_SCALE, TANH_FLAT)


@nb.njit(inline="always")
def _poly(table, v, scale):  # pragma: no cover - compiled
    """The table's function at ``v``: the row nearest ``v``, at ``d = v - n / scale``."""
    kd = _fma(v, scale, _SHIFT)
    c = table[_bits(kd) & (table.shape[0] - 1)]
    d = _fma(kd - _SHIFT, -1.0 / scale, v)
    d2 = d * d
    p01 = _fma(c[1], d, c[0])  # Estrin's scheme: three levels of multiply-adds
    p23 = _fma(c[3], d, c[2])
    p45 = _fma(c[5], d, c[4])
    p67 = _fma(c[7], d, c[6])
    return _fma(_fma(p67, d2, p45), d2 * d2, _fma(p23, d2, p01))


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
def _step(x, yp, wf, wh, uf, uh, bf, neg_k, sp_max):  # pragma: no cover - compiled
    """One sample of one channel: the new y from the input ``x`` and the last output ``yp``."""
    a = wf * x + bf
    zc = _fma(uf, yp, min(max(a, -A_LIMIT), A_LIMIT))
    f = _poly(_SIG, zc, SIG_SCALE)
    # softplus(-z) = max(-z, 0) + log1p(exp(-|z|)), the first term from the unclamped z
    sp = max(-_fma(uf, yp, a), 0.0) + _poly(_SOFTPLUS, abs(zc), SIG_SCALE)
    s, p = _exp_parts(min(sp, sp_max), neg_k)
    fe = _fma(s, p, s)  # f ** k
    m = _fma(-s, p, 1.0 - s)  # 1 - fe, without the cancellation
    th = _poly(_TANH, _fma(uh * yp, f, min(max(wh * x, -B_LIMIT), B_LIMIT)), TANH_SCALE)
    return _fma(m, th, fe * yp)


@nb.njit(inline="always")
def _zero_nonfinite(x, n):  # pragma: no cover - compiled
    """Non-finite samples of ``x[:n]`` become 0 (a pass the vectoriser takes); their count."""
    bad = 0
    for i in range(n):
        v = x[i]
        ok = v - v == np.float32(0.0)
        bad += 0 if ok else 1
        x[i] = v if ok else np.float32(0.0)
    return bad


@nb.njit(inline="always")
def _smoothed(p, t, coef):  # pragma: no cover - compiled
    """One step of the five parameter smoothers ``p`` towards ``t``."""
    return (
        p[0] + (t[0] - p[0]) * coef,
        p[1] + (t[1] - p[1]) * coef,
        p[2] + (t[2] - p[2]) * coef,
        p[3] + (t[3] - p[3]) * coef,
        p[4] + (t[4] - p[4]) * coef,
    )


@nb.njit(inline="always")
def _pair(x, c, n, y1, p, t, coef, neg_k, sp_max, moving):  # pragma: no cover - compiled
    """Channels ``c`` and ``c + 1`` over the block, interleaved so that their chains overlap.

    ``p``/``t``: the parameters and their targets; ``moving`` (false once settled) keeps
    the smoothing in the loop. Each output is stored one sample late: a store of the value just
    computed makes the next sample's table loads wait for it; one sample later it is long ready.
    """
    xa = x[c]
    xb = x[c + 1]
    ya = y1[c]
    yb = y1[c + 1]
    for i in range(n):
        if moving:
            p = _smoothed(p, t, coef)
        wf, wh, uf, uh, bf = p
        na = _step(np.float64(xa[i]), ya, wf, wh, uf, uh, bf, neg_k, sp_max)
        nb_ = _step(np.float64(xb[i]), yb, wf, wh, uf, uh, bf, neg_k, sp_max)
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
    return p


@nb.njit(inline="always")
def _single(x, c, n, y1, p, t, coef, neg_k, sp_max, moving):  # pragma: no cover - compiled
    """Channel ``c`` alone (the odd one out, or none if ``c`` is past the last): the same
    operations as one lane of ``_pair``."""
    there = c < x.shape[0]
    ya = y1[c] if there else 0.0
    for i in range(n):
        if moving:
            p = _smoothed(p, t, coef)
        if there:
            wf, wh, uf, uh, bf = p
            na = _step(np.float64(x[c, i]), ya, wf, wh, uf, uh, bf, neg_k, sp_max)
            x[c, max(i - 1, 0)] = ya
            ya = na
    if there:
        if n > 0:
            x[c, n - 1] = ya
        y1[c] = ya
    return p


@njit(
    "int64(float32[:, ::1], int64, float64[::1], float64[::1], float64[::1], float64, float64)",
    **_OPTS,
)
def gru(x, n, y1, cur, tgt, coef, k):  # pragma: no cover - compiled
    """The seed's gated recurrent unit, in place on ``x[:, :n]``, one state ``y1`` per channel.

    ``cur``/``tgt`` hold Wf, Wh, Uf, Uh, bf. The gate is the pole of a one-pole smoother, so the
    feedback uses ``fe = f ** k`` with ``k = 44100 / rate``: the same time constant at any rate,
    the seed's equation at 44.1 kHz. Non-finite inputs count as 0; returns their count.

    Per sample, with ``f = sigmoid(z)``, ``z = Wf x + Uf y1 + bf``:
    ``y = fe y1 + (1 - fe) tanh(Wh x + Uh f y1)``, ``fe = exp(-k softplus(-z))``.
    Channels go in pairs, each pair over the whole block with its own copy of the
    (deterministic) parameter smoothing. Once the smoothers have reached their fixed point
    (a step no longer changes them) the steps are skipped: the same numbers, sooner. (A flag,
    not a second copy of the loop: the copies doubled the compile time for no clear gain.)
    """
    channels = x.shape[0]
    bad = 0
    for c in range(channels):
        bad += _zero_nonfinite(x[c], n)
    start = (cur[0], cur[1], cur[2], cur[3], cur[4])
    t = (tgt[0], tgt[1], tgt[2], tgt[3], tgt[4])
    moving = _smoothed(start, t, coef) != start
    neg_k = -k
    sp_max = 708.0 / k
    p = start
    c = 0
    while c + 1 < channels:
        p = _pair(x, c, n, y1, start, t, coef, neg_k, sp_max, moving)
        c += 2
    if c < channels or channels == 0:  # an odd channel (or none: the smoothing still runs)
        p = _single(x, c, n, y1, start, t, coef, neg_k, sp_max, moving)
    cur[0], cur[1], cur[2], cur[3], cur[4] = p
    return bad


def functions(v: np.ndarray, out: np.ndarray) -> None:
    """The kernel's sigmoid, softplus and tanh of ``v`` into ``out[0..2]`` (to test them).

    ``out[1]`` is ``log1p(exp(-v))``. Valid for |v| < 64 (sigmoid, softplus), 32 (tanh).
    Compiled on first use: a render does not load it.
    """
    _functions_kernel()(v, out)


@functools.cache
def _functions_kernel() -> Any:
    return njit("void(float64[::1], float64[:, ::1])", **_OPTS)(_functions)


def _functions(v, out):  # pragma: no cover - compiled
    for i in range(v.shape[0]):
        out[0, i] = _poly(_SIG, v[i], SIG_SCALE)
        out[1, i] = max(-v[i], 0.0) + _poly(_SOFTPLUS, abs(v[i]), SIG_SCALE)
        out[2, i] = _poly(_TANH, v[i], TANH_SCALE)
