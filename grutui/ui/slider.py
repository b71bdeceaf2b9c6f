"""A one-line float slider for one parameter: label, bar with the default marked, value.

Textual has no float slider, so this is a small one. Mouse clicks and drags post ``Changed``;
its ``can_replace`` coalesces a flood of drag events into the newest value.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from grutui.params import ParamSpec

LABEL_W = 14
VALUE_W = 10


class ParamSlider(Widget):
    """Shows one parameter; click to select, click or drag on the bar to set."""

    DEFAULT_CSS = """
    ParamSlider { height: 1; width: 1fr; }
    ParamSlider.-selected { background: $accent 30%; text-style: bold; }
    """

    value: reactive[float | int | bool] = reactive(0.0, layout=False)
    selected: reactive[bool] = reactive(False)

    class Changed(Message):
        """The user set a new value with the mouse."""

        def __init__(self, slider: ParamSlider, value: float | int | bool) -> None:
            super().__init__()
            self.slider = slider
            self.value = value

        @property
        def control(self) -> ParamSlider:
            return self.slider

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ParamSlider.Changed) and message.slider is self.slider

    class Selected(Message):
        """The user clicked this slider."""

        def __init__(self, slider: ParamSlider) -> None:
            super().__init__()
            self.slider = slider

    def __init__(
        self,
        spec: ParamSpec,
        value: float | int | bool,
        *,
        id: str | None = None,
        compact: bool = False,
    ) -> None:
        super().__init__(id=id)
        self.spec = spec
        self.set_reactive(ParamSlider.value, value)
        self._dragging = False

    def watch_selected(self, selected: bool) -> None:
        self.set_class(selected, "-selected")

    # -- drawing ---------------------------------------------------------------------------

    def _bar_span(self) -> tuple[int, int]:
        """(start column, width) of the bar inside the widget."""
        value_w = VALUE_W if self.spec.kind == "float" else 0  # choices show their own value
        width = max(4, self.size.width - LABEL_W - value_w - 1)
        return LABEL_W, width

    def render(self) -> Text:
        spec = self.spec
        marker = "▶ " if self.selected else "  "
        text = Text(no_wrap=True, end="")
        text.append(f"{marker}{spec.label:<{LABEL_W - 2}}"[:LABEL_W])
        _, width = self._bar_span()
        if spec.kind == "choice":
            text.append(self._choices(width))
        elif spec.kind == "bool":
            text.append(self._toggle(width))
        else:
            text.append(self._bar(width))
        if spec.kind == "float":
            text.append(" ")
            text.append(f"{spec.format(self.value):>{VALUE_W}}", "bold" if self.selected else "")
        return text

    def _bar(self, width: int) -> Text:
        handle = round(self.spec.fraction(self.value) * (width - 1))
        default = round(self.spec.fraction(self.spec.default) * (width - 1))
        cells = ["━"] * handle + ["●"] + ["─"] * (width - 1 - handle)
        # The selected row has a background of its own: in 16 colours it can be the same
        # grey as an unselected track, so the track there is drawn in the text's colour.
        empty = "" if self.selected else "bright_black"
        styles = ["cyan"] * handle + ["bold"] + [empty] * (width - 1 - handle)
        if default != handle:
            cells[default], styles[default] = "┊", "yellow"
        bar = Text()
        start = 0  # one span per run of a style, not one per cell: this repaints on every key
        for i in range(1, width + 1):
            if i == width or styles[i] != styles[start]:
                bar.append("".join(cells[start:i]), styles[start])
                start = i
        return bar

    def _choices(self, width: int) -> Text:
        bar = Text()
        for choice in self.spec.choices:
            label = f"{choice:g}x"
            if float(self.value) == choice:
                bar.append(f"[{label}]", "bold reverse")
            else:
                bar.append(f" {label} ", "bright_black" if choice != self.spec.default else "")
        bar.truncate(width, pad=True)
        return bar

    def _toggle(self, width: int) -> Text:
        bar = Text()
        if self.value:
            bar.append("[ on ]", "bold reverse")
            bar.append("  off ", "bright_black")
        else:
            bar.append("  on  ", "bright_black")
            bar.append("[ off]", "bold reverse")
        bar.truncate(width, pad=True)
        return bar

    # -- mouse -----------------------------------------------------------------------------

    def _value_at(self, x: int) -> float | int | bool | None:
        start, width = self._bar_span()
        if x < start or x >= start + width:
            return None
        fraction = (x - start) / max(1, width - 1)
        spec = self.spec
        if spec.kind == "bool":  # "[ on ]" then "  off " as drawn by _toggle
            return x - start < 6
        if spec.kind == "choice":  # four cells per choice, as drawn by _choices
            slot = min((x - start) // 4, len(spec.choices) - 1)
            return int(spec.choices[slot])
        return spec.clamp_step(spec.value_at(fraction), 0)  # on the fine keys' grid

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.post_message(self.Selected(self))
        value = self._value_at(event.x)
        if value is not None:
            self._dragging = True
            self.capture_mouse()
            self.post_message(self.Changed(self, value))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging:
            start, width = self._bar_span()
            x = min(max(event.x, start), start + width - 1)
            value = self._value_at(x)
            if value is not None and value != self.value:
                self.post_message(self.Changed(self, value))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
