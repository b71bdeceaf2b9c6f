"""Raw PCM reading and writing give libsndfile's own samples and bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from grutui import pcm


def every_value(subtype: str) -> np.ndarray:
    """Every sample value of a 16- or 24-bit file, or a spread of 32-bit and float ones, as
    int32 (left-justified, as libsndfile takes them) or float32 (frames, 2)."""
    if subtype == "PCM_16":
        values = np.arange(-(2**15), 2**15, dtype=np.int32) << 16
    elif subtype == "PCM_24":
        values = np.arange(-(2**23), 2**23, dtype=np.int32) << 8
    elif subtype == "PCM_32":
        rng = np.random.default_rng(0)
        edges = np.array([-(2**31), -(2**31) + 1, -1, 0, 1, 2**31 - 1], dtype=np.int64)
        values = np.concatenate([edges, rng.integers(-(2**31), 2**31, 200_000)]).astype(np.int32)
    else:
        rng = np.random.default_rng(0)
        edges = np.array([0.0, -0.0, 1.0, -1.0, 1.5, 1e-30, np.inf, -np.inf], np.float32)
        values = np.concatenate([edges, rng.standard_normal(200_000).astype(np.float32)])
    if len(values) % 2:
        values = np.append(values, values[:1])
    return values.reshape(-1, 2)


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT"])
@pytest.mark.parametrize("container", ["WAV", "RF64", "W64"])
def test_raw_reading_gives_libsndfiles_float_samples(tmp_path: Path, subtype: str, container):
    path = tmp_path / "in.wav"
    sf.write(path, every_value(subtype), 48000, subtype=subtype, format=container)
    with sf.SoundFile(path) as f:
        assert pcm.raw_reads(f)
        want = f.read(dtype="float32")
        got = np.concatenate(list(pcm.read_blocks(f, 100_001)))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def float_samples() -> np.ndarray:
    """Float samples around every kind of edge of the 24- and 32-bit conversions."""
    rng = np.random.default_rng(1)
    steps = np.arange(-(2**10), 2**10) / 2**23  # multiples of the 24-bit step near 0 ...
    near_one = 1.0 - np.arange(2048) / 2**23  # ... and near full scale
    grid = np.concatenate([steps, near_one, -near_one]).astype(np.float32)
    halves = (grid + np.float32(0.5 / 2**31)).astype(np.float32)  # halfway between 32-bit steps
    around = np.concatenate(
        [np.nextafter(grid, np.float32(2)), np.nextafter(grid, np.float32(-2)), grid, halves]
    )
    loud = rng.uniform(-1.5, 1.5, 100_000).astype(np.float32)
    quiet = (rng.standard_normal(100_000) * 1e-6).astype(np.float32)
    edges = np.array([1.0, -1.0, 2.0, -2.0, 1e30, -1e30, 0.0, -0.0], np.float32)
    values = np.concatenate([around, loud, quiet, edges])
    return values[: len(values) // 2 * 2].reshape(-1, 2)


@pytest.mark.parametrize("subtype", ["PCM_24", "PCM_32"])
@pytest.mark.parametrize("container", ["WAV", "RF64", "W64"])
def test_raw_writing_gives_libsndfiles_bytes(tmp_path: Path, subtype: str, container: str):
    samples = float_samples()
    by_libsndfile, by_grutui = tmp_path / "a.wav", tmp_path / "b.wav"
    with sf.SoundFile(by_libsndfile, "w", 48000, 2, subtype, format=container) as f:
        for start in range(0, len(samples), 70_000):
            f.write(samples[start : start + 70_000])
    with sf.SoundFile(by_grutui, "w", 48000, 2, subtype, format=container) as f:
        assert pcm.raw_writes(f)
        scratch = None
        for start in range(0, len(samples), 70_000):
            scratch = pcm.write(f, samples[start : start + 70_000], scratch)
    assert by_grutui.read_bytes() == by_libsndfile.read_bytes()


def test_16_bit_samples_are_written_as_they_are(tmp_path: Path):
    samples = every_value("PCM_16") >> 16
    by_libsndfile, by_grutui = tmp_path / "a.wav", tmp_path / "b.wav"
    sf.write(by_libsndfile, samples.astype(np.int16), 44100, subtype="PCM_16")
    with sf.SoundFile(by_grutui, "w", 44100, 2, "PCM_16") as f:
        pcm.write(f, samples.astype(np.int16))
    assert by_grutui.read_bytes() == by_libsndfile.read_bytes()


def test_other_formats_keep_libsndfiles_conversion(tmp_path: Path):
    sf.write(tmp_path / "x.flac", np.zeros((10, 2)), 48000, subtype="PCM_24")
    sf.write(tmp_path / "x.aiff", np.zeros((10, 2)), 48000, subtype="PCM_24")
    sf.write(tmp_path / "u8.wav", np.zeros((10, 2)), 48000, subtype="PCM_U8")
    for name in ("x.flac", "x.aiff", "u8.wav"):
        with sf.SoundFile(tmp_path / name) as f:
            assert not pcm.raw_reads(f)
    with sf.SoundFile(tmp_path / "f.wav", "w", 48000, 2, "FLOAT") as f:
        assert not pcm.raw_writes(f)  # libsndfile fills the PEAK chunk from what it converts
