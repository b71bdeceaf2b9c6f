"""The oversampling FIR kernels: polyphase interpolation and decimation by 2, and their
half-band forms (numba, nogil).

A half-band prototype (cutoff at a quarter of its rate: the stages after the first) has every
other tap zero but the centre, so one polyphase branch of the interpolator is the centre tap
alone and the decimator needs the odd taps and the centre: half the multiplications.

Like ``kernels.py`` this file calls no jitted function of another file (numba's cache checks
only the stamp of the file holding a kernel). The dot products may be reordered, and so
vectorised; no-NaN/no-inf flags stay off.
"""

from __future__ import annotations

import numpy as np

from grutui.jit import njit

_FIR_OPTS = {
    "cache": True,
    "nogil": True,
    "error_model": "numpy",
    "boundscheck": False,
    "fastmath": {"reassoc", "contract", "nsz", "arcp"},
}


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


@njit(
    "void(float32[:, ::1], int64, float32[:, ::1], float32[:, ::1], int64, int64,"
    " float32[:, ::1], float32[::1])",
    **_FIR_OPTS,
)
def upsample_halfband(x, n, work, phases, centre, at, out, scratch):  # pragma: no cover
    """``upsample`` by 2 for a half-band prototype: branch ``centre`` of ``phases`` is the
    centre tap alone, at index ``at``, so its outputs are an input times that tap; the other
    branch is a dot product, computed a tap at a time over the whole block into ``scratch``
    (contiguous samples times one tap: it vectorises) and then interleaved."""
    taps = phases.shape[1]
    hist = taps - 1
    gain = phases[centre, at]
    p = phases[1 - centre]
    for c in range(x.shape[0]):
        w = work[c]
        for i in range(n):
            w[hist + i] = x[c, i]
        h = p[0]
        for i in range(n):
            scratch[i] = h * w[i]
        for j in range(1, taps):
            h = p[j]
            for i in range(n):
                scratch[i] += h * w[i + j]
        o = out[c]
        for i in range(n):
            o[2 * i + centre] = gain * w[i + at]
            o[2 * i + 1 - centre] = scratch[i]
        for j in range(hist):
            w[j] = w[n + j]


@njit(
    "void(float32[:, ::1], int64, float32[:, ::1], float32[::1], float32, float32[:, ::1])",
    **_FIR_OPTS,
)
def downsample_halfband(x, n_out, work, odd, centre, out):  # pragma: no cover - compiled
    """``downsample`` by 2 for a half-band prototype of ``2 * len(odd) + 1`` taps, the centre
    at an even index: ``odd`` holds the time-reversed taps at odd indices, ``centre`` the
    centre tap; the others are zero. ``work`` keeps the even and the odd input samples apart
    (two halves, each with its history), so that each tap multiplies contiguous samples."""
    taps = odd.shape[0]
    half = work.shape[1] // 2
    at = taps // 2  # the centre, counted in even samples
    for c in range(x.shape[0]):
        even = work[c, :half]
        odds = work[c, half:]
        for i in range(n_out):
            even[taps + i] = x[c, 2 * i]
            odds[taps + i] = x[c, 2 * i + 1]
        o = out[c]
        for m in range(n_out):
            o[m] = centre * even[m + at]
        for k in range(taps):
            h = odd[k]
            for m in range(n_out):
                o[m] += h * odds[m + k]
        for j in range(taps):
            even[j] = even[n_out + j]
            odds[j] = odds[n_out + j]
