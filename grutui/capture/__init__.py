"""Capture: fit the gated recurrent distortion to a recording of a device, or to a harmonic
profile. Core code, usable from Python without the workstation::

    from grutui.capture import fit_recording
    result = fit_recording("probe.wav", "wet.wav", seconds=10, seed=0)
    result.params, result.scores.esr, result.latency_samples

``make_probe`` / ``write_probe`` make the reamping probe, ``capture`` plays it and records the
return in one duplex stream, ``fit_recording`` aligns and fits, ``fit_harmonics`` fits a
harmonic profile (``parse_target``). The names load their modules on first use, so the command
line's parser stays quick to build.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "CaptureError": "align",
    "capture": "duplex",
    "FitResult": "fit",
    "Scores": "fit",
    "fit_recording": "fit",
    "quality": "fit",
    "HarmonicFit": "harmonics",
    "Target": "harmonics",
    "fit_harmonics": "harmonics",
    "parse_target": "harmonics",
    "make_probe": "probe",
    "write_probe": "probe",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'grutui.capture' has no attribute {name!r}")
    return getattr(importlib.import_module(f"grutui.capture.{_WHERE[name]}"), name)
