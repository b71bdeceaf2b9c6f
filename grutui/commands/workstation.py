"""``grutui [FILE | PRESET.toml] [--preset NAME|PATH] [--live]``: open the workstation."""

from __future__ import annotations

import argparse
import os

from grutui.commands.common import non_empty
from grutui.errors import GrutuiError, UsageError, printable
from grutui.fileio import check_input

USAGE = "grutui [FILE | PRESET.toml] [--preset NAME|PATH] [--live]"


def build_parser(
    parser_class: type[argparse.ArgumentParser], description: str
) -> argparse.ArgumentParser:
    parser = parser_class(prog="grutui", usage=USAGE, description=description)
    parser.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        type=non_empty("file"),
        help="audio file to open, or a preset .toml to edit",
    )
    parser.add_argument(
        "--preset",
        metavar="NAME|PATH",
        type=non_empty("preset"),
        help="start from this preset (with an audio FILE or the demo sound)",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="write every change back to the preset file (not a factory preset)",
    )
    return parser


def run(args: argparse.Namespace, commands: list[str]) -> int:
    from grutui import preset_store

    is_toml = bool(args.file) and args.file.lower().endswith(".toml")
    if args.file and not is_toml and not os.path.lexists(args.file) and _bare_word(args.file):
        raise UsageError(
            f"{printable(args.file)}: no such file, and not a command "
            f"({', '.join(commands)}; see grutui --help)"
        )
    if is_toml and args.preset is not None:
        raise UsageError("give a PRESET.toml FILE or --preset, not both")
    if args.file is not None:  # one line before the screen starts: missing, a FIFO, too long...
        check_input(args.file, "a preset file" if is_toml else "an audio file")
    preset = preset_store.find(args.preset) if args.preset is not None else None
    if args.live:
        live_file = args.file if is_toml else (preset.path if preset else None)
        if live_file is None:
            raise UsageError("--live needs a preset to write to: a PRESET.toml FILE or --preset")
        if preset_store.is_factory_file(live_file):
            raise GrutuiError(
                f"{printable(live_file)}: factory presets are read-only, and --live writes every "
                "change to the file; save a copy (ctrl+s in the workstation) and edit that"
            )
    from grutui.ui.app import run as run_app

    return run_app(args.file, live=args.live, preset=preset)


def _bare_word(text: str) -> bool:
    """Looks like a mistyped command rather than a file name: no extension, no folder."""
    return "." not in text and os.sep not in text
