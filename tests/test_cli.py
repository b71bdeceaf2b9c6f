"""The command-line contract, run as a user runs it: the checkout's ``grutui`` on real files."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from grutui import preset_store as presets
from grutui.dsp import Chain
from grutui.params import Params
from grutui.render_plan import output_format
from tests.conftest import digest, grutui_command, grutui_env, write_tone
from tests.conftest import run_grutui as run


@pytest.mark.parametrize(
    ("rate", "channels", "subtype", "ext"),
    [(44100, 1, "PCM_16", ".wav"), (48000, 2, "FLOAT", ".wav"), (96000, 6, "PCM_24", ".flac")],
)
def test_render_keeps_rate_channels_length_and_subtype_and_aligns(
    tmp_path, rate, channels, subtype, ext
):
    source = tmp_path / f"in{ext}"
    data = write_tone(source, rate, channels, seconds=0.7, subtype=subtype)
    target = tmp_path / f"out{ext}"
    result = run(
        "render", str(source), "-o", str(target), "--preset", "Valve Crunch", "--set", "mix=100"
    )
    assert result.returncode == 0, result.stderr
    info = sf.info(target)
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (
        rate,
        channels,
        len(data),
        subtype,
    )
    rendered = sf.read(target, dtype="float32", always_2d=True)[0]
    chain = Chain(rate, channels, 4096, presets.find("Valve Crunch").params)
    expected = chain.process(
        np.concatenate([data, np.zeros((chain.latency_samples, channels), np.float32)])
    )
    expected = expected[chain.latency_samples :]
    tolerance = 2e-4 if subtype == "PCM_16" else 1e-4 if subtype == "PCM_24" else 1e-6
    np.testing.assert_allclose(rendered, np.clip(expected, -1, 1), atol=tolerance)


def test_render_dry_output_is_the_input_sample_for_sample(tmp_path):
    source = tmp_path / "in.wav"
    data = write_tone(source, 48000, 2, subtype="FLOAT")
    target = tmp_path / "dry.wav"
    assert run("render", str(source), "-o", str(target), "--set", "mix=0").returncode == 0
    np.testing.assert_array_equal(sf.read(target, dtype="float32")[0], data)


def test_render_16_bit_is_dithered(tmp_path):
    source = tmp_path / "in.wav"
    sf.write(source, np.full((48000, 1), 0.3, np.float32), 48000, subtype="FLOAT")
    target = tmp_path / "out.wav"
    assert (
        run(
            "render", str(source), "-o", str(target), "--subtype", "PCM_16", "--set", "mix=0"
        ).returncode
        == 0
    )
    ints = sf.read(target, dtype="int16")[0]
    # a constant input comes out as a constant plus triangular noise of +-1 LSB
    assert set(np.unique(ints)) <= {9829, 9830, 9831} and len(np.unique(ints)) == 3
    assert abs(ints.mean() - 0.3 * 32767) < 0.05


def test_render_output_format_follows_the_extension(tmp_path):
    source = tmp_path / "in.wav"
    write_tone(source, subtype="PCM_24")
    assert run("render", str(source), "-o", str(tmp_path / "out.flac")).returncode == 0
    assert sf.info(tmp_path / "out.flac").format == "FLAC"
    assert run("render", str(source), "-o", str(tmp_path / "out.ogg")).returncode == 0
    assert sf.info(tmp_path / "out.ogg").subtype == "VORBIS"


def test_wav_past_4_gib_becomes_rf64():
    assert output_format(Path("x.wav"), "FLOAT", None, 2**29, 2) == ("RF64", "FLOAT")
    assert output_format(Path("x.wav"), "FLOAT", None, 2**20, 2) == ("WAV", "FLOAT")


def test_normalize_sets_the_peak(tmp_path):
    source = tmp_path / "in.wav"
    write_tone(source, subtype="FLOAT")
    target = tmp_path / "out.wav"
    assert run("render", str(source), "-o", str(target), "--normalize", "-3").returncode == 0
    peak = np.max(np.abs(sf.read(target)[0]))
    assert 20 * np.log10(peak) == pytest.approx(-3.0, abs=0.01)


def test_render_many_files_in_parallel_into_a_folder(tmp_path):
    sources = []
    for i in range(3):
        sources.append(tmp_path / f"take{i}.wav")
        write_tone(sources[-1], seconds=0.3 + 0.1 * i)
    out = tmp_path / "renders"
    result = run(
        "render", *map(str, sources), "-d", str(out), "--jobs", "2", "--preset", "Fuzz Wall"
    )
    assert result.returncode == 0, result.stderr
    for source in sources:
        assert sf.info(out / source.name).frames == sf.info(source).frames


def test_progress_is_shown_on_stderr_for_long_files(tmp_path):
    source = tmp_path / "long.wav"
    sf.write(source, np.zeros((48000 * 12, 1), np.float32), 48000)
    result = run("render", str(source), "-o", str(tmp_path / "out.wav"), "--set", "oversample=1")
    assert result.returncode == 0
    assert "100 %" in result.stderr


def _error_cases(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    source = tmp_path / "in.wav"
    write_tone(source)
    (tmp_path / "taken.wav").write_bytes(b"keep me")
    (tmp_path / "text.wav").write_text("this is not audio")
    sf.write(tmp_path / "empty.wav", np.zeros((0, 2), np.float32), 48000)
    (tmp_path / "bad.toml").write_text("[params]\nWf = 99\n")
    out = str(tmp_path / "out.wav")
    return {
        "missing": (["render", str(tmp_path / "nope.wav"), "-o", out], "nope.wav: no such file"),
        "not audio": (["render", str(tmp_path / "text.wav"), "-o", out], "text.wav: not an audio"),
        "empty": (["render", str(tmp_path / "empty.wav"), "-o", out], "empty.wav: empty"),
        "output is input": (
            ["render", str(source), "-o", str(source), "--force"],
            "output is the input",
        ),
        "exists": (["render", str(source), "-o", str(tmp_path / "taken.wav")], "already exists"),
        "bad set": (["render", str(source), "-o", out, "--set", "Wf=loud"], "Wf"),
        "unknown key": (["render", str(source), "-o", out, "--set", "Wq=1"], "Wq"),
        "bad preset": (
            ["render", str(source), "-o", out, "--preset", str(tmp_path / "bad.toml")],
            "bad.toml",
        ),
        "unknown preset": (["render", str(source), "-o", out, "--preset", "Nope"], "Nope"),
        "bad format": (["render", str(source), "-o", str(tmp_path / "out.xyz")], ".xyz"),
        "analyze bad set": (["analyze", "--set", "oversample=3"], "oversample"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "not audio",
        "empty",
        "output is input",
        "exists",
        "bad set",
        "unknown key",
        "bad preset",
        "unknown preset",
        "bad format",
        "analyze bad set",
    ],
)
def test_errors_are_one_line_exit_1_and_change_nothing(tmp_path, case):
    args, expected = _error_cases(tmp_path)[case]
    before = {p.name: digest(p) for p in tmp_path.iterdir()}
    result = run(*args)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and expected in result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name: digest(p) for p in tmp_path.iterdir()} == before  # nothing new, nothing changed


def test_usage_errors_exit_2(tmp_path):
    assert run("render", "a.wav").returncode == 2
    assert run("render", "a.wav", "-o", "b.wav", "-d", "c").returncode == 2
    assert run("analyze", "--freq", "x").returncode == 2


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_during_a_render_leaves_no_file(tmp_path, jobs):
    noise = np.random.default_rng(0).uniform(-1, 1, (48000 * 60, 2)).astype(np.float32)
    sources = [tmp_path / f"long{i}.wav" for i in range(1 if jobs == 1 else 3)]
    for source in sources:
        sf.write(source, noise, 48000)
    before = {p.name: digest(p) for p in tmp_path.iterdir()}
    out = tmp_path / "out"
    out.mkdir()
    command = grutui_command(
        "render", *map(str, sources), "-d", str(out), "--jobs", str(jobs), "--set", "oversample=8"
    )
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=grutui_env())
    deadline = time.monotonic() + 60
    while not any(out.iterdir()):  # the first temporary file: rendering has begun
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)  # to grutui alone, as `kill -INT` does
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr
    time.sleep(0.5)  # any straggling worker would write now
    assert list(out.iterdir()) == []
    assert {p.name: digest(p) for p in tmp_path.iterdir() if p != out} == before


def test_analyze_json_has_the_documented_fields():
    result = run("analyze", "--preset", "Odd Harmonics", "--set", "Wh=2.5", "--json")
    data = json.loads(result.stdout)
    assert data["params"]["Wh"] == 2.5 and data["params"]["bf"] == 5.0
    assert len(data["harmonics_dbr"]) == 10 and len(data["harmonics_dbfs"]) == 10
    assert data["harmonics_dbr"][1] < -100 and data["thd_percent"] > 1
    assert len(data["curve"]["x"]) == len(data["curve"]["y"]) == 441
    assert "dc" in data


def test_analyze_options_change_the_measurement():
    data = json.loads(
        run("analyze", "--freq", "1000", "--gain", "0.5", "--rate", "48000", "--json").stdout
    )
    assert data["freq_hz"] == 1000 and data["rate_hz"] == 48000
    assert max(data["curve"]["x"]) == pytest.approx(0.5, abs=1e-3)


def test_presets_list_and_show():
    listing = json.loads(run("presets", "list", "--json").stdout)
    assert len(listing) >= 12 and all(p["description"] for p in listing)
    shown = json.loads(run("presets", "show", "Odd Harmonics", "--json").stdout)
    assert shown["params"]["bf"] == 5.0
    text = run("presets", "show", "odd-harmonics")
    assert text.returncode == 0 and "bf" in text.stdout
    assert run("presets", "show", "Nope").returncode == 1


def test_version():
    from grutui import __version__

    assert run("--version").stdout.strip() == f"grutui {__version__}"


def test_devices_exits_0_with_or_without_audio():
    result = run("devices")
    assert result.returncode == 0
    assert result.stdout.strip() or result.stderr.strip()
    assert "Traceback" not in result.stderr


def test_set_overrides_the_preset():
    base = json.loads(run("presets", "show", "Fuzz Wall", "--json").stdout)["params"]
    data = json.loads(
        run(
            "analyze", "--preset", "Fuzz Wall", "--set", "Wf=5", "--set", "dc_block=off", "--json"
        ).stdout
    )
    assert data["params"] == base | {"Wf": 5.0, "dc_block": False}
    assert Params(**data["params"]).Wf == 5.0


def _run_to_files(tmp_path: Path, *args: str, marker: Path) -> tuple[int, str, str]:
    """Run grutui with stdout and stderr block-buffered into files and a sitecustomize that
    leaves ``marker`` if the interpreter runs its exit handlers."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(
        f"import atexit, pathlib\natexit.register(pathlib.Path({str(marker)!r}).touch)\n"
    )
    env = grutui_env(PYTHONUNBUFFERED="")
    env["PYTHONPATH"] = f"{site}:{env['PYTHONPATH']}"
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        code = subprocess.run(
            grutui_command(*args), stdout=stdout, stderr=stderr, env=env, timeout=300
        ).returncode
    return code, out.read_text(), err.read_text()


