"""The fit's model of the chain: the same output as the chain, and a gradient that is right."""

from __future__ import annotations

import numpy as np
import pytest

from grutui.capture.model import ChainModel, Loss, esr
from grutui.capture.search import to_theta
from grutui.dsp import Chain
from grutui.params import Params

RATE_HZ = 48000.0


def _material(n: int = 30000) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n) / RATE_HZ
    rng = np.random.default_rng(3)
    dry = 0.7 * np.sin(2 * np.pi * 220 * t) * np.exp(-3 * t) + 0.05 * rng.standard_normal(n)
    return dry.astype(np.float32), np.tanh(1.5 * dry) * 0.8


@pytest.mark.parametrize("factor", [1, 2, 4])
def test_model_output_is_the_chains_aligned_render(factor):
    dry, _ = _material()
    params = Params(Wf=3.0, Wh=2.0, Uf=1.5, Uh=0.7, bf=0.5, oversample=factor)
    chain = Chain(RATE_HZ, 1, 4096, params)
    lag = chain.latency_samples
    rendered = chain.process(np.concatenate([dry, np.zeros(lag, np.float32)])[:, None])[lag:, 0]
    model = ChainModel(dry, RATE_HZ, factor)
    out = model.output(np.array([3.0, 2.0, 1.5, 0.7, 0.5]))
    assert esr(rendered, out) < 1e-10


@pytest.mark.parametrize("factor", [1, 4])
def test_gradient_matches_finite_differences(factor):
    dry, wet = _material()
    mask = np.ones(len(dry), bool)
    mask[:2000] = False  # as the material's warm-ups are
    model, loss = ChainModel(dry, RATE_HZ, factor), Loss(wet, mask)
    phi = np.array([np.log(1.8), 1.5, 1.2, 0.6, 0.4])
    value, grad, _ = model.evaluate(to_theta(phi), loss)
    for i in range(5):
        step = np.zeros(5)
        step[i] = 1e-3
        up = model.value(to_theta(phi) + step, loss)
        down = model.value(to_theta(phi) - step, loss)
        assert grad[i] == pytest.approx((up - down) / 2e-3, rel=2e-3, abs=1e-6), i
    assert value > 0


def test_output_gain_is_solved_and_kept_in_range():
    dry, wet = _material()
    loss = Loss(wet, np.ones(len(dry), bool))
    out = np.tanh(1.5 * dry.astype(np.float64))
    value, _, gain = loss(out)
    assert gain == pytest.approx(0.8, rel=1e-6) and value < 1e-12
    _, _, gain = loss(out * 1e-6)  # would need +120 dB: held at the output range's top (+12)
    assert gain == pytest.approx(10 ** (12 / 20))
