"""The numba kernels of the chain: input and output stages; the GRU (``gru_kernel.py``) and the
oversampling FIRs (``fir_kernels.py``, loaded on first use) are re-exported here.

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

from grutui.dsp.gru_kernel import gru as gru  # re-exported for the chain
from grutui.dsp.gru_kernel import update_table as update_table
from grutui.jit import njit

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}

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
def _output_step(v, x1, y1, d, pole, gain, mix, dc):  # pragma: no cover - compiled
    """One sample of one channel: DC blocker, gain and mix; the output and the new state."""
    hp = v - x1 + pole * y1
    w = (v + dc * (hp - v)) * gain
    return np.float32(mix * w + (1.0 - mix) * d), v, hp


@nb.njit(inline="always")
def _output_lanes(
    wet, dry, n, ring, delay, pos, dc_state, pole, p, t, coef, out, a, two, moving
):  # pragma: no cover - compiled
    """Channel ``a`` (and ``a + 1`` if ``two``, interleaved so that the two DC blockers'
    recurrences overlap) of the output stage; ``p``/``t``: output gain, mix and DC blocker
    amount and their targets, smoothed in the loop while ``moving``. ``two`` is a constant after
    inlining."""
    gain, mix, dc = p
    b = a + 1 if two else a
    xa, ya = dc_state[a, 0], dc_state[a, 1]
    xb, yb = dc_state[b, 0], dc_state[b, 1]
    for i in range(n):
        if moving:
            gain += (t[0] - gain) * coef
            mix += (t[1] - mix) * coef
            dc += (t[2] - dc) * coef
        if delay > 0:
            da = np.float64(ring[a, pos])
            ring[a, pos] = dry[a, i]
            if two:
                db = np.float64(ring[b, pos])
                ring[b, pos] = dry[b, i]
            pos = pos + 1 if pos + 1 < delay else 0
        else:
            da = np.float64(dry[a, i])
            db = np.float64(dry[b, i])
        out[i, a], xa, ya = _output_step(np.float64(wet[a, i]), xa, ya, da, pole, gain, mix, dc)
        if two:
            vb = np.float64(wet[b, i])
            out[i, b], xb, yb = _output_step(vb, xb, yb, db, pole, gain, mix, dc)
    dc_state[a, 0], dc_state[a, 1] = xa, ya
    if two:
        dc_state[b, 0], dc_state[b, 1] = xb, yb
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
    chain's latency) to stay aligned. Channels go in pairs, each with its own copy of the
    (deterministic) smoothing, which is left out once settled.
    """
    start = (cur[OUTPUT], cur[MIX], cur[DC])
    t = (tgt[OUTPUT], tgt[MIX], tgt[DC])
    moving = False
    for j in range(3):
        moving |= start[j] + (t[j] - start[j]) * coef != start[j]
    pos0 = ring_pos[0] if ring_pos[0] < delay else 0
    p, pos = start, pos0
    w, d, r, dcs = wet, dry, ring, dc_state
    channels = wet.shape[0]
    for c in range(0, channels, 2):
        if c + 1 < channels:
            p, pos = _output_lanes(
                w, d, n, r, delay, pos0, dcs, pole, start, t, coef, out, c, True, moving
            )
        else:
            p, pos = _output_lanes(
                w, d, n, r, delay, pos0, dcs, pole, start, t, coef, out, c, False, moving
            )
    cur[OUTPUT], cur[MIX], cur[DC] = p
    ring_pos[0] = pos


FIR_KERNELS = ("upsample", "upsample_halfband", "downsample", "downsample_halfband")


def __getattr__(name: str) -> Any:
    """The oversampling kernels (``fir_kernels.py``), loaded on first use: a render at 1x
    never needs them, and loading them is 30-40 ms of its start-up (seconds to compile)."""
    if name not in FIR_KERNELS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    load_fir_kernels()
    return globals()[name]


def load_fir_kernels() -> None:
    """Load the oversampling kernels now: a chain that oversamples does so when it is set up,
    before a render has a file open (a first run compiles them, and a render cannot be
    cancelled inside a kernel)."""
    from grutui.dsp import fir_kernels

    for name in FIR_KERNELS:
        globals()[name] = getattr(fir_kernels, name)


CHAIN_KERNELS = (
    "input_stage",
    "upsample",
    "upsample_halfband",
    "gru",
    "downsample",
    "downsample_halfband",
    "output_stage",
)
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
            load_fir_kernels()
            for name in CHAIN_KERNELS:
                original = globals()[name]  # (gru and the FIRs cache beside their own files)
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