def test_file_commands_end_without_interpreter_teardown_and_lose_no_output(tmp_path):
    """render/analyze end the process at once (0.1-0.15 s less per render); what they print to
    a file (block-buffered) is all there, their output complete. With worker processes or an
    audio device the interpreter ends normally, so that its libraries clean up."""
    sources = [tmp_path / "a.wav", tmp_path / "b.wav"]
    for source in sources:
        write_tone(source, seconds=0.5, amplitude=0.99)
    out, marker = tmp_path / "renders", tmp_path / "teardown-ran"
    code, stdout, _ = _run_to_files(
        tmp_path, "render", str(sources[0]), "-o", str(tmp_path / "one.wav"), marker=marker
    )
    assert code == 0 and not marker.exists()
    assert stdout.startswith(f"{tmp_path / 'one.wav'}: peak")
    assert sf.info(tmp_path / "one.wav").frames == sf.info(sources[0]).frames
    code, stdout, _ = _run_to_files(tmp_path, "analyze", "--json", marker=marker)
    assert code == 0 and "thd_percent" in json.loads(stdout) and not marker.exists()
    missing = str(tmp_path / "missing.wav")
    code, _, stderr = _run_to_files(
        tmp_path, "render", missing, "-o", str(tmp_path / "x.wav"), marker=marker
    )
    assert code == 1 and "missing.wav" in stderr and not marker.exists()
    code, stdout, stderr = _run_to_files(
        tmp_path, "render", *map(str, sources), "-d", str(out), "--jobs", "2", marker=marker
    )
    assert code == 0 and marker.exists() and "leaked" not in stderr
    assert sorted(line.split(": ")[0] for line in stdout.splitlines()) == [
        str(out / "a.wav"),
        str(out / "b.wav"),
    ]
    marker.unlink()
    code, _, _ = _run_to_files(tmp_path, "devices", marker=marker)
    assert code == 0 and marker.exists()
