"""The column of parameter sliders, with the selected parameter's one-line help under it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from grutui.params import GRU_NAMES, SPECS, Params
from grutui.ui.slider import ParamSlider

# The five GRU parameters first, then the chain's own (the table's order already is).
ORDER = tuple(s for s in SPECS if s.name in GRU_NAMES) + tuple(
    s for s in SPECS if s.name not in GRU_NAMES
)


class ParamPanel(Vertical, can_focus=True):
    """All parameters; ``selected`` is the index in ``ORDER``."""

    DEFAULT_CSS = """
    ParamPanel { height: auto; }
    ParamPanel > .gap { height: 1; }
    ParamPanel > #param-help { height: auto; color: $text-muted; margin-top: 1; }
    """

    selected: reactive[int] = reactive(0)

    def __init__(self, params: Params, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._params = params

    def compose(self) -> ComposeResult:
        for i, spec in enumerate(ORDER):
            if i == len(GRU_NAMES):
                yield Static(classes="gap")
            yield ParamSlider(spec, getattr(self._params, spec.name), id=f"slider-{spec.name}")
        yield Static(id="param-help")

    def on_mount(self) -> None:
        self._sliders = list(self.query(ParamSlider))  # once: show() runs on every key
        self.watch_selected(self.selected)

    @property
    def selected_name(self) -> str:
        return ORDER[self.selected].name

    def sliders(self) -> list[ParamSlider]:
        return list(self._sliders)

    def show(self, params: Params) -> None:
        """Show ``params``; only sliders whose value changed repaint."""
        self._params = params
        for slider in self._sliders:
            slider.value = getattr(params, slider.spec.name)

    def select(self, index: int) -> None:
        self.selected = index % len(ORDER)

    def select_name(self, name: str) -> None:
        self.selected = next(i for i, s in enumerate(ORDER) if s.name == name)

    def watch_selected(self, selected: int) -> None:
        if not hasattr(self, "_sliders"):
            return  # not mounted yet
        for i, slider in enumerate(self._sliders):
            slider.selected = i == selected
        spec = ORDER[selected]
        if spec.kind == "float":
            limits = f"{spec.minimum:g} to {spec.maximum:g}{(' ' + spec.unit) if spec.unit else ''}"
        else:
            limits = (
                ", ".join(f"{c:g}x" for c in spec.choices) if spec.kind == "choice" else "on/off"
            )
        self.query_one("#param-help", Static).update(
            Content(f"{spec.label}: {spec.help} ({limits}, default {spec.format(spec.default)})")
        )
