"""numba kernels of the audio callbacks: file reading with loop, the ring of a streamed file, the
loop-point fade, the dry delay line, seek fades, bypass crossfade, peak meters.

Compiled with explicit signatures (no silent recompile inside a callback) and *without*
``nogil``: the callback runs them while holding the GIL anyway, and re-taking it after a
``nogil`` kernel only gives the UI thread a chance to delay the callback (measured upstream).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grutui.jit import njit

_OPTS: Any = {"cache": True, "error_model": "numpy", "boundscheck": False}


@njit("int64(float32[:, ::1], int64, int64, boolean, float32[:, ::1])", **_OPTS)
def read_block(data, pos, n, loop, dst):  # pragma: no cover - compiled
    """Copy ``n`` frames of ``data`` from frame ``pos`` into ``dst``; returns the next position.

    Positions before 0 or past the end read as silence, unless ``loop`` wraps the end.
    """
    frames, channels = data.shape
    for i in range(n):
        p = pos + i
        if loop and p >= frames > 0:
            p = p % frames
        if 0 <= p < frames:
            for c in range(channels):
                dst[i, c] = data[p, c]
        else:
            for c in range(channels):
                dst[i, c] = np.float32(0.0)
    nxt = pos + n
    if loop and nxt >= frames > 0:
        nxt = nxt % frames
    return nxt


@njit(
    "void(float32[:, ::1], float32[:, ::1], int64, float32[:, ::1], float64[::1], float64)", **_OPTS
)
def bypass_mix(dry, wet, n, out, state, step):  # pragma: no cover - compiled
    """``out = wet * (1 - x) + dry * g * x``: x ramps to ``state[1]`` by ``step`` per sample
    (the crossfade), g to ``state[3]`` smoothly (the loudness match).

    ``state``: [x, x target, g, g target].
    """
    channels = out.shape[1]
    for i in range(n):
        x = state[0]
        if x < state[1]:
            x = min(x + step, state[1])
        elif x > state[1]:
            x = max(x - step, state[1])
        state[0] = x
        state[2] += (state[3] - state[2]) * 0.001  # ~20 ms at 48 kHz: a gain change, not a step
        g = state[2] * x
        w = 1.0 - x
        for c in range(channels):
            out[i, c] = np.float32(wet[i, c] * w + dry[i, c] * g)


@njit("void(float32[:, ::1], int64, float64[::1], int64, float64)", **_OPTS)
def peak_hold(x, n, meters, index, release):  # pragma: no cover - compiled
    """``meters[index]`` = max(peak of ``x[:n]`` over all channels, meters[index] * release)."""
    peak = 0.0
    channels = x.shape[1]
    for i in range(n):
        for c in range(channels):
            v = abs(x[i, c])
            if v > peak:
                peak = v
    held = meters[index] * release
    meters[index] = peak if peak > held else held


@njit("void(float32[:, ::1], int64, float32[:, ::1])", **_OPTS)
def spread_input(x, n, dst):  # pragma: no cover - compiled
    """Copy ``x[:n]`` into ``dst``; a mono input feeds every channel, extra inputs are dropped."""
    cin = x.shape[1]
    cout = dst.shape[1]
    for i in range(n):
        for c in range(cout):
            dst[i, c] = x[i, c if c < cin else cin - 1]


@njit("void(float32[:, ::1], int64, int64, float32[:, ::1], int64)", **_OPTS)
def ring_read(ring, start, n, dst, offset):  # pragma: no cover - compiled
    """Copy ``n`` frames of ``ring`` from counter ``start`` (wrapping at its length) into
    ``dst[offset:offset + n]``."""
    size, channels = ring.shape
    p = start % size
    for i in range(n):
        for c in range(channels):
            dst[offset + i, c] = ring[p, c]
        p += 1
        if p == size:
            p = 0


@njit("void(float32[:, ::1], int64, int64)", **_OPTS)
def fill_zero(dst, start, n):  # pragma: no cover - compiled
    """Silence ``dst[start:start + n]``."""
    channels = dst.shape[1]
    for i in range(start, start + n):
        for c in range(channels):
            dst[i, c] = np.float32(0.0)


@njit("void(float32[:, ::1], int64, float32[:, ::1], int64[::1], int64, float32[:, ::1])", **_OPTS)
def delay_block(x, n, ring, state, delay, dst):  # pragma: no cover - compiled
    """``dst[:n]`` = ``x[:n]`` delayed by ``delay`` frames (at most ``len(ring) - 1``) through
    ``ring`` (frames, channels); ``state[0]`` is the ring's write index."""
    size, channels = ring.shape
    w = state[0]
    for i in range(n):
        for c in range(channels):
            ring[w, c] = x[i, c]
        r = w - delay
        if r < 0:
            r += size
        for c in range(channels):
            dst[i, c] = ring[r, c]
        w += 1
        if w == size:
            w = 0
    state[0] = w


@njit("void(float32[:, ::1], int64, float64[::1], float64)", **_OPTS)
def fade(x, n, state, step):  # pragma: no cover - compiled
    """Multiply ``x[:n]`` by a raised-cosine fade: its phase ``state[0]`` (0 silent .. 1 unity)
    moves towards ``state[1]`` by ``step`` per frame. The cosine shape keeps the fade's own
    slope below a sine's, so a fade adds no step larger than the signal's."""
    phase = state[0]
    target = state[1]
    channels = x.shape[1]
    for i in range(n):
        if phase < target:
            phase = min(phase + step, target)
        elif phase > target:
            phase = max(phase - step, target)
        g = np.float32(0.5 - 0.5 * math.cos(math.pi * phase))
        for c in range(channels):
            x[i, c] *= g
    state[0] = phase


@njit("void(float32[:, ::1], int64, int64, int64, int64, boolean)", **_OPTS)
def loop_fade(x, n, start, frames, fade, wrapped):  # pragma: no cover - compiled
    """Fade ``x[:n]``, file frames ``start``, ``start + 1``, ... of a file of ``frames`` frames
    played in a loop (a frame at or past ``frames`` is one after a wrap), round its loop point:
    a raised-cosine fade out over the last ``fade`` frames of the file and, in a pass reached
    by a wrap (``wrapped`` for the pass ``x[0]`` is in), a fade in over its first ``fade``.

    The gain ``0.5 - 0.5 cos(pi d / fade)``, ``d`` frames from the loop point (1 for the last
    frame and for the first after the wrap), is symmetric about the loop point, never exactly
    zero, and as gentle as the seek's fade (``fade``): no step larger than the signal's own.
    """
    if fade <= 0 or frames <= 0:
        return
    channels = x.shape[1]
    for i in range(n):
        q = start + i
        if q < 0:
            continue
        after = wrapped
        if q >= frames:
            after = True
            q = q % frames
        g = 1.0
        d = frames - q
        if d < fade:
            g = 0.5 - 0.5 * math.cos(math.pi * d / fade)
        if after and q + 1 < fade:
            g *= 0.5 - 0.5 * math.cos(math.pi * (q + 1) / fade)
        if g < 1.0:
            gain = np.float32(g)
            for c in range(channels):
                x[i, c] *= gain
