"""The harmonic view: bars H1..H10 with THD, even/odd balance and DC (text from the thread)."""

from __future__ import annotations

from grutui.ui.curve_view import PlotView


class HarmonicView(PlotView):
    """Harmonic levels in dBFS, odd and even in two colours."""
