"""Capture is core code: usable from Python without the workstation or the audio system."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "grutui.capture",
        "grutui.capture.fit",
        "grutui.capture.harmonics",
        "grutui.capture.probe",
        "grutui.capture.cli",
        "grutui.capture.duplex",
    ],
)
def test_capture_imports_neither_textual_nor_portaudio(module):
    code = (
        f"import sys, {module}; "
        "print(' '.join(m for m in ('textual', 'sounddevice') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []


def test_the_api_names_resolve():
    import grutui.capture as capture

    for name in capture.__all__:
        assert callable(getattr(capture, name)) or isinstance(getattr(capture, name), type)
    with pytest.raises(AttributeError):
        capture.no_such_name  # noqa: B018
