"""Presets: factory set, user shadowing, atomic saving and readable errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grutui import preset_store as presets
from grutui.params import Params
from tests.conftest import run_grutui

REPO = Path(__file__).resolve().parents[1]


def test_at_least_twelve_factory_presets_with_names_and_descriptions():
    factory = [p for p in presets.list_presets() if p.factory]
    assert len(factory) >= 12
    assert all(p.name and p.description for p in factory)
    names = {p.name for p in factory}
    assert {"Odd Harmonics", "Odd and Even", "Plugin Default"} <= names


def test_the_seed_presets_hold_the_seed_values():
    assert (
        presets.find("odd harmonics").params.as_dict() | {}
        == Params(Wf=0, Wh=2, Uf=0, Uh=0, bf=5).as_dict()
    )
    odd_even = presets.find("odd-and-even").params
    assert (odd_even.Wf, odd_even.Wh, odd_even.Uf, odd_even.Uh, odd_even.bf) == (5, 2, 2, 0, 0)
    assert presets.find("Plugin Default").params == Params()


def test_a_user_preset_shadows_the_factory_one_and_saving_round_trips(isolated_user_dirs):
    params = Params(Wf=3, Wh=4.5, mix=60, oversample=8, dc_block=False)
    path = presets.save("Odd Harmonics", "my take", params)
    assert path.parent == isolated_user_dirs / "presets"
    found = presets.find("Odd Harmonics")
    assert (found.factory, found.description, found.params) == (False, "my take", params)
    assert len([p for p in presets.list_presets() if p.name == "Odd Harmonics"]) == 1


def test_saving_refuses_to_overwrite_unless_asked_and_leaves_no_temporary_files():
    presets.save("Mine", "one", Params(Wf=1))
    with pytest.raises(presets.PresetError, match="already exists"):
        presets.save("Mine", "two", Params(Wf=2))
    assert presets.find("Mine").params.Wf == 1
    presets.save("Mine", "two", Params(Wf=2), overwrite=True)
    assert presets.find("Mine").params.Wf == 2
    assert [p.name for p in presets.user_dir().iterdir()] == ["mine.toml"]


def test_factory_presets_are_read_only():
    target = presets.factory_dir() / "odd-harmonics.toml"
    with pytest.raises(presets.PresetError, match="read-only"):
        presets.save("Odd Harmonics", "", Params(), path=target, overwrite=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x"\n[params]\nWf = \n', "line 3"),
        ('name = "x"\n[params]\nWz = 1.0\n', "Wz"),
        ('name = "x"\n[params]\nWf = "loud"\n', "Wf"),
        ('name = "x"\n[params]\nWh = 99.0\n', "Wh: 99 is out of range"),
        ('name = "x"\n[params]\noversample = 3\n', "oversample"),
        ('name = "x"\ncolour = "red"\n', "colour"),
    ],
)
def test_a_bad_preset_names_the_file_and_the_key_or_line(tmp_path, text, expected):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(presets.PresetError) as error:
        presets.load(bad)
    message = str(error.value)
    assert str(bad) in message and expected in message and "\n" not in message


@pytest.mark.parametrize(
    "data",
    [b"\xef\xbb\xbfname = 'x'\n[params]\nWf = 2.0\n", b"name = 'x'\r\n[params]\r\nWf = 2.0\r\n"],
    ids=["bom", "crlf"],
)
def test_a_preset_saved_by_a_windows_editor_loads(tmp_path, data):
    (tmp_path / "win.toml").write_bytes(data)
    assert presets.load(tmp_path / "win.toml").params.Wf == 2.0


def test_a_broken_user_preset_is_reported_and_hides_no_other(isolated_user_dirs):
    folder = isolated_user_dirs / "presets"
    folder.mkdir()
    (folder / "broken.toml").write_text("[params\n")
    found, broken = presets.scan()
    assert "Odd Harmonics" in {p.name for p in found}
    assert [e.path for e in broken] == [folder / "broken.toml"]
    assert "broken.toml" in str(broken[0]) and "line" in str(broken[0])
    assert presets.find("Odd Harmonics").factory
    with pytest.raises(presets.PresetError, match=r"broken\.toml.*TOML error"):
        presets.find("broken")  # asked for by its name: why it does not load
    listing = run_grutui("presets", "list")
    assert listing.returncode == 0 and "Odd Harmonics" in listing.stdout
    assert "broken.toml" in listing.stderr and listing.stderr.count("\n") == 1
    rendered = run_grutui("analyze", "--preset", "Odd Harmonics", "--json")
    assert rendered.returncode == 0, rendered.stderr


@pytest.mark.slow
def test_factory_presets_are_found_from_an_installed_wheel(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("grutui-*.whl"))
    venv = tmp_path / "venv"
    # the fresh venv sees the already-installed dependencies, but grutui only from the wheel
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--force-reinstall",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": "", "GRUTUI_CACHE_DIR": str(cache)}
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run(
        [
            str(python),
            "-c",
            "import grutui; print(grutui.__file__);"
            "print(len([x for x in grutui.presets() if x.factory]));"
            "grutui.analyze()",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    module_file, count = out.stdout.split()
    assert str(venv) in module_file
    assert int(count) == len(list((REPO / "presets").glob("*.toml")))
    # compiled kernels go to the cache folder, never into the installed package
    assert list(cache.rglob("*.nbi")) and not list(venv.rglob("*.nbi"))
