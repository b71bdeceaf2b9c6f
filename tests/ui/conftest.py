"""Fixtures of the workstation tests: isolated user folders and a current folder in tmp."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_ui_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """User presets and the audio log in tmp_path; tmp_path is also the current folder."""
    config = tmp_path / "config"
    monkeypatch.setenv("GRUTUI_CONFIG_DIR", str(config))
    monkeypatch.setenv("GRUTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return config
