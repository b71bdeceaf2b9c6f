"""The GRU kernel and its transcendental functions (numba, nogil).

The GRU is one recurrence per channel, so its speed is the latency of one sample's chain of
operations: yp -> gate -> tanh -> y, and with two channels interleaved, the count of operations.
``math.exp``/``tanh`` are library calls with long latencies and a division each; here the gate
(a sigmoid), the tanh and the update weight ``m = 1 - f ** k`` are read from tables of degree-7
Taylor polynomials, 16 or 32 per unit of the argument, so that each costs a table load and three
levels of fused multiply-adds. The update weight's table is made for the chain's ``k`` (its
rate); it replaced ``exp(-k softplus(-z))``, a table and an exp (with the unswitched loop
below, 17-20 % more frames per second than the kernel before). Measured against numpy in
float64 all three are within 1e-15 absolute (tests/test_kernels.py); the float32 output is the
same as with exact functions but for a rounding flip in about one sample in a million.

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
def _fma(typingctx, a, b, c):
    """a * b + c with one rounding (llvm.fma; the CPU's FMA instruction)."""
    if a == b == c == types.float64:

        def codegen(context, builder, sig, args):
            return builder.fma(*args)

        return types.float64(types.float64, types.float64, types.float64), codegen
    return None


_SHIFT = 6755399441055744.0  # 1.5 * 2**52: t + _SHIFT rounds t to an integer, kept in the low bits

# -- tables of Taylor polynomials ---------------------------------------------------------------
# Row i holds the 8 coefficients of the function around n / scale, where n = i for i < rows/2
# and n = i - rows above (a signed index wrapped by the mask, so no clamp sits on the critical
# path). Past FLAT the rows are the constant the function has reached in float64. The kernel
# clamps the parts of the arguments that do not depend on the state so that, for parameters in
# their ranges (|Uf| <= 10, |Uh| <= 5; |y| <= 1 always), every argument stays inside the table.
DEGREE = 7
SIG_SCALE, SIG_ROWS, SIG_FLAT = 16.0, 2048, 37.0  # sigmoid and update weight: within +-64
TANH_SCALE, TANH_ROWS, TANH_FLAT = 32.0, 2048, 19.1  # tanh: within +-32
A_LIMIT = 50.0  # |Wf x + bf| clamp: beyond it the gate is flat (50 - |Uf| > 37) and in the table
B_LIMIT = 25.0  # |Wh x| clamp: beyond it the tanh is flat (25 - |Uh| > 19.1) and in the table


def _taylor(kind: str, centres: np.ndarray) -> np.ndarray:
    """Coefficients of the Taylor polynomials of ``kind`` (tanh, sigmoid) around ``centres``."""
    a = np.zeros((len(centres), DEGREE + 1))
    if kind == "tanh":
        a[:, 0] = np.tanh(centres)
        for n in range(DEGREE):  # y' = 1 - y^2
            square = sum(a[:, i] * a[:, n - i] for i in range(n + 1))
            a[:, n + 1] = (float(n == 0) - square) / (n + 1)
        return a
    e = np.exp(-np.abs(centres))
    a[:, 0] = np.where(centres >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    for n in range(DEGREE):  # y' = y - y^2
        square = sum(a[:, i] * a[:, n - i] for i in range(n + 1))
        a[:, n + 1] = (a[:, n] - square) / (n + 1)
    return a


def _centres(rows: int, scale: float) -> np.ndarray:
    n = np.arange(rows)
    return np.where(n < rows // 2, n, n - rows) / scale


def _table(kind: str, rows: int, scale: float, flat: float) -> np.ndarray:
    centres = _centres(rows, scale)
    table = _taylor(kind, centres)
    far = np.abs(centres) > flat
    table[far] = 0.0
    low = -1.0 if kind == "tanh" else 0.0
    table[far, 0] = np.where(centres[far] > 0, 1.0, low)
    return np.ascontiguousarray(table)


_SIG = _table("sigmoid", SIG_ROWS, SIG_SCALE, SIG_FLAT)
_TANH = _table("tanh", TANH_ROWS, TANH_SCALE, TANH_FLAT)


@functools.lru_cache(maxsize=16)
def update_table(k: float) -> np.ndarray:
    """The kernel's table of ``m(z) = 1 - sigmoid(z) ** k`` for the chain's ``k``: rows of
    Taylor coefficients as the sigmoid's (+-64, 16 per unit), flattened; not to be changed.

    With ``g = k log sigmoid`` (``g' = k sigmoid(-z)``), ``m = -expm1(g)``: its series from the
    sigmoid's by the series of exp. Not flattened at the ends: for a small ``k`` (a high rate)
    ``f ** k`` is far from 0 at z = -64 still; arguments past -64 take the exact path.
    """
    centres = _centres(SIG_ROWS, SIG_SCALE)
    s = _taylor("sigmoid", centres)
    e = np.exp(-np.abs(centres))
    g = np.empty_like(s)  # k log sigmoid(z), from sigmoid(-z) = 1 - sigmoid(z) computed apart
    g[:, 0] = k * np.where(centres >= 0, -np.log1p(e), centres - np.log1p(e))
    g[:, 1] = k * np.where(centres >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
    g[:, 2:] = -k * s[:, 1:-1] / np.arange(2, DEGREE + 1)
    ex = np.empty_like(s)  # exp(g): ex' = g' ex
    ex[:, 0] = np.exp(g[:, 0])
    for n in range(DEGREE):
        ex[:, n + 1] = sum((j + 1) * g[:, j + 1] * ex[:, n - j] for j in range(n + 1)) / (n + 1)
    table = -ex
    table[:, 0] = -np.expm1(g[:, 0])
    # shared by every chain at this k, so never written to; left writable because numba types
    # a read-only array apart from the kernel's signature
    return np.ascontiguousarray(table).reshape(-1)


@nb.njit(inline="always")
def _poly(table, v, scale):  # pragma: no cover - compiled
    """The table's function at ``v``: the row nearest ``v``, at ``d = v - n / scale``."""
    kd = _fma(v, scale, _SHIFT)
    c = table[_bits(kd) & (table.shape[0] - 1)]
    d = _fma(kd - _SHIFT, -1.0 / scale, v)
    return _estrin(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], d)


@nb.njit(inline="always")
def _estrin(c0, c1, c2, c3, c4, c5, c6, c7, d):  # pragma: no cover - compiled
    """The degree-7 polynomial at ``d`` by Estrin's scheme: three levels of multiply-adds."""
    d2 = d * d
    p01 = _fma(c1, d, c0)
    p23 = _fma(c3, d, c2)
    p45 = _fma(c5, d, c4)
    p67 = _fma(c7, d, c6)
    return _fma(_fma(p67, d2, p45), d2 * d2, _fma(p23, d2, p01))


@nb.njit(inline="always")
def _poly_flat(table, v, scale, rows):  # pragma: no cover - compiled
    """``_poly`` for a flattened table passed in (an argument's row stride is not a constant:
    the row is found by a shift; unsigned, so that numba adds no negative-index check)."""
    kd = _fma(v, scale, _SHIFT)
    i = np.uint64(_bits(kd) & (rows - 1)) << np.uint64(3)
    d = _fma(kd - _SHIFT, -1.0 / scale, v)
    c = table[i : i + np.uint64(8)]
    return _estrin(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], d)


@nb.njit(inline="always")
def _step(mt, x, yp, wf, wh, uf, uh, bf, k):  # pragma: no cover - compiled
    """One sample of one channel: the new y from the input ``x`` and the last output ``yp``;
    ``mt`` is ``update_table(k)``."""
    a = wf * x + bf
    zc = _fma(uf, yp, min(max(a, -A_LIMIT), A_LIMIT))
    f = _poly(_SIG, zc, SIG_SCALE)
    if a >= -A_LIMIT:  # |zc| <= 60: in the table
        m = _poly_flat(mt, zc, SIG_SCALE, SIG_ROWS)
    else:  # a gate shut hard: f ** k = exp(-k softplus(-z)) exactly, from the library
        z = _fma(uf, yp, a)
        m = -math.expm1(k * (z - math.log1p(math.exp(z))))
    th = _poly(_TANH, _fma(uh * yp, f, min(max(wh * x, -B_LIMIT), B_LIMIT)), TANH_SCALE)
    return _fma(m, th, (1.0 - m) * yp)  # fe = 1 - m: fe yp is ready before th (4 % faster)


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
def _pair(mt, x, c, n, y1, p, t, coef, k, moving):  # pragma: no cover - compiled
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
        na = _step(mt, np.float64(xa[i]), ya, wf, wh, uf, uh, bf, k)
        nb_ = _step(mt, np.float64(xb[i]), yb, wf, wh, uf, uh, bf, k)
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
def _single(mt, x, c, n, y1, p, t, coef, k, moving):  # pragma: no cover - compiled
    """Channel ``c`` alone (the odd one out, or none if ``c`` is past the last): the same
    operations as one lane of ``_pair``."""
    there = c < x.shape[0]
    ya = y1[c] if there else 0.0
    for i in range(n):
        if moving:
            p = _smoothed(p, t, coef)
        if there:
            wf, wh, uf, uh, bf = p
            na = _step(mt, np.float64(x[c, i]), ya, wf, wh, uf, uh, bf, k)
            x[c, max(i - 1, 0)] = ya
            ya = na
    if there:
        if n > 0:
            x[c, n - 1] = ya
        y1[c] = ya
    return p


@njit(
    "int64(float32[:, ::1], int64, float64[::1], float64[::1], float64[::1], float64, float64, "
    "float64[::1])",
    **_OPTS,
)
def gru(x, n, y1, cur, tgt, coef, k, mt):  # pragma: no cover - compiled
    """The seed's gated recurrent unit, in place on ``x[:, :n]``, one state ``y1`` per channel.

    ``cur``/``tgt`` hold Wf, Wh, Uf, Uh, bf. The gate is the pole of a one-pole smoother, so the
    feedback uses ``fe = f ** k`` with ``k = 44100 / rate``: the same time constant at any rate,
    the seed's equation at 44.1 kHz; ``mt`` is ``update_table(k)``. Non-finite inputs count as
    0; returns their count.

    Per sample, with ``f = sigmoid(z)``, ``z = Wf x + Uf y1 + bf``:
    ``y = fe y1 + (1 - fe) tanh(Wh x + Uh f y1)``, ``fe = f ** k = exp(-k softplus(-z))``.
    Channels go in pairs, each pair over the whole block with its own copy of the
    (deterministic) parameter smoothing. Once the smoothers have reached their fixed point
    (a step no longer changes them) the steps are skipped: the same numbers, sooner. The pair
    loop has a copy for each case, so that neither tests the flag per sample (4-5 % faster); the
    odd channel's loop, rarely used, keeps the flag.
    """
    channels = x.shape[0]
    bad = 0
    for c in range(channels):
        bad += _zero_nonfinite(x[c], n)
    start = (cur[0], cur[1], cur[2], cur[3], cur[4])
    t = (tgt[0], tgt[1], tgt[2], tgt[3], tgt[4])
    moving = _smoothed(start, t, coef) != start
    p = start
    c = 0
    while c + 1 < channels:
        if moving:  # two inlined copies, each without the test in its loop: 4-5 % faster
            p = _pair(mt, x, c, n, y1, start, t, coef, k, True)
        else:
            p = _pair(mt, x, c, n, y1, start, t, coef, k, False)
        c += 2
    if c < channels or channels == 0:  # an odd channel (or none: the smoothing still runs)
        p = _single(mt, x, c, n, y1, start, t, coef, k, moving)
    cur[0], cur[1], cur[2], cur[3], cur[4] = p
    return bad


def functions(v: np.ndarray, k: float, out: np.ndarray) -> None:
    """The kernel's sigmoid, update weight ``1 - sigmoid ** k`` and tanh of ``v`` into
    ``out[0..2]`` (to test them). Valid for |v| < 64 (sigmoid, update weight), 32 (tanh).
    Compiled on first use: a render does not load it.
    """
    _functions_kernel()(v, update_table(k), out)


@functools.cache
def _functions_kernel() -> Any:
    return njit("void(float64[::1], float64[::1], float64[:, ::1])", **_OPTS)(_functions)


def _functions(v, mt, out):  # pragma: no cover - compiled
    for i in range(v.shape[0]):
        out[0, i] = _poly(_SIG, v[i], SIG_SCALE)
        out[1, i] = _poly_flat(mt, v[i], SIG_SCALE, SIG_ROWS)
        out[2, i] = _poly(_TANH, v[i], TANH_SCALE)
