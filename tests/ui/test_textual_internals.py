"""What ``grutui.ui.textual_internals`` relies on in Textual: fails when a release changes it."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widget import Widget

from grutui.ui.textual_internals import paint_now

REPO = Path(__file__).resolve().parents[2]


class _Counter(Widget):
    """Counts its paints."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def render_line(self, y: int) -> Strip:
        self.paints += 1
        return Strip([Segment(f"paint {self.paints}")])


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield _Counter()


async def test_paint_now_paints_before_the_next_tick() -> None:
    app = _Host()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        widget = app.query_one(_Counter)
        before = widget.paints
        widget.refresh()
        assert widget.paints == before  # a refresh alone waits for the screen's update
        assert paint_now(app.screen, [widget])
        assert widget.paints > before  # painted in the call, not at the next tick


# Run in a pseudo-terminal with fd 2 sent to a file, as ``grutui.ui.app.run`` does while audio
# libraries may print there: Textual must draw on the terminal it is given, not on fd 2.
_CHILD = """
import os, sys
from textual.app import App
from grutui.ui.textual_internals import textual_output

class Quits(App[None]):
    def on_mount(self) -> None:
        self.set_timer(0.3, self.exit)

terminal = os.fdopen(os.dup(2), "w")
with open(sys.argv[1], "w") as log:
    os.dup2(log.fileno(), 2)
    with textual_output(terminal):
        Quits().run()
"""


def test_textual_draws_on_the_terminal_it_is_given(tmp_path: Path) -> None:
    log = tmp_path / "fd2.log"
    pid, fd = pty.fork()
    if pid == 0:  # the child: a Textual app on the pseudo-terminal
        os.environ["PYTHONPATH"] = str(REPO)
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-c", _CHILD, str(log)])
    seen = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child has gone
                break
            if not chunk:
                break
            seen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"\x1b[?1049h" in seen  # Textual's alternate screen, on the terminal given
    assert b"\x1b[?1049h" not in log.read_bytes()  # nothing of the screen went to fd 2


def test_no_textual_internals_outside_the_adapter() -> None:
    """The private names the adapter wraps appear nowhere else in grutui."""
    found = subprocess.run(
        ["grep", "-rlE", r"_dirty_widgets|_on_timer_update|_set_size|sys\.__stderr__ =", "grutui"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert found == ["grutui/ui/textual_internals.py"]
