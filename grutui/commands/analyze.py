"""``grutui analyze``: the transfer curve, harmonics and level sweep, as a table or JSON."""

from __future__ import annotations

import argparse

from grutui.commands.common import add_params_args, number, params_from_args, print_json
from grutui.errors import UsageError
from grutui.limits import (
    DEFAULT_FREQ_HZ,
    DEFAULT_LEVEL_DBFS,
    DEFAULT_RATE_HZ,
    FREQ_MIN_HZ,
    LEVEL_RANGE_DBFS,
    RATE_RANGE_HZ,
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("analyze", help="print the transfer curve, harmonics or level sweep")
    add_params_args(parser)
    low, high = LEVEL_RANGE_DBFS
    parser.add_argument(
        "--freq",
        type=number(FREQ_MIN_HZ, RATE_RANGE_HZ[1] / 2, "Hz"),
        default=DEFAULT_FREQ_HZ,
        metavar="HZ",
        help=f"frequency of the test sine ({DEFAULT_FREQ_HZ:g}; below half the rate)",
    )
    level = parser.add_mutually_exclusive_group()
    level.add_argument(
        "--level",
        type=number(low, high, "dBFS"),
        metavar="DBFS",
        help=f"level of the test sine, dBFS ({DEFAULT_LEVEL_DBFS:+.2f}: amplitude 2)",
    )
    level.add_argument(
        "--gain",
        type=number(10 ** (low / 20), 10 ** (high / 20), "(peak amplitude)"),
        metavar="AMP",
        help="the level as a peak amplitude instead (2.0 is +6.02 dBFS)",
    )
    parser.add_argument(
        "--rate",
        type=number(*RATE_RANGE_HZ, "Hz"),
        default=DEFAULT_RATE_HZ,
        metavar="HZ",
        help=f"sample rate ({DEFAULT_RATE_HZ:g})",
    )
    parser.add_argument(
        "--sweep",
        choices=("level",),
        help="level: output, THD and harmonics for input levels -60..+12 dBFS",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from grutui.analysis import analyze, level_sweep

    params = params_from_args(args)
    if args.freq >= args.rate / 2:
        raise UsageError(
            f"analyze: --freq {args.freq:g} Hz must be below half the rate ({args.rate / 2:g} Hz)"
        )
    if args.sweep:
        sweep = level_sweep(params, freq_hz=args.freq, rate_hz=args.rate)
        if args.json:
            print_json(
                {
                    "params": params.as_dict(),
                    "freq_hz": sweep.freq_hz,
                    "rate_hz": sweep.rate_hz,
                    "sweep": sweep.to_dict(),
                }
            )
            return 0
        print(f"level sweep: sine {sweep.freq_hz:g} Hz, {sweep.rate_hz:g} Hz")
        print("in dBFS  out dBFS   THD %     H2 dBr  H3 dBr  H4 dBr  H5 dBr")
        for level, out, thd, dbr in zip(
            sweep.level_dbfs,
            sweep.output_dbfs,
            sweep.thd_percent,
            sweep.harmonics_dbr,
            strict=True,
        ):
            harmonics = "".join(f"{v:8.1f}" for v in dbr[1:5])
            print(f"{level:+7.1f}  {out:+8.2f}  {thd:7.2f}  {harmonics}")
        return 0
    result = analyze(
        params, freq_hz=args.freq, rate_hz=args.rate, level_dbfs=args.level, gain=args.gain
    )
    if args.json:
        print_json(result.to_dict())
        return 0
    print(
        f"sine {result.freq_hz:g} Hz at {result.level_dbfs:+.2f} dBFS "
        f"(amplitude {result.gain:g}), {result.rate_hz:g} Hz"
    )
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
