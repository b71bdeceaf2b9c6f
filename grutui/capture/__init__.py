"""Capture: fit the gated recurrent distortion to a recording of a device, or to a harmonic
profile. Core code, usable from Python without the workstation::

    from grutui.capture import make_probe, fit_recording
    result = fit_recording("probe.wav", "wet.wav", seconds=10, seed=0)
    result.params, result.scores.esr, result.latency_samples

``make_probe`` / ``write_probe`` make the reamping probe, ``capture`` plays it and records the
return in one duplex stream, ``fit_recording`` aligns and fits, ``fit_harmonics`` fits a
harmonic profile (``parse_target``).
"""

from grutui.capture.align import CaptureError
from grutui.capture.duplex import capture
from grutui.capture.fit import FitResult, Scores, fit_recording, quality
from grutui.capture.harmonics import HarmonicFit, Target, fit_harmonics, parse_target
from grutui.capture.probe import make_probe, write_probe


__all__ = [
    "CaptureError",
    "FitResult",
    "HarmonicFit",
    "Scores",
    "Target",
    "capture",
    "fit_harmonics",
    "fit_recording",
    "make_probe",
    "parse_target",
    "quality",
    "write_probe",
]
