"""grutui: the gated recurrent distortion, as a terminal workstation and from Python.

From Python (see the README's "From Python" section)::

    import grutui
    y = grutui.process(x, 48000, preset="Fuzz Wall")      # aligned, the shape of x
    result = grutui.analyze(grutui.Params(Wh=3.0), level_dbfs=0.0)
    result.thd_percent, result.harmonics_dbr

``process``, ``analyze``, ``level_sweep``, ``Chain`` (streaming), ``Params``, ``load_preset`` and
``presets`` are the public API. Importing ``grutui`` is cheap and changes no process-wide state:
the DSP layer (numba) loads on first use, and neither Textual nor sounddevice is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from grutui.errors import GrutuiError
from grutui.params import ParamError, Params

__version__ = "0.1.0"

if TYPE_CHECKING:
    from grutui.analysis import Analysis, LevelSweep, analyze, level_sweep
    from grutui.api import load_preset, presets, process
    from grutui.dsp.chain import Chain
    from grutui.preset_store import Preset, PresetError

# name -> module that defines it, imported when first asked for (numba takes a second)
_LAZY = {
    "process": "grutui.api",
    "load_preset": "grutui.api",
    "presets": "grutui.api",
    "analyze": "grutui.analysis",
    "level_sweep": "grutui.analysis",
    "Analysis": "grutui.analysis",
    "LevelSweep": "grutui.analysis",
    "Chain": "grutui.dsp.chain",
    "Preset": "grutui.preset_store",
    "PresetError": "grutui.preset_store",
}

__all__ = [
    "Analysis",
    "Chain",
    "GrutuiError",
    "LevelSweep",
    "ParamError",
    "Params",
    "Preset",
    "PresetError",
    "__version__",
    "analyze",
    "level_sweep",
    "load_preset",
    "presets",
    "process",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # once loaded, a plain attribute
        return value
    raise AttributeError(f"module 'grutui' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
