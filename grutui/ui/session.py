"""What is being edited: slots A and B, their undo histories and the preset they came from.

Pure Python (no Textual), so the rules for undo, A/B and the "modified" mark are easy to test.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path

from grutui.params import SPECS, Params
from grutui.preset_store import Preset
from grutui.ui.explore import morph, randomize
from grutui.ui.history import History

SLOTS = ("A", "B")
HISTORY_KEPT = 100  # undo steps per slot a snapshot keeps (a crash costs at most older ones)

Steps = list[tuple[Params, Params]]


@dataclass(frozen=True)
class Morph:
    """A morph in progress: its two ends, how far along it is (0..1) and what it set."""

    a: Params
    b: Params
    fraction: float
    result: Params


@dataclass
class Session:
    """Two parameter slots for comparison, one active; the preset the settings came from."""

    slots: dict[str, Params] = field(default_factory=lambda: {s: Params() for s in SLOTS})
    active: str = "A"
    histories: dict[str, History[Params]] = field(
        default_factory=lambda: {s: History[Params]() for s in SLOTS}
    )
    saved: Params = field(default_factory=Params)  # what was last loaded or saved
    preset_name: str = "default"
    preset_description: str = ""
    preset_path: Path | None = None
    preset_factory: bool = False
    morphing: Morph | None = field(default=None, repr=False)
    # Called after every change (the app saves the session for crash recovery).
    on_change: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_preset(cls, preset: Preset | None) -> Session:
        session = cls()
        if preset is not None:
            session.slots = {s: preset.params for s in SLOTS}
            session.mark_saved(preset)
        return session

    @property
    def params(self) -> Params:
        """The active slot's parameters."""
        return self.slots[self.active]

    @property
    def other(self) -> str:
        return "B" if self.active == "A" else "A"

    @property
    def modified(self) -> bool:
        """True if the active slot differs from what was last loaded or saved."""
        return self.params != self.saved

    @property
    def any_modified(self) -> bool:
        """True if either slot differs from what was last loaded or saved."""
        return any(p != self.saved for p in self.slots.values())

    def set(self, params: Params, key: Hashable | None = None) -> bool:
        """Change the active slot, recording an undo step; False if nothing changed."""
        before = self.params
        if params == before:
            return False
        self.histories[self.active].record(before, params, key)
        self.slots[self.active] = params
        self.changed()
        return True

    def preview(self, params: Params) -> None:
        """Change the active slot without an undo step (preset browsing)."""
        self.slots[self.active] = params
        self.changed()

    def undo(self) -> bool:
        value = self.histories[self.active].undo()
        if value is None:
            return False
        self.slots[self.active] = value
        self.changed()
        return True

    def redo(self) -> bool:
        value = self.histories[self.active].redo()
        if value is None:
            return False
        self.slots[self.active] = value
        self.changed()
        return True

    def switch(self, slot: str) -> bool:
        """Make ``slot`` active; False if it already was."""
        if slot not in SLOTS or slot == self.active:
            return False
        self.histories[self.active].seal()
        self.active = slot
        self.changed()
        return True

    def copy_to_other(self) -> bool:
        """Copy the active slot into the other one (an undoable step of the other slot)."""
        target = self.other
        before = self.slots[target]
        if before == self.params:
            return False
        self.histories[target].record(before, self.params)
        self.slots[target] = self.params
        self.changed()
        return True

    def reset(self, name: str | None = None) -> bool:
        """Reset one parameter (or all, with ``name`` None) to the table's default."""
        if name is None:
            return self.set(Params())
        default = next(s.default for s in SPECS if s.name == name)
        return self.set(self.params.replace(**{name: default}))

    def load(self, preset: Preset) -> bool:
        """Load a preset into the active slot (undoable) and make it the saved state."""
        changed = self.set(preset.params)
        self.histories[self.active].seal()
        self.mark_saved(preset)
        return changed

    def mark_saved(self, preset: Preset) -> None:
        self.saved = preset.params
        self.preset_name = preset.name
        self.preset_description = preset.description
        self.preset_path = preset.path
        self.preset_factory = preset.factory
        self.changed()

    def changed(self) -> None:
        """Tell ``on_change`` (after any change, including one made from outside)."""
        if self.on_change is not None:
            self.on_change()

    def snapshot(self) -> SessionState:
        """What a crash must not lose, as immutable values (cheap: no copies of ``Params``)."""
        history = {}
        for slot in SLOTS:
            undo, redo = self.histories[slot].steps()
            history[slot] = (undo[-HISTORY_KEPT:], redo[-HISTORY_KEPT:])
        return SessionState(
            dict(self.slots),
            self.active,
            history,
            Preset(
                self.preset_name,
                self.preset_description,
                self.saved,
                self.preset_path,
                self.preset_factory,
            ),
        )

    def restore(self, state: SessionState) -> None:
        """Take on ``state`` (a snapshot read back after a crash) in place."""
        self.slots = dict(state.slots)
        self.active = state.active
        for slot, (undo, redo) in state.history.items():
            self.histories[slot].load(undo, redo)
        self.morphing = None
        self.mark_saved(state.preset)

    def randomize(self, rng: random.Random) -> bool:
        """New GRU settings in the active slot from their useful ranges (one undo step)."""
        return self.set(randomize(self.params, rng))

    @property
    def morph_fraction(self) -> float | None:
        """How far the active slot is along the morph from A to B (0..1), or None when it was
        not set by the morph or anything changed since."""
        m = self.morphing
        if m is None or self.params != m.result:
            return None
        if self.slots[self.other] != (m.b if self.active == "A" else m.a):
            return None
        return m.fraction

    def morph_by(self, delta: float) -> bool:
        """Move the active slot ``delta`` (a fraction, negative towards A) along the morph
        between the slots; False if A and B are the same or the morph is at its end.

        A morph starts from the slots as they are (at 0 from slot A, at 1 from slot B) and
        keeps its two ends while only the morph changes the active slot; any other change ends
        it. A run of quick presses is one undo step.
        """
        fraction = self.morph_fraction
        if fraction is None or self.morphing is None:
            a, b = self.slots["A"], self.slots["B"]
            fraction = 0.0 if self.active == "A" else 1.0
        else:
            a, b = self.morphing.a, self.morphing.b
        target = min(max(round(fraction + delta, 6), 0.0), 1.0)
        if a == b or target == fraction:
            return False
        result = morph(a, b, target)
        self.morphing = Morph(a, b, target, result)
        self.set(result, key=("morph", self.active))
        return True


@dataclass(frozen=True)
class SessionState:
    """A snapshot of a ``Session``: the slots, which is active, each slot's undo and redo
    steps, and the preset last loaded or saved (``preset.params`` is what was saved)."""

    slots: dict[str, Params]
    active: str
    history: dict[str, tuple[Steps, Steps]]
    preset: Preset
