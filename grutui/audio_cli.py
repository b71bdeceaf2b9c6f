"""The ``devices``, ``play`` and ``monitor`` commands."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from grutui.audio.backend import AudioError
from grutui.commands.common import add_params_args, number, params_from_args
from grutui.errors import GrutuiError
from grutui.limits import BLOCKSIZE_RANGE, DURATION_MAX_S
from grutui.params import Params

POLL_S = 0.05


def register(sub: argparse._SubParsersAction) -> None:
    """The ``devices``, ``play`` and ``monitor`` parsers (see ``grutui.cli``)."""
    devices = sub.add_parser("devices", help="list audio devices")
    devices.add_argument("--json", action="store_true")
    devices.set_defaults(handler=_devices)

    play = sub.add_parser("play", help="play a file through the chain")
    play.add_argument("file", metavar="FILE")
    add_params_args(play)
    play.add_argument(
        "--bypass", action="store_true", help="start bypassed (dry, matched loudness)"
    )
    play.add_argument("--loop", action="store_true", help="loop the file")
    play.add_argument(
        "--watch", action="store_true", help="reload the --preset file when it changes on disk"
    )
    play.add_argument("--device", metavar="D", help="output device (name or index)")
    _add_host_api(play)
    play.set_defaults(handler=_play)

    monitor = sub.add_parser("monitor", help="run live input through the chain")
    add_params_args(monitor)
    monitor.add_argument(
        "--watch", action="store_true", help="reload the --preset file when it changes on disk"
    )
    monitor.add_argument("--input-device", metavar="D", help="input device (name or index)")
    monitor.add_argument("--output-device", metavar="D", help="output device (name or index)")
    _add_host_api(monitor)
    monitor.add_argument(
        "--blocksize",
        type=number(*BLOCKSIZE_RANGE, "frames", integer=True),
        metavar="N",
        help=f"frames per block ({BLOCKSIZE_RANGE[0]} to {BLOCKSIZE_RANGE[1]})",
    )
    monitor.add_argument(
        "--duration",
        type=number(0.0, DURATION_MAX_S, "s", above=True),
        metavar="SECONDS",
        help="stop after SECONDS",
    )
    monitor.set_defaults(handler=_monitor)


def _add_host_api(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host-api",
        metavar="NAME",
        help="devices of this host API (jack, alsa...; see grutui devices); "
        "default: JACK while a JACK server runs",
    )


def _devices(args: argparse.Namespace) -> int:
    from grutui.audio import backend

    found = backend.availability()
    rows, apis = [], []
    if found.ok or "no audio device" in found.reason:
        try:
            rows, apis = backend.list_devices(), backend.host_apis()
        except AudioError:
            rows, apis = [], []
    if args.json:
        report = {"ok": found.ok, "reason": found.reason, "host_apis": apis, "devices": rows}
        print(json.dumps(report))
        return 0
    if not found.ok:
        print(found.reason)
    if apis:
        listed = ", ".join(f"{api['name']} ({api['devices']})" for api in apis)
        print(f"host APIs (devices): {listed}")
    for row in rows:
        mark = ("<" if row["default_input"] else " ") + (">" if row["default_output"] else " ")
        print(
            f"{mark} {row['index']:3d} {row['name']} ({row['hostapi']}), "
            f"{row['inputs']} in, {row['outputs']} out, {row['default_rate_hz']:g} Hz"
        )
    if found.ok:
        print("(< default input, > default output)")
    return 0


def _base_params(args: argparse.Namespace) -> tuple[Params, Path | None]:
    from grutui import preset_store as presets

    params = params_from_args(args)
    path = None
    if getattr(args, "watch", False):
        if not args.preset:
            raise GrutuiError("--watch needs --preset NAME|PATH (the file to watch)")
        path = presets.find(args.preset).path
        if path is None:
            raise GrutuiError(f"--watch: preset {args.preset!r} has no file to watch")
    return params, path


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    from grutui.params import parse_assignment

    return dict(parse_assignment(text) for text in args.assignments)


def _start_watch(args: argparse.Namespace, path: Path | None, target: Any) -> Any:
    if path is None:
        return None
    from grutui.audio.watch import PresetWatcher

    overrides = _overrides(args)

    def changed(params: Params) -> None:
        target.set_params(params)
        print(f"reloaded {path}", file=sys.stderr, flush=True)

    def failed(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    watcher = PresetWatcher(path, changed, failed, transform=lambda p: p.replace(**overrides))
    print(f"watching {path}", flush=True)
    return watcher.start()


def _play(args: argparse.Namespace) -> int:
    from grutui.audio.player import Player

    params, watch_path = _base_params(args)
    player = Player.from_file(args.file, params, device=args.device, host_api=args.host_api)
    player.loop = args.loop
    player.bypass = args.bypass
    how = ", streamed from disk" if player.streamed else ""
    return _run_stream(
        player,
        args,
        watch_path,
        duration_s=None,
        what=(
            f"{args.file}: {player.duration_s:.2f} s, {player.rate_hz:g} Hz, "
            f"{player.channels} ch{how}"
        ),
    )


def _monitor(args: argparse.Namespace) -> int:
    from grutui.audio.monitor import Monitor

    params, watch_path = _base_params(args)
    monitor = Monitor(
        params,
        input_device=args.input_device,
        output_device=args.output_device,
        blocksize=args.blocksize,
        host_api=args.host_api,
    )
    return _run_stream(monitor, args, watch_path, duration_s=args.duration, what="monitoring")


def _run_stream(
    stream: Any,
    args: argparse.Namespace,
    watch_path: Path | None,
    duration_s: float | None,
    what: str,
) -> int:
    from grutui.audio import tune_interpreter_for_audio, warm_up

    warm_up()  # the callback's kernels, before the collector freezes what is alive
    tune_interpreter_for_audio()  # a program that plays: the callback must get the GIL in time
    watcher = None
    status = None
    try:
        stream.start()
        stream.wait_started()
        status = stream.status()
        print(f"{what}")
        print(f"device: {status.device}")
        print(
            f"rate: {stream.rate_hz:g} Hz, latency: {status.latency_s * 1000:.1f} ms"
            f" (+ {status.chain_latency_s * 1000:.1f} ms in the chain's oversampling filters)",
            flush=True,
        )
        _print_gains(stream, status)
        watcher = _start_watch(args, watch_path, stream)
        t0 = time.monotonic()
        while True:
            time.sleep(POLL_S)
            status = stream.status()
            if status.state == "error":
                print(status.message, file=sys.stderr, flush=True)
                break
            if status.state == "stopped":
                break
            if duration_s is not None and time.monotonic() - t0 >= duration_s:
                break
    except KeyboardInterrupt:
        pass
    finally:
        if watcher is not None:
            watcher.stop()
        final = stream.status()
        stream.close()
    print(
        f"peaks: in {_db(final.input.max_dbfs)} dBFS, out {_db(final.output.max_dbfs)} dBFS; "
        f"samples over full scale: in {final.input.clips}, out {final.output.clips}"
    )
    if stream.params.auto_gain and not hasattr(stream, "bypass"):  # monitor: it follows input
        print(f"auto gain: {_db(final.auto_gain_db)} dB")
    print(
        f"xruns: {final.xruns}; callbacks longer than their block: {final.late_blocks} "
        f"(longest {final.longest_block_s * 1000:.1f} ms, most CPU "
        f"{final.busiest_block_s * 1000:.2f} ms)",
        flush=True,
    )
    if hasattr(stream, "streamed"):  # play: blocks of silence because reading fell behind
        print(f"disk underruns: {final.underruns}", flush=True)
    return 1 if final.state == "error" else 0


def _print_gains(stream: Any, status: Any) -> None:
    """What the player does to the level (known at start: it measures before it plays)."""
    if not hasattr(stream, "bypass"):
        return
    if stream.params.auto_gain:
        print(f"auto gain: wet {_db(status.auto_gain_db)} dB, to the dry's loudness")
    if stream.bypass:
        how = (
            f"{status.bypass_cut_db:.1f} dB under the wet's loudness, to stay under full scale"
            if status.bypass_cut_db > 0.05
            else "at the wet's loudness"
        )
        print(f"bypass: dry {_db(status.bypass_gain_db)} dB, {how}", flush=True)


def _db(value: float) -> str:
    """``+1.5``, ``-0.3``, ``+0.0`` (not ``-0.0``), ``-inf``."""
    return f"{round(value, 1) + 0.0:+.1f}"
