"""Undo/redo rules and the demo sound, without a screen."""

from __future__ import annotations

import time

import numpy as np

from grutui.demo import RATE_HZ, demo_sound
from grutui.params import Params
from grutui.ui.history import History
from grutui.ui.session import Session


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_run_of_changes_with_one_key_is_one_step() -> None:
    clock = _Clock()
    history = History[int](clock=clock)
    for value in range(1, 11):
        history.record(value - 1, value, key="Wf")
        clock.now += 0.03
    assert history.undo() == 0
    assert not history.can_undo
    assert history.redo() == 10


def test_a_pause_or_another_key_starts_a_new_step() -> None:
    clock = _Clock()
    history = History[int](clock=clock)
    history.record(0, 1, key="Wf")
    clock.now += 5.0
    history.record(1, 2, key="Wf")
    history.record(2, 3, key="Wh")
    assert [history.undo(), history.undo(), history.undo()] == [2, 1, 0]


def test_a_new_change_clears_redo_and_no_change_is_no_step() -> None:
    history = History[int]()
    history.record(0, 1)
    history.record(1, 1)
    assert history.undo() == 0
    history.record(0, 5)
    assert not history.can_redo
    assert history.undo() == 0 and history.undo() is None


def test_session_modified_mark_follows_the_saved_state() -> None:
    session = Session()
    assert not session.modified
    session.set(Params(Wf=2.0), key=("step", "Wf"))
    assert session.modified and session.any_modified
    session.switch("B")
    assert not session.modified and session.any_modified
    session.copy_to_other()  # B to A
    assert session.slots["A"] == Params()
    assert session.switch("A") and not session.any_modified


def test_demo_sound_is_stereo_deterministic_and_quick() -> None:
    demo_sound()  # warm numpy up
    started = time.perf_counter()
    first = demo_sound()
    elapsed = time.perf_counter() - started
    assert first.dtype == np.float32 and first.shape == (4 * RATE_HZ, 2)
    assert np.array_equal(first, demo_sound())
    assert 0.5 < float(np.max(np.abs(first))) <= 1.0
    assert elapsed < 0.5  # about 60 ms here; generous for a loaded CI machine
