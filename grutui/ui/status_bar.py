"""The status line: preset, slot, file, transport, clips, xruns and the audio state.

One line whatever the width: when it does not fit, the least important parts go first (the
file's details, then its name, the loop flag, the slot...), so the transport, bypass, clips and
xruns stay to the last.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual.widget import Widget


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
    bypass_cut_db: float = 0.0  # how much quieter than matched the bypass plays (no clipping)
    auto_gain: bool = False
    auto_gain_db: float | None = None  # the gain auto gain puts on the wet, while measured
    clips_in: int = 0  # samples over full scale since the last reset (x)
    clips_out: int = 0
    xruns: int = 0
    underruns: int = 0  # blocks of silence because a file streamed from disk came too late
    busy: str = ""  # "compiling DSP kernels…" and the like

    @property
    def running(self) -> bool:
        return self.state in ("playing", "monitoring")


def count_text(count: int) -> str:
    """A count in at most four characters: 999, 9999, 61k, 12M."""
    if count < 10_000:
        return str(count)
    return f"{count // 1000}k" if count < 1_000_000 else f"{count // 1_000_000}M"


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


# Priorities: the part with the highest number is dropped first when the line is too long.
KEEP, SESSION, AUDIO, FLAGS, FILE, DETAILS = range(6)
# White on red, not red alone: with NO_COLOR red turns a grey as dark as the background.
ALARM = "bold white on red"
REASON_MIN = 24  # cells of the last part (the audio state's reason) worth keeping


def _parts(info: StatusInfo) -> list[tuple[int, Text]]:
    """(priority, text) in the order shown."""
    parts: list[tuple[int, Text]] = []
    if info.busy:
        parts.append((KEEP, Text(f" {info.busy} ", "bold reverse yellow")))
    parts.append(
        (SESSION, Text.assemble((info.preset, "bold"), ("*" if info.modified else "", "bold")))
    )
    parts.append((FLAGS, Text.assemble(("slot ", "dim"), (f" {info.slot} ", "bold reverse"))))
    parts.append((FILE, Text(info.file)))
    channels = "mono" if info.channels == 1 else f"{info.channels} ch"
    details = f"{info.rate_hz / 1000:g} kHz · {channels} · {info.length_s:.2f} s"
    parts.append((DETAILS, Text(details, "dim")))
    icon = {"playing": "▶", "monitoring": "●"}.get(info.state, "■")
    transport = Text(f"{icon} {_clock(info.position_s)}/{_clock(info.length_s)}", "bold")
    if info.bypass:
        cut = f" {info.bypass_cut_db:.1f} dB quieter" if info.bypass_cut_db > 0.05 else ""
        transport.append(f" BYPASS{cut}", "bold reverse yellow")
    parts.append((KEEP, transport))
    if info.loop:
        parts.append((DETAILS, Text("loop", "dim")))
    if info.auto_gain:
        gain = f" {info.auto_gain_db:+.1f} dB" if info.auto_gain_db is not None else ""
        parts.append((SESSION, Text(f"auto gain{gain}", "bold")))
    if info.clips_in or info.clips_out:
        clips = " ".join(
            f"{where} {count_text(count)}"
            for where, count in (("in", info.clips_in), ("out", info.clips_out))
            if count
        )
        parts.append((KEEP, Text(f"CLIP {clips}", ALARM)))
    if info.running or info.xruns:
        parts.append((KEEP, Text(f"xruns {info.xruns}", ALARM if info.xruns else "dim")))
    if info.underruns:
        parts.append((AUDIO, Text(f"disk underruns {info.underruns}", ALARM)))
    if info.reason:  # last, so a long reason is cut short rather than pushing others out
        # an error of a running stream matters; "no audio device" is said on every audio key
        urgent = AUDIO if info.state == "error" else FLAGS
        parts.append((urgent, Text(f"{info.state}: {info.reason}", "italic")))
    elif info.running:
        parts.append((SESSION, Text(info.state, "bold")))
    return parts


class StatusBar(Widget):
    """One line; the least important parts are dropped when the terminal is narrow."""

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
        width = self.size.width or 80
        parts = _parts(self.info)
        sep = Text(" │ ", "dim")

        def length() -> int:
            # The last part may be cut to REASON_MIN cells with an ellipsis.
            cells = [t.cell_len for _, t in parts]
            cells[-1] = min(cells[-1], REASON_MIN)
            return 1 + sum(cells) + sep.cell_len * (len(parts) - 1)

        while len(parts) > 1 and length() > width:
            worst = max(p for p, _ in parts)
            del parts[max(i for i, (p, _) in enumerate(parts) if p == worst)]
        line = Text(" ", no_wrap=True, end="", overflow="ellipsis")
        line.append_text(Text(" │ ", "dim").join(t for _, t in parts))
        line.truncate(width, overflow="ellipsis")
        return line
