"""``grutui render``: files through the chain, checked first, one line per written file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from grutui.commands.common import add_params_args, non_empty, number, params_from_args
from grutui.errors import GrutuiError, UsageError, printable
from grutui.limits import JOBS_RANGE, NORMALIZE_RANGE_DBFS

if TYPE_CHECKING:
    from grutui.render import RenderResult
    from grutui.render_plan import Job

LONG_FILE_S = 10.0  # files longer than this show progress on stderr


class BatchError(GrutuiError):
    """Some files of a batch failed (each was reported); the others were written."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("render", help="render audio files through the chain")
    parser.add_argument(
        "inputs", nargs="+", metavar="IN", type=non_empty("file"), help="input audio files"
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "-o", "--output", metavar="OUT", type=non_empty("file"), help="output file (one input)"
    )
    target.add_argument(
        "-d",
        "--dir",
        metavar="DIR",
        type=non_empty("folder"),
        help="output folder (any number of inputs)",
    )
    add_params_args(parser)
    parser.add_argument(
        "--oversample",
        type=int,
        choices=(1, 2, 4, 8),
        metavar="N",
        help="oversampling factor: 1, 2, 4 or 8",
    )
    parser.add_argument(
        "--subtype",
        type=str.upper,
        choices=("PCM_16", "PCM_24", "PCM_32", "FLOAT"),
        help="sample format of the output (default: the input's, where the format holds it)",
    )
    parser.add_argument(
        "--normalize",
        type=number(*NORMALIZE_RANGE_DBFS, "dBFS"),
        metavar="DBFS",
        help="scale the output so its peak is at DBFS, -120 to 0 (two passes)",
    )
    parser.add_argument(
        "--jobs",
        type=number(*JOBS_RANGE, integer=True),
        default=1,
        metavar="N",
        help=f"render N files in parallel processes ({JOBS_RANGE[0]} to {JOBS_RANGE[1]})",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="render on the Dask cluster of this scheduler (tcp://HOST:PORT; inputs and outputs "
        "on storage every worker sees; pip install 'grutui[cluster]')",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from grutui.jit import without_blas_probe

    with without_blas_probe():  # perf's hook: 0.2-0.4 s less start-up per render
        from grutui import render
    from grutui.render_plan import plan

    if args.scheduler and int(args.jobs) != 1:
        raise UsageError("--jobs is for one machine; --scheduler spreads the files instead")
    params = params_from_args(args)
    jobs = plan(
        args.inputs, output=args.output, folder=args.dir, force=args.force, subtype=args.subtype
    )
    options = render.RenderOptions(
        params=params, subtype=args.subtype, normalize_dbfs=args.normalize, force=args.force
    )
    if args.scheduler:  # perf's hook: the cluster path lives in grutui.cluster
        from grutui import cluster

        printer = cluster.progress_printer(args.scheduler, sys.stderr.isatty())
        batch = cluster.run_jobs(jobs, options, args.scheduler, printer, _print_result)
    else:
        batch = render.run_jobs(
            jobs,
            options,
            processes=int(args.jobs),
            progress=_progress_printer(jobs),
            on_result=_print_result,
        )
    if batch.failed and len(jobs) == 1:
        return 1  # its one line is out (_print_result); a summary would only repeat it
    if batch.failed:
        raise BatchError(
            f"rendered {len(batch.written)} of {len(jobs)} files; "
            f"{len(batch.failed)} failed (named above)"
        )
    return 0


def _print_result(job: Job, result: RenderResult | None, error: str | None) -> None:
    """One line per file: the written file with its peak (and clipped samples), or the error."""
    if result is None:
        print(f"grutui: {printable(error or '')}", file=sys.stderr, flush=True)
        return
    print(result.summary(), flush=True)
    if result.clipped:
        print(
            f"grutui: warning: {printable(result.target)}: {result.clipped} samples clipped "
            f"to full scale in {result.subtype}; render with --normalize -1 to keep the peaks",
            file=sys.stderr,
            flush=True,
        )


def _progress_printer(jobs: list[Job]) -> Callable[[Job, float], None]:
    """A progress callback for the long files among ``jobs``: a live line on a terminal,
    a line every 10 % otherwise."""
    long_files = {job.source for job in jobs if job.frames > LONG_FILE_S * job.rate_hz}
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
        line = f"render {printable(job.source)} -> {printable(job.target)}: {step:3d} %"
        if tty:
            print("\r" + line, end="\n" if percent >= 100 else "", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    return report
