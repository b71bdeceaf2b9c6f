"""The material views' numbers: excerpts through the chain, spectra, aliasing, peaks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from grutui.dsp import Chain
from grutui.material import aliasing, excerpt, peak_dbfs, spectrum_dbfs
from grutui.params import Params

RATE = 48000


def _sound(seconds: float = 3.0, channels: int = 2) -> np.ndarray:
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = 0.6 * np.sin(2 * np.pi * 147 * t) * np.exp(-t)
    return np.stack(
        [tone + 0.05 * rng.standard_normal(len(t)) for _ in range(channels)], axis=1
    ).astype(np.float32)


def _rendered(x: np.ndarray, params: Params) -> np.ndarray:
    """The whole sound through the chain, aligned as a render writes it."""
    chain = Chain(RATE, x.shape[1], max_block=4096, params=params)
    latency = chain.latency_samples
    return chain.process(np.concatenate([x, np.zeros((latency, x.shape[1]), np.float32)]))[latency:]


@pytest.mark.parametrize("oversample", [1, 4])
def test_an_excerpt_is_the_render_of_the_same_stretch(oversample: int) -> None:
    x = _sound()
    params = Params(Wh=4.0, Wf=2.0, oversample=oversample)
    whole = _rendered(x, params)
    for start_s, length_s in ((0.0, 0.02), (1.25, 0.5), (2.9, 0.5)):  # the last runs off the end
        part = excerpt(x, RATE, params, start_s, length_s)
        assert part is not None
        start = round(start_s * RATE)
        frames = min(round(length_s * RATE), len(x) - start)
        assert np.array_equal(part.dry[:frames], x[start : start + frames])
        assert not part.dry[frames:].any()  # silence past the end of the sound
        # After the pre-roll the chain's state has settled to within float rounding.
        assert np.max(np.abs(part.wet[:frames] - whole[start : start + frames])) < 1e-4


def test_an_excerpt_of_a_file_is_the_excerpt_of_its_samples(tmp_path: Path) -> None:
    x = _sound()
    sf.write(tmp_path / "take.wav", x, RATE, subtype="FLOAT")
    params = Params(Wh=3.0)
    from_file = excerpt(tmp_path / "take.wav", RATE, params, 1.0, 0.3)
    from_memory = excerpt(x, RATE, params, 1.0, 0.3)
    assert from_file is not None and from_memory is not None
    assert np.array_equal(from_file.dry, from_memory.dry)
    assert np.array_equal(from_file.wet, from_memory.wet)


def test_an_excerpt_gives_up_when_told() -> None:
    assert excerpt(_sound(), RATE, Params(), 0.0, 2.0, stale=lambda: True) is None


def test_a_full_scale_sine_reads_0_dbfs_at_its_frequency() -> None:
    bin_hz = RATE / 8192
    freq = 64 * bin_hz  # on a bin
    x = np.sin(2 * np.pi * freq * np.arange(RATE) / RATE)
    freqs, levels = spectrum_dbfs(x, RATE)
    assert freqs[np.argmax(levels)] == pytest.approx(freq)
    assert levels.max() == pytest.approx(0.0, abs=0.05)
    quieter = spectrum_dbfs(0.1 * x, RATE)[1]
    assert quieter.max() == pytest.approx(-20.0, abs=0.05)


def test_oversampling_keeps_the_distortion_from_folding_back() -> None:
    hot = Params(Wh=8.0)
    result = aliasing(hot, RATE, 0.0, (1, 4, 8))
    assert result is not None
    at_1x, at_4x, at_8x = result.aliasing_db
    assert result.freq_hz == 5000.0
    assert at_1x > -40  # distortion above Nyquist folds back audibly
    assert at_4x < at_1x - 30 and at_8x < at_4x
    # The harmonics are the same whatever the factor; only the folded energy differs.
    harmonics = [spectrum[result.harmonic][:3] for spectrum in result.spectra_dbfs]
    assert np.allclose(harmonics[1], harmonics[2], atol=0.5)


def test_a_clean_chain_has_no_aliasing() -> None:
    result = aliasing(Params(mix=0.0), RATE, -6.0, (1,))
    assert result is not None
    assert result.aliasing_db[0] < -100


def test_the_peak_of_a_file_is_the_peak_of_its_samples(tmp_path: Path) -> None:
    x = _sound()
    x[12345, 1] = -0.9
    sf.write(tmp_path / "take.wav", x, RATE, subtype="FLOAT")
    expected = 20 * math.log10(0.9)
    assert peak_dbfs(x) == pytest.approx(expected)
    assert peak_dbfs(tmp_path / "take.wav") == pytest.approx(expected)
    assert peak_dbfs(np.zeros((100, 2), np.float32)) == -math.inf
