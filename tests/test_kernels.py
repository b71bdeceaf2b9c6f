"""The GRU kernel's fast functions and the kernel itself against numpy in float64."""

from __future__ import annotations

import numpy as np
import pytest

from grutui.dsp import gru_kernel
from grutui.params import SPEC_BY_NAME


def kernel_functions(v: np.ndarray, k: float = 1.0) -> np.ndarray:
    out = np.empty((3, len(v)))
    gru_kernel.functions(np.ascontiguousarray(v, dtype=np.float64), k, out)
    return out


def sigmoid(v: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(v))
    return np.where(v >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus_neg(v: np.ndarray) -> np.ndarray:
    """log1p(exp(-v)) without overflow."""
    return np.maximum(-v, 0.0) + np.log1p(np.exp(-np.abs(v)))


def test_sigmoid_and_tanh_are_within_5e_16_of_numpy():
    v = np.linspace(-63.9, 63.9, 2_000_001)
    got = kernel_functions(v)
    assert np.max(np.abs(got[0] - sigmoid(v))) <= 5e-16
    inside = np.abs(v) < 31.9  # the tanh table's span; the kernel keeps its argument within 30
    assert np.max(np.abs(got[2][inside] - np.tanh(v[inside]))) <= 5e-16


# k = 44100 / rate: 8 kHz at 1x, 22.05 and 44.1 kHz, 48 kHz at 1x and 4x, 768 kHz at 8x
@pytest.mark.parametrize("k", [44100 / 8000, 2.0, 1.0, 44100 / 48000, 44100 / 192000, 0.00718])
def test_the_update_weight_is_within_1e_15_of_numpy_at_any_rate(k):
    v = np.linspace(-63.9, 63.9, 2_000_001)
    got = kernel_functions(v, k)[1]
    want = -np.expm1(-k * softplus_neg(v))  # 1 - sigmoid(v) ** k
    assert np.max(np.abs(got - want)) <= 1e-15


def reference_gru(x: np.ndarray, params: dict[str, float], k: float) -> np.ndarray:
    """The kernel's equations in float64 numpy, every channel at once (``x``: channels, n)."""
    wf, wh, uf, uh, bf = (params[n] for n in ("Wf", "Wh", "Uf", "Uh", "bf"))
    y1 = np.zeros(x.shape[0])
    out = np.empty_like(x, dtype=np.float64)
    for i in range(x.shape[1]):
        z = wf * x[:, i] + uf * y1 + bf
        sp = softplus_neg(z)
        fe = np.exp(-k * sp)
        y1 = fe * y1 - np.expm1(-k * sp) * np.tanh(wh * x[:, i] + uh * sigmoid(z) * y1)
        out[:, i] = y1
    return out


def ranged(name: str, fraction: float) -> float:
    spec = SPEC_BY_NAME[name]
    return spec.minimum + fraction * (spec.maximum - spec.minimum)


CASES = [
    dict(Wf=0.0, Wh=2.0, Uf=0.0, Uh=0.0, bf=5.0),  # the seed's odd harmonics
    dict(Wf=5.0, Wh=2.0, Uf=2.0, Uh=0.0, bf=0.0),  # the seed's odd and even
    dict(Wf=10.0, Wh=2.0, Uf=6.0, Uh=4.0, bf=-1.0),
    {n: ranged(n, 1.0) for n in ("Wf", "Wh", "Uf", "Uh", "bf")},  # every range's top
    {n: ranged(n, 0.0) for n in ("Wf", "Wh", "Uf", "Uh", "bf")} | {"Wh": 20.0},
]


@pytest.mark.parametrize("params", CASES)
@pytest.mark.parametrize("k", [44100 / 8000, 1.0, 44100 / 48000, 44100 / 384000])
def test_gru_kernel_gives_the_float64_equations_rounded_to_float32(params, k):
    rng = np.random.default_rng(5)
    x = np.concatenate(
        [rng.uniform(-3, 3, (16, 3000)), 40 * rng.standard_normal((4, 3000))]
    ).astype(np.float32)
    want = reference_gru(x.astype(np.float64), params, k).astype(np.float32)
    target = np.array([params[n] for n in ("Wf", "Wh", "Uf", "Uh", "bf")])
    got = x.copy()
    update = gru_kernel.update_table(k)
    gru_kernel.gru(got, x.shape[1], np.zeros(len(x)), target.copy(), target, 0.01, k, update)
    assert np.max(np.abs(got - want)) <= 6e-8  # one float32 rounding at most
    assert np.mean(got == want) >= 0.999
