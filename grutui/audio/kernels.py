"""numba kernels of the audio callbacks: file reading with loop, the ring of a streamed file, the
loop-point fade, the dry delay line, seek fades, bypass crossfade and gains, level meters and
the live loudness of the monitor's auto gain.

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


GAIN_SMOOTHING = 0.001  # per frame: a gain change takes ~20 ms at 48 kHz, a slope, not a step


@njit(
    "void(float32[:, ::1], float32[:, ::1], int64, float32[:, ::1], float64[::1], float64)", **_OPTS
)
def bypass_mix(dry, wet, n, out, state, step):  # pragma: no cover - compiled
    """``out = wet * v * (1 - x) + dry * g * x``: x ramps to ``state[1]`` by ``step`` per
    sample (the crossfade), the dry gain g to ``state[3]`` and the wet gain v to ``state[5]``
    smoothly (the loudness match, auto gain).

    ``state``: [x, x target, g, g target, v, v target].
    """
    channels = out.shape[1]
    for i in range(n):
        x = state[0]
        if x < state[1]:
            x = min(x + step, state[1])
        elif x > state[1]:
            x = max(x - step, state[1])
        state[0] = x
        state[2] += (state[3] - state[2]) * GAIN_SMOOTHING
        state[4] += (state[5] - state[4]) * GAIN_SMOOTHING
        g = state[2] * x
        v = state[4] * (1.0 - x)
        for c in range(channels):
            out[i, c] = np.float32(wet[i, c] * v + dry[i, c] * g)


@njit("void(float32[:, ::1], int64, float64[::1])", **_OPTS)
def ramp_gain(x, n, state):  # pragma: no cover - compiled
    """Multiply ``x[:n]`` by a gain that moves smoothly from ``state[0]`` to ``state[1]``."""
    channels = x.shape[1]
    g = state[0]
    target = state[1]
    for i in range(n):
        g += (target - g) * GAIN_SMOOTHING
        gain = np.float32(g)
        for c in range(channels):
            x[i, c] *= gain
    state[0] = g


# A level meter's state row (see ``meter_block``).
PEAK, HOLD, HOLD_AGE, CLIPS, MAX, MS = 0, 1, 2, 3, 4, 5


@njit("void(float32[:, ::1], int64, float64[:, ::1], int64, float64, float64, float64)", **_OPTS)
def meter_block(x, n, levels, row, release, ms_keep, hold_frames):  # pragma: no cover - compiled
    """Meter ``x[:n]`` (all channels) into ``levels[row]``: [peak, hold, frames the hold has
    held, samples over full scale, highest peak, mean square of channel 0, of channel 1, ...].

    The peak falls by the factor ``release`` per block after a louder one (a PPM's fall); the
    hold keeps the highest peak for ``hold_frames``, then takes the falling peak's value; the
    mean square is a moving average that keeps ``ms_keep`` of the old value per block.
    """
    channels = x.shape[1]
    peak = 0.0
    clips = 0
    for c in range(channels):
        total = 0.0
        for i in range(n):
            v = abs(x[i, c])
            total += v * v
            if v > peak:
                peak = v
            if v > 1.0:
                clips += 1
        if n > 0:
            levels[row, MS + c] = levels[row, MS + c] * ms_keep + (total / n) * (1.0 - ms_keep)
    levels[row, CLIPS] += clips
    held = levels[row, PEAK] * release
    levels[row, PEAK] = peak if peak > held else held
    if peak > levels[row, MAX]:
        levels[row, MAX] = peak
    levels[row, HOLD_AGE] += n
    if peak >= levels[row, HOLD] or levels[row, HOLD_AGE] > hold_frames:
        levels[row, HOLD] = levels[row, PEAK]
        levels[row, HOLD_AGE] = 0.0


# The live loudness's state (see ``live_loudness``): per signal (dry, wet) a row of
STEP_SUM, RING, GATE_SUM, GATE_COUNT, KEPT_SUM, KEPT_COUNT = 0, 1, 5, 6, 7, 8
# and in row 2: frames in the current step, steps seen since the last reset.
STEP_FRAMES, STEPS = 0, 1
LIVE_BLOCK_STEPS = 4  # a gating block is 400 ms: four 100 ms steps


@njit(
    "void(float32[:, ::1], float32[:, ::1], int64, float64[:, ::1], float64[:, :, :, ::1], "
    "float64[:, ::1], int64)",
    **_OPTS,
)
def live_loudness(dry, wet, n, sos, z, acc, step):  # pragma: no cover - compiled
    """BS.1770 loudness of ``dry[:n]`` and ``wet[:n]`` as they stream, for the monitor's auto
    gain: K-weighting (``sos``, two sections; ``z`` its state [signal, section, channel, 2]),
    400 ms gating blocks every ``step`` (100 ms) frames, each kept if above the absolute gate
    (-70 LUFS) and above the relative gate (10 LU under the mean of the blocks so far: causal,
    where BS.1770 looks at the whole programme). ``acc`` rows 0 and 1 (dry, wet): the current
    step's sum, a ring of the last four, the absolute-gated and the kept sums and counts; row
    2: frames in the step, steps seen. The kept mean of each row is its loudness."""
    channels = dry.shape[1]
    for i in range(n):
        for s in range(2):
            x = dry if s == 0 else wet
            power = 0.0
            for c in range(channels):
                v = np.float64(x[i, c])
                for k in range(2):  # transposed direct form II, section by section
                    y = sos[k, 0] * v + z[s, k, c, 0]
                    z[s, k, c, 0] = sos[k, 1] * v - sos[k, 4] * y + z[s, k, c, 1]
                    z[s, k, c, 1] = sos[k, 2] * v - sos[k, 5] * y
                    v = y
                power += v * v
            acc[s, STEP_SUM] += power
        acc[2, STEP_FRAMES] += 1.0
        if acc[2, STEP_FRAMES] < step:
            continue
        steps = int(acc[2, STEPS])
        acc[2, STEP_FRAMES] = 0.0
        acc[2, STEPS] = steps + 1
        for s in range(2):
            acc[s, RING + steps % LIVE_BLOCK_STEPS] = acc[s, STEP_SUM]
            acc[s, STEP_SUM] = 0.0
            if steps + 1 < LIVE_BLOCK_STEPS:
                continue
            block = 0.0
            for k in range(LIVE_BLOCK_STEPS):
                block += acc[s, RING + k]
            block /= LIVE_BLOCK_STEPS * step
            if block <= 0.0 or -0.691 + 10.0 * math.log10(block) <= -70.0:
                continue
            acc[s, GATE_SUM] += block
            acc[s, GATE_COUNT] += 1.0
            if block > 0.1 * acc[s, GATE_SUM] / acc[s, GATE_COUNT]:  # -10 LU
                acc[s, KEPT_SUM] += block
                acc[s, KEPT_COUNT] += 1.0


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
