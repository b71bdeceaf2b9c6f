"""grutui: a terminal workstation for the gated recurrent distortion."""

__version__ = "0.1.0"
