"""Every use of a private part of Textual, in one place.

The workstation relies on two things Textual does not offer publicly:

- **Painting at once** (``paint_now``): a screen repaints its dirty widgets on a 60 Hz timer;
  the views are what a key press is judged by, and waiting for the tick added 0-16.7 ms to the
  key-to-view latency. ``Screen._dirty_widgets`` and ``Screen._on_timer_update`` run that
  update now.
- **The terminal on another file** (``textual_output``): Textual's Linux driver writes to
  ``sys.__stderr__`` as it is when the driver is made. PortAudio and ALSA print on fd 2 from C,
  so the app gives Textual its own copy of the terminal and sends fd 2 to a log.

``tests/ui/test_textual_internals.py`` checks each behaviour, so a Textual release that changes
one fails there, not in a user's terminal. Should one go missing at run time the app still
works: the views then paint at the next tick.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from textual.screen import Screen
from textual.widget import Widget

_DIRTY = "_dirty_widgets"  # instance attribute: set[Widget] repainted by the next update
_UPDATE = "_on_timer_update"  # the screen's update, normally run by its 60 Hz timer


def _can_paint_now(screen: Screen[Any]) -> bool:
    return isinstance(getattr(screen, _DIRTY, None), set) and callable(
        getattr(screen, _UPDATE, None)
    )


def paint_now(screen: Screen[Any], widgets: Iterable[Widget]) -> bool:
    """Paint ``widgets`` (already refreshed) now instead of at ``screen``'s next tick.

    Returns False when this Textual cannot: the widgets then paint at the next tick.
    """
    if not _can_paint_now(screen):
        return False
    getattr(screen, _DIRTY).update(widgets)
    getattr(screen, _UPDATE)()
    return True


@contextlib.contextmanager
def textual_output(terminal: TextIO) -> Iterator[None]:
    """Have Textual apps started inside this block draw on ``terminal`` instead of fd 2."""
    saved = sys.__stderr__
    sys.__stderr__ = terminal  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        sys.__stderr__ = saved  # type: ignore[misc]
