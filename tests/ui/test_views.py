"""The views on the right: the switcher, the test level, and drawing only what is asked for."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from textual import events
from textual.pilot import Pilot

from grutui.ui.app import GrutuiApp
from grutui.ui.param_panel import ParamPanel
from grutui.ui.source import load_source
from grutui.ui.views.deck import VIEWS
from grutui.ui.views.worker import Lab, ViewRequest
from tests.ui.helpers import deck, until, views_current

TITLES = [view.TITLE for view in VIEWS]


def _title(app: GrutuiApp) -> str:
    return str(deck(app).view.border_title)


def _fresh(app: GrutuiApp) -> list[str]:
    """The shown view drawn anew for the current settings, as plain lines."""
    views = deck(app)
    view = views.view
    request = ViewRequest(
        view.NAME, app.session.params, view.plot_size, level_dbfs=views.level_dbfs
    )
    drawing = type(view).drawer().draw(request, Lab(), lambda: False)
    assert drawing is not None
    return [strip.text for strip in drawing.lines][: view.plot_size[1]]


def _on_screen(app: GrutuiApp) -> list[str]:
    """The shown view as the compositor takes it (cached lines and lines repainted since)."""
    view = deck(app).view
    width, height = view.plot_size
    left, top = view.styles.gutter.left, view.styles.gutter.top
    outer = view.render_lines(view.outer_size.region)[top : top + height]
    return [strip.text[left : left + width] for strip in outer]


async def test_v_cycles_the_views_and_shift_v_goes_back(app: GrutuiApp, pilot: Pilot) -> None:
    await views_current(pilot, app)
    assert _title(app).startswith("Transfer curve")
    seen = []
    for _ in VIEWS:
        seen.append(_title(app))
        assert "v: " in str(deck(app).view.border_subtitle)
        await pilot.press("v")
        await views_current(pilot, app)  # each view is drawn when shown
    assert [title.split(" · ")[0] for title in seen] == TITLES
    assert _title(app).startswith("Transfer curve")  # round again
    await pilot.press("V")
    await views_current(pilot, app)
    assert _title(app).startswith(TITLES[-1])


async def test_views_follow_every_change(app: GrutuiApp, pilot: Pilot) -> None:
    await views_current(pilot, app)
    for _ in VIEWS:
        first = deck(app).view.plain
        await pilot.press("j", "shift+right", "shift+right")
        await views_current(pilot, app)
        assert deck(app).view.plain != first
        assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]
        await pilot.press("v")
        await views_current(pilot, app)


async def test_the_curve_and_harmonics_say_thd(app: GrutuiApp, pilot: Pilot) -> None:
    for name in ("curve", "harmonics"):
        await views_current(pilot, app)
        assert name == deck(app).view.NAME
        assert "THD" in deck(app).view.plain
        await pilot.press("v")


async def test_holding_a_key_never_queues_stale_work(app: GrutuiApp, pilot: Pilot) -> None:
    await views_current(pilot, app)
    thread = deck(app).analysis
    assert thread is not None
    done_before = thread.completed
    for _ in range(40):  # a held key: all 40 events queued before any is handled
        app.post_message(events.Key("right", None))
    await until(
        pilot, lambda: app.session.params.Wf == pytest.approx(4.5), what="the 40 key presses"
    )
    await views_current(pilot, app)
    assert thread.completed - done_before < 40


async def test_plus_and_minus_move_the_test_level_in_db(app: GrutuiApp, pilot: Pilot) -> None:
    await views_current(pilot, app)
    views = deck(app)
    peak = app.source.peak_dbfs
    assert peak is not None
    assert views.level_dbfs == pytest.approx(round(peak, 1))  # follows the sound's peak
    assert "(peak)" in _title(app)
    await pilot.press("plus", "plus")
    assert views.level_dbfs == pytest.approx(round(peak, 1) + 2.0)
    await pilot.press("minus", "minus", "minus")
    await views_current(pilot, app)
    level = round(peak, 1) - 1.0
    assert views.level_dbfs == pytest.approx(level)
    assert f"in {level:+.1f} dBFS" in _title(app) and "(peak)" not in _title(app)
    assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]
    for _ in range(100):  # clamped to its range
        await pilot.press("minus")
    assert views.level_dbfs == -60.0


async def test_the_level_follows_the_loaded_sound(tmp_path: Path) -> None:
    """A file normalised to full scale analyses at 0 dBFS; one 12 dB down at -12 dBFS."""
    t = np.arange(24000) / 48000
    for name, peak in (("full.wav", 1.0), ("quiet.wav", 10 ** (-12 / 20))):
        sf.write(tmp_path / name, (peak * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 48000)
    app = GrutuiApp(source=load_source(tmp_path / "full.wav"), check_audio=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await views_current(pilot, app)
        assert "in +0.0 dBFS (peak)" in _title(app)
        await pilot.press("o")
        app.screen.query_one("#open-path").value = str(tmp_path / "quiet.wav")  # type: ignore[attr-defined]
        await pilot.click("#open")
        await until(pilot, lambda: app.source.name == "quiet.wav", what="the file to load")
        await views_current(pilot, app)
        assert "in -12.0 dBFS (peak)" in _title(app)


async def test_the_harmonics_scale_stays_put_when_the_level_moves(
    app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press("v")
    await views_current(pilot, app)
    view = deck(app).view

    def axis() -> list[str]:
        return [line[:5] for line in view.plain.splitlines() if "│" in line[:5]]

    before, bars = axis(), view.plain
    await pilot.press(*["minus"] * 12)
    await views_current(pilot, app)
    assert axis() == before
    assert view.plain != bars


@pytest.mark.parametrize(("size", "readouts"), [((120, 40), True), ((80, 24), False)])
async def test_harmonic_levels_are_written_out_from_120x40(
    size: tuple[int, int], readouts: bool
) -> None:
    app = GrutuiApp(check_audio=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("v")
        await views_current(pilot, app)
        lines = deck(app).view.plain.splitlines()
        names = next(i for i, line in enumerate(lines) if "H10" in line)
        values = lines[names + 1].split()
        if readouts:
            assert len(values) == 10 and all(float(v) < 12 for v in values)
        else:
            assert values[0] == "THD"


async def test_the_next_step_is_drawn_ahead_and_shown_at_once(app: GrutuiApp, pilot: Pilot) -> None:
    """While idle the analysis thread draws the selected parameter one step either way; the
    key that asks for one is answered from that drawing, which is the right one."""
    await views_current(pilot, app)
    thread = deck(app).analysis
    assert thread is not None
    for keys in (["right"], ["right"], ["left"], ["j"], ["shift+left"], ["left"]):
        hits, done = thread.prefetch_hits, thread.completed
        await pilot.pause(0.3)  # idle: time to draw ahead
        await pilot.press(*keys)
        await views_current(pilot, app)
        stepped = keys != ["j"] and keys != ["shift+left"]  # j selects; shift: 10 steps
        assert thread.prefetch_hits - hits == (1 if stepped else 0), keys
        assert thread.completed - done == (0 if keys == ["j"] else 1)
    assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]


async def test_views_repaint_exactly_the_lines_that_changed(app: GrutuiApp, pilot: Pilot) -> None:
    """After many changes (each repainting only the lines that differ), what the screen holds
    for each view is what a fresh drawing of the final settings gives."""
    for _ in VIEWS:
        await views_current(pilot, app)
        await pilot.press("shift+right", "j", "shift+right", "right", "k", "left", "plus")
        await pilot.press("j", "j", "shift+left", "shift+left", "minus", "minus")
        await views_current(pilot, app)
        assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]
        # The sliders, which follow the views, show the final values too.
        for slider in app.main.query_one(ParamPanel).sliders():
            assert slider.value == getattr(app.session.params, slider.spec.name)
        await pilot.press("v")


@pytest.mark.size(40, 24)
async def test_a_view_with_no_room_costs_nothing_and_keys_still_work(
    app: GrutuiApp, pilot: Pilot
) -> None:
    """Too narrow for the views: nothing is asked of the thread (no spinning), keys work,
    and growing the terminal draws the view at its new size."""
    views = deck(app)
    await pilot.pause(0.5)
    thread = views.analysis
    assert thread is not None
    assert views.view.plot_size[0] <= 0
    asked = thread.latest
    await pilot.press("right", "v", "V", "plus")
    await asyncio.sleep(0.3)
    assert thread.latest == asked  # no request for a view that cannot be seen
    assert app.session.params.Wf == pytest.approx(0.6)
    await pilot.resize_terminal(120, 40)
    await views_current(pilot, app)
    assert views.view.plot_size[0] > 40
    assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]
