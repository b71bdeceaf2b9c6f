"""What the next key is likely to ask of the views, drawn while the user looks."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from grutui.errors import GrutuiError
from grutui.params import SPEC_BY_NAME
from grutui.ui.views.worker import ViewRequest

LEVEL_MIN_DBFS, LEVEL_MAX_DBFS = -60.0, 24.0  # the analytic views' test level


def clamp_level(level_dbfs: float) -> float:
    """``level_dbfs`` within the analytic views' range."""
    return min(max(level_dbfs, LEVEL_MIN_DBFS), LEVEL_MAX_DBFS)


def steps_from(shown: ViewRequest, selected: str, analytic: bool) -> list[ViewRequest]:
    """``shown`` a step away: the ``selected`` parameter one step either way (a held key
    repeats it; a comparison goes back and forth) and, for an ``analytic`` view, the level
    1 dB either way (+/-)."""
    steps = []
    params = shown.params
    if selected in SPEC_BY_NAME:
        spec = SPEC_BY_NAME[selected]
        current = getattr(params, spec.name)
        for delta in (1, -1):
            value = spec.clamp_step(current, delta)
            if value != current:
                with contextlib.suppress(GrutuiError):
                    steps.append(replace(shown, params=params.replace(**{spec.name: value})))
    if analytic:
        for delta_db in (1.0, -1.0):
            level = clamp_level(shown.level_dbfs + delta_db)
            if level != shown.level_dbfs:
                steps.append(replace(shown, level_dbfs=level))
    return steps
