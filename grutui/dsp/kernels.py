"""Every numba kernel of the chain, in one module.

numba's cache checks only the hash of the file that holds a jitted function, so all kernels live
here and call no jitted helper elsewhere: a change anywhere in them invalidates the whole cache.
Each kernel has an explicit signature (a new argument type would recompile silently, a dropout in
an audio callback) and ``nogil=True`` so render and analysis threads do not hold the GIL.
No ``fastmath``: it would delete the NaN checks.

Buffers are channel-major ``(channels, frames)`` float32 work arrays preallocated by the chain;
``n`` says how many frames of them are in use, so a call slices nothing and allocates nothing.
Parameter smoothers are float64 arrays ``cur`` (smoothed) and ``tgt`` (targets): a one-pole step
per sample with coefficient ``coef``, the same smoothing time at any rate.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}
# The FIR dot products may be reordered (and so vectorised); no-NaN/no-inf flags stay off.
_FIR_OPTS = {**_OPTS, "fastmath": {"reassoc", "contract", "nsz", "arcp"}}

# Indices of the base-rate smoothers (input/output stage).
DRIVE, OUTPUT, MIX, DC = 0, 1, 2, 3


@nb.njit("int64(float32[:, ::1], int64, float32[:, ::1], float32[:, ::1], float64[::1], float64[::1], float64)", **_OPTS)
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


@nb.njit("void(float32[:, ::1], int64, float32[:, ::1], float32[:, ::1], float32[:, ::1])", **_FIR_OPTS)
def upsample(x, n, work, phases, out):  # pragma: no cover - compiled
    """Polyphase interpolation by ``L = len(phases)``: ``out[:, :n*L]`` from ``x[:, :n]``.

    ``work`` holds per channel the last ``taps-1`` inputs then room for ``n`` more; ``phases``
    are the time-reversed polyphase branches of the prototype filter, scaled by ``L``.
    """
    factor, taps = phases.shape
    hist = taps - 1
    for c in range(x.shape[0]):
        w = work[c]
        for i in range(n):
            w[hist + i] = x[c, i]
        o = out[c]
        for i in range(n):
            for p in range(factor):
                ph = phases[p]
                acc = np.float32(0.0)
                for j in range(taps):
                    acc += ph[j] * w[i + j]
                o[i * factor + p] = acc
        for j in range(hist):
            w[j] = w[n + j]


@nb.njit("void(float32[:, ::1], int64, int64, float32[:, ::1], float32[::1], float32[:, ::1])", **_FIR_OPTS)
def downsample(x, n_out, factor, work, h_rev, out):  # pragma: no cover - compiled
    """Filter and decimate by ``factor``: ``out[:, :n_out]`` from ``x[:, :n_out*factor]``.

    ``work`` holds per channel the last ``taps-1`` inputs then room for the block; ``h_rev``
    is the time-reversed prototype filter.
    """
    taps = h_rev.shape[0]
    hist = taps - 1
    n_in = n_out * factor
    for c in range(x.shape[0]):
        w = work[c]
        for i in range(n_in):
            w[hist + i] = x[c, i]
        o = out[c]
        for m in range(n_out):
            base = m * factor
            acc = np.float32(0.0)
            for j in range(taps):
                acc += h_rev[j] * w[base + j]
            o[m] = acc
        for j in range(hist):
            w[j] = w[n_in + j]


@nb.njit("int64(float32[:, ::1], int64, float64[::1], float64[::1], float64[::1], float64, float64)", **_OPTS)
def gru(x, n, y1, cur, tgt, coef, k):  # pragma: no cover - compiled
    """The seed's gated recurrent unit, in place on ``x[:, :n]``, one state ``y1`` per channel.

    ``cur``/``tgt`` hold Wf, Wh, Uf, Uh, bf. The gate is the pole of a one-pole smoother, so the
    feedback uses ``fe = f ** k`` with ``k = 44100 / rate``: the same time constant at any rate,
    the seed's equation exactly at 44.1 kHz. Non-finite inputs count as 0; returns their count.
    """
    channels = x.shape[0]
    bad = 0
    for i in range(n):
        for p in range(5):
            cur[p] += (tgt[p] - cur[p]) * coef
        wf, wh, uf, uh, bf = cur[0], cur[1], cur[2], cur[3], cur[4]
        for c in range(channels):
            xi = np.float64(x[c, i])
            if not math.isfinite(xi):
                xi = 0.0
                bad += 1
            yp = y1[c]
            e = math.exp(-(wf * xi + uf * yp + bf))
            f = 1.0 / (1.0 + e)
            fe = math.exp(-k * math.log1p(e))  # f ** k without a pow of a rounded f
            y = fe * yp + (1.0 - fe) * math.tanh(wh * xi + uh * f * yp)
            y1[c] = y
            x[c, i] = y
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
    "void(float32[:, ::1], float32[:, ::1], int64, float32[:, ::1], int64[::1], float64[:, ::1], float64,"
    " float64[::1], float64[::1], float64, float32[:, ::1])",
    **_OPTS,
)
def output_stage(wet, dry, n, ring, ring_pos, dc_state, pole, cur, tgt, coef, out):  # pragma: no cover
    """DC blocker, output gain and dry/wet mix into ``out`` (frames, channels).

    The DC blocker always runs and is cross-faded by its smoothed on/off amount, so switching it
    does not click. The dry path goes through ``ring`` (the chain's latency) to stay aligned.
    """
    channels = wet.shape[0]
    delay = ring.shape[1]
    pos = ring_pos[0]
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
