"""The transfer-curve view: paints plot lines built by the analysis thread."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from grutui.ui.plots import to_strips


class PlotView(Widget):
    """Shows ready-made lines (Textual's line API: no conversion on the UI thread).

    Records which result was painted, for the latency benchmark and the tests.
    """

    DEFAULT_CSS = """
    PlotView { width: 1fr; height: 1fr; }
    """

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


class CurveView(PlotView):
    """Output against input over one steady-state period; the dry diagonal in grey."""
