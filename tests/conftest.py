"""Fixtures and helpers shared by the whole suite: isolated user folders, real audio files and
the checkout's own ``grutui`` command."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """User presets in a temporary folder, never the developer's own."""
    config = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("GRUTUI_CONFIG_DIR", str(config))
    return config


def grutui_command(*args: str) -> list[str]:
    """The argv that runs this checkout's ``grutui`` (not whichever is first on PATH)."""
    return [sys.executable, "-m", "grutui", *args]


def grutui_env(**extra: str) -> dict[str, str]:
    """The environment for ``grutui_command``: this checkout first on the import path."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def run_grutui(
    *args: str,
    cwd: Path | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    stdin: int | None = subprocess.DEVNULL,
    prefix: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run the checkout's ``grutui`` with ``args`` (after ``prefix``); captured text output."""
    return subprocess.run(
        [*prefix, *grutui_command(*args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=env or grutui_env(),
        stdin=stdin,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> its digest: to show nothing changed."""
    return {
        str(p.relative_to(folder)): digest(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


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


@pytest.fixture
def tone(tmp_path: Path) -> Path:
    """A 1 s stereo 48 kHz PCM_24 test file in ``tmp_path``."""
    path = tmp_path / "in.wav"
    write_tone(path)
    return path
