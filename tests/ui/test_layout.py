"""What the screen keeps at each size: the status line's priorities, the too-small notice,
the meters' drawing, and colours that do not hide anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from grutui.audio.status import AudioStatus, LevelMeter
from grutui.ui.app import GrutuiApp
from grutui.ui.meters import ClipLatch, MeterReading, meter_line
from grutui.ui.slider import ParamSlider
from grutui.ui.source import load_source
from tests.ui.helpers import screen_text, until, views_current, write_sound

PLAYING = {
    "state": "playing",
    "position_s": 1.25,
    "bypass": True,
    "bypass_cut_db": 4.2,
    "clips_out": 7,
    "xruns": 2,
}


def _status(app: GrutuiApp) -> str:
    return screen_text(app).splitlines()[0]


async def _playing(pilot: Pilot, app: GrutuiApp) -> None:
    """The status as a stream playing would make it (once the start-up state is shown)."""
    await views_current(pilot, app)
    app.main.show_audio(**PLAYING, reason="")
    await pilot.pause()


@pytest.fixture
def app(tmp_path: Path) -> GrutuiApp:
    """The workstation on a file with a long name."""
    path = tmp_path / "a rather long take name, second day, room mics.wav"
    write_sound(path, seconds=2.0)
    return GrutuiApp(source=load_source(path), check_audio=False)


@pytest.mark.size(80, 24)
async def test_at_80x24_the_status_keeps_transport_bypass_clips_and_xruns(
    app: GrutuiApp, pilot: Pilot
) -> None:
    await _playing(pilot, app)
    status = _status(app)
    for kept in ("▶ 0:01.2/0:02.0", "BYPASS 4.2 dB quieter", "CLIP out 7", "xruns 2"):
        assert kept in status
    assert "kHz" not in status and "room mics" not in status  # the file's details went first
    assert len(status.rstrip()) <= 80


@pytest.mark.size(200, 40)
async def test_a_wide_status_line_shows_everything(app: GrutuiApp, pilot: Pilot) -> None:
    await _playing(pilot, app)
    status = _status(app)
    for shown in ("default", "slot", "room mics.wav", "48 kHz · 2 ch · 2.00 s", "loop", "xruns"):
        assert shown in status


@pytest.mark.size(40, 12)
async def test_below_the_smallest_size_one_line_says_so_and_growing_restores(
    app: GrutuiApp, pilot: Pilot
) -> None:
    lines = [line for line in screen_text(app).splitlines() if line.strip()]
    assert lines == ["Too small (needs 60x16) · ctrl+q quits · now 40x12"[:40]]
    await pilot.press("right")  # the keys still work
    assert app.session.params.Wf == pytest.approx(0.6)
    await pilot.resize_terminal(60, 16)
    await until(pilot, lambda: "Parameters" in screen_text(app), what="the layout")
    assert "Too small" not in screen_text(app)
    assert "0.60" in screen_text(app)


def test_a_meter_shows_rms_peak_hold_and_a_lit_clip_count() -> None:
    width = 40
    quiet = meter_line("in", MeterReading(), width)
    assert quiet.plain.startswith("in  ·") and "-inf  -inf" in quiet.plain
    assert "no clip" in quiet.plain and len(quiet.plain) <= width
    loud = meter_line("out", MeterReading(-6.0, -12.0, -1.0, clips=3), width).plain
    bar = loud[4 : loud.index(" ", 4)]
    assert bar.count("█") < bar.count("█") + bar.count("▒")  # RMS below the peak
    assert bar.index("│") > bar.rindex("▒")  # the hold above the peak
    assert "-6.0 -12.0" in loud and "CLIP 3" in loud


async def test_the_selected_sliders_empty_track_has_the_texts_colour(
    app: GrutuiApp, pilot: Pilot
) -> None:
    """In 16 colours the selected row's background can be the track's grey: the track of the
    selected slider is drawn in the text's own colour instead."""
    selected = app.main.query_one("#slider-Wf", ParamSlider)
    other = app.main.query_one("#slider-Wh", ParamSlider)

    def track_styles(slider: ParamSlider) -> set[str]:
        text = slider.render()
        start = text.plain.index("●") + 1
        return {str(span.style) for span in text.spans if span.start >= start and span.end > start}

    assert "bright_black" in track_styles(other)
    assert "bright_black" not in track_styles(selected)


def test_clip_counts_stay_across_runs_until_reset_even_with_a_stale_reading() -> None:
    def status(clips: int) -> AudioStatus:
        return AudioStatus(output=LevelMeter(peak_dbfs=-1.0, clips=clips))

    latch = ClipLatch()
    assert latch.readings(status(5), run=1)[1].clips == 5
    assert latch.readings(status(0), run=2)[1].clips == 5  # a new run counts from 0: kept
    assert latch.readings(status(3), run=2)[1].clips == 8
    latch.reset()
    assert latch.readings(status(3), run=2)[1].clips == 3  # read before the stream cleared
    assert latch.readings(status(0), run=2)[1].clips == 0  # and then it is gone for good
    assert latch.readings(status(0), run=3)[1].clips == 0
