"""The command line: ``grutui [FILE]`` opens the workstation; ``render``, ``analyze``,
``presets``, ``devices``, ``play`` and ``monitor`` are commands (``grutui.commands``).

This is the one boundary for user-facing errors: an expected failure is one line on stderr
naming the thing and what to do, exit status 1 (bad data) or 2 (bad usage), and leaves nothing
behind; a closed stdout pipe ends quietly; SIGTERM and SIGHUP stop a command as Ctrl-C does.
Only a bug prints a traceback, with a line asking to report it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

from grutui import __version__, library_messages
from grutui.errors import GrutuiError, UsageError, printable

# Each module has ``register(subparsers)``; a new command is one line here.
COMMAND_MODULES = (
    "grutui.commands.render",
    "grutui.commands.analyze",
    "grutui.commands.presets",
    "grutui.audio_cli",
    "grutui.capture.cli",
)
DESCRIPTION = (
    "A terminal workstation for the gated recurrent distortion. With no command, opens the "
    "workstation on FILE (audio or a preset .toml) or on a built-in demo sound."
)
WORKSTATION_HELP = """the workstation (no COMMAND):
  FILE                an audio file to open, or a preset .toml to edit
  --preset NAME|PATH  start from this preset
  --live              write every change back to the preset file (not a factory preset)

'grutui COMMAND --help' describes each command."""
EXIT_BUG = 70  # sysexits' EX_SOFTWARE: an internal error, not the user's


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (exit status 2), raised, not exited."""

    commands: list[str]  # the subcommands' names, once registered

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("grutui").strip()  # printed after "grutui: "
        # printable: a value the user typed may hold a newline, and the error is one line
        text = printable(message)
        raise UsageError(f"{command + ': ' if command else ''}{text} (see '{self.prog} --help')")

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # ``--freq=--``: argparse drops the "--" and hands the option an empty list instead of a
        # value (fixed in later Pythons); the value is the text "--", checked like any other.
        if action.nargs is None and arg_strings == ["--"]:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop as Ctrl-C does (nothing partial is left)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class StdoutClosed(Exception):  # noqa: N818 - the reader went away, not an error
    """Standard output is a pipe whose reader has gone (``grutui analyze | head``)."""


class StdoutError(GrutuiError):
    """Standard output cannot be written (a full disk, ``> /dev/full``)."""


