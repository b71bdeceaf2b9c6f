"""What differs between slots A and B, so a comparison says what is being compared."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from grutui.params import SPECS, Params, ParamSpec


class SlotCompare(Widget):
    """A small table of the parameters where A and B differ (hidden in the compact layout).

    A fixed height, so an update repaints this widget alone instead of the whole layout
    (a ``Static.update`` would re-layout the screen on every key press).
    """

    DEFAULT_CSS = f"""
    SlotCompare {{ height: {len(SPECS) + 2}; margin-top: 1; color: $text-muted; }}
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[object, ...] = ()
        self._renderable: RenderableType = Text("")

    def show(self, a: Params, b: Params, active: str) -> None:
        differing = [s for s in SPECS if getattr(a, s.name) != getattr(b, s.name)]
        key = (active, *((s.name, getattr(a, s.name), getattr(b, s.name)) for s in differing))
        if key == self._shown:
            return
        self._shown = key
        if not differing:
            self._renderable = Text(
                "Slots A and B are the same (c copies the active slot).", style="italic"
            )
        else:
            self._renderable = _table(differing, a, b, active)
        self.refresh()

    def render(self) -> RenderableType:
        return self._renderable


def _table(differing: list[ParamSpec], a: Params, b: Params, active: str) -> Text:
    """Columns "differs", A, B as plain text lines.

    A rich ``Table`` looked the same but cost 2 ms to render, and this repaints on every key.
    """
    rows = [("differs", "A", "B")] + [
        (s.label, s.format(getattr(a, s.name)), s.format(getattr(b, s.name))) for s in differing
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    text = Text(no_wrap=True, end="")
    text.append(f" {'differs':<{widths[0]}}  ", "bold")
    for slot, width in (("A", widths[1]), ("B", widths[2])):
        text.append(f"{slot:>{width}}", "bold reverse" if slot == active else "bold")
        text.append("  " if slot == "A" else " ")
    for label, value_a, value_b in rows[1:]:
        text.append(f"\n {label:<{widths[0]}}  {value_a:>{widths[1]}}  {value_b:>{widths[2]}} ")
    return text
