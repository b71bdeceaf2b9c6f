"""``grutui probe``, ``grutui capture`` and ``grutui fit``: reamp a device, fit a preset to it."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grutui.commands.common import non_empty, number, print_json
from grutui.errors import GrutuiError, UsageError, printable

PROGRESS_EVERY_S = 0.2  # a terminal's progress line is redrawn at most this often
LOG_EVERY_S = 5.0  # without a terminal, a progress line this often


def register(sub: argparse._SubParsersAction) -> None:
    """Add the probe, capture and fit commands to ``sub``."""
    from grutui.capture import probe

    p = sub.add_parser("probe", help="write a reamping probe signal to play through a device")
    p.add_argument("-o", "--output", required=True, metavar="PROBE", help="output audio file")
    p.add_argument(
        "--rate",
        type=number(probe.MIN_RATE_HZ, probe.MAX_RATE_HZ, "Hz", integer=True),
        default=48000,
        metavar="HZ",
        help="sample rate (48000)",
    )
    p.add_argument(
        "--seconds",
        type=number(probe.MIN_SECONDS, probe.MAX_SECONDS, "s"),
        default=probe.NOMINAL_S,
        metavar="S",
        help=f"length ({probe.NOMINAL_S:g} s)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(handler=_probe)

    c = sub.add_parser("capture", help="play a probe through a device and record its return")
    c.add_argument("probe", metavar="PROBE", help="the probe (grutui probe) to play")
    c.add_argument("-o", "--output", required=True, metavar="WET", help="the recording to write")
    c.add_argument("--input-device", metavar="D", help="input device (name or index)")
    c.add_argument("--output-device", metavar="D", help="output device (name or index)")
    c.add_argument("--force", action="store_true", help="replace an existing file")
    c.set_defaults(handler=_capture)

    f = sub.add_parser(
        "fit",
        help="fit a preset to a recording (DRY WET) or to a harmonic profile (--harmonics)",
        description="Fit Wf, Wh, Uf, Uh, bf, drive and output to a recording of a device "
        "(DRY: what went in, WET: what came out), or to a harmonic profile.",
    )
    f.add_argument("dry", nargs="?", metavar="DRY", help="what went into the device")
    f.add_argument("wet", nargs="?", metavar="WET", help="what came out (any latency)")
    f.add_argument(
        "-o",
        "--output",
        metavar="PRESET.toml",
        help="preset file to write (default: a user preset named after --name)",
    )
    f.add_argument(
        "--name", metavar="NAME", type=non_empty("preset"), help="preset name (default: WET's)"
    )
    f.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    f.add_argument(
        "--seed",
        type=number(0, 2**32 - 1, integer=True),
        default=0,
        metavar="N",
        help="seed of the search: the same seed gives the same preset (0)",
    )
    f.add_argument(
        "--seconds",
        type=number(0.5, 3600.0, "s"),
        metavar="S",
        help="seconds of material to fit, spread over the take; a fifth is held out (10)",
    )
    f.add_argument(
        "--harmonics",
        metavar="TARGET",
        help="fit a harmonic profile instead: a JSON file from 'grutui analyze --json', "
        "or dBr levels like H2=-20,H3=-12,H5=-30",
    )
    f.add_argument(
        "--harmonics-weight",
        type=number(0.0, 1000.0),
        default=0.0,
        metavar="W",
        help="with DRY WET: also match the harmonics of the steady tones in DRY, weighted W "
        "against the ESR (0: ESR only)",
    )
    f.add_argument("--force", action="store_true", help="replace an existing preset file")
    f.set_defaults(handler=_fit)


# -- progress lines --------------------------------------------------------------------------
class _Line:
    """One progress line on stderr: redrawn on a terminal, logged now and then otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown = 0.0
        self.open = False
        self.stage = ""

    def show(self, text: str, stage: str = "") -> None:
        """Show ``text`` if it is time to, or at once when ``stage`` changed."""
        now = time.monotonic()
        changed = stage != self.stage
        self.stage = stage
        if not changed and now - self.shown < (PROGRESS_EVERY_S if self.tty else LOG_EVERY_S):
            return
        self.shown = now
        if self.tty:
            print(f"\r\x1b[K{text}", end="", file=sys.stderr, flush=True)
            self.open = True
        else:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.open:
            print(file=sys.stderr, flush=True)
            self.open = False

    def say(self, text: str) -> None:
        self.close()
        print(f"grutui: {text}", file=sys.stderr, flush=True)


