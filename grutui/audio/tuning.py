"""Process-wide interpreter settings for live audio, made by the programs that play (the
workstation, ``grutui play`` and ``grutui monitor``), never by opening a stream or importing
a module: a notebook that uses ``grutui`` keeps its own settings."""

from __future__ import annotations

import gc
import sys

# A Python callback needs the GIL. At the default 5 ms switch interval a UI thread building a
# plot in pure Python holds it past a 2.7 ms block; at 1 ms the callback gets it in time.
SWITCH_INTERVAL_S = 0.001


def tune_interpreter_for_audio() -> None:
    """Keep the rest of the process from holding the GIL against the audio callback.

    - A 1 ms switch interval (``sys.setswitchinterval``; never raised if already lower): a
      thread building a plot in pure Python hands the GIL over within 1 ms instead of 5 ms.
    - ``gc.freeze()`` after a collection: a full (generation 2) collection walks every object
      numba, scipy and numpy created, holding the GIL for ~120 ms (measured: the cause of every
      dropout in the 60 s monitoring test under a plotting UI; after freezing, ~1 ms). Objects
      alive now leave the collector's sight, so call it once the long-lived modules and caches
      are loaded (for example after ``grutui.audio.warm_up()``), and again after loading more.

    Both change the whole process; a program that plays audio calls this, a library does not.
    """
    if sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
    gc.collect()
    gc.freeze()
