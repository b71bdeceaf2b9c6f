"""grutui from Python: arrays in, arrays out, for notebooks and scripts.

Everything here is re-exported by the ``grutui`` package (``grutui.process`` ...); see the README's
"From Python" section.
"""

from __future__ import annotations

import math
import os

import numpy as np

from grutui import preset_store
from grutui.dsp.aligned import MAX_BLOCK, aligned_blocks
from grutui.dsp.chain import Chain
from grutui.dsp.loudness import auto_gain
from grutui.limits import MAX_CHANNELS, real_number
from grutui.params import Params, as_params
from grutui.preset_store import Preset


def process(
    x: np.ndarray,
    rate_hz: float,
    params: Params | None = None,
    *,
    preset: str | os.PathLike[str] | Preset | None = None,
    oversample: int | None = None,
) -> np.ndarray:
    """Run audio through the chain and return the output aligned with it.

    The same samples ``grutui render`` writes (as FLOAT) for the same input: latency
    compensated, the input's shape and length; with ``auto_gain`` on, turned up or down to the
    input's BS.1770 loudness.

    Parameters
    ----------
    x : array_like
        Audio, shape (frames,) or (frames, channels), any float dtype, full scale 1.0
        (converted to float32 as the chain works).
    rate_hz : float
        Sample rate of ``x``, Hz.
    params : Params, optional
        The settings; default ``Params()``, or the preset's.
    preset : str, path or Preset, optional
        A preset by name (as ``grutui presets list`` shows), by the path of a ``.toml`` file,
        or a ``Preset``; instead of ``params``.
    oversample : {1, 2, 4, 8}, optional
        Overrides the settings' oversampling factor.

    Returns
    -------
    ndarray
        float32, the shape of ``x``.

    Raises
    ------
    TypeError
        ``x`` is not a float array, ``rate_hz`` not a number, ``params`` not a ``Params`` or
        ``preset`` neither a name, a path nor a ``Preset``.
    ValueError
        ``x`` has more than two dimensions, no channel or more than 1024, ``rate_hz`` is not a
        positive finite number, ``params`` and ``preset`` are both given, or a setting is out of
        its range.
    grutui.preset_store.PresetError
        The preset cannot be found or read.

    Examples
    --------
    >>> t = np.arange(48000) / 48000
    >>> y = process(0.5 * np.sin(2 * np.pi * 220 * t), 48000, Params(Wh=3.0))
    >>> y.shape, y.dtype
    ((48000,), dtype('float32'))
    """
    data = np.asarray(x)
    if not np.issubdtype(data.dtype, np.floating):
        raise TypeError(
            f"x must be a float array (got {data.dtype}); scale integer samples to -1..1 first"
        )
    if data.ndim not in (1, 2) or (data.ndim == 2 and data.shape[1] < 1):
        raise ValueError(f"x must have shape (frames,) or (frames, channels), got {data.shape}")
    channels = 1 if data.ndim == 1 else data.shape[1]
    if channels > MAX_CHANNELS:
        raise ValueError(
            f"x has shape {data.shape}: {channels} channels, more than {MAX_CHANNELS}; "
            "if it is (channels, frames), pass x.T"
        )
    rate = real_number(rate_hz, "rate_hz")
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"rate_hz must be a positive number of Hz, got {rate_hz!r}")
    settings = _settings(params, preset, oversample)
    with np.errstate(over="ignore"):  # past float32's range: inf, which counts as silence
        block = np.ascontiguousarray(data.reshape(len(data), channels), dtype=np.float32)
    chain = Chain(rate, channels, max_block=MAX_BLOCK, params=settings)
    out = np.concatenate([np.empty((0, channels), np.float32), *aligned_blocks(chain, [block])])
    if settings.auto_gain:  # as render applies it: the wet as loud as the dry
        out *= np.float32(auto_gain(block, out, rate))
    return out.reshape(data.shape)


def _settings(
    params: Params | None,
    preset: str | os.PathLike[str] | Preset | None,
    oversample: int | None,
) -> Params:
    if params is not None and preset is not None:
        raise ValueError("give params or preset, not both (preset.params.replace(...) combines)")
    if preset is not None:
        params = (preset if isinstance(preset, Preset) else load_preset(preset)).params
    params = as_params(params)
    return params if oversample is None else params.replace(oversample=oversample)


def load_preset(name_or_path: str | os.PathLike[str]) -> Preset:
    """A preset by name (case-insensitive, as ``grutui presets list`` shows) or by the path of a
    ``.toml`` file.

    Parameters
    ----------
    name_or_path : str or path
        ``"Fuzz Wall"``, ``"fuzz-wall"`` or ``"my/sound.toml"``.

    Returns
    -------
    Preset
        ``name``, ``description``, ``params`` (a ``Params``), ``path`` and ``factory``.

    Raises
    ------
    grutui.preset_store.PresetError
        No such preset, or a file that is not a valid preset (the message names the file and
        the key or line).
    TypeError
        ``name_or_path`` is neither a string nor a path.
    """
    if isinstance(name_or_path, os.PathLike):
        return preset_store.load(name_or_path)
    if not isinstance(name_or_path, str):
        raise TypeError(
            f"a preset is a name or a path, got {type(name_or_path).__name__} {name_or_path!r:.40}"
        )
    return preset_store.find(name_or_path)


def presets() -> list[Preset]:
    """The factory and user presets, by name; a user preset shadows a factory one of the same
    name. Files that do not load are left out (``grutui.preset_store.scan`` lists them).

    Returns
    -------
    list of Preset
    """
    return preset_store.list_presets()
