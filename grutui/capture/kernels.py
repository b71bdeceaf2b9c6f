"""The gradient of the GRU recurrence, by reverse accumulation (back-propagation through time).

The forward pass is the chain's own kernel (``grutui.dsp.kernels.gru``); given its output, every
per-sample partial derivative depends only on that sample's input and the previous output, so
the backward pass recomputes them without a recurrence and carries one scalar adjoint back in
time: its cost does not grow with the number of parameters.
"""

from __future__ import annotations

from typing import Any

from grutui.jit import njit

_OPTS: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}
CLAMP = 20.0  # the chain's kernel clamps the tanh's argument here


# The backward pass in three sweeps with numpy's vectorised exp/log1p/expm1/tanh in between
# (about 1.5 ns a sample each, where a scalar libm call in the loop costs 10-20 ns): ``gate``
# gives the gate's argument, ``branch`` the gate and the tanh's argument, ``adjoint`` the rest.


@njit("void(float32[::1], float32[::1], float64, float64, float64, float64[::1])", **_OPTS)
def gate_input(x, h, wf, uf, bf, z):  # pragma: no cover - compiled
    """``z[n] = Wf x[n] + Uf h[n-1] + bf`` (the state starts at 0)."""
    previous = 0.0
    for n in range(x.shape[0]):
        z[n] = wf * x[n] + uf * previous + bf
        previous = h[n]


@njit(
    "void(float32[::1], float32[::1], float64[::1], float64[::1], float64[::1], float64, float64,"
    " float64, float64[::1], float64[::1], float64[::1])",
    **_OPTS,
)
def branch(x, h, z, e, log1p_e, wh, uh, k, f, k_log_f, a):  # pragma: no cover - compiled
    """From ``z``, ``e = exp(-|z|)`` and ``log1p(e)``: the gate ``f = sigmoid(z)``, ``k log f``
    and the tanh's argument, clamped as the chain's kernel clamps it."""
    previous = 0.0
    for n in range(x.shape[0]):
        zn = z[n]
        en = e[n]
        if zn >= 0.0:
            gate = 1.0 / (1.0 + en)
            log_f = -log1p_e[n]
        else:
            gate = en / (1.0 + en)
            log_f = zn - log1p_e[n]
        f[n] = gate
        k_log_f[n] = k * log_f
        a[n] = min(max(wh * x[n] + uh * gate * previous, -CLAMP), CLAMP)
        previous = h[n]


@njit(
    "void(float32[::1], float32[::1], float64[::1], float64[::1], float64[::1], float64[::1],"
    " float64[::1], float64[::1], float64[::1], float64, float64[::1])",
    **_OPTS,
)
def adjoint(x, h, q, f, fe, one_fe, th, a, theta, k, grad):  # pragma: no cover - compiled
    """Add dLoss/d(Wf, Wh, Uf, Uh, bf) to ``grad``, given ``q = dLoss/dh`` (direct part).

    ``x`` is the GRU's input and ``h`` its output (``h[n]`` from ``x[n]`` and ``h[n-1]``),
    ``f`` the gate, ``fe = f ** k`` and ``1 - fe``, ``th`` the tanh and ``a`` its (clamped)
    argument per sample; ``theta`` holds Wf, Wh, Uf, Uh, bf.
    """
    uf, uh = theta[2], theta[3]
    g_wf = g_wh = g_uf = g_uh = g_bf = 0.0
    mu_next = 0.0
    j_next = 0.0
    for n in range(x.shape[0] - 1, -1, -1):
        y1 = float(h[n - 1]) if n > 0 else 0.0
        xv = float(x[n])
        fn = f[n]
        one_f = 1.0 - fn
        t = th[n]
        d_th = 0.0 if abs(a[n]) >= CLAMP else 1.0 - t * t
        g_a = one_fe[n] * d_th  # dh/da
        g_z = k * fe[n] * one_f * (y1 - t) + g_a * uh * y1 * fn * one_f  # dh/dz, a moving with f
        mu = q[n] + mu_next * j_next
        g_wf += mu * g_z * xv
        g_uf += mu * g_z * y1
        g_bf += mu * g_z
        g_wh += mu * g_a * xv
        g_uh += mu * g_a * fn * y1
        j_next = fe[n] + g_z * uf + g_a * uh * fn  # dh[n]/dh[n-1]
        mu_next = mu
    grad[0] += g_wf
    grad[1] += g_wh
    grad[2] += g_uf
    grad[3] += g_uh
    grad[4] += g_bf


@njit("UniTuple(float64, 3)(float64[::1], float64[::1], float64[::1], float64)", **_OPTS)
def loss_sums(v, target, mask, coef):  # pragma: no cover - compiled
    """(sum m t u, sum m u^2, sum m v) with ``u`` the pre-emphasis ``v[n] - coef v[n-1]``."""
    s_tu = s_uu = s_v = 0.0
    previous = 0.0
    for n in range(v.shape[0]):
        u = v[n] - coef * previous
        previous = v[n]
        m = mask[n]
        s_tu += m * target[n] * u
        s_uu += m * u * u
        s_v += m * v[n]
    return s_tu, s_uu, s_v


@njit(
    "float64(float64[::1], float64[::1], float64[::1], float64, float64, float64, float64,"
    " float64[::1])",
    **_OPTS,
)
def loss_residual(v, target, mask, coef, gain, scale, dc_slope, dv):  # pragma: no cover
    """Sum of the squared pre-emphasised residual ``m (t - gain u)``; into ``dv`` its gradient
    ``P^T (scale * residual)`` plus ``dc_slope * m`` (the DC term's)."""
    total = 0.0
    previous = 0.0
    for n in range(v.shape[0]):
        r = mask[n] * (target[n] - gain * (v[n] - coef * previous))
        previous = v[n]
        total += r * r
        dv[n] = scale * r + dc_slope * mask[n]
    # P^T: d[n] - coef d[n+1] on the residual part only; the DC part is added back in place
    carry = 0.0
    for n in range(v.shape[0] - 1, -1, -1):
        own = dv[n]
        dv[n] = own - coef * carry
        carry = own - dc_slope * mask[n]
    return total
