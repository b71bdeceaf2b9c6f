"""The transfer-curve view: paints plot lines built by the analysis thread."""

from __future__ import annotations

import time

from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from grutui.ui.plots import to_strips


class PlotView(Widget):
    """Shows ready-made lines (Textual's line API: no conversion on the UI thread).

    Records when a result was first painted, for the latency benchmark and the tests.
    """

    DEFAULT_CSS = """
    PlotView { width: 1fr; height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, placeholder: str = "computing…") -> None:
        super().__init__(id=id)
        self._lines: list[Strip] = to_strips(Text(placeholder, style="italic"), 20)
        self._styled: dict[int, Strip] = {}  # lines with the widget's style, until next show
        self.shown_seq = 0
        self.painted_seq = 0
        self.painted_at = 0.0

    def show(self, lines: list[Strip], seq: int) -> None:
        self._lines = lines
        self._styled = {}
        self.shown_seq = seq
        self.refresh()

    @property
    def plot_size(self) -> tuple[int, int]:
        return self.size.width, self.size.height

    @property
    def plain(self) -> str:
        """The text shown, without styles (for tests)."""
        return "\n".join(strip.text for strip in self._lines)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styled = {}  # the theme or the CSS changed: restyle on the next paint

    def render_line(self, y: int) -> Strip:
        if self.painted_seq != self.shown_seq:
            self.painted_seq = self.shown_seq
            self.painted_at = time.perf_counter()
        styled = self._styled.get(y)
        if styled is None:
            # The widget's style under the plot's own colours: background, default text colour.
            # rich_style is costly to compute, so each line is styled once per result.
            style, width = self.rich_style, self.size.width
            line = self._lines[y] if y < len(self._lines) else Strip.blank(width)
            styled = line.apply_style(style).adjust_cell_length(width, style)
            self._styled[y] = styled
        return styled


class CurveView(PlotView):
    """Output against input over one steady-state period; the dry diagonal in grey."""
