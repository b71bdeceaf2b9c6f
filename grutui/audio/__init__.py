"""Live audio: audition (``Player``) and monitoring (``Monitor``) through PortAudio.

Importing this package does not load PortAudio; ``availability()`` says whether audio can work
and why not. See ``../../shared/DESIGN.md`` for the thread model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grutui.audio.backend import AudioError, Availability, availability
from grutui.audio.meters import AudioStatus
from grutui.audio.quiet import quiet_stderr, stderr_log_path

if TYPE_CHECKING:
    from grutui.audio.monitor import Monitor
    from grutui.audio.player import Player

__all__ = [
    "AudioError",
    "AudioStatus",
    "Availability",
    "Monitor",
    "Player",
    "availability",
    "quiet_stderr",
    "stderr_log_path",
    "warm_up",
]


def warm_up() -> None:
    """Load the callback's kernels now (from numba's disk cache; 5-6 s to compile on a first
    run), e.g. in a worker thread at start-up, so the first ``start()`` does not wait for it."""
    from grutui.dsp import kernels

    kernels.gil_holding()


def __getattr__(name: str) -> Any:
    # Player and Monitor pull in the chain (numba); load them when first asked for.
    if name == "Player":
        from grutui.audio.player import Player

        return Player
    if name == "Monitor":
        from grutui.audio.monitor import Monitor

        return Monitor
    raise AttributeError(name)
