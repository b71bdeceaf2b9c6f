"""Presets: TOML files with ``name``, ``description`` and ``[params]``.

Factory presets ship in the top-level ``presets/`` folder (copied into the wheel as
``grutui/factory_presets``); user presets live in the user config folder and shadow a factory
preset of the same name. A bad file raises ``PresetError`` naming the file and the key or line;
a broken file among the others does not hide them (``scan`` reports it apart).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from grutui.errors import GrutuiError, printable
from grutui.fileio import InputError, OutputExistsError, atomic_write_text, read_text_input, reason
from grutui.params import ParamError, Params

_PACKAGE = Path(__file__).resolve().parent
_TOP_KEYS = {"name", "description", "params"}


class PresetError(GrutuiError, ValueError):
    """A preset that cannot be found, read or saved; the message names the file."""

    path: Path | None = None  # the file, when the error is about one


@dataclass(frozen=True)
class Preset:
    """A named parameter set, with where it came from.

    Attributes
    ----------
    name, description : str
        As the file gives them (the name defaults to the file name's stem).
    params : Params
        The settings; parameters the file leaves out have their defaults.
    path : Path or None
        The file, if any.
    factory : bool
        True for a preset that ships with grutui (read-only).
    """

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
    """Read and validate one preset file (a regular file of at most 1 MiB of UTF-8)."""
    path = Path(path)
    try:
        text = read_text_input(path, "a preset file")
    except InputError as exc:
        raise PresetError(str(exc)) from None
    return parse(text, path, factory)


def parse(text: str, path: Path, factory: bool = False) -> Preset:
    """Validate preset TOML ``text``; errors name ``path`` and the line or key."""
    shown = printable(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"{shown}: TOML error: {exc}") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise PresetError(f"{shown}: TOML error: {exc}") from None
    except RecursionError:
        raise PresetError(f"{shown}: TOML error: arrays or tables nested too deep") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise PresetError(
            f"{shown}: unknown key {printable(repr(sorted(unknown)[0]))} "
            "(expected name, description, [params])"
        )
    name = data.get("name", path.stem)
    description = data.get("description", "")
    if not isinstance(name, str) or not name.strip():
        raise PresetError(f"{shown}: key 'name' must be a non-empty string")
    if not isinstance(description, str):
        raise PresetError(f"{shown}: key 'description' must be a string")
    values = data.get("params", {})
    if not isinstance(values, dict):
        raise PresetError(f"{shown}: 'params' must be a table ([params])")
    try:
        params = Params.from_mapping(values)
    except ParamError as exc:
        raise PresetError(f"{shown}: [params] {exc}") from None
    return Preset(name.strip(), description, params, path, factory)


def _scan_folder(folder: Path, factory: bool) -> tuple[dict[str, Preset], list[PresetError]]:
    found: dict[str, Preset] = {}
    broken: list[PresetError] = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            try:
                preset = load(path, factory)
            except PresetError as exc:
                exc.path = path
                broken.append(exc)
                continue
            found[preset.name.lower()] = preset
    return found, broken


def scan() -> tuple[list[Preset], list[PresetError]]:
    """Every preset that loads (a user preset shadows a factory one of the same name), by name,
    and an error for each preset file that does not (its ``path`` says which)."""
    factory, broken_factory = _scan_folder(factory_dir(), True)
    user, broken_user = _scan_folder(user_dir(), False)
    merged = factory | user
    return sorted(merged.values(), key=lambda p: p.name.lower()), broken_factory + broken_user


def list_presets() -> list[Preset]:
    """Factory and user presets by name, leaving out files that do not load (see ``scan``)."""
    return scan()[0]


def find(name_or_path: str) -> Preset:
    """A preset by name (case-insensitive, or its file name stem) or by the path of a ``.toml``
    file."""
    if not name_or_path.strip():
        raise PresetError("an empty preset name: give a name or the path of a .toml file")
    if name_or_path.endswith(".toml") or os.sep in name_or_path:
        return load(Path(name_or_path))
    wanted = name_or_path.strip().lower()
    found, broken = scan()
    for preset in found:
        if wanted in (preset.name.lower(), slug(preset.name)):
            return preset
    for error in broken:  # the one asked for may be a file that does not load: say why
        if error.path is not None and slug(wanted) == error.path.stem.lower():
            raise error
    raise PresetError(
        f"no preset named {printable(repr(name_or_path))} (see 'grutui presets list')"
    )


def dumps(name: str, description: str, params: Params) -> str:
    """The TOML text of a preset."""
    return tomli_w.dumps({"name": name, "description": description, "params": params.as_dict()})


def is_factory_file(path: str | os.PathLike[str]) -> bool:
    """True for a file in the factory presets' folder (read-only to grutui)."""
    return Path(path).resolve().parent == factory_dir().resolve()


def save(
    name: str, description: str, params: Params, path: Path | None = None, overwrite: bool = False
) -> Path:
    """Save a user preset atomically; refuse to replace an existing file unless ``overwrite``."""
    if not name.strip():
        raise PresetError("a preset needs a name")
    target = path or user_dir() / f"{slug(name)}.toml"
    if is_factory_file(target):
        raise PresetError(
            f"{printable(target)}: factory presets are read-only; save under another name"
        )
    if target.exists() and not overwrite:
        raise PresetError(f"{printable(target)}: already exists")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, dumps(name.strip(), description, params), replace=overwrite)
    except OutputExistsError as exc:
        raise PresetError(str(exc)) from None
    except OSError as exc:
        raise PresetError(f"{printable(target)}: cannot save ({reason(exc)})") from None
    return target
