"""The DSP layer: the gated recurrent distortion chain. Knows nothing of the UI."""

from grutui.dsp.chain import Chain

__all__ = ["Chain"]
