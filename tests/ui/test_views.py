"""The views on the right: the switcher, the test level, and drawing only what is asked for."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from textual import events
from textual.pilot import Pilot

from grutui import preset_store as presets
from grutui.ui.app import GrutuiApp
from grutui.ui.param_panel import ParamPanel
from grutui.ui.source import load_source
from grutui.ui.views.deck import VIEWS
from grutui.ui.views.worker import Lab
from tests.ui.helpers import deck, notices, until, views_current

TITLES = [view.TITLE for view in VIEWS]


def _title(app: GrutuiApp) -> str:
    return str(deck(app).view.border_title)


def _fresh(app: GrutuiApp) -> list[str]:
    """The shown view drawn anew for the current settings, as plain lines."""
    views = deck(app)
    view = views.view
    request = views.request_for(view, app.session.params)
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
        unit, *values = lines[names + 1].split()
        assert unit == "dBFS"  # the bars' scale, and the readouts if any
        if readouts:
            assert len(values) == 10 and all(float(v) < 12 for v in values)
        else:
            assert values == [] and lines[names + 2].startswith("THD")


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


async def _show(pilot: Pilot, app: GrutuiApp, name: str) -> None:
    """Press v until the view ``name`` shows its newest drawing."""
    while deck(app).view.NAME != name:  # noqa: SIM300 - reads as "until it is name"
        await pilot.press("v")
    await views_current(pilot, app)


def _sound(tmp_path: Path, seconds: float = 12.0) -> GrutuiApp:
    """The workstation on a file: a 220 Hz sine at -6 dBFS, then silence, then at -20 dBFS."""
    rate = 48000
    t = np.arange(int(seconds * rate)) / rate
    level = np.where(t < seconds / 3, 0.5, np.where(t < 2 * seconds / 3, 0.0, 0.1))
    data = (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    sf.write(tmp_path / "take.wav", np.stack([data, data], axis=1), rate, subtype="FLOAT")
    return GrutuiApp(source=load_source(tmp_path / "take.wav"), check_audio=False)


async def test_the_level_sweep_shows_a_torn_speaker_falling_silent(
    app: GrutuiApp, pilot: Pilot
) -> None:
    """Broken Speaker gets quieter as the input gets louder: the sweep says by how much."""
    from grutui.analysis import analyze

    app.session.load(presets.find("Broken Speaker"))
    app.main.apply()
    await _show(pilot, app, "sweep")
    assert _title(app).startswith("Level sweep")
    views = deck(app)
    while views.level_dbfs < 0:  # the readout is at the level the other views use
        await pilot.press("plus")
    await views_current(pilot, app)
    result = analyze(app.session.params, gain=1.0)
    ac = result.curve_y.astype(float) - result.dc
    expected = 20 * np.log10(np.sqrt(np.mean(ac * ac)) * np.sqrt(2))
    assert any(
        line.startswith(f"at +0 dBFS: out {expected:+.1f} dBFS")
        for line in deck(app).view.plain.splitlines()[-2:]
    )
    assert expected < -15  # 0 dBFS in, far quieter out: the tear
    assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]


async def test_the_scope_window_narrows_and_widens_with_z(tmp_path: Path) -> None:
    app = _sound(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _show(pilot, app, "scope")
        assert _title(app).startswith("Scope · 20 ms at 0:00.00")
        for keys, words in ((["z", "z"], "5 ms"), (["Z"] * 9, "5 s"), (["Z"] * 9, "10 s")):
            await pilot.press(*keys)
            await views_current(pilot, app)
            assert _title(app).startswith(f"Scope · {words} at")
        *_, ticks, units, _ = deck(app).view.plain.splitlines()  # the time axis, in s
        assert ticks.rstrip().endswith("10") and "time, s" in units
        assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]
        await pilot.press("v", "v")  # z on a view without a window says where it works
        await pilot.press("z")
        assert any("Scope and Spectrum" in n for n in notices(app))


async def test_the_scope_follows_the_play_position(tmp_path: Path) -> None:
    """At the start the scope shows the loud part; five seconds on (>) the silent one, where
    dry and wet are flat; the window sits around the position."""
    app = _sound(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _show(pilot, app, "scope")
        loud = deck(app).view.plain
        await pilot.press("greater_than_sign")
        await until(pilot, lambda: "at 0:05.00" in _title(app), what="the title to follow")
        await views_current(pilot, app)
        quiet = deck(app).view.plain
        assert quiet != loud
        request = deck(app).request_for(deck(app).view, app.session.params)
        assert request.position_s == pytest.approx(5.0 - 0.01)  # 20 ms around 5 s
        canvas = [line[5:] for line in quiet.splitlines()[:-3]]
        assert sum(c not in " " for line in canvas for c in line) < sum(
            c not in " " for line in loud.splitlines()[:-3] for c in line[5:]
        )


async def test_the_spectrum_shows_the_tone_of_the_file(tmp_path: Path) -> None:
    app = _sound(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _show(pilot, app, "spectrum")
        assert _title(app).startswith("Spectrum · 1 s at 0:00.00")
        assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]
        await pilot.press("Z")
        await views_current(pilot, app)
        assert _title(app).startswith("Spectrum · 2 s at")


async def test_aliasing_names_the_figures_at_1x_and_at_the_oversampling(
    app: GrutuiApp, pilot: Pilot
) -> None:
    from grutui.material import aliasing

    app.session.set(app.session.params.replace(Wh=8.0, oversample=4))
    app.main.apply()
    await _show(pilot, app, "aliasing")
    assert _title(app).startswith("Aliasing · 5 kHz at")
    figures = deck(app).view.plain.splitlines()[-1]
    result = aliasing(app.session.params, 48000.0, deck(app).level_dbfs, (1, 4))
    assert result is not None
    at_1x, at_4x = result.aliasing_db
    assert figures.startswith(f"aliasing 1x {at_1x:.0f} dB, 4x {at_4x:.0f} dB")
    assert at_4x < at_1x - 30  # what oversampling is for
    await pilot.press("j", "j", "j", "j", "j", "j", "j", "j", "left", "left")  # to 1x
    await views_current(pilot, app)
    assert app.session.params.oversample == 1
    assert "4x" not in deck(app).view.plain.splitlines()[-1]


async def test_a_slow_view_says_it_is_computing_and_keys_still_work(tmp_path: Path) -> None:
    app = _sound(tmp_path, seconds=30.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await _show(pilot, app, "scope")
        app.session.set(app.session.params.replace(oversample=8))
        app.main.apply()
        await pilot.press(*["Z"] * 9)  # 10 s through the chain at 8x: a few hundred ms
        await views_current(pilot, app)
        thread = deck(app).analysis
        assert thread is not None
        seen_computing = False
        loop = asyncio.get_running_loop()
        for _ in range(3):
            # (Pilot.press waits for the whole process to be idle, threads included: post.)
            # `n` randomises: a setting the deck cannot have drawn ahead (it draws a step either
            # way of the selected parameter while idle, which a quiet machine finishes first).
            before, started = app.session.params, loop.time()
            app.post_message(events.Key("n", "n"))
            while app.session.params == before:
                await asyncio.sleep(0.002)
            assert loop.time() - started < 0.1  # handled at once, whatever the view does
            while loop.time() - started < 0.3 and not seen_computing:
                seen_computing = "computing…" in _title(app)
                await asyncio.sleep(0.005)
        assert seen_computing
        await views_current(pilot, app)
        assert "computing…" not in _title(app)


async def test_a_file_too_large_to_hold_is_analysed_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamed from disk (here: above a lowered size limit), the level still follows the
    file's peak, measured in a thread, and the scope reads its stretch from the file."""
    import grutui.audiofile

    monkeypatch.setattr(grutui.audiofile, "STREAM_ABOVE_BYTES", 1000)
    app = _sound(tmp_path)
    assert app.source.data is None
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "-6.0 dBFS (peak)" in _title(app), what="the measured peak")
        await _show(pilot, app, "scope")
        assert _on_screen(app) == [line.ljust(len(line)) for line in _fresh(app)]
        assert len(set(deck(app).view.plain)) > 10  # a waveform, not an empty frame


async def test_the_palette_switches_views(app: GrutuiApp, pilot: Pilot) -> None:
    """(The help lists every key of the main screen: ``test_help_lists_every_key...``.)"""
    await pilot.press("ctrl+p", *"Next view")
    await pilot.pause(0.5)
    await pilot.press("enter")
    await until(pilot, lambda: deck(app).view.NAME == "harmonics", what="the palette's v")