# -- probe and capture -----------------------------------------------------------------------
def _probe(args: argparse.Namespace) -> int:
    from grutui.capture.probe import write_probe

    path = write_probe(args.output, args.rate, args.seconds, force=args.force)
    print(
        f"wrote {path} ({args.seconds:g} s at {args.rate} Hz): play it through the device "
        f"and record the return, or: grutui capture {path} -o wet.wav"
    )
    return 0


def _capture(args: argparse.Namespace) -> int:
    from grutui.capture.duplex import capture

    line = _Line()

    def progress(status: Any) -> None:
        line.show(
            f"capture: {status.seconds:5.1f} / {status.total_s:.1f} s, "
            f"input peak {status.peak_dbfs:+.1f} dBFS"
        )

    try:
        result = capture(
            args.probe,
            args.output,
            input_device=args.input_device,
            output_device=args.output_device,
            force=args.force,
            progress=progress,
        )
    finally:
        line.close()
    if result.dropouts:
        line.say(
            f"warning: {result.dropouts} dropouts during the recording: if the fit aligns "
            "poorly, capture again with fewer programs running"
        )
    print(
        f"wrote {result.path} ({result.seconds:.1f} s, input peak {result.peak_dbfs:+.1f} dBFS, "
        f"{result.device}); next: grutui fit {args.probe} {result.path}"
    )
    return 0


# -- fit ---------------------------------------------------------------------------------------
def _fit(args: argparse.Namespace) -> int:
    if args.harmonics is not None:
        if args.dry or args.wet:
            raise UsageError("fit: give DRY and WET, or --harmonics TARGET, not both")
        if args.seconds is not None or args.harmonics_weight:
            raise UsageError("fit: --seconds and --harmonics-weight apply to DRY WET")
        return _fit_harmonics(args)
    if not (args.dry and args.wet):
        raise UsageError("fit: give DRY and WET (or --harmonics TARGET)")
    return _fit_recording(args)


def _target(args: argparse.Namespace, default_name: str) -> tuple[str, Path]:
    """The preset's name and file, checked before any work."""
    from grutui import preset_store
    from grutui.capture.files import check_output

    name = (args.name if args.name is not None else default_name).strip()
    if args.output:
        inputs = tuple(p for p in (args.dry, args.wet) if p)
        return name, check_output(args.output, args.force, inputs, suffixes=(".toml",))
    folder = preset_store.user_dir()
    path = folder / f"{preset_store.slug(name)}.toml"
    if path.exists() and not args.force:
        raise GrutuiError(f"{path}: a user preset of that name exists (use --name or --force)")
    return name, path


def _save(name: str, description: str, params: Any, path: Path, force: bool) -> Path:
    from grutui import preset_store

    path.parent.mkdir(parents=True, exist_ok=True)
    return preset_store.save(name, description, params, path=path, overwrite=force or False)


def _fit_recording(args: argparse.Namespace) -> int:
    from grutui.capture.fit import DEFAULT_SECONDS, fit_recording

    name, path = _target(args, f"{Path(args.wet).stem} capture")
    line = _Line()
    result = None
    try:
        result = fit_recording(
            args.dry,
            args.wet,
            seconds=args.seconds if args.seconds is not None else DEFAULT_SECONDS,
            seed=args.seed,
            harmonics_weight=args.harmonics_weight,
            progress=lambda p: line.show(
                f"fit [{p.stage}] {p.evaluations} evaluations, best error {p.best_error:.5g}, "
                f"{p.elapsed_s:.1f} s",
                p.stage,
            ),
            warn=lambda text: line.say(f"warning: {text}"),
        )
    finally:
        line.close()
    if _kept_nothing(line, result, lambda r: f"ESR {r.scores.esr:.4g}"):
        return 130
    assert result is not None
    written = _save(name, result.description(), result.params, path, args.force)
    if args.json:
        print_json({**result.to_dict(), "preset": str(written), "name": name})
    else:
        _print_report(result, written)
    return 130 if result.interrupted else 0


