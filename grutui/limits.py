"""The range of every number a user gives grutui outside the parameter table (``params.SPECS``):
command-line options and the matching API arguments. Checked finite, and the error names the
range. Kept free of heavy imports: the command line builds its parser from it.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

# analysis (grutui analyze, grutui.analyze): a test sine
DEFAULT_FREQ_HZ = 100.0
DEFAULT_RATE_HZ = 44100.0
DEFAULT_LEVEL_DBFS = 20.0 * math.log10(2.0)  # +6.02 dBFS: amplitude 2, the seed's figures
FREQ_MIN_HZ = 10.0  # and below half the rate
RATE_RANGE_HZ = (8000.0, 384000.0)
LEVEL_RANGE_DBFS = (-120.0, 40.0)

# render
NORMALIZE_RANGE_DBFS = (-120.0, 0.0)
JOBS_RANGE = (1, 256)

# monitor
BLOCKSIZE_RANGE = (16, 16384)  # frames
DURATION_MAX_S = 7 * 24 * 3600.0  # and above 0

# audio: libsndfile's own limit, and the most channels a chain is built for
MAX_CHANNELS = 1024


def real_number(value: Any, name: str) -> float:
    """``value`` as a float if it is a real number (numpy's scalars too, not a bool), else a
    ``TypeError`` naming ``name``; the range is the caller's to check."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r:.40}")
    return float(value)
