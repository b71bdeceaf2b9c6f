"""Fixtures of the audio tests: a private PulseAudio server started once per session.

See ``audio_helpers.PulseServer``. In CI (CI=true) a missing server or PortAudio fails the tests
instead of skipping them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from audio_helpers import PulseServer, private_server


@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    """The running private server; os.environ points this process at it for the session."""
    with private_server(tmp_path_factory.mktemp("pulse")) as server:
        yield server


@pytest.fixture
def server(pulse: PulseServer) -> PulseServer:
    """The private server, running (restarted if a test killed it)."""
    if pulse.pactl("info").returncode != 0:
        pulse.start()
        from grutui.audio import backend

        backend.availability(refresh=True)
    return pulse
