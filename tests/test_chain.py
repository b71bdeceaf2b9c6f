"""The chain against the seed notebook and the claims of the engine issue."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grutui.dsp import Chain, kernels
from grutui.params import SPEC_BY_NAME, Params
from tests.conftest import grutui_env

SEED_RATE = 44100


def seed_gru_block(x: np.ndarray, Wf: float, Wh: float, Uf: float, Uh: float, bf: float):
    """The notebook's loop, transcribed in plain numpy."""

    def sigmoid(v: float) -> float:
        return 1.0 / (1.0 + np.exp(-v))

    y = np.zeros_like(x, dtype=np.float64)
    y1 = 0.0
    for n in range(len(x)):
        f = sigmoid(Wf * x[n] + Uf * y1 + bf)
        y[n] = f * y1 + (1 - f) * np.tanh(Wh * x[n] + Uh * f * y1)
        y1 = y[n]
    return y


def bare(**gru: float) -> Params:
    """Only the GRU: 1x, no drive, no DC blocker, full wet."""
    return Params(oversample=1, dc_block=False, **gru)


SEED_CASES = [
    dict(Wf=0.0, Wh=2.0, Uf=0.0, Uh=0.0, bf=5.0),
    dict(Wf=5.0, Wh=2.0, Uf=2.0, Uh=0.0, bf=0.0),
    dict(Wf=0.5, Wh=1.0, Uf=0.5, Uh=0.5, bf=0.0),
    dict(Wf=10.0, Wh=2.0, Uf=6.0, Uh=4.0, bf=-1.0),
]


@pytest.mark.parametrize("gru", SEED_CASES)
def test_at_44k1_and_1x_the_chain_is_the_seed_equation(gru):
    t = np.arange(2000) / SEED_RATE
    x = (1.5 * np.sin(2 * np.pi * 100 * t) + 0.3 * np.sin(2 * np.pi * 1234 * t)).astype(np.float32)
    expected = seed_gru_block(x.astype(np.float64), **gru)
    out = Chain(SEED_RATE, 1, 512, bare(**gru)).process(x[:, None])[:, 0]
    np.testing.assert_allclose(out, expected, atol=2e-6)


@pytest.mark.parametrize("channels", [1, 2, 6])
def test_block_size_does_not_change_the_samples(channels):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1.5, 1.5, (5000, channels)).astype(np.float32)
    params = Params(Wf=5, Wh=3, Uf=2, Uh=0.5, bf=1, drive_db=3, mix=70, oversample=4)
    whole = Chain(48000, channels, 8192, params).process(x)
    chain = Chain(48000, channels, 700, params)
    pieces, start = [], 0
    for size in [1, 7, 64, 700, 333, 1000, 2895]:
        pieces.append(chain.process(x[start : start + size]))
        start += size
    assert start == len(x)
    np.testing.assert_array_equal(np.concatenate(pieces), whole)


def test_channels_have_their_own_state():
    rng = np.random.default_rng(2)
    left = rng.uniform(-1, 1, 3000).astype(np.float32)
    stereo = np.stack([left, np.zeros_like(left)], axis=1)
    params = Params(Wf=5, Wh=2, Uf=2, oversample=2)
    out = Chain(48000, 2, 1024, params).process(stereo)
    mono = Chain(48000, 1, 1024, params).process(left[:, None])[:, 0]
    np.testing.assert_array_equal(out[:, 0], mono)
    assert np.all(out[:, 1] == out[0, 1])  # silence in, constant out: nothing leaked across


