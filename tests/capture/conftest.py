"""Shared material of the capture tests: a short probe, and the ``grutui`` command."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import grutui_command, grutui_env, run_grutui

PROBE_S = 4.0  # short material keeps the fits fast enough for CI; the benchmark fits 10 s
GRUTUI = grutui_command()


def grutui(
    *args: str | os.PathLike[str], env: dict[str, str] | None = None, **kwargs
) -> subprocess.CompletedProcess[str]:
    """Run the checkout's ``grutui`` as a user does (paths allowed among the arguments)."""
    return run_grutui(*map(str, args), env=grutui_env(**(env or {})), **kwargs)


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4 s probe at 48 kHz, written by ``grutui probe``."""
    path = tmp_path_factory.mktemp("probe") / "probe.wav"
    result = grutui("probe", "-o", path, "--seconds", PROBE_S)
    assert result.returncode == 0, result.stderr
    return path
