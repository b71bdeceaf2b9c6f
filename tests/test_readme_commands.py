"""Every ``grutui`` command the README shows works as written: run from the tour's code block
and the inline examples, in a folder holding the files they name (take.wav, my.toml...).

The workstation runs in a real terminal (tmux) and is quit with ctrl+q; ``play`` and
``monitor`` run against a private PulseAudio server and are stopped with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, grutui_env, write_tone

pytestmark = pytest.mark.slow
COMMANDS = ("render", "analyze", "presets", "devices", "play", "monitor")


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    tour = re.search(r"## A short tour\n+```sh\n(.*?)```", text, re.S).group(1)
    found = [line.split("  #")[0].strip() for line in tour.splitlines()]
    for span in re.findall(r"`(grutui [^`]*)`", text):
        placeholder = re.search(r"\[|\||\.\.\.|\b[A-Z]{2,}\b", span)
        if not placeholder and span.split()[1:] not in ([c] for c in COMMANDS):
            found.append(span)  # a whole example, not a synopsis or a bare command name
    return list(dict.fromkeys(c for c in found if c.startswith("grutui")))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the files the README's commands name."""
    here = tmp_path_factory.mktemp("readme")
    write_tone(here / "take.wav", seconds=2.0)
    write_tone(here / "other.wav", seconds=0.5, channels=1)
    for name in ("my.toml", "mine.toml"):
        text = (REPO / "presets" / "fuzz-wall.toml").read_text()
        (here / name).write_text(text.replace('name = "Fuzz Wall"', f'name = "{name[:-5]}"'))
    (here / "presets").symlink_to(REPO / "presets")
    return here


def _shell(command: str, folder: Path, **popen: object) -> subprocess.Popen[str]:
    """``command`` as a user types it (globs and quotes by bash), this checkout's grutui."""
    line = command.replace("grutui", "python -m grutui", 1)
    return subprocess.Popen(
        ["bash", "-c", line], cwd=folder, text=True, env=popen.pop("env", grutui_env()), **popen
    )


def kind(command: str) -> str:
    words = command.split()
    return words[1] if len(words) > 1 and words[1] in COMMANDS else "workstation"


ALL = readme_commands()


def test_the_readme_shows_the_commands_this_test_runs():
    assert len(ALL) >= 15
    assert {kind(c) for c in ALL} == {*COMMANDS, "workstation"}
    assert 'grutui take.wav --preset "Odd Harmonics"' in ALL


@pytest.mark.parametrize(
    "command", [c for c in ALL if kind(c) not in ("workstation", "play", "monitor")]
)
def test_a_command_line_command(folder, command):
    proc = _shell(command, folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert out.strip() and "Traceback" not in err


@pytest.fixture(scope="module")
def audio_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    from tests.audio.audio_helpers import private_server

    with private_server(tmp_path_factory.mktemp("pulse")) as server:
        yield grutui_env(**server.client_env)


@pytest.mark.parametrize("command", [c for c in ALL if kind(c) in ("play", "monitor")])
def test_an_audio_command_plays_until_ctrl_c(folder, audio_env, command):
    proc = _shell(
        command,
        folder,
        env=audio_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # "device: ...", "latency ...", then "watching my.toml" with --watch
        if line.startswith("watching") or ("--watch" not in command and "latency" in line):
            break
    else:
        pytest.fail(f"no start: {proc.stderr.read() if proc.stderr else ''}")
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C, to the process group this test started
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "xruns:" in out and "Traceback" not in err


@pytest.mark.parametrize("command", [c for c in ALL if kind(c) == "workstation"])
def test_a_workstation_command_opens_and_quits(folder, command, tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    from tests.ui.test_terminal import Tmux

    line = command.replace("grutui", "python -m grutui", 1)
    env = {k: grutui_env()[k] for k in ("PYTHONPATH", "PATH")} | {
        "GRUTUI_CONFIG_DIR": str(tmp_path / "config"),
        "GRUTUI_STATE_DIR": str(tmp_path / "state"),
        "TERM": "xterm-256color",
    }
    tmux = Tmux(line.replace('"', '\\"').join(['bash -c "', '"']), env, folder)
    try:
        screen = tmux.wait_for(lambda s: "THD" in s and "Wf" in s, f"{command} to open")
        if "--preset" in command:
            assert command.split('--preset "')[1].rstrip('"') in screen
        tmux.keys("C-q")
        tmux.wait_for(lambda s: "EXITED 0" in s or "Quit anyway?" in s, "quit or its prompt")
        if "EXITED 0" not in tmux.screen():
            tmux.keys("y")
        tmux.wait_for(lambda s: "EXITED 0" in s, "grutui to exit with status 0")
    finally:
        tmux.kill()
