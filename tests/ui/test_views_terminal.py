"""Every view in a real terminal (tmux) without colour (NO_COLOR) and in 16 colours: each
series still tells apart, by its name at its line's end, its dash pattern or its shading."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from grutui.ui.views.canvas import DOTTED, dash_sample
from tests.ui.test_terminal import REPO, Tmux, _grutui

pytestmark = pytest.mark.slow
SGR = re.compile(r"\x1b\[([0-9;]*)m")
# What each view shows, whatever the colours: its words, and its keys' samples of the lines.
SEEN = {
    "Transfer curve": ["THD", "input (1 = 0 dBFS)", "output"],
    "Harmonics": ["H10", "dBFS"],
    "Level sweep": ["input, dBFS", "dB re H1", "in=out"],
    "Scope": ["\u28ff\u28ff wet (processed)", "\u2895\u2895 dry", "time, ms"],
    "Spectrum": [f"{dash_sample(None)} wet", f"{dash_sample(DOTTED)} dry", "frequency, Hz"],
    "Aliasing": ["\u28ff harmonics", "\u2847 4x aliases", "\u2805 1x aliases"],
}
SWEEP_NAMES = ("out", "in", "THD", "H2", "H3", "H4", "H5")


def _start(tmp_path: Path, **env: str) -> Tmux:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    return Tmux(
        " ".join(_grutui()),
        {
            "PYTHONPATH": str(REPO),
            "GRUTUI_CONFIG_DIR": str(tmp_path / "config"),
            "GRUTUI_STATE_DIR": str(tmp_path / "state"),
            "PATH": os.environ.get("PATH", ""),
            **env,
        },
        tmp_path,
    )


def _escapes(tmux: Tmux) -> str:
    """The screen with its colour and style codes."""
    return subprocess.run(
        [*tmux.tmux, "capture-pane", "-e", "-p", "-t", tmux.name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _colours(screen: str) -> set[str]:
    """The foreground colours the screen uses: "31".."97", "5;N" or "2;R;G;B"."""
    found = set()
    for params in SGR.findall(screen):
        codes = params.split(";")
        while codes:
            code = codes.pop(0)
            if code == "38" and codes:
                kind = codes.pop(0)
                taken = codes[:1] if kind == "5" else codes[:3]
                codes = codes[len(taken) :]
                found.add(";".join([kind, *taken]))
            elif code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
                found.add(code)
    return found


def _grey(colour: str) -> bool:
    """Black, white or a grey: no hue."""
    parts = colour.split(";")
    if parts[0] == "2":
        return len(set(parts[1:])) == 1
    if parts[0] == "5":
        n = int(parts[1])
        return (
            n in (0, 7, 8, 15)
            or n >= 232
            or (16 <= n <= 231 and len({(n - 16) // 36, (n - 16) // 6 % 6, (n - 16) % 6}) == 1)
        )
    return colour in ("30", "37", "90", "97")


@pytest.fixture
def views(tmp_path: Path) -> Iterator[tuple[Path, list[Tmux]]]:
    started: list[Tmux] = []
    yield tmp_path, started
    for tmux in started:
        tmux.kill()


def _each_view(tmux: Tmux) -> Iterator[tuple[str, str, str]]:
    """(title, plain screen, screen with escapes) of every view in turn."""
    tmux.wait_for(lambda s: "THD" in s and "Transfer curve" in s, "the first analysis")
    for title in SEEN:
        screen = tmux.wait_for(
            lambda s, t=title: f"─ {t} " in s and "computing" not in s and "every" not in s,  # type: ignore[misc]
            f"the {title} view",
        )
        yield title, screen, _escapes(tmux)
        tmux.keys("v")


def test_without_colour_every_series_tells_apart(views: tuple[Path, list[Tmux]]) -> None:
    tmp_path, started = views
    tmux = _start(tmp_path, TERM="xterm", NO_COLOR="1")
    started.append(tmux)
    for title, screen, escapes in _each_view(tmux):
        for words in SEEN[title]:
            assert words in screen, (title, words)
        assert all(_grey(colour) for colour in _colours(escapes)), (title, _colours(escapes))
        if title == "Level sweep":
            # every line named at its right end, inside the view's border
            ends = [line.rstrip().removesuffix("│").split()[-1] for line in screen.splitlines()]
            for name in SWEEP_NAMES:
                assert name in ends, name


def test_in_16_colours_thd_is_yellow_and_harmonics_even_and_odd(
    views: tuple[Path, list[Tmux]],
) -> None:
    """(Textual's theme turned plain yellow into red: THD is bright yellow, 93.)"""
    tmp_path, started = views
    tmux = _start(tmp_path, TERM="xterm")
    started.append(tmux)
    for title, screen, escapes in _each_view(tmux):
        for words in SEEN[title]:
            assert words in screen, (title, words)
        assert all(c.isdigit() for c in _colours(escapes)), title  # 16 colours only
        if title == "Level sweep":
            for name, colour in (("THD", "93"), ("H2", "35|95"), ("H3", "36|96")):
                assert re.search(rf"\x1b\[[0-9;]*\b(?:{colour})m[^\x1b]*\b{name}\b", escapes), name
