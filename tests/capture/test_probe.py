"""``grutui probe``: the reamping probe, as a user writes it."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from grutui.capture.harmonics import find_tones
from grutui.capture.model import Material
from grutui.capture.probe import BURST_HZ, make_probe
from tests.capture.conftest import grutui


def _peak_dbfs(x: np.ndarray) -> float:
    return float(20 * np.log10(np.max(np.abs(x)) + 1e-12))


def test_probe_has_the_rate_length_and_levels_asked_for(tmp_path):
    path = tmp_path / "probe.wav"
    result = grutui("probe", "-o", path, "--rate", "44100", "--seconds", "6.5")
    assert result.returncode == 0, result.stderr
    data, rate = sf.read(path, dtype="float64", always_2d=True)
    assert rate == 44100 and data.shape == (round(6.5 * 44100), 1)
    assert sf.info(path).subtype == "PCM_24"
    x = data[:, 0]
    # loud parts reach 0 dBFS and quiet parts sit near -40 dBFS: short windows' peaks span it
    window = 2048
    peaks = [_peak_dbfs(x[i : i + window]) for i in range(0, len(x) - window, window)]
    loud = [p for p in peaks if p > -100]
    assert max(loud) > -0.1
    assert min(loud) < -36


def test_probe_starts_with_a_marker_and_holds_steady_tones():
    x = make_probe(48000, 12.0).astype(np.float64)
    assert np.max(np.abs(x[: int(0.06 * 48000)])) > 0.4  # the chirp
    assert np.max(np.abs(x[int(0.06 * 48000) : int(0.38 * 48000)])) == 0.0  # then silence
    everything = np.ones(len(x), bool)
    tones = find_tones(Material(x.astype(np.float32), x, everything, ~everything, 48000.0))
    found = [tone.freq_hz for tone in tones]
    for hz in BURST_HZ:  # a steady frame of every burst pitch, several levels each
        assert sum(abs(f - hz) < 2 for f in found) >= 3, (hz, found)


def test_probe_is_the_same_every_time():
    np.testing.assert_array_equal(make_probe(48000, 5.0), make_probe(48000, 5.0))


def test_probe_refuses_an_existing_file_and_bad_numbers(tmp_path):
    path = tmp_path / "probe.wav"
    path.write_bytes(b"mine")
    result = grutui("probe", "-o", path)
    assert result.returncode == 1
    assert "already exists" in result.stderr and len(result.stderr.splitlines()) == 1
    assert path.read_bytes() == b"mine"
    for option, value in (
        ("--rate", "0"),
        ("--seconds", "nan"),
        ("--seconds", "1"),
        ("--rate", "abc"),
    ):
        result = grutui("probe", "-o", tmp_path / "new.wav", option, value)
        assert result.returncode == 2, (option, value, result.stderr)
        assert not (tmp_path / "new.wav").exists()
    result = grutui("probe", "-o", tmp_path)
    assert result.returncode == 1 and "folder" in result.stderr
    result = grutui("probe", "-o", tmp_path / "probe.xyz")
    assert result.returncode == 1 and "format" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["probe.wav"]
