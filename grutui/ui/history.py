"""Undo and redo of parameter changes, with a held key coalesced into one step."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Longer than a key-repeat delay (X11 defaults to 660 ms), so a held arrow key is one step.
COALESCE_S = 1.0


@dataclass
class _Step(Generic[T]):
    before: T
    after: T
    key: Hashable | None
    time_s: float


class History(Generic[T]):
    """A bounded undo/redo stack of (before, after) values."""

    def __init__(
        self,
        limit: int = 500,
        coalesce_s: float = COALESCE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._undo: list[_Step[T]] = []
        self._redo: list[_Step[T]] = []
        self._limit = limit
        self._coalesce_s = coalesce_s
        self._clock = clock

    def record(self, before: T, after: T, key: Hashable | None = None) -> None:
        """Remember a change; one with the same ``key`` as the last, soon after it, merges."""
        if before == after:
            return
        now = self._clock()
        self._redo.clear()
        last = self._undo[-1] if self._undo else None
        if (
            last is not None
            and key is not None
            and last.key == key
            and now - last.time_s <= self._coalesce_s
        ):
            last.after, last.time_s = after, now
            if last.before == last.after:  # stepped back to where the run started
                self._undo.pop()
            return
        self._undo.append(_Step(before, after, key, now))
        del self._undo[: -self._limit]

    def seal(self) -> None:
        """Stop the next change from merging into the last step."""
        if self._undo:
            self._undo[-1].key = None

    def undo(self) -> T | None:
        """The value before the last step (None if there is nothing to undo)."""
        if not self._undo:
            return None
        step = self._undo.pop()
        self._redo.append(step)
        return step.before

    def redo(self) -> T | None:
        """The value after the last undone step (None if there is nothing to redo)."""
        if not self._redo:
            return None
        step = self._redo.pop()
        step.key = None
        self._undo.append(step)
        return step.after

    def steps(self) -> tuple[list[tuple[T, T]], list[tuple[T, T]]]:
        """The (before, after) pairs that undo and redo would walk, oldest first."""
        return [(s.before, s.after) for s in self._undo], [(s.before, s.after) for s in self._redo]

    def load(self, undo: list[tuple[T, T]], redo: list[tuple[T, T]]) -> None:
        """Replace both stacks with ``steps()``' pairs (none of them merges with a next change)."""
        now = self._clock()
        self._undo = [_Step(b, a, None, now) for b, a in undo[-self._limit :]]
        self._redo = [_Step(b, a, None, now) for b, a in redo[-self._limit :]]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)
