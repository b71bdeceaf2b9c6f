"""The layers stay apart: the headless core never pulls in the UI or the audio system, importing
grutui changes nothing process-wide, and the package's import graph has no cycle."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.import_graph import cycles, import_graph

HEADLESS = [
    "grutui",
    "grutui.api",
    "grutui.params",
    "grutui.dsp",
    "grutui.analysis",
    "grutui.preset_store",
    "grutui.render",
    "grutui.cli",
]


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_modules_import_no_ui_and_no_audio_system(module):
    code = (
        f"import sys, {module}; "
        "print(' '.join(m for m in ('textual', 'textual_plotext', 'plotext', 'sounddevice',"
        " 'scipy.signal') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []


def test_using_grutui_changes_no_process_wide_state():
    code = """
import gc, signal, sys, warnings
import numba
before = (numba.config.CACHE_DIR, sys.getswitchinterval(), gc.get_freeze_count(),
          gc.isenabled(), list(warnings.filters), signal.getsignal(signal.SIGINT),
          signal.getsignal(signal.SIGTERM), sys.getrecursionlimit())
import numpy as np, grutui
grutui.process(np.zeros(1000), 48000)
grutui.analyze()
grutui.presets()
after = (numba.config.CACHE_DIR, sys.getswitchinterval(), gc.get_freeze_count(),
         gc.isenabled(), list(warnings.filters), signal.getsignal(signal.SIGINT),
         signal.getsignal(signal.SIGTERM), sys.getrecursionlimit())
assert before == after, (before, after)
assert not {"textual", "sounddevice"} & set(sys.modules)
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


def test_the_import_graph_has_no_cycles():
    graph = import_graph()
    assert {"grutui.cli", "grutui.audio_cli", "grutui.commands.common"} <= set(graph)
    assert "grutui.cli" not in graph["grutui.audio_cli"]  # the cycle issue 11 names
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
