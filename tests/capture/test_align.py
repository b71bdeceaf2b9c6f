"""DRY against WET: latency to the sample, polarity, gain, and what cannot be fitted."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from grutui.capture.align import CaptureError, align, read_pair
from grutui.capture.probe import make_probe

RATE = 48000


def _write(path, data, rate=RATE, subtype="FLOAT"):
    sf.write(path, np.asarray(data, np.float32), rate, subtype=subtype)
    return path


def _shifted(x: np.ndarray, lag: int) -> np.ndarray:
    """``x`` played ``lag`` samples late (early when negative), as an interface records it."""
    return np.concatenate([np.zeros(lag), x]) if lag >= 0 else x[-lag:]


@pytest.mark.parametrize(("lag", "sign"), [(0, 1), (1234, 1), (-480, 1), (47000, -1), (-777, -1)])
def test_latency_polarity_and_gain_are_found(tmp_path, lag, sign):
    dry = make_probe(RATE, 4.0).astype(np.float64)
    wet = sign * 0.5 * np.tanh(3 * dry)
    pair = read_pair(
        _write(tmp_path / "d.wav", dry), _write(tmp_path / "w.wav", _shifted(wet, lag))
    )
    found = align(pair)
    assert found.latency_samples == lag
    assert found.polarity == sign
    expected = 20 * np.log10(np.sqrt(np.mean(wet**2)) / np.sqrt(np.mean(dry**2)))
    assert found.gain_db == pytest.approx(expected, abs=0.1)


def test_stereo_wet_against_mono_dry_fits_the_mid_with_a_warning(tmp_path):
    dry = make_probe(RATE, 3.0)
    wet = np.stack([dry * 0.4, dry * 0.6], axis=1)
    pair = read_pair(_write(tmp_path / "d.wav", dry), _write(tmp_path / "w.wav", wet))
    assert any("mid of WET" in w for w in pair.warnings)
    np.testing.assert_allclose(pair.wet, dry * 0.5, atol=1e-6)


def test_a_clipped_wet_is_noticed(tmp_path):
    dry = make_probe(RATE, 3.0)
    pair = read_pair(
        _write(tmp_path / "d.wav", dry),
        _write(tmp_path / "w.wav", np.clip(2 * dry, -1, 1), subtype="PCM_16"),
    )
    assert any("clipped" in w for w in pair.warnings)
    clean = read_pair(tmp_path / "d.wav", _write(tmp_path / "c.wav", dry, subtype="PCM_24"))
    assert not clean.warnings  # the probe's own 0 dBFS peaks are not clipping


@pytest.mark.parametrize(
    ("dry_rate", "wet", "message"),
    [
        (44100, "probe", "44100 Hz but WET"),
        (RATE, "short", "too short to align"),
        (RATE, "silent", "WET w.wav is silent"),
        (RATE, "nan", "not finite"),
    ],
)
def test_pairs_that_cannot_be_fitted_are_one_line_errors(tmp_path, dry_rate, wet, message):
    dry = make_probe(RATE, 3.0)
    data = {
        "probe": dry,
        "short": dry[: RATE // 4],
        "silent": np.zeros_like(dry),
        "nan": np.where(np.arange(len(dry)) == 100, np.nan, dry),
    }[wet]
    with pytest.raises(CaptureError, match=message) as error:
        read_pair(_write(tmp_path / "d.wav", dry, dry_rate), _write(tmp_path / "w.wav", data))
    assert "\n" not in str(error.value)
