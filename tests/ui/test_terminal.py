"""The real ``grutui`` command in a real terminal (tmux), and its start-up errors."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.ui.helpers import write_sound

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _grutui() -> list[str]:
    found = shutil.which("grutui")
    return [found] if found else [sys.executable, "-m", "grutui"]


class Tmux:
    """One detached tmux session running a command at 120x40."""

    def __init__(self, command: str, env: dict[str, str], cwd: Path) -> None:
        self.name = f"grutui-test-{uuid.uuid4().hex[:8]}"
        # A server of our own (-L) with no config file (-f): nobody else's options or sizes.
        self.tmux = ["tmux", "-L", self.name, "-f", "/dev/null"]
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        subprocess.run(
            [
                *self.tmux,
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                "120",
                "-y",
                "40",
                "-c",
                str(cwd),
                f"env -u COLUMNS -u LINES {exports} {command}; echo EXITED $?; sleep 30",
            ],
            check=True,
        )

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *keys], check=True)

    def resize(self, width: int, height: int) -> None:
        subprocess.run(
            [*self.tmux, "resize-window", "-t", self.name, "-x", str(width), "-y", str(height)],
            check=True,
        )

    def _processes(self) -> list[tuple[int, int, str]]:
        """(pid, CPU seconds, command) of the processes the pane runs (its shell's group)."""
        pid = self._pane("#{pane_pid}")
        out = subprocess.run(
            ["ps", "-ww", "-o", "pid=,cputimes=,args=", "-g", pid],  # -ww: whole command lines
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows = [line.split(None, 2) for line in out.splitlines() if line.strip()]
        return [(int(p), int(t), args) for p, t, args in rows]

    def cpu_seconds(self) -> float:
        """CPU time used so far by the program in the pane (user + system)."""
        return float(max((t for _, t, _ in self._processes()), default=0))

    def kill_grutui(self, signum: int = signal.SIGKILL) -> None:
        """Send ``signum`` to the workstation (SIGKILL, the default: a crash, no clean-up)."""
        (pid,) = [p for p, _, args in self._processes() if "grutui" in args and "sleep" not in args]
        os.kill(pid, signum)

    def terminal_modes(self) -> str:
        """``stty -a`` of the pane's terminal."""
        tty = self._pane("#{pane_tty}")
        return subprocess.run(
            ["stty", "-a", "-F", tty], check=True, capture_output=True, text=True
        ).stdout

    def _pane(self, field: str) -> str:
        """A tmux format ``field`` of the pane, e.g. ``#{pane_pid}``."""
        return subprocess.run(
            [*self.tmux, "display-message", "-p", "-t", self.name, field],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def screen(self) -> str:
        return subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", self.name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def wait_for(self, found: Callable[[str], bool], what: str, timeout_s: float = 60.0) -> str:
        deadline = time.monotonic() + timeout_s
        while True:
            text = self.screen()
            if found(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{text}")
            time.sleep(0.1)

    def kill(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False, capture_output=True)


@pytest.fixture
def tmux_env(tmp_path: Path) -> dict[str, str]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    return {
        "PYTHONPATH": str(REPO),  # the checkout under test, whatever pip installed
        "GRUTUI_CONFIG_DIR": str(tmp_path / "config"),
        "GRUTUI_STATE_DIR": str(tmp_path / "state"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }


@pytest.fixture
def session(tmp_path: Path, tmux_env: dict[str, str]) -> Iterator[Callable[[str], Tmux]]:
    started: list[Tmux] = []

    def start(arguments: str) -> Tmux:
        tmux = Tmux(" ".join(_grutui()) + " " + arguments, tmux_env, tmp_path)
        started.append(tmux)
        return tmux

    yield start
    for tmux in started:
        tmux.kill()


def _row(screen: str, label: str) -> str:
    return next(line for line in screen.splitlines() if f" {label} " in line)


def test_grutui_in_tmux_edits_shows_help_and_quits(session: Callable[[str], Tmux]) -> None:
    tmux = session("")
    screen = tmux.wait_for(
        lambda s: all(t in s for t in ("THD", "Wf", "Transfer curve")) and "DSP kernels" not in s,
        "the first analysis",
    )
    assert max(len(line) for line in screen.splitlines()) == 120  # the wide layout
    assert "demo │ 48 kHz · 2 ch · 4.00 s" in screen
    assert "0.5" in _row(screen, "Wf")
    tmux.keys("Right", "Right", "Right")
    screen = tmux.wait_for(lambda s: "0.8" in _row(s, "Wf"), "Wf to reach 0.8")
    assert "default*" in screen.replace(" *", "*")
    tmux.keys("v")
    tmux.wait_for(lambda s: "Harmonics" in s and "H10" in s, "the harmonics view")
    tmux.keys("j", "S-Right")
    tmux.wait_for(lambda s: "1.50" in _row(s, "Wh"), "Wh to reach 1.50")
    tmux.keys("u")
    tmux.wait_for(lambda s: "1.00" in _row(s, "Wh"), "undo of Wh")
    tmux.keys("?")
    tmux.wait_for(lambda s: "Reset all parameters" in s, "the help screen")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Reset all parameters" not in s and "THD" in s, "help to close")
    tmux.keys("C-q")
    tmux.wait_for(lambda s: "Quit anyway?" in s, "the quit prompt")
    tmux.keys("y")
    tmux.wait_for(lambda s: "EXITED 0" in s, "grutui to exit with status 0")


def test_any_terminal_size_keeps_the_app_responsive(session: Callable[[str], Tmux]) -> None:
    """Shrink the real app to 40x24, 20x10 and 1x1 and grow it back: below the smallest size
    one line says so, nothing spins, the full screen comes back, keys and ctrl+q work."""
    tmux = session("")
    tmux.wait_for(lambda s: "THD" in s and "Wf" in s, "the first analysis")
    for width, height in ((40, 24), (20, 10), (1, 1)):
        tmux.resize(width, height)
        screen = tmux.wait_for(
            lambda s, w=width: w < 2 or "Too small" in s, f"the {width}x{height} notice"
        )
        lines = [line for line in screen.splitlines() if line.strip()]
        assert len(lines) <= 1, screen  # one line, not a garbled layout
        time.sleep(1.0)  # what the resize set going (a last drawing) ends
        before = tmux.cpu_seconds()
        time.sleep(3.0)
        assert tmux.cpu_seconds() - before <= 1.5  # idle, not spinning at 100 % (3 s)
    tmux.keys("Right")  # keys still work while it is too small to show them
    tmux.resize(120, 40)
    screen = tmux.wait_for(
        lambda s: "THD" in s and "Parameters" in s and "0.60" in _row(s, "Wf"), "the full screen"
    )
    assert max(len(line) for line in screen.splitlines()) == 120
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "escape: keep the old value" in s, "the value dialog")
    tmux.keys("C-u")
    tmux.wait_for(lambda s: "▊  0.60" not in s, "the field cleared")
    tmux.keys("2.5")
    tmux.wait_for(lambda s: "▊  2.5 " in s, "2.5 typed")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "2.50" in _row(s, "Wf"), "Wf to be 2.50")
    tmux.keys("C-q")
    tmux.wait_for(lambda s: "Quit anyway?" in s, "the quit prompt")
    tmux.keys("y")
    tmux.wait_for(lambda s: "EXITED 0" in s, "grutui to exit with status 0")


def test_after_a_crash_the_next_start_offers_the_session_back(
    session: Callable[[str], Tmux], tmp_path: Path
) -> None:
    write_sound(tmp_path / "take.wav", seconds=1.0)
    first = session("take.wav")
    first.wait_for(lambda s: "THD" in s, "the first analysis")
    first.keys("Right", "Right", "b", "Left")  # A: Wf 0.70, B: Wf 0.40
    first.wait_for(lambda s: "0.40" in _row(s, "Wf"), "Wf of slot B")
    time.sleep(1.5)  # the session is saved half a second after changes pause
    first.kill_grutui()
    first.wait_for(lambda s: "EXITED 137" in s, "the killed workstation")
    second = session("")  # on the demo sound
    second.wait_for(lambda s: "did not quit cleanly" in s and "take.wav" in s, "the offer")
    second.keys("y")
    screen = second.wait_for(lambda s: "│ take.wav │" in s, "the file to open again")
    assert "0.40" in _row(screen, "Wf") and "slot  B" in screen
    second.keys("a")
    second.wait_for(lambda s: "0.70" in _row(s, "Wf"), "slot A as it was")
    second.keys("u")  # the two quick presses were one step
    second.wait_for(lambda s: "0.50" in _row(s, "Wf"), "its undo history")


def test_file_with_a_user_preset_live_writes_every_change_to_it(
    session: Callable[[str], Tmux], tmp_path: Path, tmux_env: dict[str, str]
) -> None:
    """``grutui take.wav --preset mine --live``: the file with that preset, each change saved."""
    write_sound(tmp_path / "take.wav", seconds=1.0)
    user = Path(tmux_env["GRUTUI_CONFIG_DIR"]) / "presets"
    user.mkdir(parents=True)
    (user / "mine.toml").write_text('name = "Mine"\n[params]\nWf = 3.0\n')
    tmux = session("take.wav --preset mine --live")
    screen = tmux.wait_for(lambda s: "THD" in s and "│ take.wav │" in s, "the file")
    assert "Mine" in screen and "3.00" in _row(screen, "Wf")
    tmux.keys("Right")
    tmux.wait_for(lambda s: "3.10" in _row(s, "Wf"), "Wf 3.10")
    deadline = time.monotonic() + 10
    while "Wf = 3.1" not in (user / "mine.toml").read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Wf = 3.1" in (user / "mine.toml").read_text()
    tmux.keys("C-q")  # saved as it goes: no question
    tmux.wait_for(lambda s: "EXITED 0" in s, "grutui to exit")


def test_grutui_opens_a_file_given_on_the_command_line(
    session: Callable[[str], Tmux], tmp_path: Path
) -> None:
    write_sound(tmp_path / "take.wav", seconds=2.0, rate_hz=44100, channels=1)
    tmux = session("take.wav")
    screen = tmux.wait_for(lambda s: "THD" in s, "the first analysis")
    assert "│ take.wav │" in screen and "0:00.0/0:02.0" in screen
    tmux.keys("space")  # no audio device in a test terminal: it says so, nothing breaks
    tmux.keys("C-q")
    tmux.wait_for(lambda s: "EXITED 0" in s, "grutui to exit")


def test_first_run_shows_the_screen_at_once_and_says_it_is_compiling(
    tmp_path: Path, tmux_env: dict[str, str]
) -> None:
    tmux_env["NUMBA_CACHE_DIR"] = str(tmp_path / "cold-numba-cache")  # nothing compiled yet
    tmux = Tmux(" ".join(_grutui()), tmux_env, tmp_path)
    try:
        screen = tmux.wait_for(lambda s: "DSP kernels" in s, "the loading notice", timeout_s=20)
        assert "Parameters" in screen and "THD" not in screen
        tmux.keys("Right")  # keys work while the kernels compile
        tmux.wait_for(lambda s: "0.6" in _row(s, "Wf"), "Wf to reach 0.6")
        tmux.wait_for(
            lambda s: "THD" in s and "DSP kernels" not in s, "the first analysis", timeout_s=180
        )
    finally:
        tmux.kill()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("not.wav", None, "no such file"),
        ("not.wav", "not audio at all", "not.wav"),
        ("bad.toml", "[params\nWf = ", "bad.toml"),
        ("odd.toml", "[params]\nWf = 99\n", "out of range"),
    ],
)
def test_a_bad_file_is_one_line_on_stderr_and_status_1(
    tmp_path: Path, tmux_env: dict[str, str], name: str, make: str | None, message: str
) -> None:
    if make is not None:
        (tmp_path / name).write_text(make)
    result = subprocess.run(
        [*_grutui(), name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **tmux_env},
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("grutui: ") and message in lines[0]
    assert result.stdout == ""


def test_what_a_decoder_said_while_reading_the_file_is_one_notice(
    tmp_path: Path, session: Callable[[str], Tmux]
) -> None:
    # a cut MP3 loads, but libmpg123 prints "Xing stream size off..." on fd 2 (the screen)
    noise = np.random.default_rng(4).uniform(-0.5, 0.5, (48000 * 4, 2)).astype(np.float32)
    sf.write(tmp_path / "full.mp3", noise, 48000)
    data = (tmp_path / "full.mp3").read_bytes()
    (tmp_path / "cut.mp3").write_bytes(data[: len(data) // 2])
    tmux = session("cut.mp3")
    screen = tmux.wait_for(lambda s: "an audio library reported" in s, "the decoder's notice")
    assert "Xing stream" not in screen.splitlines()[0] and "cut.mp3" in screen


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_term_and_hup_keep_the_session_and_give_the_terminal_back(
    session: Callable[[str], Tmux], tmp_path: Path, signum: int
) -> None:
    write_sound(tmp_path / "take.wav", seconds=1.0)
    first = session("take.wav")
    first.wait_for(lambda s: "THD" in s, "the first analysis")
    first.keys("Right", "Right")
    first.wait_for(lambda s: "0.70" in _row(s, "Wf"), "Wf to reach 0.70")
    first.kill_grutui(signum)  # at once: the save still pending must be written on the way out
    screen = first.wait_for(lambda s: f"EXITED {128 + signum}" in s, "the workstation to end")
    assert "THD" not in screen and "Traceback" not in screen  # off the alternate screen
    modes = first.terminal_modes().split()
    assert {"icanon", "echo", "isig", "icrnl", "opost"} <= set(modes), modes  # cooked again
    second = session("")
    second.wait_for(lambda s: "did not quit cleanly" in s and "take.wav" in s, "the offer")
    second.keys("y")
    screen = second.wait_for(lambda s: "│ take.wav │" in s, "the file to open again")
    assert "0.70" in _row(screen, "Wf")