def _kept_nothing(line: _Line, result: Any, how_good: Callable[[Any], str]) -> bool:
    """Say what a stopped fit keeps; True when it had no result (nothing is written)."""
    if result is None:
        line.say("interrupted before any result: nothing written")
        return True
    if result.interrupted:
        line.say(f"interrupted: keeping the best result so far ({how_good(result)})")
    return False


def _g(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "n/a"


def _print_report(result: Any, path: Path) -> None:
    s, t = result.scores, result.static_tanh
    ms = 1000.0 * result.latency_samples / result.rate_hz
    late = "late" if result.latency_samples >= 0 else "early"
    print(
        f"aligned: WET {abs(result.latency_samples)} samples {late} ({abs(ms):.2f} ms), "
        f"polarity {'normal' if result.polarity > 0 else 'inverted'}, "
        f"gain {result.gain_db:+.1f} dB, correlation {result.correlation:.3f}"
    )
    if result.polarity < 0:
        print("  (the preset does not invert: flip the polarity of its output to match WET)")
    print(
        f"fitted {result.material_seconds - result.holdout_seconds:.1f} s, held out "
        f"{result.holdout_seconds:.1f} s; {result.evaluations} evaluations in "
        f"{result.seconds:.1f} s"
    )
    print("              ESR        pre-emphasised ESR")
    print(f"fitted        {s.esr:<10.4g} {s.esr_preemph:.4g}")
    print(f"held out      {_g(s.esr_holdout):<10} {_g(s.esr_preemph_holdout)}")
    print(f"static tanh   {t.esr:<10.4g} {t.esr_preemph:.4g}   (best tanh waveshaper, for scale)")
    print(f"quality: {result.quality}")
    p = result.params
    print(
        f"Wf {p.Wf:g}  Wh {p.Wh:g}  Uf {p.Uf:g}  Uh {p.Uh:g}  bf {p.bf:g}  "
        f"drive {p.drive_db:+.2f} dB  output {p.output_db:+.2f} dB"
    )
    for text in result.warnings:
        print(f"warning: {text}")
    print(f"wrote {printable(path)}; open it with: grutui {printable(path)}")


def _fit_harmonics(args: argparse.Namespace) -> int:
    from grutui.capture.harmonics import fit_harmonics, parse_target

    target = parse_target(args.harmonics)
    source = Path(args.harmonics).name if args.harmonics.lower().endswith(".json") else None
    name, path = _target(args, f"{Path(source).stem} match" if source else "harmonic match")
    line = _Line()
    try:
        result = fit_harmonics(
            target,
            seed=args.seed,
            progress=lambda p: line.show(
                f"fit [harmonics] {p.evaluations} evaluations, best error {p.best_error:.3g} dB",
                p.stage,
            ),
        )
    finally:
        line.close()
    if _kept_nothing(line, result, lambda r: f"{r.error_db:.2f} dB off"):
        return 130
    assert result is not None
    wanted = ", ".join(f"H{h}={v:g}" for h, v in sorted(target.levels_dbr.items()))
    description = (
        f"Fitted to harmonics {source or wanted} (sine {target.freq_hz:g} Hz, amplitude "
        f"{target.gain:g}) on {time.strftime('%Y-%m-%d')}: RMS error {result.error_db:.2f} dB"
    )
    written = _save(name, description, result.params, path, args.force)
    if args.json:
        print_json({**result.to_dict(), "preset": str(written), "name": name})
        return 130 if result.interrupted else 0
    print(
        f"sine {target.freq_hz:g} Hz, amplitude {target.gain:g}, {target.rate_hz:g} Hz; "
        f"{result.evaluations} evaluations in {result.seconds:.1f} s"
    )
    print("harmonic   target dBr   fitted dBr")
    for h in range(2, len(result.achieved_dbr) + 1):
        want = target.levels_dbr.get(h)
        wanted = "" if want is None else f"{want:8.1f}"
        print(f"H{h:<9d}{wanted:>10}   {result.achieved_dbr[h - 1]:9.1f}")
    print(f"RMS error {result.error_db:.2f} dB (levels below -80 dBr count as -80)")
    p = result.params
    print(f"Wf {p.Wf:g}  Wh {p.Wh:g}  Uf {p.Uf:g}  Uh {p.Uh:g}  bf {p.bf:g}  ", end="")
    print(f"output {p.output_db:+.2f} dB")
    print(f"wrote {printable(written)}; open it with: grutui {printable(written)}")
    return 130 if result.interrupted else 0
