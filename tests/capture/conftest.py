"""Shared material of the capture tests: a short probe, and the ``grutui`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

GRUTUI = [sys.executable, "-m", "grutui"]
PROBE_S = 4.0  # short material keeps the fits fast enough for CI; the benchmark fits 10 s


def grutui(*args: str, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run the checkout's ``grutui`` as a user does."""
    return subprocess.run(
        [*GRUTUI, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kwargs
    )


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4 s probe at 48 kHz, written by ``grutui probe``."""
    path = tmp_path_factory.mktemp("probe") / "probe.wav"
    result = grutui("probe", "-o", path, "--seconds", PROBE_S)
    assert result.returncode == 0, result.stderr
    return path
