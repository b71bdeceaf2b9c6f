"""The workstation's keys: one list read by the main screen, the help screen and the palette.

Actions named ``app.*`` run on the app (audio and the transport); the others on the main screen.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType


def _key(keys: str, action: str, description: str, id: str, show: bool = False) -> Binding:
    return Binding(keys, action, description, id=id, show=show)


MAIN_KEYS: list[BindingType] = [
    _key("up,k", "select(-1)", "Previous parameter", "select-previous"),
    _key("down,j", "select(1)", "Next parameter", "select-next"),
    _key("left,h", "step(-1)", "Decrease one step", "step-down"),
    _key("right,l", "step(1)", "Increase one step", "step-up"),
    _key("shift+left,left_curly_bracket", "step(-10)", "Decrease 10 steps", "step-down-coarse"),
    _key("shift+right,right_curly_bracket", "step(10)", "Increase 10 steps", "step-up-coarse"),
    _key("ctrl+left,left_square_bracket", "step(-0.1)", "Decrease 1/10 step", "step-down-fine"),
    _key("ctrl+right,right_square_bracket", "step(0.1)", "Increase 1/10 step", "step-up-fine"),
    _key("enter,equals_sign", "edit_value", "Type a value", "edit-value"),
    _key("r", "reset", "Reset parameter", "reset"),
    _key("R", "reset_all", "Reset all parameters", "reset-all"),
    _key("u,ctrl+z", "undo", "Undo", "undo"),
    _key("ctrl+r,ctrl+y", "redo", "Redo", "redo"),
    _key("a", "slot('A')", "Slot A", "slot-a"),
    _key("b", "slot('B')", "Slot B", "slot-b"),
    _key("c", "copy_slot", "Copy A to B (active to other)", "copy-slot"),
    _key("left_parenthesis", "morph(-0.1)", "Morph 10 % towards slot A", "morph-to-a"),
    _key("right_parenthesis", "morph(0.1)", "Morph 10 % towards slot B", "morph-to-b"),
    _key("n", "randomize", "Randomise the GRU settings (new sound)", "randomize"),
    _key("v", "view(1)", "Next view", "view-next", show=True),
    _key("V", "view(-1)", "Previous view", "view-previous"),
    _key("plus", "level(1)", "Test level up 1 dB", "level-up"),
    _key("minus", "level(-1)", "Test level down 1 dB", "level-down"),
    _key("z", "zoom(-1)", "Narrower window (scope, spectrum)", "zoom-in"),
    _key("Z", "zoom(1)", "Wider window (scope, spectrum)", "zoom-out"),
    _key("space", "app.play", "Play/stop", "play", show=True),
    _key("L", "app.loop", "Loop on/off", "loop"),
    _key("less_than_sign", "app.seek('-5')", "Back 5 s", "seek-back"),
    _key("greater_than_sign", "app.seek('+5')", "Forward 5 s", "seek-forward"),
    _key("home", "app.seek('0')", "To the start", "seek-start"),
    _key("full_stop", "app.bypass", "Bypass (dry, matched loudness)", "bypass"),
    _key("m", "app.monitor", "Live monitoring on/off", "monitor"),
    _key("g", "auto_gain", "Auto gain on/off (the wet as loud as the dry)", "auto-gain"),
    _key("x", "app.reset_clips", "Reset the meters' clip counts and peak hold", "reset-clips"),
    _key("o", "open", "Open", "open", show=True),
    _key("e", "render", "Render", "render", show=True),
    _key("p", "presets", "Presets", "presets", show=True),
    _key("f", "match", "Match a recording: fit a capture of a device", "match"),
    # Not in the footer: with it the footer is wider than 80 columns.
    Binding("ctrl+s", "save", "Save preset", id="save", key_display="^s", show=False),
]
