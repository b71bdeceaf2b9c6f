"""Keeping a capture as a user preset under a name no other user preset has."""

from __future__ import annotations

from grutui import preset_store
from grutui.capture.fit import FitResult
from grutui.preset_store import Preset


def free_name(base: str) -> str:
    """``base``, or ``base 2``, ``base 3``... whichever has no user preset file yet."""
    folder = preset_store.user_dir()
    name, number = base, 1
    while (folder / f"{preset_store.slug(name)}.toml").exists():
        number += 1
        name = f"{base} {number}"
    return name


def keep(result: FitResult, base: str | None = None) -> Preset:
    """Save ``result`` as a new user preset (never over another) and return it as loaded."""
    name = free_name(base or f"{result.wet_name.rsplit('.', 1)[0]} capture")
    path = preset_store.save(name, result.description(), result.params)
    return preset_store.load(path)
