"""``grutui fit DRY WET``: as a user runs it, on material made here and by other programs."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from grutui import preset_store as presets
from grutui.capture.fit import fit_recording
from grutui.capture.model import esr
from tests.capture.conftest import GRUTUI, grutui
from tests.capture.devices import sox_overdrive, write_diode_clipper
from tests.conftest import grutui_env

HIDDEN = {"Wf": 3.0, "Wh": 2.5, "Uf": 1.5, "Uh": 0.8, "bf": 0.5, "drive_db": 4.0, "output_db": -2}
JSON_KEYS = {
    "params",
    "esr",
    "esr_preemph",
    "esr_holdout",
    "latency_samples",
    "polarity",
    "gain_db",
    "seconds",
    "evaluations",
}
SECONDS = "3"  # of the 4 s probe: quick enough for CI


def _render(source: Path, target: Path, settings: dict[str, float]) -> np.ndarray:
    sets = [arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")]
    result = grutui("render", source, "-o", target, "--set", "mix=100", *sets, "--force")
    assert result.returncode == 0, result.stderr
    return sf.read(target, dtype="float64")[0]


def _fit(dry: Path, wet: Path, *extra: str) -> tuple[dict, subprocess.CompletedProcess[str]]:
    result = grutui("fit", dry, wet, "--json", "--seconds", SECONDS, *extra)  # last one wins
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result


def test_self_recovery_of_hidden_settings_delayed_and_scaled(probe, tmp_path):
    rendered = _render(probe, tmp_path / "rendered.wav", HIDDEN)
    delay = 321
    wet = tmp_path / "wet.wav"
    sf.write(
        wet,
        np.concatenate([np.zeros(delay), 0.6 * rendered]).astype(np.float32),
        48000,
        subtype="FLOAT",
    )
    target = tmp_path / "capture.toml"
    report, _ = _fit(probe, wet, "-o", target, "--name", "Hidden")
    assert set(report) >= JSON_KEYS
    assert report["latency_samples"] == delay and report["polarity"] == 1
    assert report["esr"] <= 0.001 and report["esr_holdout"] <= 0.001
    assert report["esr_preemph"] <= 0.001
    assert report["evaluations"] > 0 and report["seconds"] > 0
    # the written preset is a normal user preset; rendered, it is the device again
    preset = presets.load(target)
    assert preset.name == "Hidden" and preset.params.as_dict() == report["params"]
    for word in ("wet.wav", "probe.wav", time.strftime("%Y-%m-%d"), "ESR"):
        assert word in preset.description
    again = _render(
        probe,
        tmp_path / "again.wav",
        {k: v for k, v in preset.params.as_dict().items() if k not in ("dc_block", "mix")},
    )
    assert esr(0.6 * rendered, again) <= 0.001


def test_fit_is_deterministic_for_a_seed(probe, tmp_path):
    wet = tmp_path / "wet.wav"
    _render(probe, wet, {"Wf": 6, "Wh": 1.5, "Uf": -2, "Uh": 0.3, "bf": 1})
    first, _ = _fit(probe, wet, "--seed", "7", "-o", tmp_path / "a.toml", "--seconds", "1.5")
    second, _ = _fit(probe, wet, "--seed", "7", "-o", tmp_path / "b.toml", "--seconds", "1.5")
    assert first["params"] == second["params"] and first["esr"] == second["esr"]
    assert (tmp_path / "a.toml").read_text().split("[params]")[1] == (
        tmp_path / "b.toml"
    ).read_text().split("[params]")[1]


@pytest.mark.parametrize("device", ["sox overdrive", "diode clipper"])
def test_devices_from_elsewhere_fit_better_than_a_static_tanh(probe, tmp_path, device):
    wet = tmp_path / "wet.wav"
    if device == "sox overdrive":
        sox_overdrive(probe, wet)
    else:
        write_diode_clipper(probe, wet)
    report, _ = _fit(probe, wet, "-o", tmp_path / "device.toml")
    tanh = report["static_tanh"]
    print(
        f"{device}: GRU ESR {report['esr']:.4f} (pre-emph {report['esr_preemph']:.4f}), "
        f"static tanh {tanh['esr']:.4f} (pre-emph {tanh['esr_preemph']:.4f})"
    )
    # never worse than the tanh on what is minimised (pre-emphasised), and clearly better overall
    assert report["esr_preemph"] <= tanh["esr_preemph"] * 1.01
    assert report["esr"] < tanh["esr"]
    assert report["esr"] < 0.1


def test_text_report_names_the_figures(probe, tmp_path):
    wet = tmp_path / "wet.wav"
    _render(probe, wet, {"Wh": 4, "bf": 3, "Wf": 0, "Uf": 0, "Uh": 0})
    result = grutui("fit", probe, wet, "--seconds", "2", "-o", tmp_path / "p.toml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in (
        "aligned: WET 0 samples late",
        "held out",
        "pre-emphasised",
        "static tanh",
        "quality: great",
        "grutui " + str(tmp_path / "p.toml"),
    ):
        assert text in out, text


def test_without_o_the_preset_lands_in_the_user_folder(probe, tmp_path, isolated_user_dirs):
    wet = tmp_path / "my take.wav"
    _render(probe, wet, {"Wh": 2})
    result = grutui("fit", probe, wet, "--seconds", "1.5")
    assert result.returncode == 0, result.stderr
    assert presets.find("my take capture").path == presets.user_dir() / "my-take-capture.toml"
    again = grutui("fit", probe, wet, "--seconds", "1.5")  # the name is taken: refused, kept
    assert again.returncode == 1 and "--name or --force" in again.stderr


def test_noise_and_mono_against_stereo_warn_and_fit_on(probe, tmp_path):
    rng = np.random.default_rng(1)
    noise = tmp_path / "noise.wav"
    sf.write(noise, 0.1 * rng.standard_normal((4 * 48000, 2)), 48000, subtype="FLOAT")
    report, result = _fit(probe, noise, "-o", tmp_path / "noise.toml")
    assert "looks like noise" in result.stderr and "mid of WET" in result.stderr
    assert any("noise" in w for w in report["warnings"])
    assert report["quality"].startswith("poor")
    assert (tmp_path / "noise.toml").exists()


@pytest.mark.parametrize("problem", ["rates", "short", "silent", "missing", "output"])
def test_bad_input_is_one_line_exit_1_and_nothing_written(probe, tmp_path, problem):
    dry = probe
    wet = tmp_path / "wet.wav"
    data = sf.read(probe, dtype="float32")[0]
    rate = 44100 if problem == "rates" else 48000
    if problem == "short":
        data = data[:1000]
    if problem == "silent":
        data = np.zeros_like(data)
    sf.write(wet, data, rate)
    target = tmp_path / "out.toml"
    if problem == "missing":
        wet = tmp_path / "missing.wav"
    if problem == "output":
        target = tmp_path / "no-such-folder" / "out.toml"
    result = grutui("fit", dry, wet, "-o", target)
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not target.exists()
    assert (
        sorted(p.name for p in tmp_path.iterdir()) == ([] if problem == "missing" else ["wet.wav"])
        or problem == "missing"
    )


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["DRY"],
        ["DRY", "DRY", "--harmonics", "H2=-20"],
        ["DRY", "DRY", "--seconds", "-1"],
        ["DRY", "DRY", "--seconds", "inf"],
        ["DRY", "DRY", "--seed", "x"],
        ["DRY", "DRY", "--harmonics-weight", "-2"],
        ["--harmonics", "H2=-20", "--harmonics-weight", "1"],
    ],
)
def test_options_that_do_not_go_together_are_usage_errors(probe, tmp_path, args):
    args = [probe if a == "DRY" else a for a in args]
    result = grutui("fit", *args, "-o", tmp_path / "x.toml")
    assert result.returncode == 2, result.stderr
    assert "error" in result.stderr.strip().splitlines()[-1] or "fit:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.toml").exists()


def test_ctrl_c_keeps_the_best_result_so_far(probe, tmp_path):
    wet = tmp_path / "wet.wav"
    _render(probe, wet, HIDDEN)
    target = tmp_path / "stopped.toml"
    proc = subprocess.Popen(
        [*GRUTUI, "fit", str(probe), str(wet), "-o", str(target), "--seconds", "3.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=grutui_env(),
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # the search has results once it runs
        if "[search]" in line:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "keeping the best result so far" in err
    preset = presets.load(target)
    assert "stopped early" in preset.description
    assert "wrote" in out


def test_stopped_before_any_result_gives_none(probe):
    stop = threading.Event()
    stop.set()
    assert fit_recording(probe, probe, seconds=1.0, stop=stop) is None


def test_the_fitted_preset_opens_in_the_workstation(probe, tmp_path):
    from tests.test_readme_commands import test_a_workstation_command_opens_and_quits

    wet = tmp_path / "wet.wav"
    _render(probe, wet, {"Wh": 3, "bf": 1})
    result = grutui("fit", probe, wet, "--seconds", "1.5", "-o", tmp_path / "pedal.toml")
    assert result.returncode == 0, result.stderr
    # as the README's own commands are checked: in tmux, shows the views, quits with status 0
    (tmp_path / "run").mkdir()
    test_a_workstation_command_opens_and_quits(tmp_path, "grutui pedal.toml", tmp_path / "run")
