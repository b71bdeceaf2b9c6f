"""Ways to find new sounds: random GRU settings, and a morph between two settings.

Pure Python on ``Params`` (no Textual), so the rules are easy to test.
"""

from __future__ import annotations

import random

from grutui.params import GRU_NAMES, SPEC_BY_NAME, SPECS, Params


def randomize(params: Params, rng: random.Random) -> Params:
    """``params`` with new GRU settings (Wf, Wh, Uf, Uh, bf) drawn from their useful ranges.

    Each is drawn evenly along its slider's travel between the ends of its useful range, so a
    tapered parameter (Wh) lands as often in each part a user hears as different; the values
    are on the fine keys' grid. The chain's own settings (drive, output, mix, ...) are kept.
    """
    values: dict[str, float] = {}
    for name in GRU_NAMES:
        spec = SPEC_BY_NAME[name]
        low, high = spec.useful or (spec.minimum, spec.maximum)
        position = rng.uniform(spec.fraction(low), spec.fraction(high))
        value = spec.clamp_step(spec.value_at(position), 0)
        values[name] = float(min(max(value, low), high))
    return params.replace(**values)


def morph(a: Params, b: Params, fraction: float) -> Params:
    """The settings ``fraction`` (0..1) of the way from ``a`` to ``b``.

    Numbers move evenly along their sliders' travel (a tapered one as the ear hears it) and land
    on the fine keys' grid; choices and switches take ``a``'s value below halfway and ``b``'s
    from there. 0 gives ``a`` and 1 gives ``b`` exactly.
    """
    if fraction <= 0.0:
        return a
    if fraction >= 1.0:
        return b
    values: dict[str, float | int | bool] = {}
    for spec in SPECS:
        start, end = getattr(a, spec.name), getattr(b, spec.name)
        if spec.kind != "float":
            values[spec.name] = start if fraction < 0.5 else end
        elif start == end:
            values[spec.name] = start
        else:
            at = spec.fraction(start) + fraction * (spec.fraction(end) - spec.fraction(start))
            values[spec.name] = spec.clamp_step(spec.value_at(at), 0)
    return a.replace(**values)
