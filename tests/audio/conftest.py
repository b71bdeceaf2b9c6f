"""Fixtures of the audio tests: a private PulseAudio server started once per session.

See ``audio_helpers.PulseServer``. In CI (CI=true) a missing server or PortAudio fails the tests
instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from audio_helpers import PulseServer, require


@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    """The running private server; os.environ points this process at it for the session."""
    for tool in ("pulseaudio", "pactl", "parec", "paplay"):
        require(
            shutil.which(tool) is not None,
            f"{tool} not installed (apt-get install pulseaudio pulseaudio-utils)",
        )
    from grutui.audio import backend

    try:
        backend.sounddevice()
    except backend.AudioError as exc:
        require(False, str(exc))
    server = PulseServer(tmp_path_factory.mktemp("pulse"))
    saved = {key: os.environ.get(key) for key in server.client_env}
    os.environ.update(server.client_env)
    server.start()
    try:
        found = backend.availability(refresh=True)  # PortAudio may have listed devices before
        require(
            found.ok,
            f"PortAudio does not see the private server: {found.reason} "
            "(apt-get install libasound2-plugins)",
        )
        yield server
    finally:
        server.kill()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def server(pulse: PulseServer) -> PulseServer:
    """The private server, running (restarted if a test killed it)."""
    if pulse.pactl("info").returncode != 0:
        pulse.start()
        from grutui.audio import backend

        backend.availability(refresh=True)
    return pulse
