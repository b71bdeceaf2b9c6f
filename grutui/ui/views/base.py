"""What every view is: a widget that paints lines drawn by the analysis thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from grutui.ui.views.canvas import to_strips
from grutui.ui.views.worker import Drawer


@dataclass(frozen=True)
class ViewState:
    """What a view's title says besides its name: the settings the deck draws it with."""

    level_dbfs: float  # the analytic views' test sine
    level_follows: bool  # True while the level is the loaded sound's peak (no +/- pressed)


class PlotView(Widget):
    """One view: shows ready-made lines (Textual's line API: no conversion on the UI thread).

    A subclass names itself (``NAME``, the key in requests), says what its title starts with
    (``TITLE``) and gives the factory of the ``Drawer`` that draws it in the analysis thread.
    Records which result was painted, for the latency benchmark and the tests.
    """

    DEFAULT_CSS = """
    PlotView { width: 1fr; height: 1fr; }
    """

    NAME: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    CHEAP: ClassVar[bool] = True  # drawn in milliseconds: drawn ahead, no "computing" notice
    KEYS: ClassVar[str] = ""  # the keys that change it besides the parameters, for its subtitle
    ANALYTIC: ClassVar[bool] = False  # draws the test sine at the level +/- sets
    drawer: ClassVar[Callable[[], Drawer]]

    def heading(self, state: ViewState) -> str:
        """The title for ``state`` (the drawing's caption is added after it)."""
        if self.ANALYTIC:
            follows = " (peak)" if state.level_follows else ""
            return f"{self.TITLE} · in {state.level_dbfs:+.1f} dBFS{follows}"
        return self.TITLE

    def __init__(self, *, id: str | None = None, placeholder: str = "computing…") -> None:
        super().__init__(id=id)
        self._lines: list[Strip] = to_strips(Text(placeholder, style="italic"), 20)
        self._styled: dict[int, Strip] = {}  # lines with the widget's style, until they change
        self._style: Style | None = None  # the widget's rich style, computed once per paint
        self.shown_seq = 0
        self.painted_seq = 0  # the newest result a paint has drawn (tests, benchmark)

    def show(self, lines: list[Strip], seq: int) -> None:
        """Show ``lines``; only the lines that differ from those shown are repainted.

        A step of one parameter moves a few rows of the curve and a bar or two: repainting
        just those keeps the compositor's work (most of the key-to-view latency) small.
        """
        old, self._lines, self.shown_seq = self._lines, lines, seq
        width = self.size.width
        changed = [
            y
            for y in range(max(len(old), len(lines)))
            if y >= len(old) or y >= len(lines) or old[y] != lines[y]
        ]
        if not changed:  # the same picture: it is on screen already
            self.painted_seq = seq
            return
        for y in changed:
            self._styled.pop(y, None)
        self.refresh(*(Region(0, y, width, 1) for y in changed))

    @property
    def plot_size(self) -> tuple[int, int]:
        return self.size.width, self.size.height

    @property
    def plain(self) -> str:
        """The text shown, without styles (for tests)."""
        return "\n".join(strip.text for strip in self._lines)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styled, self._style = {}, None  # the theme or the CSS changed: restyle all

    def on_resize(self) -> None:
        self._styled = {}

    def render_line(self, y: int) -> Strip:
        self.painted_seq = self.shown_seq
        styled = self._styled.get(y)
        if styled is None:
            # The widget's style under the plot's own colours: background, default text colour.
            if self._style is None:
                self._style = self.rich_style  # costly: once, not per line
            style, width = self._style, self.size.width
            line = self._lines[y] if y < len(self._lines) else Strip.blank(width)
            styled = line.apply_style(style).adjust_cell_length(width, style)
            self._styled[y] = styled
        return styled
