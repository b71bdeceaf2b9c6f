"""``grutui presets list|show``."""

from __future__ import annotations

import argparse
import sys

from grutui.commands.common import non_empty, print_json
from grutui.errors import printable
from grutui.params import SPECS


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("presets", help="list or show presets")
    commands = parser.add_subparsers(dest="presets_command", metavar="list|show", required=True)
    listing = commands.add_parser("list", help="list factory and user presets")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_presets)
    show = commands.add_parser("show", help="show one preset")
    show.add_argument("name", metavar="NAME|PATH", type=non_empty("preset"))
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_preset)


def list_presets(args: argparse.Namespace) -> int:
    """Every preset that loads; a file that does not is named on stderr and skipped."""
    from grutui import preset_store

    found, broken = preset_store.scan()
    for error in broken:
        print(f"grutui: warning: {error} (skipped)", file=sys.stderr)
    if args.json:
        print_json(
            [
                {
                    "name": p.name,
                    "description": p.description,
                    "factory": p.factory,
                    "path": str(p.path),
                }
                for p in found
            ]
        )
        return 0
    width = max((len(printable(p.name)) for p in found), default=0)
    for p in found:
        origin = "factory" if p.factory else "user"
        print(f"{printable(p.name):<{width}}  {origin:<7}  {printable(p.description)}")
    return 0


def show_preset(args: argparse.Namespace) -> int:
    from grutui import preset_store

    preset = preset_store.find(args.name)
    if args.json:
        print_json(
            {
                "name": preset.name,
                "description": preset.description,
                "factory": preset.factory,
                "path": str(preset.path),
                "params": preset.params.as_dict(),
            }
        )
        return 0
    origin = "factory" if preset.factory else "user"
    print(f"{printable(preset.name)} ({origin}: {printable(str(preset.path))})")
    if preset.description:
        print(printable(preset.description))
    for spec in SPECS:
        print(f"  {spec.name:<11}{spec.format(getattr(preset.params, spec.name))}")
    return 0
