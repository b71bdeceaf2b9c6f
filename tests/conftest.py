"""Fixtures shared by the whole suite: an isolated user folder and real audio files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """User presets (and the filter cache) in a temporary folder, never the developer's own."""
    config = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("GRUTUI_CONFIG_DIR", str(config))
    return config


def write_tone(
    path: Path,
    rate_hz: int = 48000,
    channels: int = 2,
    seconds: float = 1.0,
    subtype: str = "PCM_24",
    amplitude: float = 0.5,
) -> np.ndarray:
    """Write a multi-tone test file (a different frequency per channel); return its samples."""
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    data = np.stack(
        [amplitude * np.sin(2 * np.pi * (110.0 * (c + 1)) * t + c) for c in range(channels)], axis=1
    ).astype(np.float32)
    sf.write(path, data, rate_hz, subtype=subtype)
    return sf.read(path, dtype="float32", always_2d=True)[0]