def build_parser() -> Parser:
    parser = Parser(
        prog="grutui",
        usage="grutui [FILE | PRESET.toml] [--preset NAME|PATH] [--live]\n"
        "       grutui COMMAND [OPTIONS]",
        description=DESCRIPTION,
        epilog=WORKSTATION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"grutui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog="grutui")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    parser.commands = list(sub.choices)
    return parser


# Commands that open no audio device and start no server: the process they ran in may end
# without tearing the interpreter down (``run``), unless they started worker processes.
QUICK_EXIT_COMMANDS = frozenset({"render", "analyze", "presets", "probe", "fit"})
_quick_exit = threading.Event()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (``sys.argv`` by default); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _open_standard_fds()
    return _guarded(lambda: _dispatch(argv))


def run() -> NoReturn:
    """The ``grutui`` console script and ``python -m grutui``: ``main()``, then exit.

    After a command of ``QUICK_EXIT_COMMANDS`` the process ends at once, its output flushed:
    tearing the interpreter down frees numba's compiler state object by object, 0.1-0.15 s of
    every render. Its files are closed by then. The others (audio, the workstation, renders
    with worker processes or on a cluster) end normally, letting their libraries clean up.
    """
    status = main()
    if _quick_exit.is_set():
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed pipe was reported by main
                if stream is not None:
                    stream.flush()
        os._exit(status)
    sys.exit(status)


def _open_standard_fds() -> None:
    """Put /dev/null on any of fds 0, 1 and 2 that a caller closed (``grutui ... >&-``).

    Otherwise the next file opened takes the lowest free descriptor: the output being rendered
    could become "standard output" and receive the summary line. A closed stdout still says
    so (``sys.stdout`` stays None: writing is a one-line error); with no stderr, errors go
    nowhere rather than to stdout (``print(file=None)`` writes there).
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: this one
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            if fd == 2:
                sys.stderr = open(fd, "w", closefd=False)  # noqa: SIM115 - for the process


def _dispatch(argv: list[str]) -> int:
    parser = build_parser()
    commands = parser.commands
    if argv and (argv[0] in commands or argv[0] in ("-h", "--help", "--version")):
        with _checked_stdout(), _stop_signals(), library_messages.collected() as said:
            args = parser.parse_args(argv)
            if (
                args.command in QUICK_EXIT_COMMANDS
                and not getattr(args, "scheduler", None)
                and int(getattr(args, "jobs", 1)) == 1
            ):
                _quick_exit.set()
            handler: Callable[[argparse.Namespace], int] = args.handler
            status = int(handler(args) or 0)
            sys.stdout.flush()
        summary = said.summary()
        if status == 0 and summary:  # on a failure its one error line says it all
            _say(summary)
        return status
    from grutui.commands import workstation

    args = workstation.build_parser(Parser, DESCRIPTION).parse_args(argv)
    return workstation.run(args, commands)


def _guarded(action: Callable[[], int]) -> int:
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return action()
        except SystemExit as exc:  # --help and --version
            return exc.code if isinstance(exc.code, int) else 0
        except UsageError as exc:
            _say(str(exc))
            return 2
        except GrutuiError as exc:
            _say(str(exc))
            return 1
        except StdoutClosed:
            return 1  # quietly, as a Unix tool does when its reader has gone
        except Terminated as exc:
            _say(f"stopped by {signal.Signals(exc.signum).name}; nothing partial was left")
            return 128 + exc.signum
        except KeyboardInterrupt:
            _say("interrupted")
            return 130
        except Exception as exc:  # a bug: the one place a traceback is shown
            with contextlib.suppress(OSError):
                traceback.print_exc()
            _say(
                f"internal error ({type(exc).__name__}); this is a bug in grutui, please report "
                "it with the traceback above"
            )
            return EXIT_BUG


def _say(message: str) -> None:
    """Each line of ``message`` on stderr as ``grutui: ...``; a closed stderr is ignored."""
    with contextlib.suppress(OSError, ValueError):
        for line in message.splitlines() or [""]:
            print(f"grutui: {printable(line)}", file=sys.stderr, flush=True)


def _show_warning(
    message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any
) -> None:
    _say(f"warning: {message}")


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ``Terminated`` in the main thread while a command runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Terminated(signum)

    saved = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


class _Stdout(io.TextIOBase):
    """``sys.stdout`` whose write failures become ``StdoutClosed`` or a one-line error."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if self._stream is None:  # closed by the caller (``>&-``)
            raise StdoutError("cannot write to standard output (it is closed)")
        return self._call(self._stream.write, text)

    def flush(self) -> None:
        if self._stream is not None:
            self._call(self._stream.flush)

    def isatty(self) -> bool:
        try:
            return bool(self._stream.isatty())
        except (ValueError, AttributeError):  # closed, or None (no stdout at all)
            return False

    def fileno(self) -> int:
        if self._stream is None:
            raise io.UnsupportedOperation("standard output is closed")
        return int(self._stream.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._stream, "encoding", "utf-8"))

    def _call(self, method: Callable[..., Any], *args: Any) -> Any:
        try:
            return method(*args)
        except BrokenPipeError:
            self._discard()
            raise StdoutClosed from None
        except OSError as exc:
            self._discard()
            why = (exc.strerror or str(exc)).lower()
            raise StdoutError(f"cannot write to standard output ({why})") from None

    def _discard(self) -> None:
        # what is still buffered would fail again when Python flushes stdout at exit
        with contextlib.suppress(Exception):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)


@contextlib.contextmanager
def _checked_stdout() -> Iterator[None]:
    saved = sys.stdout
    sys.stdout = _Stdout(saved)
    try:
        yield
    finally:
        sys.stdout = saved


if __name__ == "__main__":
    sys.exit(main())
