"""The DSP layer: the gated recurrent distortion chain. Knows nothing of the UI.

Importing it changes no process-wide setting: the kernels keep their compiled code in grutui's
own cache folder (``grutui.jit``), not through ``numba.config``.
"""

from grutui.dsp.chain import Chain

__all__ = ["Chain"]
