"""Devices not written in this project, for the fit to capture: SoX's ``overdrive`` effect and a
diode clipper (an RC low-pass with two antiparallel diodes, solved here as an ODE). Also used by
``tests/benchmarks/bench_capture.py``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import numba as nb
import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

# The classic diode clipper (Yeh's thesis values): 2.2 kOhm, 10 nF (7.2 kHz corner), 1N914-ish
# diodes (saturation current 2.52 nA, n * thermal voltage 45.3 mV), driven at 1.5 V peak.
R_OHM = 2.2e3
C_FARAD = 10e-9
IS_AMP = 2.52e-9
VT_VOLT = 45.3e-3
DRIVE_VOLT = 1.5
OVERSAMPLE = 4  # the ODE is solved at 4x the file's rate


def require_tool(reason: str) -> NoReturn:
    """Skip outside CI, fail in CI: CI installs every tool these tests need."""
    import os

    import pytest

    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)


def sox_overdrive(source: Path, target: Path, gain_db: float = 20, colour: float = 20) -> Path:
    """Run SoX's ``overdrive`` effect (its own gain and colour) over ``source``, 3 dB down in
    front so that its output (half the dry signal plus the clipped one) does not clip."""
    sox = shutil.which("sox")
    if sox is None:
        require_tool("sox is not installed (apt-get install sox)")
    subprocess.run(
        [
            sox,
            "-V1",
            str(source),
            "-e",
            "floating-point",
            str(target),
            "vol",
            "0.7",
            "overdrive",
            str(gain_db),
            str(colour),
        ],
        check=True,
        capture_output=True,
    )
    return target


@nb.njit(cache=False)
def _clipper(vin: np.ndarray, rate_hz: float) -> np.ndarray:  # pragma: no cover - compiled
    """C dv/dt = (vin - v) / R - 2 Is sinh(v / Vt), trapezoidal rule, Newton at each step."""
    h = 1.0 / rate_hz
    rc = R_OHM * C_FARAD
    k = 2.0 * IS_AMP / C_FARAD
    out = np.empty_like(vin)
    v = 0.0
    previous_in = 0.0
    for n in range(len(vin)):
        slope = (previous_in - v) / rc - k * np.sinh(v / VT_VOLT)
        guess = v
        for _ in range(50):
            g = guess - v - 0.5 * h * (slope + (vin[n] - guess) / rc - k * np.sinh(guess / VT_VOLT))
            dg = 1.0 + 0.5 * h * (1.0 / rc + k / VT_VOLT * np.cosh(guess / VT_VOLT))
            step = g / dg
            guess -= step
            if abs(step) < 1e-12:
                break
        v = guess
        previous_in = vin[n]
        out[n] = v
    return out


def diode_clipper(x: np.ndarray, rate_hz: float) -> np.ndarray:
    """The clipper's output voltage for ``x`` (full scale = ``DRIVE_VOLT``), float64."""
    up = resample_poly(np.asarray(x, np.float64), OVERSAMPLE, 1) * DRIVE_VOLT
    return resample_poly(_clipper(up, OVERSAMPLE * float(rate_hz)), 1, OVERSAMPLE)


def write_diode_clipper(source: Path, target: Path) -> Path:
    """Write the clipper's response to ``source`` (mono), peaking at -2 dBFS."""
    x, rate = sf.read(source, dtype="float64")
    y = diode_clipper(x if x.ndim == 1 else x.mean(axis=1), rate)
    sf.write(
        target,
        (y * (10 ** (-2 / 20) / np.max(np.abs(y)))).astype(np.float32),
        rate,
        subtype="FLOAT",
    )
    return target
