"""Render's read/process/write loop: the same bytes whatever the block sizes and threads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from grutui import pcm, render, render_io
from grutui.dsp import pipeline
from grutui.errors import GrutuiError
from grutui.params import Params
from grutui.render import render_file


@pytest.fixture
def song(tmp_path: Path) -> Path:
    rng = np.random.default_rng(11)
    t = np.arange(70_000) / 48000
    x = 0.6 * np.sin(2 * np.pi * 220 * t)[:, None] + 0.3 * rng.standard_normal((len(t), 2))
    path = tmp_path / "song.wav"
    sf.write(path, np.clip(x, -1, 1), 48000, subtype="PCM_24")
    return path


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32"])
@pytest.mark.parametrize("factor", [1, 4])
def test_output_bytes_do_not_depend_on_block_sizes_or_pipeline_depth(
    song: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, subtype: str, factor: int
):
    params = Params(Wf=5, Wh=3, Uf=2, bf=1, output_db=6, oversample=factor)  # some samples clip
    first = render_file(song, tmp_path / "a.wav", params, subtype=subtype)
    monkeypatch.setattr(render_io, "BLOCK_FRAMES", 999)
    monkeypatch.setattr(render, "PIECE_FRAMES", 313)
    monkeypatch.setattr(render_io._Dither, "CHUNK", 4097)
    original = pipeline.pipelined_blocks
    monkeypatch.setattr(render, "pipelined_blocks", lambda c, b: original(c, b, in_flight=1))
    second = render_file(song, tmp_path / "b.wav", params, subtype=subtype)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    assert first.clipped == second.clipped > 0
    assert first.peak_dbfs == second.peak_dbfs > 0


def test_16_bit_quantisation_is_numpys_rounding_of_the_dithered_sample():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.uniform(-1.2, 1.2, 100_000), [1.0, -1.0, 0.0]]).astype(np.float32)
    noise = rng.random(len(x)) - rng.random(len(x))
    noise[:1000] = 0.5  # ties round to even
    want = np.clip(np.round(x * 32767.0 + noise), -32768, 32767).astype(np.int16)
    got = np.empty(len(x), np.int16)
    pcm.quantise_pcm16(x, noise, got)
    np.testing.assert_array_equal(got, want)


def test_the_render_command_starts_without_numbas_blas_probe(song: Path, tmp_path: Path):
    """numba would import scipy.linalg (0.2-0.4 s) to look for BLAS that no kernel uses."""
    probe = (
        "import sys\n"
        "from grutui.cli import main\n"
        f"main(['render', {str(song)!r}, '-o', {str(tmp_path / 'out.wav')!r}])\n"
        "print('scipy.linalg' in sys.modules, 'scipy.linalg.cython_blas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["False", "False"]
    assert sf.info(str(tmp_path / "out.wav")).frames == sf.info(str(song)).frames


@pytest.mark.parametrize("change", ["removed", "shortened"])
def test_an_input_changed_between_the_passes_is_named_and_nothing_written(
    song: Path, tmp_path: Path, change: str
):
    # the last pass opens the input again (GSM 6.10 cannot seek back): it must be the same file
    def between_passes(fraction: float) -> None:
        if fraction >= 0.5 and song.exists() and sf.info(song).frames == 70_000:
            song.unlink()
            if change == "shortened":
                sf.write(song, np.zeros((1000, 2), np.float32), 48000)

    target = tmp_path / "out.wav"
    with pytest.raises(GrutuiError) as error:
        render_file(song, target, Params(), normalize_dbfs=-1.0, progress=between_passes)
    assert str(error.value).startswith(f"{song}: ")
    assert "out.wav" not in str(error.value) and not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["song.wav"] if change == "shortened" else []
    )
