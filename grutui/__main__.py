"""``python -m grutui``."""

from grutui.cli import run

run()
