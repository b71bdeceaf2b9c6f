"""Presets: TOML files with ``name``, ``description`` and ``[params]``.

Factory presets ship in the top-level ``presets/`` folder (copied into the wheel as
``grutui/factory_presets``); user presets live in the user config folder and shadow a factory
preset of the same name. A bad file raises ``PresetError`` naming the file and the key or line.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from grutui.errors import GrutuiError
from grutui.fileio import atomic_write_text
from grutui.params import ParamError, Params

_PACKAGE = Path(__file__).resolve().parent
_TOP_KEYS = {"name", "description", "params"}


class PresetError(GrutuiError, ValueError):
    """A preset that cannot be found, read or saved; the message names the file."""


@dataclass(frozen=True)
class Preset:
    """A named parameter set, with where it came from."""

    name: str
    description: str
    params: Params
    path: Path | None = None
    factory: bool = False


def factory_dir() -> Path:
    """The factory presets: inside the installed package, else the checkout's ``presets/``."""
    installed = _PACKAGE / "factory_presets"
    return installed if installed.is_dir() else _PACKAGE.parent / "presets"


def user_dir() -> Path:
    """The user's preset folder (``GRUTUI_CONFIG_DIR`` or the platform's config folder)."""
    root = os.environ.get("GRUTUI_CONFIG_DIR")
    if not root:
        import platformdirs

        root = platformdirs.user_config_dir("grutui")
    return Path(root) / "presets"


def slug(name: str) -> str:
    """A file name stem for a preset name: lower case, words joined by dashes."""
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return stem or "preset"


def load(path: str | os.PathLike[str], factory: bool = False) -> Preset:
    """Read and validate one preset file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PresetError(f"{path}: no such preset file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PresetError(f"{path}: cannot read ({_reason(exc)})") from None
    return parse(text, path, factory)


def parse(text: str, path: Path, factory: bool = False) -> Preset:
    """Validate preset TOML ``text``; errors name ``path`` and the line or key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"{path}: TOML error: {exc}") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise PresetError(
            f"{path}: unknown key {sorted(unknown)[0]!r} (expected name, description, [params])"
        )
    name = data.get("name", path.stem)
    description = data.get("description", "")
    if not isinstance(name, str) or not name.strip():
        raise PresetError(f"{path}: key 'name' must be a non-empty string")
    if not isinstance(description, str):
        raise PresetError(f"{path}: key 'description' must be a string")
    values = data.get("params", {})
    if not isinstance(values, dict):
        raise PresetError(f"{path}: 'params' must be a table ([params])")
    try:
        params = Params.from_mapping(values)
    except ParamError as exc:
        raise PresetError(f"{path}: [params] {exc}") from None
    return Preset(name.strip(), description, params, path, factory)


def _scan(folder: Path, factory: bool) -> dict[str, Preset]:
    found: dict[str, Preset] = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            preset = load(path, factory)
            found[preset.name.lower()] = preset
    return found


def list_presets() -> list[Preset]:
    """Factory and user presets by name; a user preset shadows a factory one of the same name."""
    merged = _scan(factory_dir(), True) | _scan(user_dir(), False)
    return sorted(merged.values(), key=lambda p: p.name.lower())


def find(name_or_path: str) -> Preset:
    """A preset by name (case-insensitive) or by the path of a ``.toml`` file."""
    candidate = Path(name_or_path)
    if name_or_path.endswith(".toml") or os.sep in name_or_path:
        return load(candidate)
    wanted = name_or_path.strip().lower()
    for preset in list_presets():
        if wanted in (preset.name.lower(), slug(preset.name)):
            return preset
    raise PresetError(f"no preset named {name_or_path!r} (see 'grutui presets list')")


def dumps(name: str, description: str, params: Params) -> str:
    """The TOML text of a preset."""
    return tomli_w.dumps({"name": name, "description": description, "params": params.as_dict()})


def save(
    name: str, description: str, params: Params, path: Path | None = None, overwrite: bool = False
) -> Path:
    """Save a user preset atomically; refuse to replace an existing file unless ``overwrite``."""
    if not name.strip():
        raise PresetError("a preset needs a name")
    target = path or user_dir() / f"{slug(name)}.toml"
    if target.resolve().parent == factory_dir().resolve():
        raise PresetError(f"{target}: factory presets are read-only; save under another name")
    if target.exists() and not overwrite:
        raise PresetError(f"{target}: already exists")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, dumps(name.strip(), description, params))
    except OSError as exc:
        raise PresetError(f"{target}: cannot save ({_reason(exc)})") from None
    return target


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
