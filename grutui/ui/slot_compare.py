"""What differs between slots A and B, so a comparison says what is being compared."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from grutui.params import SPECS, Params


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
            table = Table(box=None, padding=(0, 1), show_edge=False)
            table.add_column("differs", no_wrap=True)
            for slot in ("A", "B"):
                table.add_column(
                    slot,
                    justify="right",
                    no_wrap=True,
                    header_style="bold reverse" if slot == active else "bold",
                )
            for spec in differing:
                table.add_row(
                    spec.label,
                    spec.format(getattr(a, spec.name)),
                    spec.format(getattr(b, spec.name)),
                )
            self._renderable = table
        self.refresh()

    def render(self) -> RenderableType:
        return self._renderable
