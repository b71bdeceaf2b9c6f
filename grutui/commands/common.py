"""What several commands share: ``--preset``/``--set``, number ranges, non-empty names."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from typing import Any

from grutui.params import SPECS, Params, parse_assignment, parse_number


def add_params_args(parser: argparse.ArgumentParser) -> None:
    """``--preset NAME|PATH`` and repeatable ``--set KEY=VALUE``."""
    parser.add_argument(
        "--preset", metavar="NAME|PATH", type=non_empty("preset"), help="start from this preset"
    )
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="assignments",
        help="override one parameter (" + ", ".join(s.name for s in SPECS) + ")",
    )


def params_from_args(args: argparse.Namespace) -> Params:
    """The preset named by ``--preset`` (or the defaults) with every ``--set`` applied."""
    from grutui import preset_store

    params = preset_store.find(args.preset).params if args.preset is not None else Params()
    changes = dict(parse_assignment(text) for text in args.assignments)
    if getattr(args, "oversample", None) is not None:
        changes["oversample"] = args.oversample
    return params.replace(**changes)


def number(
    low: float, high: float, unit: str = "", *, integer: bool = False, above: bool = False
) -> Callable[[str], float]:
    """An argparse ``type`` for a finite number from ``low`` to ``high`` (``above``: greater
    than ``low``); the error names the range and the unit."""
    unit_text = f" {unit}" if unit else ""
    kind = "a whole number" if integer else "a number"
    lower = f"above {low:g}" if above else f"from {low:g}"
    expected = f"{kind} {lower} to {high:g}{unit_text}"

    def parse(text: str) -> float:
        try:
            value = parse_number(text, integer)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if (
            not math.isfinite(value)
            or not (low < value if above else low <= value)
            or (value > high)
        ):
            raise argparse.ArgumentTypeError(f"{text} is out of range: expected {expected}")
        return value

    parse.__name__ = "number"  # argparse names the type in some messages
    return parse


def non_empty(what: str) -> Callable[[str], str]:
    """An argparse ``type`` refusing an empty or blank ``what``."""

    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"an empty {what} name: give a name or a path")
        return text

    parse.__name__ = what
    return parse


def print_json(data: Any) -> None:
    """``data`` as one line of strict JSON on stdout: a NaN or infinity becomes ``null``."""
    print(json.dumps(_finite(data), allow_nan=False))


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data
