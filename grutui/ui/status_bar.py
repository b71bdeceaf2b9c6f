"""The status line: preset, slot, file, transport, audio state, output meter and xruns."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from rich.text import Text
from textual.widget import Widget

METER_W = 8
METER_FLOOR_DB = -48.0


@dataclass(frozen=True)
class StatusInfo:
    """Everything the status line shows; the widget repaints only when this changes."""

    preset: str = "default"
    modified: bool = False
    slot: str = "A"
    file: str = "demo"
    rate_hz: float = 48000.0
    channels: int = 2
    length_s: float = 0.0
    position_s: float = 0.0
    state: str = "stopped"  # stopped / playing / monitoring / no audio device / error
    reason: str = ""  # why there is no audio, or an error
    loop: bool = True
    bypass: bool = False
    peak_out_dbfs: float = -math.inf
    xruns: int = 0
    underruns: int = 0  # blocks of silence because a file streamed from disk came too late
    busy: str = ""  # "compiling DSP kernels…" and the like


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


def _meter(dbfs: float) -> tuple[str, str]:
    if not math.isfinite(dbfs):
        return "·" * METER_W, "  -inf"
    fill = round((min(max(dbfs, METER_FLOOR_DB), 0.0) - METER_FLOOR_DB) / -METER_FLOOR_DB * METER_W)
    return "▮" * fill + "·" * (METER_W - fill), f"{dbfs:+5.1f}"


class StatusBar(Widget):
    """One line; segments are dropped from the right when the terminal is narrow."""

    DEFAULT_CSS = """
    StatusBar { height: 1; width: 1fr; background: $panel; color: $foreground; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info = StatusInfo()

    def update(self, **changes: object) -> None:
        info = replace(self.info, **changes)  # type: ignore[arg-type]
        if info != self.info:
            self.info = info
            self.refresh()

    def render(self) -> Text:
        info = self.info
        parts: list[Text] = []
        parts.append(
            Text.assemble(
                (f" {info.preset}", "bold"), ("*" if info.modified else "", "bold yellow")
            )
        )
        parts.append(Text.assemble(("slot ", "dim"), (f" {info.slot} ", "bold reverse")))
        channels = "mono" if info.channels == 1 else f"{info.channels} ch"
        parts.append(
            Text(f"{info.file} · {info.rate_hz / 1000:g} kHz · {channels} · {info.length_s:.2f} s")
        )
        icon = {"playing": "▶", "monitoring": "●"}.get(info.state, "■")
        flags = "".join(((" · loop" if info.loop else ""), (" · BYPASS" if info.bypass else "")))
        parts.append(
            Text.assemble(
                (f"{icon} {_clock(info.position_s)}/{_clock(info.length_s)}", "bold"),
                (flags, "bold yellow" if info.bypass else "dim"),
            )
        )
        if info.state in ("playing", "monitoring"):
            bar, level = _meter(info.peak_out_dbfs)
            style = "bold red" if info.peak_out_dbfs > -0.1 else "green"
            parts.append(
                Text.assemble(
                    ("out ", "dim"),
                    (bar, style),
                    f" {level} dB",
                    (f"  xruns {info.xruns}", "red" if info.xruns else "dim"),
                    (f"  disk underruns {info.underruns}" if info.underruns else "", "red"),
                )
            )
        state = info.state if not info.reason else f"{info.state}: {info.reason}"
        parts.append(Text(state, "italic" if info.reason else "bold"))
        if info.busy:
            parts.insert(0, Text(f" {info.busy} ", "bold reverse yellow"))
        line = Text(no_wrap=True, end="", overflow="ellipsis")
        width = self.size.width or 80
        for i, part in enumerate(parts):
            sep = Text(" │ ", "dim") if i else Text("")
            if i and line.cell_len + sep.cell_len + min(part.cell_len, 12) > width:
                break
            line.append_text(sep)
            line.append_text(part)
        line.truncate(width, overflow="ellipsis")
        return line
