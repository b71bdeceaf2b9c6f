"""The layers stay apart: the headless core never pulls in the UI or the audio system."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS = [
    "grutui.params",
    "grutui.dsp",
    "grutui.analysis",
    "grutui.presets",
    "grutui.render",
    "grutui.cli",
]


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_modules_import_no_ui_and_no_audio_system(module):
    code = (
        f"import sys, {module}; "
        "print(' '.join(m for m in ('textual', 'textual_plotext', 'plotext', 'sounddevice',"
        " 'scipy.signal') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []
