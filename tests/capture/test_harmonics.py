"""``grutui fit --harmonics``: a preset whose analysis has the harmonics asked for."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from grutui import preset_store as presets
from grutui.capture.harmonics import find_tones, harmonics_term, parse_target
from grutui.capture.model import Material
from grutui.capture.probe import make_probe
from tests.capture.conftest import grutui


def _analysis(preset, *options: str) -> dict:
    result = grutui("analyze", "--preset", preset, "--json", *options)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_text_target_is_reproduced_by_the_presets_analysis(tmp_path):
    target = tmp_path / "warm.toml"
    result = grutui("fit", "--harmonics", "H2=-20,H3=-12,H5=-30", "-o", target, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["error_db"] < 1.5
    measured = _analysis(target)["harmonics_dbr"]  # analyze's defaults: 100 Hz, amplitude 2
    for number, wanted in ((2, -20), (3, -12), (5, -30)):
        assert measured[number - 1] == pytest.approx(wanted, abs=2.0), number
    assert "H2=-20, H3=-12, H5=-30" in presets.load(target).description


def test_another_presets_profile_is_copied_at_its_level_and_frequency(tmp_path):
    source = tmp_path / "profile.json"
    source.write_text(json.dumps(_analysis("Valve Crunch", "--freq", "150", "--gain", "1.2")))
    target = tmp_path / "copy.toml"
    result = grutui("fit", "--harmonics", source, "-o", target)
    assert result.returncode == 0, result.stderr
    wanted = json.loads(source.read_text())["harmonics_dbr"]
    got = _analysis(target, "--freq", "150", "--gain", "1.2")["harmonics_dbr"]
    close = [abs(g - w) for g, w in zip(got[1:6], wanted[1:6], strict=True) if w > -60]
    assert close and float(np.sqrt(np.mean(np.square(close)))) < 2.0, (got, wanted)
    assert "profile.json" in presets.load(target).description


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("H1=-3", "H2 to H10"),
        ("H2=abc", "is not HN=dBr"),
        ("H11=-20", "H2 to H10"),
        ("H2=-500", "out of range"),
        ("H2=nan", "is not HN=dBr"),
        ("missing.json", "no such file"),
        ("", "empty target"),
    ],
)
def test_bad_targets_are_one_line_errors_and_nothing_is_written(tmp_path, text, message):
    target = tmp_path / "out.toml"
    result = grutui("fit", "--harmonics", text, "-o", target, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not target.exists()


def test_bad_json_targets_name_the_file(tmp_path):
    for content, message in (
        ("{", "not JSON"),
        ('{"harmonics_dbr": "x"}', "harmonics_dbr"),
        ('{"harmonics_dbr": [0, -20], "freq_hz": -1}', "out of range"),
    ):
        source = tmp_path / "t.json"
        source.write_text(content)
        with pytest.raises(Exception, match=message):
            parse_target(str(source))


def test_the_harmonics_term_gradient_is_right():
    rate = 48000.0
    x = make_probe(rate, 4.0)
    wet = np.tanh(3.0 * x.astype(np.float64)) + 0.1 * x**2
    material = Material(x, wet, np.ones(len(x), bool), np.zeros(len(x), bool), rate)
    tones = find_tones(material)
    assert len(tones) >= 8
    term = harmonics_term(tones, 2.0)
    x64 = x.astype(np.float64)

    def model(drive: float) -> np.ndarray:  # a smooth path through the term's arguments
        return np.tanh(drive * x64) + 0.05 * x64**2

    value, grad = term(model(2.0))
    slope = np.dot(grad, x64 / np.cosh(2.0 * x64) ** 2)
    step = 1e-4
    assert slope == pytest.approx(
        (term(model(2 + step))[0] - term(model(2 - step))[0]) / (2 * step), rel=1e-4
    )
    assert value > 0


def test_harmonics_weight_brings_the_capture_closer_to_the_devices_harmonics(probe, tmp_path):
    from tests.capture.devices import sox_overdrive

    wet = sox_overdrive(probe, tmp_path / "wet.wav")
    dry_x = sf.read(probe, dtype="float32")[0]
    wet_x = sf.read(wet, dtype="float64")[0]
    errors = []
    for weight in ("0", "20"):
        target = tmp_path / f"w{weight}.toml"
        result = grutui(
            "fit",
            probe,
            wet,
            "--seconds",
            "3",
            "--harmonics-weight",
            weight,
            "-o",
            target,
            "--json",
        )
        assert result.returncode == 0, result.stderr
        rendered = tmp_path / f"w{weight}.wav"
        assert grutui("render", probe, "-o", rendered, "--preset", target).returncode == 0
        out = sf.read(rendered, dtype="float64")[0]
        n = len(dry_x)
        material = Material(dry_x, wet_x[:n], np.ones(n, bool), np.zeros(n, bool), 48000.0)
        tones = find_tones(material)
        diffs = [harmonics_term([t], 1.0)(out)[0] for t in tones]
        errors.append(float(np.mean(diffs)))
    assert errors[1] < 0.8 * errors[0], errors
