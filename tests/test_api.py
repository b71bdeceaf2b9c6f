"""grutui from Python: the public API, against the command line's own output."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

import grutui
from tests.conftest import REPO, grutui_env, run_grutui, write_tone


@pytest.mark.parametrize(
    ("channels", "preset", "settings"),
    [(1, "Fuzz Wall", []), (2, None, ["--set", "Wh=3", "--set", "oversample=8"])],
)
def test_process_returns_what_render_writes_as_float(tmp_path, channels, preset, settings):
    source = tmp_path / "in.wav"
    data = write_tone(source, 44100, channels, seconds=1.7, subtype="FLOAT")
    target = tmp_path / "out.wav"
    args = ["render", str(source), "-o", str(target), *settings]
    if preset:
        args += ["--preset", preset]
    assert run_grutui(*args).returncode == 0
    params = grutui.Params(Wh=3.0, oversample=8) if not preset else None
    x = data[:, 0] if channels == 1 else data
    y = grutui.process(x, 44100, params, preset=preset)
    rendered = sf.read(target, dtype="float32")[0]
    assert y.shape == x.shape == rendered.shape and y.dtype == np.float32
    np.testing.assert_array_equal(y, rendered)  # bit for bit


def test_process_takes_any_float_dtype_and_keeps_the_shape():
    x = np.random.default_rng(1).uniform(-0.5, 0.5, (3001, 3))
    y64 = grutui.process(x, 48000, oversample=1)
    y32 = grutui.process(x.astype(np.float32), 48000, oversample=1)
    assert y64.shape == (3001, 3)
    np.testing.assert_array_equal(y64, y32)
    assert grutui.process(np.zeros(0), 48000).shape == (0,)
    # mix 0 is the dry path: the input itself, aligned
    x32 = x.astype(np.float32)
    np.testing.assert_array_equal(grutui.process(x32, 48000, grutui.Params(mix=0.0)), x32)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"x": np.zeros(10, np.int16)}, TypeError, "float"),
        ({"x": np.zeros((4, 2, 2))}, ValueError, "shape"),
        ({"x": np.zeros((4, 0))}, ValueError, "shape"),
        ({"rate_hz": float("nan")}, ValueError, "rate_hz"),
        ({"rate_hz": -1.0}, ValueError, "rate_hz"),
        ({"params": grutui.Params(), "preset": "Fuzz Wall"}, ValueError, "not both"),
        ({"oversample": 3}, grutui.ParamError, "oversample"),
        ({"preset": "No Such Preset"}, grutui.PresetError, "no preset named"),
        ({"x": np.zeros((2, 4800))}, ValueError, r"4800 channels.*x\.T"),
        ({"rate_hz": "48000"}, TypeError, "rate_hz must be a number"),
        ({"rate_hz": True}, TypeError, "rate_hz must be a number"),
        ({"params": {"Wf": 1.0}}, TypeError, "params must be a grutui.Params"),
        ({"params": "Fuzz Wall"}, TypeError, "params must be a grutui.Params"),
        ({"preset": 5}, TypeError, "a preset is a name or a path"),
        ({"preset": b"Fuzz Wall"}, TypeError, "a preset is a name or a path"),
    ],
)
def test_process_refuses_bad_arguments_with_a_clear_error(kwargs, error, words):
    call = {"x": np.zeros(100), "rate_hz": 48000.0} | kwargs
    with pytest.raises(error, match=words):
        grutui.process(**call)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: grutui.analyze({"Wf": 1.0}), TypeError, "params must be"),
        (lambda: grutui.analyze(level_dbfs="0"), TypeError, "level_dbfs must be a number"),
        (lambda: grutui.analyze(freq_hz=None), TypeError, "freq_hz must be a number"),
        (lambda: grutui.analyze(gain="2"), TypeError, "gain must be a number"),
        (lambda: grutui.level_sweep(levels_dbfs="abc"), TypeError, "must be a number"),
        (lambda: grutui.level_sweep(levels_dbfs=[], rate_hz=1), ValueError, "rate 1 Hz"),
        (lambda: grutui.Chain(float("nan"), 2), ValueError, "rate_hz"),
        (lambda: grutui.Chain(48000, 2, max_block=10**12), ValueError, "max_block"),
        (lambda: grutui.Chain(48000, 5000), ValueError, "channels"),
        (lambda: grutui.Chain(48000, 2, params={"Wf": 1}), TypeError, "params must be"),
        (lambda: grutui.load_preset(None), TypeError, "a preset is a name or a path"),
    ],
    ids=[
        "analyze-dict",
        "level-str",
        "freq-none",
        "gain-str",
        "sweep-str",
        "sweep-rate",
        "chain-nan",
        "chain-block",
        "chain-channels",
        "chain-dict",
        "preset-none",
    ],
)
def test_the_rest_of_the_api_refuses_bad_arguments_with_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_numpy_scalars_and_odd_layouts_are_taken_as_numbers_and_samples():
    params = grutui.Params(Wf=np.float32(1.5), oversample=np.int64(2), dc_block=np.bool_(False))
    assert (params.Wf, params.oversample, params.dc_block) == (1.5, 2, False)
    assert type(params.Wf) is float and type(params.dc_block) is bool
    x = np.random.default_rng(3).uniform(-0.5, 0.5, (4000, 2))
    expected = grutui.process(x, 48000, oversample=1)
    np.testing.assert_array_equal(
        grutui.process(np.asfortranarray(x), 48000, oversample=1), expected
    )
    chain = grutui.Chain(48000, 2, max_block=512, params=grutui.Params(oversample=1))
    streamed = chain.process(np.asfortranarray(x))  # Fortran order into the kernels
    assert streamed.shape == x.shape and np.isfinite(streamed).all()
    with np.errstate(all="raise"):  # past float32's range: silence, not a warning
        assert np.isfinite(grutui.process(np.full(100, 1e300), 48000)).all()


def test_chain_streams_in_blocks_what_process_returns_aligned():
    x = np.random.default_rng(2).uniform(-1, 1, (20000, 2)).astype(np.float32)
    params = grutui.Params(Wf=5.0, Wh=2.0)
    chain = grutui.Chain(48000, 2, max_block=256, params=params)
    streamed = np.concatenate([chain.process(x[i : i + 256]) for i in range(0, len(x), 256)])
    lag = chain.latency_frames
    assert lag == chain.latency_samples > 0
    aligned = grutui.process(x, 48000, params)
    np.testing.assert_array_equal(streamed[lag:], aligned[: len(x) - lag])


@pytest.mark.parametrize(
    ("kwargs", "args"),
    [
        ({}, []),
        (
            {"level_dbfs": -6.0, "freq_hz": 440.0, "rate_hz": 48000.0},
            ["--level", "-6", "--freq", "440", "--rate", "48000"],
        ),
        ({"gain": 0.5}, ["--gain", "0.5"]),
    ],
)
def test_analyze_gives_the_numbers_the_cli_prints(kwargs, args):
    params = grutui.load_preset("Odd and Even").params.replace(Wh=2.5)
    ours = grutui.analyze(params, **kwargs)
    cli = json.loads(
        run_grutui("analyze", "--preset", "Odd and Even", "--set", "Wh=2.5", *args, "--json").stdout
    )
    assert ours.to_dict() == cli
    for key in ("harmonics_dbr", "harmonics_dbfs", "thd_percent", "dc", "level_dbfs"):
        assert hasattr(ours, key)
    assert ours.curve.x.shape == ours.curve.y.shape


def test_the_default_level_is_plus_6_dbfs_the_old_amplitude_2():
    result = grutui.analyze()
    assert result.gain == 2.0 and result.level_dbfs == pytest.approx(6.0206, abs=1e-4)
    assert max(result.curve.x) == pytest.approx(2.0, abs=1e-3)


def test_level_sweep_follows_the_level_of_a_clean_chain_and_shows_saturation():
    clean = grutui.level_sweep(grutui.Params(mix=0.0), levels_dbfs=[-40.0, -10.0, 6.0])
    np.testing.assert_allclose(clean.output_dbfs, clean.level_dbfs, atol=0.01)
    hot = grutui.level_sweep(grutui.load_preset("Fuzz Wall").params)
    assert hot.level_dbfs[0] == -60 and hot.level_dbfs[-1] == 12 and len(hot.level_dbfs) == 73
    gain_low = hot.output_dbfs[1] - hot.output_dbfs[0]
    gain_high = hot.output_dbfs[-1] - hot.output_dbfs[-2]
    assert gain_high < gain_low  # compression: the output grows slower at the top
    assert hot.thd_percent[-1] > hot.thd_percent[0]


def test_analyze_sweep_level_json_has_one_list_per_level():
    data = json.loads(run_grutui("analyze", "--sweep", "level", "--json").stdout)
    sweep = data["sweep"]
    assert sweep["level_dbfs"] == list(range(-60, 13))
    for key in ("output_dbfs", "thd_percent", "harmonics_dbr"):
        assert len(sweep[key]) == 73
    assert all(len(row) == 10 for row in sweep["harmonics_dbr"])
    table = run_grutui("analyze", "--sweep", "level", "--preset", "Fuzz Wall")
    assert table.returncode == 0 and "+12.0" in table.stdout


def test_params_replace_checks_names_and_ranges():
    params = grutui.Params().replace(Wh=3.0, mix=50)
    assert (params.Wh, params.mix, params.Wf) == (3.0, 50.0, 0.5)
    with pytest.raises(grutui.ParamError, match="Wh"):
        params.replace(Wh=99)
    with pytest.raises(grutui.ParamError, match="Wq"):
        params.replace(Wq=1)


def test_presets_by_name_and_by_path(tmp_path):
    names = {p.name for p in grutui.presets()}
    assert {"Odd Harmonics", "Fuzz Wall"} <= names
    by_name = grutui.load_preset("odd-harmonics")
    by_path = grutui.load_preset(by_name.path)
    assert by_name.params == by_path.params and by_name.params.bf == 5.0


def _readme_block(heading: str, language: str) -> str:
    section = (REPO / "README.md").read_text().split(f"## {heading}\n", 1)[1]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


def test_the_readme_from_python_example_runs_as_written_and_prints_what_it_says(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    exec(compile(_readme_block("From Python", "python"), "README.md", "exec"), {})
    assert capsys.readouterr().out == _readme_block("From Python", "text")


def test_the_seed_figures_example_runs_in_text_mode(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "seed_figures.py"), "--text"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=grutui_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for title in ("Wh sweep", "Wf sweep", "Uf sweep", "Uh sweep", "bf sweep", "Odd harmonics"):
        assert title in out
    assert "Odd and even harmonics" in out and "DC" in out
