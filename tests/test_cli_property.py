"""Random argument lists and random preset files fed to the command line in-process: it always
ends with exit status 0, 1 or 2, never a traceback, and leaves no partial file behind.

`pytest tests/test_cli_property.py --hypothesis-show-statistics` says how many examples ran.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from grutui.cli import main
from grutui.params import SPECS

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "-1e308", "1e-9", "0", "²", "", " ", "x"]),
    st.text(max_size=6),
)
PATHS = st.sampled_from(
    [
        "good.wav",
        "mono.flac",
        "text.wav",
        "pipe.wav",
        "folder",
        "missing.wav",
        "zero.wav",
        "two\nlines.wav",
        "preset.toml",
        "out.wav",
        "out.flac",
        "out.xyz",
        "outdir",
        "good.wav/x",
    ]
)
PRESETS = st.one_of(
    st.sampled_from(["preset.toml", "Fuzz Wall", "odd-harmonics", "", "nope", "pipe.wav"]),
    st.text(max_size=8),
)
TOML_VALUES = st.recursive(
    st.one_of(
        st.booleans(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**400), max_value=10**400),
        st.text(max_size=10),
    ),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=6,
)
PRESET_FILES = st.one_of(
    st.text(max_size=200),
    st.fixed_dictionaries(
        {},
        optional={
            "name": st.one_of(st.text(max_size=10), TOML_VALUES),
            "description": st.one_of(st.text(max_size=10), TOML_VALUES),
            "params": st.dictionaries(
                st.one_of(st.sampled_from([s.name for s in SPECS]), st.text(max_size=4)),
                TOML_VALUES,
                max_size=4,
            ),
        },
    ).map(lambda data: _toml(data)),
)


def _toml(data: dict) -> str:
    try:
        return tomli_w.dumps(data)
    except (ValueError, TypeError):  # not all values are TOML (nan keys...): write it as text
        return repr(data)


def _flat(options: list[list[str]]) -> list[str]:
    return [word for option in options for word in option]


def _option(name: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return values.map(lambda value: [name, value])


RENDER_OPTIONS = st.one_of(
    _option("--normalize", NUMBERS),
    _option("--jobs", st.one_of(NUMBERS, st.sampled_from(["1", "2"]))),
    _option("--oversample", NUMBERS),
    _option("--subtype", st.sampled_from(["PCM_16", "float", "PCM_8", ""])),
    _option("--preset", PRESETS),
    _option(
        "--set",
        st.builds(
            lambda k, v: f"{k}={v}", st.sampled_from([s.name for s in SPECS] + ["x", ""]), NUMBERS
        ),
    ),
    st.just(["--force"]),
)
ANALYZE_OPTIONS = st.one_of(
    _option("--freq", NUMBERS),
    _option("--rate", NUMBERS),
    _option("--gain", NUMBERS),
    _option("--level", NUMBERS),
    _option("--preset", PRESETS),
    _option(
        "--set",
        st.builds(lambda k, v: f"{k}={v}", st.sampled_from([s.name for s in SPECS]), NUMBERS),
    ),
    st.just(["--json"]),
    st.just(["--sweep", "level"]),
)
PLAUSIBLE_RENDER = st.builds(
    lambda source, target, options: ["render", *source, *target, "--force", *_flat(options)],
    st.lists(st.sampled_from(["good.wav", "mono.flac"]), min_size=1, max_size=2, unique=True),
    st.sampled_from([("-d", "outdir"), ("-o", "out.wav"), ("-o", "out.flac")]),
    st.lists(RENDER_OPTIONS, max_size=1),
)
PLAUSIBLE_ANALYZE = st.builds(
    lambda options: ["analyze", "--json", *_flat(options)], st.lists(ANALYZE_OPTIONS, max_size=1)
)
ARGV = st.one_of(
    PLAUSIBLE_RENDER,
    PLAUSIBLE_ANALYZE,
    st.builds(
        lambda inputs, target, options: ["render", *inputs, *target, *_flat(options)],
        st.lists(PATHS, min_size=0, max_size=3),
        st.one_of(st.tuples(st.just("-o"), PATHS), st.tuples(st.just("-d"), PATHS), st.just(())),
        st.lists(RENDER_OPTIONS, max_size=4),
    ),
    st.builds(lambda options: ["analyze", *_flat(options)], st.lists(ANALYZE_OPTIONS, max_size=4)),
    st.builds(
        lambda name, json: ["presets", "show", name, *json],
        PRESETS,
        st.sampled_from([[], ["--json"]]),
    ),
    st.sampled_from(
        [
            ["presets", "list"],
            ["presets", "list", "--json"],
            ["presets"],
            ["--help"],
            ["render"],
            ["analyze", "--bogus"],
            ["presets", "frob"],
        ]
    ),
)


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("playground")
    t = np.arange(2400) / 48000
    sf.write(folder / "good.wav", np.stack([np.sin(2e3 * t)] * 2, axis=1) * 0.5, 48000)
    sf.write(folder / "mono.flac", 0.5 * np.sin(3e3 * t), 48000)
    (folder / "text.wav").write_text("not audio")
    os.mkfifo(folder / "pipe.wav")
    (folder / "folder").mkdir()
    (folder / "zero.wav").symlink_to("/dev/zero")
    return folder


@settings(
    max_examples=int(os.environ.get("GRUTUI_PROPERTY_EXAMPLES", "1000")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=ARGV, preset_text=PRESET_FILES)
def test_random_command_lines_end_cleanly(playground, monkeypatch, capsys, argv, preset_text):
    monkeypatch.chdir(playground)
    (playground / "preset.toml").write_text(preset_text)
    inputs_before = {p: p.stat().st_mtime_ns for p in playground.iterdir() if p.is_file()}
    status = main(argv)
    err = capsys.readouterr().err
    assert status in (0, 1, 2), (argv, status, err)
    event(f"{argv[0]} exit {status}")
    assert "Traceback" not in err and "internal error" not in err, (argv, err)
    leftovers = [p for p in playground.rglob("*") if ".grutui-part" in p.name]
    assert not leftovers, (argv, leftovers)
    for name in ("out.wav", "out.flac", "out.xyz", "outdir"):
        path = playground / name  # a file, or a folder of renders ("-d out.wav" makes one)
        files = sorted(path.iterdir()) if path.is_dir() else [path] if path.exists() else []
        for file in files:  # anything written is complete audio
            assert sf.info(file).frames > 0, (argv, file)
            file.unlink()
        if path.is_dir() and name != "outdir":
            path.rmdir()
    replaceable = _forced_outputs(argv)
    for path, mtime in inputs_before.items():
        if path.name in replaceable and path.stat().st_mtime_ns != mtime:
            assert sf.info(path).frames > 0, (argv, path)  # replaced as asked: complete audio
        elif path.name != "preset.toml" and path.exists():
            assert path.stat().st_mtime_ns == mtime, (argv, path)  # inputs untouched


def _forced_outputs(argv: list[str]) -> set[str]:
    """Files the command line names as ``-o`` with ``--force`` and nowhere else (not as an
    input): the ones it may replace."""
    if "--force" not in argv:
        return set()
    named = {argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "-o"}
    return {name for name in named if argv.count(name) == 1}
