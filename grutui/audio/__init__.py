"""Live audio: audition (``Player``) and monitoring (``Monitor``) through PortAudio.

Importing this package loads neither PortAudio nor numba and changes no process-wide state;
``availability()`` says whether audio can work and why not, and a program that plays calls
``tune_interpreter_for_audio()`` once (see ``tuning``).

Thread model
------------
Four threads touch a stream; only the caller's may block, and no lock is shared with the
callback.

``caller``
    The thread that owns the stream: the CLI's main thread, or the workstation's workers
    through ``ui.audio_control`` (one at a time). Calls ``start``, ``stop``, ``close``,
    ``seek``, ``set_params`` (also the preset watcher's thread, ``watch``), the ``loop`` and
    ``bypass`` setters, ``status()`` and ``reset_clips()``. Writes the parameter snapshot, the
    transport's seek frame then serial and its stop request, the mix's bypass target, the
    source's loop flag, the meters' count of clip resets asked for.
``callback``
    PortAudio's thread runs ``_callback`` once per block: it hands a new parameter snapshot to
    the chain, reads the source through the transport, runs the chain and the mix, and writes
    the meters. It allocates nothing (every buffer is made by ``start``), takes no lock, and
    never raises (an exception ends a stream): errors go to ``meters.error`` for ``status()``.
    Writes the transport's phase and seen/done serials, the source's read counter and position,
    the meters' arrays and counters (clearing the clip counts when a reset was asked for), and
    the monitor's live loudness and auto gain (``live_gain``).
``loudness``
    The player's ``match.LoudnessMatch`` thread: renders excerpts of the file through a chain
    of its own for the newest parameters, reads the file through once for its peak, and writes
    the mix's gain targets (floats: the bypass's and the auto gain's).
``reader``
    A streamed file's thread (``sources.StreamedFile``): fills a ring from the disk and writes
    its write counter, end-of-file boundary and jump acknowledgement.

How values cross without locks: each attribute has one writer. A value is published by one
assignment, which is atomic under the GIL: an immutable ``Params`` snapshot is swapped by
reference; a float or int is replaced whole. Where a reader needs two values to agree (a seek's
frame and serial, a ring's data and counter), the writer writes the data first and the counter
last, and the reader reads the counter first: the data it then reads is at least as new.
Numbers the callback keeps in numpy arrays (meters, fades, the mix's ramps) are written only by
the callback; other threads read them, one block stale at worst.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grutui.audio.backend import AudioError, Availability, availability
from grutui.audio.quiet import quiet_stderr, stderr_log_path
from grutui.audio.status import AudioStatus
from grutui.audio.tuning import tune_interpreter_for_audio

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
    "tune_interpreter_for_audio",
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
