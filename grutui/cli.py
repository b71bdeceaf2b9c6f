"""The command line: ``grutui [FILE]``, ``render``, ``analyze``, ``presets``, ``devices``,
``play`` and ``monitor``.

Errors are one line on stderr and exit status 1 (2 for usage), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from grutui import __version__
from grutui.errors import GrutuiError
from grutui.params import SPECS, Params, parse_assignment

if TYPE_CHECKING:
    from grutui.render import Job


class UserError(GrutuiError):
    """An error the user can fix; printed as one line, exit status 1."""


COMMANDS = ("render", "analyze", "presets", "devices", "play", "monitor")


def _add_params_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", metavar="NAME|PATH", help="start from this preset")
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
    from grutui import presets

    params = presets.find(args.preset).params if args.preset else Params()
    changes = {}
    for text in args.assignments:
        key, value = parse_assignment(text)
        changes[key] = value
    if getattr(args, "oversample", None) is not None:
        changes["oversample"] = args.oversample
    return params.replace(**changes)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grutui",
        description="A terminal workstation for the gated recurrent distortion. "
        "With no command, opens the workstation on FILE (audio or a preset .toml) "
        "or on a built-in demo sound.",
    )
    parser.add_argument("--version", action="version", version=f"grutui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    render = sub.add_parser("render", help="render audio files through the chain")
    render.add_argument("inputs", nargs="+", metavar="IN", help="input audio files")
    target = render.add_mutually_exclusive_group(required=True)
    target.add_argument("-o", "--output", metavar="OUT", help="output file (one input)")
    target.add_argument("-d", "--dir", metavar="DIR", help="output folder (any number of inputs)")
    _add_params_args(render)
    render.add_argument(
        "--oversample",
        type=int,
        choices=(1, 2, 4, 8),
        metavar="N",
        help="oversampling factor: 1, 2, 4 or 8",
    )
    render.add_argument(
        "--subtype",
        type=str.upper,
        choices=("PCM_16", "PCM_24", "PCM_32", "FLOAT"),
        help="sample format of the output (default: the input's)",
    )
    render.add_argument(
        "--normalize",
        type=float,
        metavar="DBFS",
        help="scale the output so its peak is at DBFS (two passes)",
    )
    render.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="render N files in parallel processes"
    )
    render.add_argument("--force", action="store_true", help="overwrite existing outputs")

    analyze = sub.add_parser("analyze", help="print the transfer curve and harmonics")
    _add_params_args(analyze)
    analyze.add_argument("--freq", type=float, default=100.0, metavar="HZ", help="test sine (100)")
    analyze.add_argument(
        "--gain", type=float, default=2.0, metavar="AMP", help="amplitude of the test sine (2.0)"
    )
    analyze.add_argument(
        "--rate", type=float, default=44100.0, metavar="HZ", help="sample rate (44100)"
    )
    analyze.add_argument("--json", action="store_true", help="one JSON object on stdout")

    presets_cmd = sub.add_parser("presets", help="list or show presets")
    presets_sub = presets_cmd.add_subparsers(
        dest="presets_command", metavar="list|show", required=True
    )
    listing = presets_sub.add_parser("list", help="list factory and user presets")
    listing.add_argument("--json", action="store_true")
    show = presets_sub.add_parser("show", help="show one preset")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true")

    devices = sub.add_parser("devices", help="list audio devices")
    devices.add_argument("--json", action="store_true")

    play = sub.add_parser("play", help="play a file through the chain")
    play.add_argument("file", metavar="FILE")
    _add_params_args(play)
    play.add_argument(
        "--bypass", action="store_true", help="start bypassed (dry, matched loudness)"
    )
    play.add_argument("--loop", action="store_true", help="loop the file")
    play.add_argument(
        "--watch", action="store_true", help="reload the --preset file when it changes on disk"
    )
    play.add_argument("--device", metavar="D", help="output device (name or index)")

    monitor = sub.add_parser("monitor", help="run live input through the chain")
    _add_params_args(monitor)
    monitor.add_argument(
        "--watch", action="store_true", help="reload the --preset file when it changes on disk"
    )
    monitor.add_argument("--input-device", metavar="D", help="input device (name or index)")
    monitor.add_argument("--output-device", metavar="D", help="output device (name or index)")
    monitor.add_argument("--blocksize", type=int, metavar="N", help="frames per block")
    monitor.add_argument("--duration", type=float, metavar="SECONDS", help="stop after SECONDS")

    return parser


def _cmd_analyze(args: argparse.Namespace) -> int:
    from grutui.analysis import analyze

    params = params_from_args(args)
    if args.gain <= 0 or args.rate <= 0:
        raise UserError("--gain and --rate must be positive")
    try:
        result = analyze(params, freq_hz=args.freq, gain=args.gain, rate_hz=args.rate)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    print(f"sine {result.freq_hz:g} Hz, amplitude {result.gain:g}, {result.rate_hz:g} Hz")
    print("harmonic   dBr      dBFS")
    for h, (dbr, dbfs) in enumerate(
        zip(result.harmonics_dbr, result.harmonics_dbfs, strict=True), 1
    ):
        print(f"H{h:<8d}{dbr:7.1f}  {dbfs:8.1f}")
    print(
        f"THD {result.thd_percent:.2f} %   even/odd {result.even_odd_db:+.1f} dB   "
        f"DC {round(result.dc, 4) + 0.0:+.4f}"
    )
    return 0


def _cmd_presets(args: argparse.Namespace) -> int:
    from grutui import presets

    if args.presets_command == "list":
        found = presets.list_presets()
        if args.json:
            print(
                json.dumps(
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
            )
        else:
            width = max((len(p.name) for p in found), default=0)
            for p in found:
                origin = "factory" if p.factory else "user"
                print(f"{p.name:<{width}}  {origin:<7}  {p.description}")
        return 0
    preset = presets.find(args.name)
    if args.json:
        print(
            json.dumps(
                {
                    "name": preset.name,
                    "description": preset.description,
                    "factory": preset.factory,
                    "path": str(preset.path),
                    "params": preset.params.as_dict(),
                }
            )
        )
    else:
        print(f"{preset.name} ({'factory' if preset.factory else 'user'}: {preset.path})")
        if preset.description:
            print(preset.description)
        for spec in SPECS:
            print(f"  {spec.name:<11}{spec.format(getattr(preset.params, spec.name))}")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from grutui import render

    params = params_from_args(args)
    jobs = render.plan(args.inputs, output=args.output, folder=args.dir, force=args.force)
    options = render.RenderOptions(
        params=params, subtype=args.subtype, normalize_dbfs=args.normalize
    )
    render.run_jobs(jobs, options, processes=args.jobs, progress=_progress_printer(jobs))
    return 0


LONG_FILE_S = 10.0  # files longer than this show progress on stderr


def _progress_printer(jobs: list[Job]) -> Callable[[Job, float], None]:
    """A progress callback for the long files among ``jobs``: a live line on a terminal,
    a line every 10 % otherwise."""
    import soundfile as sf

    long_files = {job.source for job in jobs if sf.info(str(job.source)).duration > LONG_FILE_S}
    tty = sys.stderr.isatty()
    shown: dict[object, int] = {}

    def report(job: Job, fraction: float) -> None:
        if job.source not in long_files:
            return
        percent = int(fraction * 100)
        step = percent if tty else percent // 10 * 10
        if shown.get(job.source) == step:
            return
        shown[job.source] = step
        line = f"render {job.source} -> {job.target}: {step:3d} %"
        if tty:
            print("\r" + line, end="\n" if percent >= 100 else "", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    return report


def _cmd_audio(args: argparse.Namespace) -> int:
    from grutui import audio_cli

    return audio_cli.run(args)


def _open_workstation(path: str | None, live: bool = False) -> int:
    from grutui.ui.app import run

    return run(path, live=live)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``grutui`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    opens_workstation = argv[0] not in COMMANDS and not argv[0].startswith("-") if argv else True
    if opens_workstation or argv[0] == "--live":
        return _workstation_main(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "analyze": _cmd_analyze,
        "presets": _cmd_presets,
        "render": _cmd_render,
        "devices": _cmd_audio,
        "play": _cmd_audio,
        "monitor": _cmd_audio,
    }
    return _guarded(lambda: handlers[args.command](args))


def _workstation_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="grutui", description=build_parser().description)
    parser.add_argument(
        "file", nargs="?", metavar="FILE", help="audio file to open, or a preset .toml to edit"
    )
    parser.add_argument(
        "--live", action="store_true", help="with a preset FILE: write every change back to it"
    )
    args = parser.parse_args(argv)
    if args.live and not (args.file and args.file.endswith(".toml")):
        parser.error("--live needs a preset FILE (.toml)")
    return _guarded(lambda: _open_workstation(args.file, live=args.live))


def _guarded(action: Callable[[], int]) -> int:
    try:
        return int(action() or 0)
    except GrutuiError as exc:
        print(f"grutui: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("grutui: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