@pytest.mark.parametrize("factor", [1, 2, 4, 8])
def test_latency_is_reported_exactly(factor):
    # Quiet, smoothed noise stays in the tanh's linear region, so the wet path only delays it:
    # by the reported latency, which is also the delay of the dry path.
    rate = 48000
    noise = np.random.default_rng(4).normal(0, 0.01, rate // 4)
    x = np.convolve(noise, np.hanning(9) / 4, mode="same").astype(np.float32)[:, None]
    chain = Chain(
        rate, 1, 4096, Params(Wf=0, Wh=1, Uf=0, Uh=0, bf=-5, oversample=factor, dc_block=False)
    )
    wet = chain.process(x)[:, 0].astype(np.float64)
    k = np.argmax(np.correlate(x[4000 - 200 : 8000, 0], wet[4000:8000], mode="valid"))
    assert 200 - k == chain.latency_samples
    dry = Chain(rate, 1, 4096, Params(mix=0, oversample=factor)).process(x)[:, 0]
    np.testing.assert_array_equal(
        dry[chain.latency_samples :], x[: len(x) - chain.latency_samples, 0]
    )


def test_half_mix_does_not_comb_filter():
    rate = 48000
    t = np.arange(rate // 2) / rate
    # a quiet sweep stays in the tanh's linear region: wet ~ dry, so a misaligned dry would
    # notch out frequencies; aligned, the 50 % mix is never quieter than the quieter path
    x = (0.001 * np.sin(2 * np.pi * (100 + 15000 * t) * t)).astype(np.float32)[:, None]
    base = Params(Wf=0, Wh=1, Uf=0, Uh=0, bf=-5, oversample=4, dc_block=False)

    def levels(mix: float) -> np.ndarray:
        out = Chain(rate, 1, 4096, base.replace(mix=mix)).process(x)[2000:, 0]
        frames = len(out) // 500 * 500
        return np.sqrt(np.mean(out[:frames].reshape(-1, 500) ** 2, axis=1))

    wet, dry, mixed = levels(100), levels(0), levels(50)
    assert np.all(20 * np.log10(mixed / np.minimum(wet, dry)) > -0.1)


def test_nan_and_inf_inputs_count_as_silence_and_do_not_poison_the_state():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (4000, 2)).astype(np.float32)
    poisoned = x.copy()
    poisoned[100, 0] = np.nan
    poisoned[200, 1] = np.inf
    poisoned[300, 0] = -np.inf
    clean = x.copy()
    clean[100, 0] = clean[200, 1] = clean[300, 0] = 0.0
    params = Params(Wf=5, Wh=2, Uf=2, mix=50, oversample=4)
    chain = Chain(48000, 2, 1024, params)
    out = chain.process(poisoned)
    assert np.all(np.isfinite(out))
    assert chain.nonfinite_count == 3
    np.testing.assert_array_equal(out, Chain(48000, 2, 1024, params).process(clean))


@settings(max_examples=200, deadline=None)
@given(
    gru=st.fixed_dictionaries(
        {
            name: st.floats(SEED_LIMIT[0], SEED_LIMIT[1])
            for name, SEED_LIMIT in {
                n: (SPEC_BY_NAME[n].minimum, SPEC_BY_NAME[n].maximum)
                for n in ("Wf", "Wh", "Uf", "Uh", "bf")
            }.items()
        }
    ),
    samples=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True, width=32), st.floats(-1e6, 1e6, width=32)
        ),
        min_size=1,
        max_size=64,
    ),
    k=st.sampled_from([0.125, 0.25, 0.5, 0.91875, 1.0, 2.0]),
)
def test_gru_stage_output_is_bounded_for_any_parameters_and_input(gru, samples, k):
    x = np.array([samples], dtype=np.float32)
    target = np.array([gru[n] for n in ("Wf", "Wh", "Uf", "Uh", "bf")])
    update = kernels.update_table(k)
    kernels.gru(x, x.shape[1], np.zeros(1), target.copy(), target, 0.5, k, update)
    assert np.all(np.isfinite(x))
    assert np.all(np.abs(x) <= 1.0)


def test_reset_starts_at_the_values_not_ramping():
    params = Params(Wf=0, Wh=8, Uf=0, Uh=0, bf=-5, drive_db=12, oversample=1, dc_block=False)
    chain = Chain(48000, 1, 256, Params())
    chain.params = params
    chain.reset()
    out = chain.process(np.full((1, 1), 0.1, np.float32))
    gate = (1 / (1 + math.exp(5))) ** (44100 / 48000)
    expected = (1 - gate) * math.tanh(8 * 0.1 * 10 ** (12 / 20))
    assert out[0, 0] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("rate", [44100, 96000])
def test_parameter_changes_are_smoothed_over_about_5_ms_at_any_rate(rate):
    params = Params(Wf=0, Wh=1, Uf=0, Uh=0, bf=-5, oversample=1, dc_block=False)
    chain = Chain(rate, 1, 8192, params)
    x = np.full((rate // 50, 1), 0.01, np.float32)  # 20 ms in the tanh's linear region
    chain.process(x)
    chain.params = params.replace(Wh=2)
    out = chain.process(x)[:, 0] / 0.01
    settle = np.argmax(np.abs(out - 2.0) < 0.01)  # within 1 % of the step
    assert out[0] < 1.1  # no jump
    assert 0.004 < settle / rate < 0.006
    assert np.all(np.diff(out) >= -1e-6)  # a monotone glide, no zipper steps back


def test_the_callbacks_gil_holding_kernels_load_from_the_disk_cache_in_a_new_process():
    """``grutui play`` must not compile for seconds in every process: a second process finds
    every GIL-holding kernel in numba's cache, apart from the nogil builds of the same code."""
    probe = (
        "from grutui.dsp import kernels\n"
        "k = kernels.gil_holding()\n"
        "names = kernels.CHAIN_KERNELS\n"
        "print(sum(bool(getattr(k, n).stats.cache_hits) for n in names), len(names))\n"
        "print(all(not getattr(k, n).targetoptions['nogil'] for n in names))\n"
    )
    for _ in range(2):  # the first may compile (a cold cache); the second must not
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
    hits, total = done.stdout.split()[:2]
    assert hits == total, done.stdout
    assert done.stdout.split()[2] == "True"


def test_an_oversampling_chain_loads_its_filter_kernels_when_set_up_a_1x_one_never():
    """So that a render compiles or loads them before it opens its output, where it can still
    be cancelled, and a 1x render does not spend their 30-40 ms."""
    code = (
        "import sys\n"
        "from grutui.dsp import Chain\n"
        "from grutui.params import Params\n"
        "Chain(48000, 2, params=Params(oversample=1))\n"
        "print('grutui.dsp.fir_kernels' in sys.modules)\n"
        "Chain(48000, 2, params=Params(oversample=4))\n"
        "print('grutui.dsp.fir_kernels' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=grutui_env(), timeout=600
    )
    assert result.stdout.split() == ["False", "True"], result.stderr
