"""Compiled kernels and designed filters are cached in grutui's own folder, and a cache that
cannot be read or written costs time, never a failure."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, grutui_env, run_grutui

NOTEBOOK = """
import numba

@numba.njit(cache=True)
def notebook_square(x):
    return x * x
"""


def _python(code: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = grutui_env(GRUTUI_CACHE_DIR=str(cache))
    env.pop("NUMBA_CACHE_DIR", None)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


def test_grutui_kernels_cache_in_its_versioned_folder_and_a_notebooks_beside_its_source(
    tmp_path,
):
    cache = tmp_path / "cache"
    (tmp_path / "notebook.py").write_text(NOTEBOOK)
    beside_source = set((REPO / "grutui" / "audio").rglob("*.nbi"))
    result = _python(
        """
        import grutui, grutui.audio.kernels, notebook
        from grutui.jit import kernel_cache_dir
        assert notebook.notebook_square(3.0) == 9.0
        print(kernel_cache_dir())
        """,
        tmp_path,
        cache,
    )
    assert result.returncode == 0, result.stderr
    folder = Path(result.stdout.strip())
    assert folder.parent == cache / "numba" and folder.name.startswith("grutui")
    assert {p.name.split(".")[0] for p in folder.rglob("*.nbi")} >= {"kernels"}
    assert any("read_block" in p.name for p in folder.rglob("*.nbi"))
    # the notebook's own function caches where numba puts it by default, not under grutui's
    assert list((tmp_path / "__pycache__").glob("notebook.notebook_square*.nbi"))
    assert not [p for p in cache.rglob("*.nbi") if "notebook" in p.name]
    assert set((REPO / "grutui" / "audio").rglob("*.nbi")) == beside_source


def test_a_corrupt_kernel_cache_is_compiled_again(tmp_path):
    cache = tmp_path / "cache"
    code = "import grutui.audio.kernels as k, numpy as np; print(k.read_block.__name__)"
    assert _python(code, tmp_path, cache).returncode == 0
    for path in [*cache.rglob("*.nbi"), *cache.rglob("*.nbc")]:
        path.write_bytes(b"\x80junk")
    again = _python(code, tmp_path, cache)
    assert again.returncode == 0 and again.stderr == "", again.stderr


def test_cached_kernels_load_without_numbas_compiler_registries_and_a_compile_still_works(
    tmp_path,
):
    """Loading machine code skips the refresh that installs every implementation numba has
    (0.1-0.2 s of each start); compiling something new afterwards refreshes by itself."""
    cache = tmp_path / "cache"
    code = """
        import sys
        import numpy as np
        import grutui
        y = grutui.process(np.full((64, 2), 0.5, np.float32), 48000, oversample=1)
        print("numba.cpython.unicode" in sys.modules, float(abs(y).max()) > 0.1)
        import numba

        @numba.njit
        def joined(words):  # strings: needs the implementations the load skipped
            return "-".join(words) + str(len(words))

        print(joined(numba.typed.List(["a", "b"])))
        """
    first = _python(code, tmp_path, cache)  # compiles and fills the cache
    assert first.returncode == 0, first.stderr
    again = _python(code, tmp_path, cache)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == ["False", "True", "a-b2"], again.stdout


@pytest.mark.slow
def test_an_unwritable_kernel_cache_runs_without_it_with_one_notice(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = grutui_env(GRUTUI_CACHE_DIR=str(blocker / "cache"))
    env.pop("NUMBA_CACHE_DIR", None)
    result = run_grutui("analyze", "--json", env=env, timeout=900)
    assert result.returncode == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("grutui: warning: cannot write"), lines
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "poison",
    [b"", b"\x93NUMPY garbage", "nan", "wrong"],
    ids=["empty", "corrupt", "nan", "not-a-lowpass"],
)
def test_a_bad_filter_cache_file_is_designed_again(tmp_path, monkeypatch, poison):
    from grutui.dsp import filters

    monkeypatch.setenv("GRUTUI_CACHE_DIR", str(tmp_path))
    filters.stage_taps.cache_clear()
    good = filters.design_stage(1)
    filters.stage_taps(1)  # writes the cache file
    (path,) = tmp_path.glob("fir-*stage1*.npy")
    if poison == "nan":
        np.save(path, np.full_like(good, np.nan))
    elif poison == "wrong":
        np.save(path, np.ones(5))
    else:
        path.write_bytes(poison)
    filters.stage_taps.cache_clear()
    try:
        np.testing.assert_array_equal(filters.stage_taps(1), good)
        np.testing.assert_array_equal(np.load(path), good)  # and the file is repaired
    finally:
        filters.stage_taps.cache_clear()
