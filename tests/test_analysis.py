"""What the plots will show, and the sound's independence from rate and oversampling."""

from __future__ import annotations

import numpy as np
import pytest

from grutui import preset_store as presets
from grutui.analysis import aliasing_db, analyze
from grutui.dsp import Chain
from grutui.params import Params

FACTORY = [p for p in presets.list_presets() if p.factory]
AUDIBLE_DBR = -80.0  # harmonics quieter than this are numerical noise in these comparisons


def test_odd_preset_has_no_even_harmonics():
    result = analyze(presets.find("Odd Harmonics").params)
    assert np.all(result.harmonics_dbr[1::2] < -100)
    assert np.all(result.harmonics_dbr[2::2] > -60)  # but odd ones
    assert result.even_odd_db < -100


def test_odd_and_even_preset_has_even_harmonics_and_the_seed_dc_offset():
    params = presets.find("Odd and Even").params
    result = analyze(params)
    assert np.all(result.harmonics_dbr[1::2][:3] > -40)
    assert result.dc == pytest.approx(0.0, abs=1e-4)  # removed by the DC blocker
    unblocked = analyze(params.replace(dc_block=False))
    assert unblocked.dc == pytest.approx(-0.19, abs=0.01)  # the seed's offset (sign: H1 phase)


def test_transfer_curve_shows_hysteresis():
    result = analyze(Params(Wf=5, Wh=2, Uf=2, Uh=0, bf=0, oversample=1), gain=1.5)
    x, y = result.curve_x, result.curve_y
    rising = np.gradient(x) > 0
    # the same input value gives a different output on the way up and on the way down
    gap = [
        abs(
            np.interp(v, x[rising][np.argsort(x[rising])], y[rising][np.argsort(x[rising])])
            - np.interp(v, x[~rising][np.argsort(x[~rising])], y[~rising][np.argsort(x[~rising])])
        )
        for v in (-0.5, 0.0, 0.5)
    ]
    assert max(gap) > 0.05


def test_curve_is_one_period_of_the_input_aligned_with_the_output():
    result = analyze(Params(Wf=0, Wh=1, Uf=0, Uh=0, bf=-5, oversample=4, dc_block=False), gain=0.01)
    # nearly linear: aligned output is the input times Wh, with no latency shift
    np.testing.assert_allclose(result.curve_y, result.curve_x, atol=2e-5)
    assert len(result.curve_x) == 441


@pytest.mark.parametrize("preset", FACTORY, ids=lambda p: p.name)
def test_factory_presets_sound_the_same_at_any_rate_and_oversampling(preset):
    reference = analyze(preset.params.replace(oversample=1), rate_hz=44100)
    audible = reference.harmonics_dbr > AUDIBLE_DBR
    for rate in (44100, 48000, 96000):
        for factor in (1, 2, 4, 8):
            result = analyze(preset.params.replace(oversample=factor), rate_hz=rate)
            assert result.settled
            difference = np.abs(result.harmonics_dbfs - reference.harmonics_dbfs)[audible]
            assert difference.max() <= 0.2, (rate, factor, difference)


def test_oversampling_4x_removes_40_db_of_aliasing_on_a_hot_preset():
    hot = Params(Wf=5, Wh=8, Uf=2, Uh=0, bf=0)
    at_1x = aliasing_db(hot.replace(oversample=1))
    at_4x = aliasing_db(hot.replace(oversample=4))
    assert at_1x > -60  # the measurement sees aliasing where there is some
    assert at_4x <= at_1x - 40


@pytest.mark.parametrize("preset", FACTORY, ids=lambda p: p.name)
def test_factory_presets_alias_below_minus_80_db(preset):
    assert aliasing_db(preset.params.replace(drive_db=0.0)) < -80


def test_analysis_is_json_ready():
    data = analyze(Params()).to_dict()
    assert len(data["harmonics_dbr"]) == len(data["harmonics_dbfs"]) == 10
    assert len(data["curve"]["x"]) == len(data["curve"]["y"])
    assert {"params", "thd_percent", "dc"} <= set(data)


def test_a_frequency_above_nyquist_is_refused():
    with pytest.raises(ValueError, match="Hz"):
        analyze(Params(), freq_hz=30000, rate_hz=44100)


@pytest.mark.parametrize("freq", [1000.0, 4000.0, 12000.0])
def test_a_period_shorter_than_the_latency_is_still_measured(freq):
    params = presets.find("Odd Harmonics").params
    result = analyze(params, freq_hz=freq, gain=0.5, rate_hz=48000)
    t = np.arange(48000) / 48000
    x = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)[:, None]
    out = Chain(48000, 1, 4096, params).process(x)[24000:, 0]
    level_dbfs = 20 * np.log10(np.sqrt(2 * np.mean(out.astype(np.float64) ** 2)))
    assert result.settled and len(result.curve_x) < Chain(48000, 1, 64, params).latency_samples
    assert result.harmonics_dbfs[0] == pytest.approx(level_dbfs, abs=0.2)


@pytest.mark.parametrize(
    ("freq_hz", "rate_hz"),
    [(38400000 / 3839999, 384000), (10.37, 8000), (22049.99999, 44100), (1000.5, 48000)],
    ids=["100-cycles-fit", "low-at-8k", "near-nyquist", "fractional"],
)
def test_the_test_sine_keeps_its_frequency_in_a_bounded_block(freq_hz, rate_hz):
    # once a frequency whose whole period needed 3.8 M samples took 80 s and 1.5 GB
    result = analyze(Params(oversample=1), freq_hz=freq_hz, rate_hz=rate_hz)
    assert len(result.curve_x) <= 65536
    assert result.freq_hz < rate_hz / 2
    assert result.freq_hz == pytest.approx(freq_hz, rel=5e-4)


def test_every_frequency_in_range_gets_a_short_block_close_to_it():
    from grutui.analysis import MAX_PERIOD_FRAMES, coherent_period

    rng = np.random.default_rng(0)
    for rate_hz in rng.uniform(8000, 384000, 2000):
        freq_hz = float(np.exp(rng.uniform(np.log(10), np.log(rate_hz / 2))))
        samples, cycles = coherent_period(freq_hz, rate_hz)
        assert 2 * cycles < samples <= MAX_PERIOD_FRAMES
        assert cycles * rate_hz / samples == pytest.approx(freq_hz, rel=5e-4)
