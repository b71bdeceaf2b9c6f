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
    position_s: float = 0.0  # the material views' place in the sound
    window_s: float = 0.0  # and their window (this view's)
    rate_hz: float = 48000.0  # the loaded sound's rate


def duration_words(seconds: float) -> str:
    """``0.02`` as "20 ms", ``1.5`` as "1.5 s"."""
    return f"{seconds * 1000:g} ms" if seconds < 1 else f"{seconds:g} s"


def clock_words(seconds: float) -> str:
    """``75.25`` as "1:15.25"."""
    minutes, rest = divmod(max(seconds, 0.0), 60.0)
    return f"{int(minutes)}:{rest:05.2f}"


class PlotView(Widget):
    """One view: shows ready-made lines (Textual's line API: no conversion on the UI thread).

    A subclass names itself (``NAME``, the key in requests), says what its title starts with
    (``TITLE``) and gives the factory of the ``Drawer`` that draws it in the analysis thread.
    Records which result was painted, for the latency benchmark and the tests: ``shown_seq``
    and ``painted_seq`` count whole drawings only, ``preview_painted_seq`` the rough ones
    (the level sweep's coarse stages) too.
    """

    DEFAULT_CSS = """
    PlotView { width: 1fr; height: 1fr; }
    """

    NAME: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    CHEAP: ClassVar[bool] = True  # drawn in milliseconds: drawn ahead, no "computing" notice
    KEYS: ClassVar[str] = ""  # the keys that change it besides the parameters, for its subtitle
    ANALYTIC: ClassVar[bool] = False  # draws the test sine at the level +/- sets
    MATERIAL: ClassVar[bool] = False  # draws the loaded sound around the play position
    WINDOWS: ClassVar[tuple[float, ...]] = ()  # the window lengths z/Z step through, seconds
    WINDOW_S: ClassVar[float] = 0.0  # the window it starts with
    drawer: ClassVar[Callable[[], Drawer]]

    def heading(self, state: ViewState) -> str:
        """The title for ``state`` (the drawing's caption is added after it)."""
        if self.ANALYTIC:
            return f"{self.TITLE} · in {level_words(state)}"
        if self.MATERIAL:
            where = clock_words(state.position_s)
            return f"{self.TITLE} · {duration_words(state.window_s)} at {where}"
        return self.TITLE

    def __init__(self, *, id: str | None = None, placeholder: str = "computing…") -> None:
        super().__init__(id=id)
        self._lines: list[Strip] = to_strips(Text(placeholder, style="italic"), 20)
        self._styled: dict[int, Strip] = {}  # lines with the widget's style, until they change
        self._style: Style | None = None  # the widget's rich style, computed once per paint
        self.shown_seq = 0  # the newest whole drawing held
        self.painted_seq = 0  # the newest whole drawing a paint has drawn (tests, benchmark)
        self._preview_seq = 0  # the request whose preview is held (0: a whole drawing is)
        self.preview_painted_seq = 0  # the newest drawing, whole or preview, painted

    def show(self, lines: list[Strip], seq: int, preview: bool = False) -> None:
        """Show ``lines`` (a ``preview`` of request ``seq``: still computing); only the lines
        that differ from those shown are repainted.

        A step of one parameter moves a few rows of the curve and a bar or two: repainting
        just those keeps the compositor's work (most of the key-to-view latency) small.
        """
        old, self._lines = self._lines, lines
        if preview:
            self._preview_seq = seq
        else:
            self.shown_seq, self._preview_seq = seq, 0
        width = self.size.width
        changed = [
            y
            for y in range(max(len(old), len(lines)))
            if y >= len(old) or y >= len(lines) or old[y] != lines[y]
        ]
        if not changed:  # the same picture: it is on screen already
            self._painted()
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

    def _painted(self) -> None:
        if self._preview_seq:
            self.preview_painted_seq = max(self.preview_painted_seq, self._preview_seq)
        else:
            self.painted_seq = self.shown_seq
            self.preview_painted_seq = max(self.preview_painted_seq, self.shown_seq)

    def render_line(self, y: int) -> Strip:
        self._painted()
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


def level_words(state: ViewState) -> str:
    """The analytic views' test level as their titles say it: "-3.0 dBFS (peak)"."""
    return f"{state.level_dbfs:+.1f} dBFS" + (" (peak)" if state.level_follows else "")
